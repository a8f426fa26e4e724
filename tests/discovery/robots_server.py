"""A local HTTP server with one port per robots.txt variant, for real crawls in tests.

Run ``python -m tests.discovery.robots_server``: it binds 127.0.0.1:0 once per variant and prints
one JSON line mapping each variant to its port. Every other path answers a small HTML page.
``GET /_log`` on any port returns every request seen so far (port, path, user agent, time).
"""

from __future__ import annotations

import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

AGENT = "newsbot"
ROBOTS: dict[str, tuple[int, str, dict[str, str]]] = {
    "allow": (200, "User-agent: *\nAllow: /\n", {}),
    "disallow": (
        200,
        f"# news sites often single out bots\nUser-agent: {AGENT}\nDisallow: /private/\n"
        "Allow: /private/open\n\nUser-agent: *\nDisallow: /\n",
        {},
    ),
    "missing": (404, "<html><body>Not found</body></html>", {}),
    "forbidden": (403, "<html><body>Forbidden</body></html>", {}),
    "unavailable": (503, "<html><body>Service unavailable</body></html>", {"Retry-After": "120"}),
    "crawldelay": (200, f"User-agent: {AGENT}\nCrawl-delay: 1\nDisallow: /private/\n", {}),
    "redirect": (301, "", {"Location": "/policies/robots.txt"}),
    "redirectloop": (302, "", {"Location": "/robots.txt?again"}),
    "slow": (200, "User-agent: *\nAllow: /\n", {}),
}
SLOW_SECONDS = 3.0


class Handler(BaseHTTPRequestHandler):
    """Answers by the variant of the port the request arrived on."""

    variants: ClassVar[dict[int, str]] = {}
    log: ClassVar[list[dict[str, Any]]] = []
    lock: ClassVar[threading.Lock] = threading.Lock()

    def do_GET(self) -> None:
        port = self.server.server_address[1]
        variant = self.variants[port]
        if self.path == "/_log":
            with self.lock:
                self._send(200, json.dumps(self.log), "application/json")
            return
        with self.lock:
            self.log.append(
                {
                    "variant": variant,
                    "path": self.path,
                    "agent": self.headers.get("User-Agent", ""),
                    "time": time.monotonic(),
                }
            )
        if self.path.startswith("/robots.txt"):
            status, body, headers = ROBOTS[variant]
            if variant == "slow":
                time.sleep(SLOW_SECONDS)
            self._send(status, body, "text/plain; charset=utf-8", headers)
        elif self.path == "/policies/robots.txt":
            self._send(200, f"User-agent: {AGENT}\nDisallow: /private/\n", "text/plain")
        else:
            title = f"{variant} {self.path}"
            self._send(200, f"<html><head><title>{title}</title></head><body>ok</body></html>")

    def _send(
        self,
        status: int,
        body: str,
        content_type: str = "text/html; charset=utf-8",
        headers: dict[str, str] | None = None,
    ) -> None:
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: the test reads /_log instead."""


def main() -> None:
    ports: dict[str, int] = {}
    for variant in ROBOTS:
        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        port = server.server_address[1]
        Handler.variants[port] = variant
        ports[variant] = port
        threading.Thread(target=server.serve_forever, daemon=True).start()
    print(json.dumps(ports), flush=True)
    # Until the test closes stdin or terminates the process.
    sys.stdin.read()


if __name__ == "__main__":
    main()
