"""A small static server for the built site, for browser tests and the search benchmark.

Real HTTP on 127.0.0.1 with gzip, the way a web server delivers the site, so
"bytes transferred" in benchmarks/search_bench.py are compressed bytes. The
site is served under a sub-path (``/lotse/`` by default) to prove that every
link and asset address is relative.
"""

from __future__ import annotations

import gzip
import mimetypes
import threading
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

COMPRESSIBLE = ("text/", "application/json", "application/javascript", "image/svg+xml")


@lru_cache(maxsize=512)
def _compressed(path: Path, mtime: float) -> bytes:
    return gzip.compress(path.read_bytes(), compresslevel=6, mtime=0)


class SiteServer:
    """``with SiteServer(site_dir) as server: server.url("suche/")``"""

    def __init__(self, site_dir: Path | str, prefix: str = "/lotse/"):
        self.site_dir = Path(site_dir).resolve()
        self.prefix = "/" + prefix.strip("/") + "/" if prefix.strip("/") else "/"
        root, prefix_ = self.site_dir, self.prefix

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet: tests and benchmarks print their own output
                pass

            def do_GET(self):
                path = unquote(urlsplit(self.path).path)
                if not path.startswith(prefix_):
                    return self.send_error(404)
                target = (root / path[len(prefix_):]).resolve()
                if root not in target.parents and target != root:
                    return self.send_error(404)
                if target.is_dir():
                    if not path.endswith("/"):
                        self.send_response(301)
                        self.send_header("Location", path + "/")
                        self.end_headers()
                        return
                    target = target / "index.html"
                if not target.is_file():
                    return self.send_error(404)
                ctype = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
                if ctype.startswith("text/") or ctype.endswith(("javascript", "json")):
                    ctype += "; charset=utf-8"
                body = target.read_bytes()
                gz = "gzip" in self.headers.get("Accept-Encoding", "") and ctype.startswith(COMPRESSIBLE)
                if gz:
                    body = _compressed(target, target.stat().st_mtime)
                self.send_response(200)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")  # every measurement is a first visit
                if gz:
                    self.send_header("Content-Encoding", "gzip")
                self.end_headers()
                self.wfile.write(body)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}{self.prefix}"

    def url(self, path: str = "") -> str:
        return self.base + path.lstrip("/")

    def __enter__(self) -> "SiteServer":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
