"""The snapshot of a lock's last translation (lock2nix.snapshot): one file per
lock, and output byte-identical to a translation without it."""

from __future__ import annotations

import os
import pickle
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from lock2nix.model import Lock
from lock2nix.snapshot import Snapshot, digest

from .conftest import FIXTURES, POETRY_CASES, stage_poetry_case
from .pipfile_cases import PIPFILE_CASES, recorded_pipfile_cache, stage_pipfile_case  # noqa: F401 - a fixture
from .test_translate_fixtures import NOT_RECORDED
from .uv_cases import PYLOCK_CASES, UV_CASES, stage_case, uv_cache  # noqa: F401 - a fixture

UV_KEYS = [f"uv/{c}" for c in UV_CASES] + [f"pylock/{c}" for c in PYLOCK_CASES]


def run(lock: Path, cache: Path, *options: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "lock2nix", "--offline", "--cache-dir", str(cache), *options, lock.name],
        cwd=lock.parent, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def fresh_cache(recorded: Path, where: Path) -> Path:
    cache = where / "cache"
    shutil.copytree(recorded, cache)
    shutil.rmtree(cache / "snapshots", ignore_errors=True)
    return cache


def snapshots(cache: Path) -> list[Path]:
    return sorted((cache / "snapshots").glob("*.pickle"))


def entries(path: Path) -> dict[str, dict[str, tuple[object, str, tuple[str, ...]]]]:
    snapshot = Snapshot.read(path)
    snapshot.close()
    assert snapshot.entries, f"{path} holds no snapshot"
    return snapshot.entries


@pytest.mark.parametrize("case", [c for c in POETRY_CASES if c not in NOT_RECORDED] + PIPFILE_CASES + UV_KEYS)
def test_output_is_the_same_with_and_without_the_snapshot(
    case, tmp_path, recorded_cache, recorded_pipfile_cache, uv_cache  # noqa: F811
) -> None:
    if case in PIPFILE_CASES:
        lock, recorded = stage_pipfile_case(case, tmp_path), recorded_pipfile_cache
    elif case in UV_KEYS:
        kind, name = case.split("/")
        lock, recorded = stage_case(kind, name, tmp_path), uv_cache
    else:
        lock, recorded = stage_poetry_case(case, tmp_path), recorded_cache
    cache = fresh_cache(recorded, tmp_path)
    first = run(lock, cache)
    assert len(snapshots(cache)) == 1, "one snapshot file for the lock"
    second = run(lock, cache)
    assert second == first
    assert run(lock, cache, "--emit", "model") == run(lock, fresh_cache(recorded, tmp_path / "again"), "--emit", "model")


def test_a_changed_entry_is_translated_again_the_rest_reused(tmp_path, recorded_cache) -> None:
    lock = stage_poetry_case("jfilter__split-folders__small-lock21", tmp_path)
    cache = fresh_cache(recorded_cache, tmp_path)
    run(lock, cache, "--no-detect")
    [path] = snapshots(cache)
    before = entries(path)
    # tqdm 4.65.0, as the recorded index lists it.
    text = lock.read_text()
    text = re.sub(
        r'(name = "tqdm"\nversion = )"4.67.1"((?:.*\n)*?files = \[\n)(?:    \{.*\n)+',
        lambda m: m.group(1) + '"4.65.0"' + m.group(2)
        + '    {file = "tqdm-4.65.0-py3-none-any.whl", hash = "sha256:c4f53a17fe37e132815abceec022631be8ffe1b9381c2e6e30aa70edc99e9671"},\n'
        + '    {file = "tqdm-4.65.0.tar.gz", hash = "sha256:1871fb68a86b8fb3b59ca4cdd3dcccbc7e6d613eeed31f4c332531977b89beb5"},\n',
        text,
    )
    lock.write_text(text)
    changed = run(lock, cache, "--no-detect")
    assert "4.65.0" in changed
    # Byte-identical to a translation that starts from nothing.
    assert changed == run(lock, fresh_cache(recorded_cache, tmp_path / "cold"), "--no-detect")
    after = entries(path)
    # The snapshot keeps what this translation used: the new tqdm entries, not the old ones.
    assert set(after["resolved"]) != set(before["resolved"])
    assert len(set(after["resolved"]) & set(before["resolved"])) == len(before["resolved"]) - 1


