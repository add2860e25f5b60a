"""The HTTP session lock2nix talks to indexes with, and network errors in a few words.

``requests`` costs about 0.1 s to import; runs answered from the cache never
import it, so it is imported inside these functions.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import requests


def new_session(pool_size: int) -> requests.Session:
    """A session that retries transient errors, with a pool for ``pool_size`` threads."""
    import requests
    from requests.adapters import HTTPAdapter
    from urllib3.util.retry import Retry

    session = requests.Session()
    session.headers["User-Agent"] = "lock2nix (pypi-simple)"
    # Transient errors on one of hundreds of pages should not fail the run;
    # the pool is as large as the thread pool so no connection is discarded.
    retry = Retry(total=3, backoff_factor=0.5, status_forcelist=(429, 500, 502, 503, 504))
    adapter = HTTPAdapter(max_retries=retry, pool_connections=pool_size, pool_maxsize=pool_size)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


def brief(error: Exception) -> str:
    """A network error in a few words: urllib3's nest of causes is not for users."""
    import requests

    text = str(error)
    if isinstance(error, requests.ConnectionError):
        for pattern, meaning in (
            (r"Name or service not known|NameResolutionError|Temporary failure in name resolution",
             "the host name does not resolve"),
            (r"Connection refused", "connection refused"),
            (r"timed out", "timed out"),
        ):
            if re.search(pattern, text):
                return f"cannot connect ({meaning})"
        return "cannot connect"
    return text
