"""Hashes in the forms lock files write them and the form Nix wants.

Lock files write ``sha256:<hex>`` (Poetry, uv), bare hex (Pipfile.lock,
conda) or ``<algo>=<hex>`` (URL fragments); Nix wants SRI (``sha256-<base64>``).
"""

from __future__ import annotations

import base64
import binascii
import re

__all__ = ["parse_hash", "sri_from_hex"]

# Digest sizes in bytes; they tell a bare hex digest's algorithm and catch a
# truncated one.
_DIGEST_SIZES = {"md5": 16, "sha1": 20, "sha256": 32, "sha512": 64}
_ALGO_BY_HEX_LENGTH = {2 * size: algo for algo, size in _DIGEST_SIZES.items()}
_HEX_RE = re.compile(r"[0-9a-fA-F]+")


def sri_from_hex(algo: str, hexdigest: str) -> str:
    """Return the SRI form (``sha256-<base64>``) of a hex digest."""
    algo = algo.lower()
    if algo not in _DIGEST_SIZES:
        raise ValueError(f"unsupported hash algorithm {algo!r}")
    raw = _hex_to_bytes(algo, hexdigest)
    return f"{algo}-{base64.b64encode(raw).decode('ascii')}"


def parse_hash(s: str) -> tuple[str, str]:
    """Split a hash as a lock file writes it into ``(algorithm, lowercase hex)``.

    Accepts ``sha256:<hex>``, ``sha256=<hex>``, SRI ``sha256-<base64>`` and
    bare hex, whose algorithm is told by its length (64 digits is sha256).
    md5 and sha1 digests are returned as such: whether they are good enough
    is the caller's policy, not this function's.
    """
    text = s.strip()
    for sep in (":", "="):
        algo, found, digest = text.partition(sep)
        if found and algo.lower() in _DIGEST_SIZES and _HEX_RE.fullmatch(digest):
            algo = algo.lower()
            return algo, _hex_to_bytes(algo, digest).hex()
    algo, found, b64 = text.partition("-")
    if found and algo.lower() in _DIGEST_SIZES:
        algo = algo.lower()
        try:
            raw = base64.b64decode(b64, validate=True)
        except binascii.Error:
            raise ValueError(f"invalid base64 in SRI hash {s!r}") from None
        if len(raw) != _DIGEST_SIZES[algo]:
            raise ValueError(
                f"SRI hash {s!r} has {len(raw)} bytes, {algo} needs {_DIGEST_SIZES[algo]}"
            )
        return algo, raw.hex()
    if _HEX_RE.fullmatch(text) and len(text) in _ALGO_BY_HEX_LENGTH:
        return _ALGO_BY_HEX_LENGTH[len(text)], text.lower()
    raise ValueError(
        f"unrecognised hash {s!r}: expected 'sha256:<hex>', 'sha256=<hex>', "
        "an SRI hash 'sha256-<base64>' or a bare hex digest"
    )


def _hex_to_bytes(algo: str, hexdigest: str) -> bytes:
    if not _HEX_RE.fullmatch(hexdigest):
        raise ValueError(f"{algo} digest {hexdigest!r} is not hexadecimal")
    if len(hexdigest) != 2 * _DIGEST_SIZES[algo]:
        raise ValueError(
            f"{algo} digest {hexdigest!r} has {len(hexdigest)} hex digits, "
            f"expected {2 * _DIGEST_SIZES[algo]}"
        )
    return bytes.fromhex(hexdigest)
