"""The members of a tar archive in one forward pass: each one's name, whether
it is a directory, and the content of those asked for.

An sdist's build system needs the names of its members and the content of a
pyproject.toml. tarfile reads every field of every header in Python, and in
a cold run (100,000 members, nearly every one behind the PAX header Python's
tarfile writes for its mtime) that was 7 of the 17-20 CPU seconds. This
reader takes only what the listing needs: a header's name, prefix, type and
size (with its checksum and numbers checked as tarfile checks them), and a
PAX header's path and size. Where it reads, it reads as tarfile does; what it
does not read, it leaves to tarfile by raising :class:`Unsupported` before
giving a wrong answer: sparse files, PAX headers that rename every member or
change the encoding, chained extended headers, damaged headers and data cut
short. ``tests/test_resolve_tar.py`` compares the two on archives of every
format tarfile writes, whole and damaged.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import NamedTuple

__all__ = ["Member", "Unsupported", "members"]

BLOCK = 512
_ZEROS = bytes(BLOCK)

# Header types, as in POSIX (and GNU's L, K and S).
_AREGTYPE = b"\0"
_DIRTYPE = b"5"
_PAX_TYPES = (b"x", b"X")  # the next member's extended header (X: Solaris's)
_GLOBAL_TYPE = b"g"
_LONGNAME, _LONGLINK = b"L", b"K"
#: Types whose data follows the header (others skip nothing, as in tarfile).
_REGULAR_TYPES = (b"0", _AREGTYPE, b"7")
#: Types tarfile knows; data after an unknown type is skipped.
_KNOWN_TYPES = (b"0", _AREGTYPE, b"1", b"2", b"3", b"4", b"5", b"6", b"7")
#: Headers that describe the member whose header follows.
_EXTENSIONS = (*_PAX_TYPES, _LONGNAME, _LONGLINK, b"S")
#: PAX keywords that change what this reader reads: left to tarfile.
_PAX_UNSUPPORTED = ("hdrcharset", "GNU.sparse.")
_PAX_RECORD = re.compile(rb"(\d+) ([^=\n]+)=")
_OTHER_NUMBERS = ((100, 108), (108, 116), (116, 124), (136, 148), (329, 337), (337, 345))
_PLAIN_OCTAL = re.compile(rb" *[0-7]* *(?:\0.*)?", re.DOTALL)
# Mode, uid, gid (7 digits and a NUL each), size and mtime (11 and a NUL); device numbers.
_USUAL_NUMBERS = re.compile(rb"(?:[0-7]{7}\0){3}(?:[0-7]{11}\0){2}")
_USUAL_DEVICES = re.compile(rb"(?:[0-7]{7}\0|\0{8}){2}")


class Unsupported(Exception):
    """Something tarfile must read: the archive is read again with it."""


class Member(NamedTuple):
    name: str
    is_dir: bool
    #: The content of a regular file asked for (None when not asked, or larger than the limit).
    content: bytes | None


def members(
    read: Callable[[int], bytes],
    skip: Callable[[int], int],
    wanted: Callable[[str, bool], bool],
    limit: int,
) -> Iterator[Member]:
    """The members of the archive ``read`` gives, in order.

    ``skip(n)`` passes over ``n`` bytes and returns how many it passed;
    ``wanted(name, is_dir)`` asks for a member's content, given when it is a
    regular file of at most ``limit`` bytes. The first bad header is an
    :class:`Unsupported` (tarfile reports it, or ends the listing there).
    """
    first = True
    while True:
        buf = read(BLOCK)
        if not buf:
            if first:
                raise Unsupported("empty file")
            return  # an archive without its end blocks, as tarfile reads it
        first = False
        header = _header(buf)
        if header is None:
            return  # the end-of-archive block
        name, kind, size, is_dir = header
        if kind == _GLOBAL_TYPE:
            # Keywords for every member that follows: none this reader uses may be among them.
            if {"path", "size"} & _pax_records(_data(read, size)).keys():
                raise Unsupported("a global PAX header naming every member")
            following = _header(read(BLOCK))
            if following is None or following[1] == _GLOBAL_TYPE:
                raise Unsupported("no member after a global PAX header")
            name, kind, size, is_dir = following
        if kind in _EXTENSIONS:
            name, kind, size, is_dir = _extended(read, kind, size)
        is_file = kind in _REGULAR_TYPES
        content = None
        if is_file and size <= limit and wanted(name, is_dir):
            content = _read_exactly(read, size)
            _skip_exactly(skip, _padding(size))
        elif is_file or kind not in _KNOWN_TYPES:
            _skip_exactly(skip, _blocks(size))
        yield Member(name, is_dir, content)


def _header(buf: bytes) -> tuple[str, bytes, int, bool] | None:
    """(name, type, size, is a directory) of one header block; None for an end block."""
    if len(buf) != BLOCK:
        raise Unsupported("truncated header")
    if buf == _ZEROS:
        return None
    checksum = _number(buf[148:156])
    unsigned = 256 + sum(buf[:148]) + sum(buf[156:])
    if checksum != unsigned and checksum != unsigned - 256 * sum(b > 127 for b in buf[:148] + buf[156:]):
        raise Unsupported("bad checksum")
    # Mode, uid, gid, mtime, device numbers: tarfile refuses a header with bad
    # ones. The spelling tarfile and GNU tar write is checked by one pattern;
    # any other, field by field, as tarfile reads it.
    if not (_USUAL_NUMBERS.fullmatch(buf, 100, 148) and _USUAL_DEVICES.fullmatch(buf, 329, 345)):
        for start, end in _OTHER_NUMBERS:
            if not _PLAIN_OCTAL.fullmatch(buf, start, end):
                _number(buf[start:end])
    size = _number(buf[124:136])
    kind = buf[156:157]
    name = _text(buf[0:100])
    is_dir = kind == _DIRTYPE or (kind == _AREGTYPE and name.endswith("/"))
    if is_dir:
        kind = _DIRTYPE
        name = name.rstrip("/")
    prefix = _text(buf[345:500])
    if prefix and kind not in (_LONGNAME, _LONGLINK, b"S"):
        name = prefix + "/" + name
    return name, kind, size, is_dir


def _extended(read: Callable[[int], bytes], kind: bytes, size: int) -> tuple[str, bytes, int, bool]:
    """The member an extended header (PAX, or GNU's long name or link) describes."""
    if kind == b"S":
        raise Unsupported("a GNU sparse file")
    data = _data(read, size)
    name, next_kind, next_size, is_dir = _following(read)
    if kind == _LONGNAME:
        name = _text(data)
        if is_dir:
            name = name.removesuffix("/")
    elif kind in _PAX_TYPES:
        records = _pax_records(data)
        if "path" in records:
            name = records["path"].rstrip("/")
        if "size" in records:
            try:
                next_size = int(records["size"])
            except ValueError:
                raise Unsupported("a PAX size that is not a number") from None
    return name, next_kind, next_size, is_dir


def _following(read: Callable[[int], bytes]) -> tuple[str, bytes, int, bool]:
    """The header after an extended one: a member's own (tarfile refuses anything else here)."""
    follows = _header(read(BLOCK))
    if follows is None:
        raise Unsupported("no member after an extended header")
    if follows[1] in _EXTENSIONS or follows[1] == _GLOBAL_TYPE:
        raise Unsupported("chained extended headers")
    return follows


def _data(read: Callable[[int], bytes], size: int) -> bytes:
    """An extended header's data with its padding: tarfile reads a long name, and
    PAX records, up to the first NUL of the padded blocks."""
    return _read_exactly(read, _blocks(size))


def _pax_records(data: bytes) -> dict[str, str]:
    """The records of a well-formed PAX header (``<length> <key>=<value>\\n``, then NUL padding)."""
    records = {}
    at = 0
    while at < len(data) and data[at] != 0:
        match = _PAX_RECORD.match(data, at)
        length = int(match.group(1)) if match else 0
        end = at + length
        if not match or end > len(data) or end <= match.end() or data[end - 1] != 0x0A:
            raise Unsupported("a malformed PAX record")
        try:
            key = match.group(2).decode("utf-8")
            records[key] = data[match.end() : end - 1].decode("utf-8")
        except UnicodeDecodeError:
            raise Unsupported("a PAX record that is not UTF-8") from None
        if key.startswith(_PAX_UNSUPPORTED):
            raise Unsupported(f"the PAX record {key}")
        at = end
    if data[at:].strip(b"\0"):
        raise Unsupported("a malformed PAX record")
    return records


def _number(field: bytes) -> int:
    """A header's number: octal digits, or base-256 (as tarfile reads it)."""
    if field[:1] in (b"\x80", b"\xff"):
        raise Unsupported("a base-256 number")  # sizes past 8 GiB: not in an sdist
    end = field.find(b"\0")
    digits = (field if end < 0 else field[:end]).strip()
    try:
        return int(digits or b"0", 8)
    except ValueError:
        raise Unsupported("a header number that is not octal") from None


def _text(field: bytes) -> str:
    end = field.find(b"\0")
    return (field if end < 0 else field[:end]).decode("utf-8", "surrogateescape")


def _blocks(size: int) -> int:
    return -(-size // BLOCK) * BLOCK


def _padding(size: int) -> int:
    return _blocks(size) - size


def _read_exactly(read: Callable[[int], bytes], size: int) -> bytes:
    data = read(size) if size else b""
    if len(data) != size:
        raise Unsupported("data cut short")
    return data


def _skip_exactly(skip: Callable[[int], int], size: int) -> None:
    if size and skip(size) != size:
        raise Unsupported("data cut short")
