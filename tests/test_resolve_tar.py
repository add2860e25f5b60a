"""The tar reader of sdists reads as tarfile reads, or leaves the archive to tarfile.

Archives of every format tarfile writes (USTAR, GNU, PAX), with the members
an sdist may hold and the odd ones it may not, are listed by both readers;
damaged copies of them must give the same listing, or the same error,
through the sdist reader (the fast reader, then tarfile where it must).
"""

from __future__ import annotations

import gzip
import io
import random
import tarfile
import zlib
from pathlib import Path

import pytest

from lock2nix.resolve import sdist, tar

LIMIT = 1 << 20
FORMATS = {"ustar": tarfile.USTAR_FORMAT, "gnu": tarfile.GNU_FORMAT, "pax": tarfile.PAX_FORMAT}


def _file(name: str, content: bytes, **attributes: object) -> tuple[tarfile.TarInfo, bytes | None]:
    info = tarfile.TarInfo(name)
    info.size = len(content)
    for key, value in attributes.items():
        setattr(info, key, value)
    return info, content


def _special(name: str, kind: bytes, **attributes: object) -> tuple[tarfile.TarInfo, bytes | None]:
    info = tarfile.TarInfo(name)
    info.type = kind
    for key, value in attributes.items():
        setattr(info, key, value)
    return info, None


def _members(fmt: str) -> list[tuple[tarfile.TarInfo, bytes | None]]:
    top = "pkg-1.0"
    long_dir = top + "/" + "/".join(["deeply-nested-directory"] * 5)  # 150 characters: a prefix, a long name or PAX
    members = [
        _special(top + "/", tarfile.DIRTYPE),
        _file(top + "/pyproject.toml", b'[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n'),
        _file(top + "/setup.py", b"from setuptools import setup\nsetup()\n", mtime=1_700_000_000.5),
        _file(top + "/empty", b""),
        _file(top + "/two-blocks", bytes(range(256)) * 3),
        _file(top + "/over-the-limit", b"x" * (LIMIT + 1)),
        _special(long_dir + "/", tarfile.DIRTYPE),
        _file(long_dir + "/module.py", b"print('deep')\n"),
        _special(top + "/link", tarfile.SYMTYPE, linkname="pyproject.toml"),
        _special(top + "/hard", tarfile.LNKTYPE, linkname=top + "/setup.py"),
        _special(top + "/fifo", tarfile.FIFOTYPE),
        _file(top + "/d\u00e9j\u00e0-vu.txt", "caf\u00e9\n".encode()),
        _special("other-top/", tarfile.DIRTYPE),
        _file("./dot-slash/file", b"."),
        _file(top + "/contiguous", b"seven", type=tarfile.CONTTYPE),
    ]
    if fmt != "ustar":  # names USTAR cannot hold: GNU's long name and link, or PAX
        members.append(_file(top + "/" + "n" * 120 + ".py", b"long name\n"))  # no '/' to split at
        members.append(_special(top + "/far-link", tarfile.SYMTYPE, linkname="l" * 150))
    if fmt == "pax":
        members.append(_file(top + "/renamed-by-pax", b"pax", pax_headers={"path": top + "/pax-path/", "comment": "c"}))
    return members


def _archive(fmt: str, members: list[tuple[tarfile.TarInfo, bytes | None]], **options: object) -> bytes:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=FORMATS[fmt], **options) as archive:  # type: ignore[call-overload]
        for info, content in members:
            archive.addfile(info, io.BytesIO(content) if content is not None else None)
    return raw.getvalue()


def _with_tarfile(data: bytes) -> list[tar.Member]:
    out = []
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as archive:
        for member in archive:
            content = None
            if member.isfile() and member.size <= LIMIT:
                extracted = archive.extractfile(member)
                assert extracted is not None
                content = extracted.read()
            out.append(tar.Member(member.name, member.isdir(), content))
    return out


def _with_the_reader(data: bytes) -> list[tar.Member]:
    stream = io.BytesIO(data)

    def skip(size: int) -> int:
        start = stream.tell()
        stream.seek(min(start + size, len(data)))
        return stream.tell() - start

    return list(tar.members(stream.read, skip, lambda name, is_dir: True, LIMIT))


ARCHIVES = {
    **{fmt: _archive(fmt, _members(fmt)) for fmt in FORMATS},
    # git archive writes a global PAX header (the commit) before the tree.
    "pax-global-comment": _archive("pax", _members("pax"), pax_headers={"comment": "0123abcd"}),
    "empty-archive": _archive("ustar", []),
}


@pytest.mark.parametrize("name", sorted(ARCHIVES))
def test_every_member_reads_as_tarfile_reads_it(name: str) -> None:
    data = ARCHIVES[name]
    expected = _with_tarfile(data)
    assert _with_the_reader(data) == expected
    if name in FORMATS:  # what follows could fail
        names = {m.name for m in expected}
        assert {"pkg-1.0", "other-top", "pkg-1.0/" + "/".join(["deeply-nested-directory"] * 5)} <= names
        assert name == "ustar" or "pkg-1.0/" + "n" * 120 + ".py" in names


