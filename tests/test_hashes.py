"""Tests for lock2nix._hashes: hashes in the forms lock files write and the form Nix wants."""

from __future__ import annotations

import pytest
from lock2nix._hashes import parse_hash, sri_from_hex

EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
EMPTY_SRI = "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="


# --- hash forms ----------------------------------------------------------------


def test_sri_from_hex() -> None:
    assert sri_from_hex("sha256", EMPTY_SHA256) == EMPTY_SRI
    assert sri_from_hex("SHA256", EMPTY_SHA256.upper()) == EMPTY_SRI
    assert sri_from_hex("md5", "d41d8cd98f00b204e9800998ecf8427e") == "md5-1B2M2Y8AsgTpgAmY7PhCfg=="


@pytest.mark.parametrize(
    ("algo", "digest", "message"),
    [
        ("sha256", EMPTY_SHA256[:-2], "hex digits"),
        ("sha256", "z" * 64, "not hexadecimal"),
        ("blake3", EMPTY_SHA256, "unsupported"),
    ],
)
def test_sri_from_hex_rejects(algo: str, digest: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        sri_from_hex(algo, digest)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"sha256:{EMPTY_SHA256}", ("sha256", EMPTY_SHA256)),
        (f"sha256={EMPTY_SHA256}", ("sha256", EMPTY_SHA256)),
        (f"SHA256:{EMPTY_SHA256.upper()}", ("sha256", EMPTY_SHA256)),
        (f"  sha256:{EMPTY_SHA256}\n", ("sha256", EMPTY_SHA256)),
        (EMPTY_SHA256, ("sha256", EMPTY_SHA256)),
        (EMPTY_SHA256.upper(), ("sha256", EMPTY_SHA256)),
        (EMPTY_SRI, ("sha256", EMPTY_SHA256)),
        # md5 and sha1 are reported as what they are; policy is the caller's.
        ("md5:d41d8cd98f00b204e9800998ecf8427e", ("md5", "d41d8cd98f00b204e9800998ecf8427e")),
        ("md5=d41d8cd98f00b204e9800998ecf8427e", ("md5", "d41d8cd98f00b204e9800998ecf8427e")),
        ("d41d8cd98f00b204e9800998ecf8427e", ("md5", "d41d8cd98f00b204e9800998ecf8427e")),
        ("md5-1B2M2Y8AsgTpgAmY7PhCfg==", ("md5", "d41d8cd98f00b204e9800998ecf8427e")),
        (
            "sha1:da39a3ee5e6b4b0d3255bfef95601890afd80709",
            ("sha1", "da39a3ee5e6b4b0d3255bfef95601890afd80709"),
        ),
        ("sha512:" + "ab" * 64, ("sha512", "ab" * 64)),
    ],
)
def test_parse_hash(text: str, expected: tuple[str, str]) -> None:
    assert parse_hash(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "unrecognised hash"),
        ("sha256:", "unrecognised hash"),
        ("sha256:xyz", "unrecognised hash"),
        (f"sha256:{EMPTY_SHA256}00", "hex digits"),
        (f"sha256:{EMPTY_SHA256[:63]}", "hex digits"),
        ("md5:" + EMPTY_SHA256, "hex digits"),
        ("sha256-not base64!", "invalid base64"),
        ("sha256-1B2M2Y8AsgTpgAmY7PhCfg==", "has 16 bytes"),
        ("crc32:deadbeef", "unrecognised hash"),
        ("deadbeef", "unrecognised hash"),
        ("sha256:" + EMPTY_SHA256.replace("e", "g"), "unrecognised hash"),
    ],
)
def test_parse_hash_rejects(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_hash(text)
