"""The HTTP session lock2nix talks to indexes with, and network errors in a few words.

``requests`` costs about 0.1 s to import; runs answered from the cache never
import it, so it is imported inside these functions.
"""

from __future__ import annotations

import functools
import os
import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import ssl

    import requests


def new_session(pool_size: int) -> requests.Session:
    """A session that retries transient errors, keeping up to ``pool_size`` connections per host alive."""
    import requests
    from urllib3.util.retry import Retry

    session = requests.Session()
    session.headers["User-Agent"] = "lock2nix (pypi-simple)"
    # Transient errors on one of hundreds of pages should not fail the run;
    # the pool is as large as the thread pool so no connection is discarded.
    retry = Retry(total=3, backoff_factor=0.5, status_forcelist=(429, 500, 502, 503, 504))
    adapter = _adapter_class()(max_retries=retry, pool_connections=pool_size, pool_maxsize=pool_size)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


def preload_verification() -> None:
    """Load the CA bundle requests verifies with now (processes forked after this have it)."""
    import requests
    from requests.utils import DEFAULT_CA_BUNDLE_PATH

    # Where requests takes it from: REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE, certifi.
    settings = requests.Session().merge_environment_settings("https://pypi.org/", {}, None, None, None)
    location = DEFAULT_CA_BUNDLE_PATH if settings["verify"] is True else settings["verify"]
    if not isinstance(location, str):
        return  # not verifying
    if os.path.isdir(location):
        _tls_context(None, location)
    else:
        _tls_context(location, None)


@functools.cache  # one class, made when the first session is
def _adapter_class() -> type[requests.adapters.HTTPAdapter]:
    from requests.adapters import HTTPAdapter

    class SharedContextAdapter(HTTPAdapter):
        """An adapter whose connections share one TLS context per CA bundle.

        requests has urllib3 load the CA bundle into a new context for every
        connection (50 ms of CPU for the system bundle); a cold run opens
        dozens of connections.
        """

        def cert_verify(self, conn: Any, url: str, verify: Any, cert: Any) -> None:
            super().cert_verify(conn, url, verify, cert)
            bundle = (getattr(conn, "ca_certs", None), getattr(conn, "ca_cert_dir", None))
            if getattr(conn, "cert_reqs", None) != "CERT_REQUIRED" or bundle == (None, None):
                return
            # The pool's new connections take the context instead of loading the bundle.
            conn.conn_kw["ssl_context"] = _tls_context(*bundle)
            conn.ca_certs = conn.ca_cert_dir = None

    return SharedContextAdapter


@functools.cache
def _tls_context(ca_certs: str | None, ca_cert_dir: str | None) -> ssl.SSLContext:
    """A context verifying with the CA bundle at ``ca_certs`` or ``ca_cert_dir``, as urllib3 makes one."""
    from urllib3.util.ssl_ import create_urllib3_context

    context = create_urllib3_context()
    context.load_verify_locations(ca_certs, ca_cert_dir)
    return context


def brief(error: Exception) -> str:
    """A network (or page) error in a few words, on one line: urllib3's nest of causes is not for users."""
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
    # One line: a page pypi-simple refuses gives a paragraph per field.
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return "; ".join(lines[:2])
