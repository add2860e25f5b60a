"""Report the versions of the build machinery this environment imports."""

from importlib import metadata

PINNED = ("build", "flit-core", "installer", "packaging", "pyproject-hooks", "setuptools", "tomli", "wheel")


def versions() -> dict[str, str]:
    return {name: metadata.version(name) for name in PINNED}
