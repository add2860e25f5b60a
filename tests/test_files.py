"""Writing files so that readers see the old content or the new (lock2nix._files)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from lock2nix._files import write_atomic


def test_a_new_file_is_readable_by_all_and_an_old_one_keeps_its_mode(tmp_path: Path) -> None:
    new = tmp_path / "overlay.nix"
    write_atomic(new, "text")
    assert new.read_text() == "text" and stat.S_IMODE(new.stat().st_mode) == 0o644
    new.chmod(0o600)
    write_atomic(new, b"bytes")
    assert new.read_bytes() == b"bytes" and stat.S_IMODE(new.stat().st_mode) == 0o600


def test_a_failed_write_leaves_the_old_content_and_no_temporary_file(tmp_path: Path) -> None:
    path = tmp_path / "overlay.nix"
    path.write_text("old")

    def half(f: object) -> None:
        f.write(b"half of the ")  # type: ignore[attr-defined]
        raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError):
        write_atomic(path, half)
    assert path.read_text() == "old"
    assert os.listdir(tmp_path) == ["overlay.nix"]


def test_missing_directories_are_made_for_caches(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "entry.json"
    write_atomic(path, "{}", parents=True, durable=True)
    assert path.read_text() == "{}"


def test_temporary_names_are_new_each_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A name already taken (another writer's) is passed over, not written through.
    taken = tmp_path / f".overlay.nix.{'00' * 6}.tmp"
    taken.write_text("another writer's")
    draws = iter([bytes(6), bytes(6), b"\x01" * 6])
    monkeypatch.setattr(os, "urandom", lambda n: next(draws))
    write_atomic(tmp_path / "overlay.nix", "mine")
    assert taken.read_text() == "another writer's"
    assert (tmp_path / "overlay.nix").read_text() == "mine"
