"""The values of lock2nix's options, shared by the configuration and the generator."""

from __future__ import annotations

from typing import Literal

#: Build from wheels where a compatible one exists, or from sdists.
Prefer = Literal["wheel", "sdist"]
#: Where the locked packages live: the projects' own package sets, or every set too.
Scope = Literal["project", "global"]
#: conda environments: what a nixpkgs version outside a spec is, at evaluation time.
CondaVersions = Literal["error", "warn"]
