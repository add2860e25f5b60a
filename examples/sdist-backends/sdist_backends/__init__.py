"""Reads a TOML document with tomlkit and names the user's config directory."""

from __future__ import annotations

import platformdirs
import tomlkit
from annotated_types import Gt


def describe(text: str) -> str:
    document = tomlkit.parse(text)
    return f"{document['name']} > {Gt(0).gt} in {platformdirs.user_config_dir('sdist-backends')}"
