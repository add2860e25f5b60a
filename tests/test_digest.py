"""lock2nix's own digests (lock2nix._digest): hashlib's algorithms, without OpenSSL."""

from __future__ import annotations

import hashlib
import subprocess
import sys

from lock2nix._digest import blake2b, sha256


def test_the_digests_are_hashlib_s() -> None:
    for data in (b"", b"lock2nix", bytes(range(256)) * 1000):
        assert sha256(data).hexdigest() == hashlib.sha256(data).hexdigest()
        assert blake2b(data, digest_size=16).digest() == hashlib.blake2b(data, digest_size=16).digest()
    h = sha256()
    h.update(b"lock")
    h.update(b"2nix")
    assert h.digest() == hashlib.sha256(b"lock2nix").digest()


def test_taking_them_loads_no_openssl() -> None:
    code = (
        "import sys; from lock2nix._digest import blake2b, sha256; sha256(b'x'); blake2b(b'x'); "
        "print('_hashlib' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
