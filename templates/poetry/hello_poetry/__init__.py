"""A tiny module for the lock2nix Poetry template."""

import sys


def greeting() -> str:
    version = ".".join(map(str, sys.version_info[:2]))
    return f"Hello from a Poetry project that Nix built with Python {version}."


def main() -> None:
    print(greeting())
