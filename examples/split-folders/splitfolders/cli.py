from __future__ import annotations

import sys

from .split import ratio_counts


def run() -> None:
    total = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    print(" ".join(str(c) for c in ratio_counts(total, (0.8, 0.1, 0.1))))
