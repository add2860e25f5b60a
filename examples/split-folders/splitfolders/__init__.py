"""A small stand-in for split-folders' code, written for lock2nix's example.

The lock file and pyproject.toml beside it are split-folders' real ones
(jfilter/split-folders, MIT); this module is ours, so the example has
something to build and test.
"""

from .split import ratio_counts

__all__ = ["ratio_counts"]
