"""A loopback PEP 503 mirror of a few PyPI projects, with or without file hashes.

Used to make and record the fixture of a Poetry 1.1 lock that records no
files (``tests/fixtures/realocks/poetry11-no-files``): Poetry 1.1 writes an
empty file list for a package whose index gives no hashes (as
download.pytorch.org did until 2023 and some private mirrors still do). The
pages list PyPI's own files (their URLs on files.pythonhosted.org), read live
from PyPI's Simple API.

    python tests/data/mirror.py --port 3141 fire six termcolor            # no hashes
    python tests/data/mirror.py --port 3141 --hashes fire six termcolor   # with sha256

Not used by the tests (they read the recorded answers).
"""

from __future__ import annotations

import argparse
import html
import http.server
import json
import threading
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

PYPI = "https://pypi.org/simple/"


def pypi_files(project: str) -> list[dict]:
    request = urllib.request.Request(f"{PYPI}{project}/", headers={"Accept": "application/vnd.pypi.simple.v1+json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.load(response)["files"]


def page(project: str, files: list[dict], *, hashes: bool) -> bytes:
    links = []
    for f in files:
        url = f["url"]
        if hashes and "sha256" in f.get("hashes", {}):
            url += f"#sha256={f['hashes']['sha256']}"
        python = f.get("requires-python")
        attr = f' data-requires-python="{html.escape(python)}"' if python else ""
        links.append(f'<a href="{html.escape(url)}"{attr}>{html.escape(f["filename"])}</a><br/>')
    body = "\n".join(links)
    return f"<!DOCTYPE html><html><body><h1>Links for {project}</h1>\n{body}\n</body></html>\n".encode()


@contextmanager
def serving(projects: list[str], *, port: int, hashes: bool) -> Iterator[str]:
    """Serve the mirror on 127.0.0.1:``port`` for the duration; yields its index URL."""
    pages = {p: page(p, pypi_files(p), hashes=hashes) for p in projects}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server interface
            parts = [p for p in self.path.split("?")[0].split("/") if p]
            body = pages.get(parts[1]) if len(parts) == 2 and parts[0] == "simple" else None
            if body is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}/simple/"
    finally:
        server.shutdown()
        server.server_close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=3141)
    parser.add_argument("--hashes", action="store_true", help="give each file's sha256 (#sha256=...)")
    parser.add_argument("projects", nargs="+")
    args = parser.parse_args()
    with serving(args.projects, port=args.port, hashes=args.hashes) as url:
        print(f"serving {url} ({'with' if args.hashes else 'without'} hashes); Ctrl-C stops", flush=True)
        threading.Event().wait()


if __name__ == "__main__":
    main()
