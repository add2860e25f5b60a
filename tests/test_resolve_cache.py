"""The on-disk cache every resolution step keeps its answers in."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest
from lock2nix.resolve.cache import JsonCache, digest_name


def test_an_entry_written_is_read_back(tmp_path: Path) -> None:
    cache = JsonCache.under(tmp_path, "kind")
    path = cache.by_sha256("ab" + "0" * 62)
    assert path == tmp_path / "kind" / "ab" / ("ab" + "0" * 62 + ".json")
    cache.write_json(path, {"key": "k", "value": [1, 2]})
    assert path.read_text() == '{\n "key": "k",\n "value": [\n  1,\n  2\n ]\n}\n'
    assert cache.read(path, {"key": "k"}, lambda entry: tuple(entry["value"])) == (1, 2)


@pytest.mark.parametrize(
    "text",
    [
        None,  # missing
        '{"key": "k", "value": [1',  # cut short
        '{"key": "other", "value": [1]}',  # recorded for another key
        '{"value": [1]}',  # no key at all
        '["key", "k"]',  # not an object
        '{"key": "k"}',  # decode finds no value
        '{"key": "k", "value": 3}',  # decode finds a value of the wrong type
    ],
)
def test_anything_but_a_whole_entry_for_the_key_is_a_miss(tmp_path: Path, text: str | None) -> None:
    cache = JsonCache.under(tmp_path, "kind")
    path = cache.directory / "entry.json"
    if text is not None:
        path.parent.mkdir(parents=True)
        path.write_text(text)
    assert cache.read(path, {"key": "k"}, lambda entry: tuple(entry["value"])) is None


def test_decode_may_refuse_an_entry(tmp_path: Path) -> None:
    cache = JsonCache.under(tmp_path, "kind")
    path = cache.directory / "entry.json"
    cache.write_json(path, {"key": "k", "value": "unknown"})
    assert cache.read(path, {"key": "k"}, lambda entry: None) is None


def test_a_write_replaces_the_entry_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = JsonCache.under(tmp_path, "kind")
    path = cache.directory / "entry.json"
    cache.write_json(path, {"key": "k", "value": 1})

    def crash(src: object, dst: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        cache.write_json(path, {"key": "k", "value": 2})
    monkeypatch.undo()
    assert json.loads(path.read_text())["value"] == 1
    assert [p.name for p in path.parent.iterdir()] == ["entry.json"]  # no temporary file left


def test_digest_name() -> None:
    assert digest_name("https://pypi.org/simple/", 16) == hashlib.sha256(b"https://pypi.org/simple/").hexdigest()[:16]
