"""Scale, deterministically: the synthetic locks of bench/bench_scale.py translate offline,
parse, and give overlays whose size per locked entry does not grow with the lock.

Timing is measured by the benchmark itself (``python bench/bench_scale.py``);
here the size of the output stands in for the work, which a quadratic part
(such as naming every dependency cycle in full) would make grow faster than
the lock.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import sys

from lock2nix import cli

from .conftest import REPO
from .nixeval import parse_file


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"lock2nix_bench_{name}", REPO / "bench" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


bench_scale = _load("bench_scale")


def test_overlay_size_is_linear_in_the_lock(tmp_path) -> None:
    per_entry = []
    longest_comment = []
    for n in (300, 1500):
        where = tmp_path / str(n)
        where.mkdir()
        lock, cache = bench_scale.synthesise(n, where)
        out = where / "overlay.nix"
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            code = cli.main(["--offline", "--no-detect", "--cache-dir", str(cache), str(lock), "-o", str(out)])
        assert code == 0, err.getvalue()
        parse_file(out)
        text = out.read_text()
        entries = lock.read_text().count("[[package]]")
        assert text.count("= mkPackage {") == entries
        assert "lock2nix dropped" in text  # the synthetic graph has cycles
        per_entry.append(len(text) / entries)
        longest_comment.append(max(len(line) for line in text.splitlines() if "lock2nix dropped" in line))
    assert per_entry[1] < per_entry[0] * 1.1, per_entry
    # Depth-first paths, and so the cycles found, grow with the lock; what names them must not
    # (in full they grew from 1.7 to 4.1 KB per line between these two sizes).
    assert longest_comment[1] < 2 * longest_comment[0], longest_comment


def test_long_cycles_are_named_briefly() -> None:
    from lock2nix.generate.graph import cycle_shown as _cycle_shown

    assert _cycle_shown(["a", "b", "c"], "a") == ["a", "b", "c", "a"]
    long = [f"p{i}" for i in range(1000)]
    shown = _cycle_shown(long, "p0")
    assert shown == ["p0", "p1", "p2", "... 995 more ...", "p998", "p999", "p0"]
