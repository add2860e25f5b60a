"""Index URLs spelled one way, for cache keys, requests and the overlay."""

from __future__ import annotations

__all__ = ["PYPI_SIMPLE_URL", "normalize_index_url"]

#: PyPI's Simple API: the index of a lock that names none.
PYPI_SIMPLE_URL = "https://pypi.org/simple/"


def normalize_index_url(url: str) -> str:
    """Give an index URL the one spelling used for cache keys and requests.

    ``https://pypi.org/simple`` and ``https://pypi.org/simple/`` are the same
    index; the project page is the URL plus ``<project>/``. PyPI's old host
    name, which older locks write and which redirects permanently to
    ``pypi.org``, is spelled as its new one.
    """
    url = url.strip().rstrip("/") + "/"
    for old in ("https://pypi.python.org/", "http://pypi.python.org/"):
        if url.startswith(old):
            return "https://pypi.org/" + url[len(old):]
    return url