def test_an_entry_changed_only_in_its_edges_is_not_resolved_again(tmp_path, recorded_cache) -> None:
    lock = stage_poetry_case("jfilter__split-folders__small-lock21", tmp_path)
    cache = fresh_cache(recorded_cache, tmp_path)
    original = lock.read_text()
    run(lock, cache)
    # The index and sdist caches gone: resolving any package again fails (--offline).
    for entry in cache.iterdir():
        if entry.name != "snapshots":
            shutil.rmtree(entry)
    edge = 'typing-extensions = {version = ">=4.6.0", markers = "python_version < \\"3.13\\""}'
    assert edge in original
    for text in (original.replace(edge, edge.replace(">=4.6.0", ">=4.6.1")), original):
        lock.write_text(text)
        changed = run(lock, cache)
        assert changed == run(lock, fresh_cache(recorded_cache, tmp_path / "cold"))
        shutil.rmtree(tmp_path / "cold")
    # Its groups too: a package only "dev" needs, needed by "main" as well.
    lock.write_text(original.replace('groups = ["dev"]\nmarkers = "python_version == \\"3.10\\""',
                                     'groups = ["main", "dev"]\nmarkers = "python_version == \\"3.10\\""'))
    assert lock.read_text() != original
    assert run(lock, cache) == run(lock, fresh_cache(recorded_cache, tmp_path / "cold"))


def test_a_damaged_or_foreign_snapshot_is_ignored(tmp_path, recorded_cache) -> None:
    lock = stage_poetry_case("jfilter__split-folders__small-lock21", tmp_path)
    cache = fresh_cache(recorded_cache, tmp_path)
    expected = run(lock, cache)
    [path] = snapshots(cache)
    path.write_bytes(pickle.dumps({"lock2nix": ("0.0.0", 2), "entries": {"rendered": {}}}))
    assert run(lock, cache) == expected
    path.write_bytes(b"{ not a pickle")
    assert run(lock, cache) == expected
    path.write_bytes(pickle.dumps({"lock2nix": None}))  # no entries
    assert run(lock, cache) == expected


def test_the_model_pickles_to_equal_objects(recorded_cache) -> None:
    from lock2nix import parsers, resolve

    case = FIXTURES / "poetry" / "sinaptik-ai__pandas-ai__2024-10-large"
    lock = parsers.parse(str(case / "poetry.lock"), (case / "poetry.lock").read_bytes(), directory=case,
                         allow_insecure_hashes=False)
    lock = resolve.resolve(lock, resolve.Settings(cache_dir=recorded_cache, offline=True))
    assert pickle.loads(pickle.dumps(lock, protocol=5)) == lock
    # What the snapshot keeps of a package is its fields only (no cached wheel tags).
    wheel = next(a for p in lock.packages if hasattr(p.source, "wheels") for a in p.source.wheels)
    assert wheel.tags
    assert "tags" not in pickle.loads(pickle.dumps(wheel)).__dict__


KEYS = """
import pickle, sys
from pathlib import Path
from lock2nix import parsers
from lock2nix.snapshot import Snapshot, digest
case = Path(sys.argv[1])
lock = parsers.parse(str(case / "poetry.lock"), (case / "poetry.lock").read_bytes(), directory=case)
snapshot = Snapshot()
print([snapshot.fingerprint(p) for p in lock.packages], digest("x", lock.packages[0], {"a": 1}))
"""


