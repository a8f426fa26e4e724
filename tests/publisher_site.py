"""A small news site for discovery tests: an RSS feed, sitemaps, robots.txt and article pages.

``python -m tests.publisher_site [--robots KIND] [--no-feed-link] [--hide PATH ...]`` prints
``serving http://127.0.0.1:PORT``. The feed and ``/sitemap.xml`` list the published articles;
``GET /_publish?slug=...&title=...`` publishes one more. Articles whose title holds no
collection keyword are published too, to check filtering. ``/news-sitemap.xml`` is a Google News
sitemap of other articles, found only through robots.txt (``--robots``, see ``ROBOTS``) or by
probing. ``--hide`` answers 404 for a path; ``GET /_requests`` lists the paths asked for so far.
"""

from __future__ import annotations

import argparse
import contextlib
import html
import json
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
# Only in the Google News sitemaps: (slug, title, publication date).
NEWS = [
    ("putin-kremlin-talks", "Putin holds Kremlin talks with Modi", "2024-07-09T08:00:00+00:00"),
    ("putin-energy-pact", "Putin signs an energy pact", "2024-07-10T08:00:00+00:00"),
    ("cricket-final", "India wins the cricket final", "2024-07-09T10:00:00+00:00"),
]
# What robots.txt announces, by --robots; {base} is this site, {port} its port.
ROBOTS = {
    "news": ["{base}/news-sitemap.xml"],
    "index": ["{base}/sitemaps/archive.xml", "{base}/sitemaps/news-index.xml"],
    "offsite": ["http://localhost:{port}/news-sitemap.xml"],
    "many": [f"{{base}}/sitemaps/part-{i}.xml" for i in range(1000)],
    "hostile": [
        "{base}/sitemaps/news-broken.xml",
        "{base}/sitemaps/news-laughs.xml",
        "{base}/sitemaps/news-loop.xml",
        "{base}/sitemaps/news-500.xml",
        "ftp://127.0.0.1/news-sitemap.xml",
        "{base}/news-sitemap.xml",
    ],
}
LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
    '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>&lol2;</loc></url>'
    "</urlset>"
)


class Site(ThreadingHTTPServer):
    daemon_threads = True
    # socketserver's backlog of 5 drops handshakes when a crawl opens many connections at once,
    # each costing the client a 200 ms retransmission
    request_queue_size = 128

    def __init__(
        self, robots: str = "none", feed_link: bool = True, hidden: tuple[str, ...] = ()
    ) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.robots = robots
        self.feed_link = feed_link
        self.hidden = hidden
        self.requests: list[str] = []
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
            if not parts.path.startswith("/_"):
                self.server.requests.append(parts.path)
        base = self.server.base
        if parts.path in self.server.hidden:
            self._send(404, b"not found", "text/plain")
        elif parts.path == "/_requests":
            with self.server.lock:
                self._send(200, json.dumps(self.server.requests).encode(), "application/json")
        elif parts.path == "/robots.txt" or parts.path.startswith("/sitemaps/"):
            self._discovery(parts.path, base)
        elif parts.path == "/news-sitemap.xml":
            self._send(200, _news_sitemap(base, NEWS), "application/xml")
        elif parts.path == "/_publish":
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
            link = (
                '<link rel="alternate" type="application/rss+xml" href="/rss.xml">'
                if self.server.feed_link
                else ""
            )
            page = f"<html><head>{link}</head><body><h1>Site</h1></body></html>"
            self._send(200, page.encode(), "text/html; charset=utf-8")
        elif parts.path.startswith(("/news/", "/amp/news/")):
            slug = parts.path.rsplit("/", 1)[-1]
            title = dict(articles + [(n[0], n[1]) for n in NEWS]).get(slug)
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

    def _discovery(self, path: str, base: str) -> None:
        """robots.txt as --robots says, and the sitemaps it may announce."""
        port = self.server.server_address[1]
        if path == "/robots.txt":
            if self.server.robots == "none":
                self._send(404, b"not found", "text/plain")
                return
            lines = [u.format(base=base, port=port) for u in ROBOTS[self.server.robots]]
            text = "User-agent: *\nAllow: /\n\n" + "".join(f"Sitemap: {u}\n" for u in lines)
            self._send(200, text.encode(), "text/plain")
        elif path == "/sitemaps/news-index.xml":
            self._send(200, _index([f"{base}/sitemaps/news-{i}.xml" for i in (1, 2)]), XML)
        elif path in ("/sitemaps/news-1.xml", "/sitemaps/news-2.xml"):
            self._send(200, _news_sitemap(base, NEWS[int(path[-5]) - 1 :: 2]), XML)
        elif path == "/sitemaps/archive.xml" or path.startswith("/sitemaps/part-"):
            self._send(200, _news_sitemap(base, NEWS[:1]), XML)
        elif path == "/sitemaps/news-broken.xml":
            self._send(200, _news_sitemap(base, NEWS)[:-40], XML)
        elif path == "/sitemaps/news-laughs.xml":
            self._send(200, LAUGHS.encode(), XML)
        elif path == "/sitemaps/news-loop.xml":
            self._send(200, _index([f"{base}{path}"]), XML)
        else:
            self._send(500, b"server error", "text/plain")

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


XML = "application/xml"


def _news_sitemap(base: str, news: list[tuple[str, str, str]]) -> bytes:
    entries = "".join(
        f"<url><loc>{base}/news/{slug}</loc><news:news><news:publication>"
        "<news:name>Local News</news:name><news:language>en</news:language></news:publication>"
        f"<news:publication_date>{date}</news:publication_date>"
        f"<news:title>{html.escape(title)}</news:title></news:news></url>"
        for slug, title, date in news
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">'
        f"{entries}</urlset>"
    ).encode()


def _index(urls: list[str]) -> bytes:
    entries = "".join(f"<sitemap><loc>{u}</loc></sitemap>" for u in urls)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}'
        "</sitemapindex>"
    ).encode()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--robots", choices=["none", *ROBOTS], default="none")
    parser.add_argument("--no-feed-link", dest="feed_link", action="store_false")
    parser.add_argument("--hide", action="append", default=[])
    args = parser.parse_args()
    site = Site(args.robots, args.feed_link, tuple(args.hide))
    print(f"serving {site.base}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        site.serve_forever()
    sys.exit(0)


if __name__ == "__main__":
    main()
