"""A real HTTP server on 127.0.0.1 that serves an offline snapshot, for tests and benchmarks.

``python -m crawler.snapserver --port 0`` serves the bundled snapshot and prints
``serving http://127.0.0.1:PORT`` once it listens. A page whose original URL is
``https://host/path`` is served at ``/host/path``. Control endpoints:

- ``GET /_snapshot/state`` shows the current state; ``GET /_snapshot/state?set=2`` switches;
- ``GET /_snapshot/seeds.toml`` is the collection's seeds file rewritten to this server's URLs.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from crawler.seeds import load_seeds
from crawler.snapshot import NOT_FOUND_BODY, Snapshot, original_url, rewrite_to_local
from seeds import bundled_seeds, bundled_snapshot


class SnapshotServer(ThreadingHTTPServer):
    """Serves one snapshot; the state can be switched while it runs."""

    daemon_threads = True
    # socketserver's backlog of 5 drops handshakes when a crawl opens many connections at once,
    # each costing the client a 200 ms retransmission
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], snapshot: Snapshot, seeds: Path | None) -> None:
        super().__init__(address, _Handler)
        self.snapshot = snapshot
        self.seeds = seeds
        self.state = snapshot.states[0]
        self.lock = threading.Lock()

    @property
    def base_url(self) -> str:
        """The URL at which this server answers."""
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"


class _Handler(BaseHTTPRequestHandler):
    server: SnapshotServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        return

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        if parts.path == "/_snapshot/state":
            self._control_state(parts.query)
        elif parts.path == "/_snapshot/seeds.toml":
            self._seeds()
        else:
            self._page(self.path)

    def _control_state(self, query: str) -> None:
        wanted = parse_qs(query).get("set")
        with self.server.lock:
            if wanted:
                if wanted[0] not in self.server.snapshot.states:
                    self._send(HTTPStatus.BAD_REQUEST, b"unknown state\n", "text/plain")
                    return
                self.server.state = wanted[0]
            state = self.server.state
        self._send(HTTPStatus.OK, f"{state}\n".encode(), "text/plain")

    def _seeds(self) -> None:
        if self.server.seeds is None:
            self._send(HTTPStatus.NOT_FOUND, b"no seeds file\n", "text/plain")
            return
        text = rewrite_to_local(load_seeds(self.server.seeds), self.server.base_url)
        self._send(HTTPStatus.OK, text.encode("utf-8"), "application/toml; charset=utf-8")

    def _page(self, path: str) -> None:
        with self.server.lock:
            state = self.server.state
        page = None
        for url in original_url(path):
            page = self.server.snapshot.page(url, state)
            if page is not None:
                break
        if page is None:
            self._send(HTTPStatus.NOT_FOUND, NOT_FOUND_BODY, "text/html; charset=utf-8")
            return
        etag = '"' + hashlib.sha256(page.body).hexdigest()[:32] + '"'
        if self.headers.get("If-None-Match") == etag:
            self.send_response(HTTPStatus.NOT_MODIFIED)
            self.send_header("ETag", etag)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self._send(page.status, page.body, page.content_type, etag=etag)

    def _send(self, status: int, body: bytes, content_type: str, etag: str | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        if etag:
            self.send_header("ETag", etag)
        self.end_headers()
        self.wfile.write(body)


def main(argv: list[str] | None = None) -> None:
    """Run the server in the foreground until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m crawler.snapserver", description=__doc__)
    parser.add_argument("--snapshot", default=str(bundled_snapshot()), help="snapshot folder")
    parser.add_argument("--seeds", default=str(bundled_seeds()), help="seeds file it belongs to")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000, help="0 picks a free port")
    parser.add_argument("--state", default=None, help="state to start in (default: the first)")
    args = parser.parse_args(argv)
    snapshot = Snapshot.load(args.snapshot)
    server = SnapshotServer((args.host, args.port), snapshot, Path(args.seeds))
    if args.state:
        if args.state not in snapshot.states:
            parser.error(f"no state {args.state!r}; states: {', '.join(snapshot.states)}")
        server.state = args.state
    print(f"serving {server.base_url}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    sys.exit(0)


if __name__ == "__main__":
    main()