def test_keys_are_the_same_in_every_process() -> None:
    """Keys are digests of pickles: sets (groups) pickle in an order of their own."""
    case = FIXTURES / "poetry" / "sinaptik-ai__pandas-ai__2024-10-large"
    outputs = {
        subprocess.run(
            [sys.executable, "-c", KEYS, str(case)], capture_output=True, text=True, check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("1", "2", "3")
    }
    assert len(outputs) == 1
    assert any(len(p.groups) > 1 for p in _parse(case).packages), "the case has packages in several groups"


def _parse(case: Path) -> Lock:
    from lock2nix import parsers

    return parsers.parse(str(case / "poetry.lock"), (case / "poetry.lock").read_bytes(), directory=case)


def test_a_reused_entry_prints_its_warnings_again(tmp_path, recorded_cache) -> None:
    lock = stage_poetry_case("sinaptik-ai__pandas-ai__2024-10-large", tmp_path)
    cache = fresh_cache(recorded_cache, tmp_path)

    def warnings() -> list[str]:
        result = subprocess.run(
            [sys.executable, "-m", "lock2nix", "--offline", "--cache-dir", str(cache), lock.name, "-o", "overlay.nix",
             "--force"],
            cwd=lock.parent, capture_output=True, text=True,
        )
        assert result.returncode == 0, result.stderr
        return sorted(line for line in result.stderr.splitlines() if "warning" in line)

    first = warnings()
    assert any("lancedb" in line for line in first), first
    [path] = snapshots(cache)
    assert any(e[2] for kind in entries(path).values() for e in kind.values()), "kept with the entry"
    assert warnings() == first


def test_memo_keeps_a_value_with_the_warnings_computing_it_printed(capsys) -> None:
    from lock2nix._warnings import warn

    snapshot = Snapshot()

    def compute() -> str:
        warn("careful")
        return "value"

    assert snapshot.memo("kind", digest("k"), compute) == "value"
    reloaded = Snapshot(None, snapshot.used)
    assert reloaded.memo("kind", digest("k"), lambda: pytest.fail("computed again")) == "value"
    assert capsys.readouterr().err.count("lock2nix: warning: careful") == 2


def test_a_derived_value_has_a_fingerprint_of_its_own_without_being_pickled(monkeypatch) -> None:
    import dataclasses

    from lock2nix import snapshot as snapshot_module
    from lock2nix.model import Dependency

    hashed = snapshot_module._key
    # The value's own content is never what is hashed: only its source's and the changes.
    monkeypatch.setattr(
        snapshot_module, "_key", lambda data: pytest.fail("pickled") if b"in-the-value" in data else hashed(data)
    )
    source = Dependency(name="a")

    def derive(snapshot: Snapshot, change: str) -> Dependency:
        extras = (f"{change}-in-the-value",)
        return snapshot.derived(
            dataclasses.replace(source, extras=extras), source, change,
            remake=lambda whole: dataclasses.replace(whole, extras=extras),
        )

    first, second = Snapshot(), Snapshot()
    x = first.fingerprint(derive(first, "x"))
    assert x == second.fingerprint(derive(second, "x")), "the same in any run"
    assert x != first.fingerprint(derive(first, "y")) != first.fingerprint(source)


def test_a_freed_value_does_not_lend_its_fingerprint_to_the_next_with_its_id() -> None:
    import weakref

    from lock2nix.model import Dependency

    snapshot = Snapshot()
    first = Dependency(name="a")
    fingerprint, address, alive = snapshot.fingerprint(first), id(first), weakref.ref(first)
    del first
    assert alive() is None, "the snapshot does not keep the values it fingerprinted"
    # The freed memory is soon given to another object of the same size.
    others = [Dependency(name="b") for _ in range(20_000)]
    reused = [o for o in others if id(o) == address]
    assert reused, "no object took the freed address"
    assert snapshot.fingerprint(reused[0]) != fingerprint


def saved(snapshot: Snapshot, cache: Path) -> Snapshot:
    """``snapshot`` written to the file of a lock named ``poetry.lock`` in ``cache``, and that file loaded."""
    snapshot.path = Snapshot.load(cache, Path("poetry.lock")).path
    snapshot.save()
    return Snapshot.load(cache, Path("poetry.lock"))


def test_entries_are_read_from_the_file_as_they_are_taken(tmp_path) -> None:
    first = Snapshot()
    values = {f"k{i}": {"text": "x" * i, "i": i} for i in range(50)}
    for key, value in values.items():
        first.put("kind", digest(key), value)
    loaded = saved(first, tmp_path)
    # Loading reads the index only: every entry is where the file has it, not its pickle.
    assert all(isinstance(where, tuple) for where, _, _ in loaded.entries["kind"].values())
    taken = {key: loaded.get("kind", digest(key)) for key in list(values)[::2]}
    assert taken == {key: values[key] for key in list(values)[::2]}
    assert all(isinstance(where, tuple) for where, _, _ in loaded.used["kind"].values()), "not held once taken"
    loaded.put("kind", digest("new"), "a value computed in this run")
    # Written again: the entries taken, and the new one; the rest dropped.
    again = saved(loaded, tmp_path)
    assert loaded._fd is None, "closed once saved"
    assert {key: again.get("kind", digest(key)) for key in taken} == taken
    assert again.get("kind", digest("new")) == "a value computed in this run"
    assert not again.holds("kind", digest("k1"))
    again.close()


def test_entries_small_and_larger_than_a_read_are_read_back_in_any_order(tmp_path) -> None:
    import random

    from lock2nix import snapshot as snapshot_module

    first = Snapshot()
    sizes = [1, 10, 1000, snapshot_module._WINDOW - 40, snapshot_module._WINDOW, 3 * snapshot_module._WINDOW, 7]
    values = {f"k{i}": bytes([i % 251]) * sizes[i % len(sizes)] for i in range(60)}
    for key, value in values.items():
        first.put("kind", digest(key), value)
    loaded = saved(first, tmp_path)
    order = list(values)
    for shuffled in (order, order[::-1], random.Random(1).sample(order, len(order))):
        assert [loaded.get("kind", digest(key)) for key in shuffled] == [values[key] for key in shuffled]
    loaded.close()


def test_a_snapshot_file_cut_short_gives_the_same_output(tmp_path, recorded_cache) -> None:
    lock = stage_poetry_case("jfilter__split-folders__small-lock21", tmp_path)
    cache = fresh_cache(recorded_cache, tmp_path)
    expected = run(lock, cache)
    [path] = snapshots(cache)
    data = path.read_bytes()
    # An append cut short: the file does not end with an index. Ignored, and written anew.
    for damaged in (data[: len(data) // 2], data + b"half of an entry", data[:-1]):
        path.write_bytes(damaged)
        assert run(lock, cache) == expected
        assert path.read_bytes() == data, "written anew"


def test_a_run_that_changed_a_few_entries_appends_them(tmp_path) -> None:
    first = Snapshot()
    for i in range(20):
        first.put("kind", digest(i), "x" * 1000 + str(i))
    loaded = saved(first, tmp_path)
    path, before = loaded.path, os.stat(loaded.path)
    assert path is not None
    for i in range(10):  # half of them used again
        assert loaded.get("kind", digest(i)) == "x" * 1000 + str(i)
    loaded.put("kind", digest("new"), "computed in this run")
    again = saved(loaded, tmp_path)
    after = os.stat(path)
    assert (after.st_ino, after.st_size > before.st_size) == (before.st_ino, True), "appended to the same file"
    assert again.get("kind", digest("new")) == "computed in this run"
    assert [again.get("kind", digest(i)) for i in range(10)] == ["x" * 1000 + str(i) for i in range(10)]
    assert not again.holds("kind", digest(15))
    again.close()


def test_a_file_of_mostly_unused_entries_is_written_anew(tmp_path, monkeypatch) -> None:
    from lock2nix import snapshot as snapshot_module

    monkeypatch.setattr(snapshot_module, "_COMPACT_FROM", 0)
    first = Snapshot()
    for i in range(20):
        first.put("kind", digest(i), "x" * 1000 + str(i))
    loaded = saved(first, tmp_path)
    assert loaded.path is not None
    before = os.stat(loaded.path)
    assert loaded.get("kind", digest(0)) is not None  # one of twenty used
    again = saved(loaded, tmp_path)
    assert again.path is not None
    after = os.stat(again.path)
    assert after.st_ino != before.st_ino and after.st_size < before.st_size / 10
    assert again.get("kind", digest(0)) == "x" * 1000 + "0"
    again.close()


def test_a_file_written_since_it_was_loaded_is_written_anew_not_appended_to(tmp_path) -> None:
    first = Snapshot()
    first.put("kind", digest("a"), "a")
    loaded = saved(first, tmp_path)
    assert loaded.get("kind", digest("a")) == "a"
    # Another lock2nix wrote the file meanwhile (here: its entry b).
    other = Snapshot.load(tmp_path, Path("poetry.lock"))
    other.put("kind", digest("b"), "b")
    other.save()
    loaded.put("kind", digest("c"), "c")
    final = saved(loaded, tmp_path)
    assert [final.get("kind", digest(k)) for k in "abc"] == ["a", None, "c"], "this run's entries, whole"
    final.close()


def test_a_stand_in_has_the_fingerprint_and_warnings_of_what_it_stands_for(tmp_path, capsys) -> None:
    first = Snapshot()
    whole = {"files": list(range(100)), "name": "x"}
    first.put("whole", digest("w"), whole, ("it warned",))
    first.put_stand_in("part", digest("p"), {"name": "x"}, whole)
    loaded = saved(first, tmp_path)
    capsys.readouterr()
    part = loaded.stand_in("part", digest("p"), "whole", digest("w"))
    assert part == {"name": "x"}
    assert loaded.fingerprint(part) == first.fingerprint(whole)
    assert capsys.readouterr().err.count("it warned") == 1, "the whole's warnings, printed once"
    assert loaded.whole(part) == whole and loaded.whole(whole) is whole
    assert capsys.readouterr().err == "", "not printed again when the whole is read"
    assert loaded.stand_in("part", digest("p"), "whole", digest("missing")) is None
    # A value made from a stand-in stands in for the same made from its whole.
    renamed = loaded.derived({**part, "name": "y"}, part, "y", remake=lambda value: {**value, "name": "y"})
    assert loaded.whole(renamed) == {**whole, "name": "y"}
    assert loaded.fingerprint(renamed) != loaded.fingerprint(part)
    plain = loaded.derived({"name": "z"}, {"name": "x"}, "z", remake=lambda value: {**value, "name": "z"})
    assert loaded.whole(plain) is plain, "made from a value that is not a stand-in: whole already"
    # Both kept for the next run, the whole without having been read.
    again = saved(loaded, tmp_path)
    assert again.holds("part", digest("p")) and again.holds("whole", digest("w"))
    again.close()


def test_packages_taken_as_outlines_are_written_whole(tmp_path, recorded_cache) -> None:
    lock = stage_poetry_case("sinaptik-ai__pandas-ai__2024-10-large", tmp_path)
    cache = fresh_cache(recorded_cache, tmp_path)
    run(lock, cache)  # keeps each package, and its outline, for the next run
    [path] = snapshots(cache)
    assert entries(path)["outline"], "outlines kept"
    # Another directory for the overlay: every package's text is written again (its lock_dir
    # changed), each from the package its outline stands for.
    (lock.parent / "nix").mkdir()

    def overlay_in_nix(cache: Path) -> str:
        result = subprocess.run(
            [sys.executable, "-m", "lock2nix", "--offline", "--force", "--cache-dir", str(cache), lock.name,
             "-o", "nix/o.nix"],
            cwd=lock.parent, capture_output=True, text=True,
        )
        assert result.returncode == 0, result.stderr
        return (lock.parent / "nix" / "o.nix").read_text() + result.stderr

    with_outlines = overlay_in_nix(cache)
    assert "lancedb" in with_outlines.rpartition("}\n")[2], "the warnings of the packages taken"
    assert with_outlines == overlay_in_nix(fresh_cache(recorded_cache, tmp_path / "without"))