def test_an_old_style_directory_and_an_unknown_type() -> None:
    """A V7 directory (a regular file whose name ends in /) and a type tarfile does not know, with data."""
    data = bytearray(_archive("ustar", [_file("v7-dir/", b"", type=tarfile.AREGTYPE), _file("v7-dir/f", b"f"), _file("label", b"0123456789")]))
    # The third header's type becomes "V" (a volume label); its checksum is made again.
    offset = 512 * 3  # v7-dir/ (a header), v7-dir/f (a header and a data block), then "label"
    assert data[offset : offset + 5] == b"label"
    data[offset + 156 : offset + 157] = b"V"
    data[offset + 148 : offset + 156] = b" " * 8
    data[offset + 148 : offset + 156] = b"%06o\0 " % (sum(data[offset : offset + 512]))
    expected = _with_tarfile(bytes(data))
    assert [m.name for m in expected] == ["v7-dir", "v7-dir/f", "label"] and expected[0].is_dir
    assert _with_the_reader(bytes(data)) == expected


@pytest.mark.parametrize(
    ("what", "members", "options"),
    [
        ("a global PAX path", [_file("a", b"a")], {"pax_headers": {"path": "everything"}}),
        ("a PAX charset", [_file("a", b"a", pax_headers={"hdrcharset": "BINARY"})], {}),
        ("a PAX sparse record", [_file("a", b"a", pax_headers={"GNU.sparse.size": "1"})], {}),
    ],
)
def test_what_it_leaves_to_tarfile(what: str, members: list, options: dict) -> None:
    data = _archive("pax", members, **options)
    with pytest.raises(tar.Unsupported):
        _with_the_reader(data)


def _listing_or_error(path: Path, *, fast: bool) -> object:
    """What the sdist reader makes of the archive at ``path``: its listing, or its error."""
    try:
        if fast:
            listing = sdist._list_tar_file(path)
        else:
            builder = sdist._ListingBuilder()
            with open(path, "rb") as file:
                sdist._scan_tar(file, builder, declared_stops=False, fast=False)
            listing = builder.build()
    except sdist._unreadable() as e:
        return (type(e).__name__, str(e))
    return (sorted(listing.top_dirs), sorted(listing.files.items(), key=lambda kv: kv[0]))


def _damaged(data: bytes, rng: random.Random) -> bytes:
    damaged = bytearray(data)
    how = rng.choice(["cut", "flip", "zero-block", "garbage-block"])
    at = rng.randrange(len(damaged))
    if how == "cut":
        return bytes(damaged[:at])
    if how == "flip":
        damaged[at] ^= 1 << rng.randrange(8)
    elif how == "zero-block":
        start = at // 512 * 512
        damaged[start : start + 512] = bytes(512)
    else:
        start = at // 512 * 512
        damaged[start : start + 512] = rng.randbytes(512)
    return bytes(damaged)


@pytest.mark.parametrize("name", ["ustar", "gnu", "pax", "pax-global-comment"])
def test_a_damaged_archive_reads_as_tarfile_reads_it(name: str, tmp_path: Path) -> None:
    """The uncompressed tar and its gzip are damaged at random places: the sdist reader
    gives tarfile's listing or error, whichever reader it took."""
    rng = random.Random(name)
    # Without the large member: damage lands on headers and small members more often.
    data = _archive(name.partition("-")[0], [m for m in _members(name.partition("-")[0]) if m[0].size <= 4096],
                    **({"pax_headers": {"comment": "0123abcd"}} if "global" in name else {}))
    fell_back = 0
    for case in range(120):
        damaged = _damaged(data, rng)
        compressed = gzip.compress(damaged, mtime=0) if case % 2 else _damaged(gzip.compress(data, mtime=0), rng)
        path = tmp_path / f"pkg-1.0-{case}.tar.gz"
        path.write_bytes(compressed)
        assert _listing_or_error(path, fast=True) == _listing_or_error(path, fast=False), case
        try:
            stream = gzip.decompress(compressed)
            _with_the_reader(stream)
        except (tar.Unsupported, OSError, EOFError, zlib.error):
            fell_back += 1
    assert 10 < fell_back < 120  # both the reader's and tarfile's answers were compared


def test_the_sdist_reader_uses_the_fast_reader(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A well-formed sdist is not read by tarfile at all; one the fast reader leaves is."""
    path = tmp_path / "pkg-1.0.tar.gz"
    path.write_bytes(gzip.compress(ARCHIVES["pax"]))
    opened = []
    original = sdist._open_tar
    monkeypatch.setattr(sdist, "_open_tar", lambda file: opened.append(file) or original(file))
    assert sdist.read_sdist(path, path.name).backend == "hatchling.build"
    assert opened == []
    path.write_bytes(gzip.compress(_archive("pax", _members("pax"), pax_headers={"path": "everything"})))
    sdist.read_sdist(path, path.name)
    assert len(opened) == 1
