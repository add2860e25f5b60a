from __future__ import annotations


def ratio_counts(total: int, ratio: tuple[float, ...]) -> list[int]:
    """How many of ``total`` files go to each split; the remainder goes to the first."""
    if abs(sum(ratio) - 1.0) > 1e-9:
        raise ValueError("ratios must sum to 1")
    counts = [int(total * r) for r in ratio]
    counts[0] += total - sum(counts)
    return counts
