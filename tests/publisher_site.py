"""A small news site for discovery tests: an RSS feed, a news sitemap and article pages.

``python -m tests.publisher_site`` prints ``serving http://127.0.0.1:PORT``. The feed and the
sitemap list the published articles; ``GET /_publish?slug=...&title=...`` publishes one more.
Articles whose title holds no collection keyword are published too, to check filtering.
"""

from __future__ import annotations

import contextlib
import html
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

BODY = (
    "Russian President Vladimir Putin met the visiting prime minister in Moscow on Monday for "
    "talks on trade, energy and defence, officials said after the meeting. The two leaders "
    "agreed to expand cooperation and to meet again next year, the foreign ministry said in a "
    "statement released late in the evening. Analysts said the visit showed how both countries "
    "intend to keep their partnership despite pressure from the West. "
)


class Site(ThreadingHTTPServer):
    daemon_threads = True
    # socketserver's backlog of 5 drops handshakes when a crawl opens many connections at once,
    # each costing the client a 200 ms retransmission
    request_queue_size = 128

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.lock = threading.Lock()
        self.articles: list[tuple[str, str]] = [
            ("putin-meets-modi", "Putin meets Modi in Moscow"),
            ("putin-india-trade", "Putin and India sign trade deals"),
            ("weather-today", "Sunny weather expected today"),
        ]
        # slug -> (lastmod, update note): an updated article says so and dates itself later
        self.updates: dict[str, tuple[str, str]] = {}

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    server: Site
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        return

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        with self.server.lock:
            articles = list(self.server.articles)
        base = self.server.base
        if parts.path == "/_publish":
            query = parse_qs(parts.query)
            with self.server.lock:
                self.server.articles.append((query["slug"][0], query["title"][0]))
            self._send(200, b"ok\n", "text/plain")
        elif parts.path == "/_update":
            query = parse_qs(parts.query)
            with self.server.lock:
                self.server.updates[query["slug"][0]] = (query["lastmod"][0], query["note"][0])
            self._send(200, b"ok\n", "text/plain")
        elif parts.path == "/sitemap.xml":
            with self.server.lock:
                updates = dict(self.server.updates)
            entries = "".join(
                f"<url><loc>{base}/news/{s}</loc>"
                f"<lastmod>{updates.get(s, ('2024-07-08T09:00:00+00:00', ''))[0]}</lastmod></url>"
                for s, _ in articles
            )
            sitemap = (
                '<?xml version="1.0" encoding="UTF-8"?>'
                f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</urlset>'
            )
            self._send(200, sitemap.encode(), "application/xml")
        elif parts.path == "/rss.xml":
            items = "".join(
                f"<item><title>{html.escape(t)}</title><link>{base}/news/{s}?utm_source=rss</link>"
                f"<pubDate>Mon, 08 Jul 2024 09:00:00 GMT</pubDate></item>"
                for s, t in articles
            )
            feed = (
                '<?xml version="1.0"?><rss version="2.0"><channel><title>Site</title>'
                f"<link>{base}/</link><description>News</description>{items}</channel></rss>"
            )
            self._send(200, feed.encode(), "application/rss+xml")
        elif parts.path == "/":
            page = (
                '<html><head><link rel="alternate" type="application/rss+xml" '
                'href="/rss.xml"></head><body><h1>Site</h1></body></html>'
            )
            self._send(200, page.encode(), "text/html; charset=utf-8")
        elif parts.path.startswith(("/news/", "/amp/news/")):
            slug = parts.path.rsplit("/", 1)[-1]
            title = dict(articles).get(slug)
            if title is None:
                self._send(404, b"not found", "text/plain")
                return
            with self.server.lock:
                note = self.server.updates.get(slug, ("", ""))[1]
            page = (
                f"<html lang='en'><head><title>{html.escape(title)}</title>"
                f"<link rel='canonical' href='{base}/news/{slug}'></head><body>"
                f"<article><h1>{html.escape(title)}</h1><p>{BODY}</p><p>{slug}: {BODY}</p>"
                f"<p>{html.escape(note)}</p>"
                "</article></body></html>"
            )
            self._send(200, page.encode(), "text/html; charset=utf-8")
        else:
            self._send(404, b"not found", "text/plain")

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def main() -> None:
    site = Site()
    print(f"serving {site.base}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        site.serve_forever()
    sys.exit(0)


if __name__ == "__main__":
    main()
