"""Retries wait as the server asks (Retry-After) or back off; long waits are not made."""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from scrapy.utils.defer import deferred_f_from_coro_f
from scrapy.utils.test import get_crawler

from crawler import settings as crawler_settings
from crawler.retry import retry_after_seconds
from spiders.seeds import SeedsSpider

ARTICLE = (
    "<html><body><article><h1>Busy server</h1><p>"
    + "The server was busy at first but answered the second request with the article. " * 8
    + "</p></article></body></html>"
).encode()


class Busy(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.hits: dict[str, list[float]] = {}


class _Handler(BaseHTTPRequestHandler):
    server: Busy

    def log_message(self, format: str, *args: object) -> None:
        return

    def do_GET(self) -> None:
        hits = self.server.hits.setdefault(self.path, [])
        hits.append(time.monotonic())
        if self.path == "/robots.txt":
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if self.path == "/once" and len(hits) == 1:
            self._answer(429, b"slow down", {"Retry-After": "1"})
        elif self.path == "/slow" and len(hits) == 1:
            self._answer(503, b"busy", {"Retry-After": "3"})
        elif self.path == "/never":
            self._answer(429, b"come back tomorrow", {"Retry-After": "86400"})
        else:
            self._answer(200, ARTICLE, {"Content-Type": "text/html; charset=utf-8"})

    def _answer(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def busy() -> Iterator[Busy]:
    server = Busy()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_retry_after_forms() -> None:
    now = dt.datetime(2024, 7, 8, 12, 0, tzinfo=dt.UTC)
    assert retry_after_seconds(b"120") == 120
    assert retry_after_seconds("Mon, 08 Jul 2024 12:00:30 GMT", now) == 30
    assert retry_after_seconds("Mon, 08 Jul 2024 11:00:00 GMT", now) == 0
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds(None) is None


@deferred_f_from_coro_f
async def test_429_waits_for_retry_after_then_stores(busy: Busy, tmp_path: Path) -> None:
    base = f"http://127.0.0.1:{busy.server_address[1]}"
    seeds = tmp_path / "busy.toml"
    seeds.write_text(
        '[collection]\nname = "busy"\n'
        + "".join(
            f'[[sources]]\npublisher = "B"\ntitle = "T"\nurl = "{base}/{p}"\n'
            for p in ("once", "never")
        )
    )
    db = tmp_path / "busy.db"
    settings: dict[str, Any] = {k: v for k, v in vars(crawler_settings).items() if k.isupper()}
    settings |= {
        "STORAGE_URL": f"sqlite:///{db}",
        "DOWNLOAD_DELAY": 0,
        "AUTOTHROTTLE_ENABLED": False,
        "LOG_LEVEL": "WARNING",
        "EXTRACT_WORKERS": 1,
        "SSRF_ALLOW": ["127.0.0.1"],
    }
    crawler = get_crawler(SeedsSpider, settings)
    started = time.monotonic()
    await crawler.crawl_async(seeds=str(seeds))
    elapsed = time.monotonic() - started
    once = busy.hits["/once"]
    assert len(once) == 2
    assert once[1] - once[0] >= 0.95  # waited as asked
    assert len(busy.hits["/never"]) == 1  # a day's wait is not made
    assert elapsed < 30
    with sqlite3.connect(db) as conn:
        rows = dict(
            conn.execute("SELECT url, outcome || ': ' || coalesce(reason, '') FROM fetches")
        )
    assert rows[f"{base}/once"].startswith("new-version")
    assert rows[f"{base}/never"] == "error: HTTP 429 (Retry-After: 86400)"


@deferred_f_from_coro_f
async def test_a_site_backing_off_does_not_hold_the_others(busy: Busy, tmp_path: Path) -> None:
    # 127.0.0.1 and localhost are two sites (two download slots) on one server
    port = busy.server_address[1]
    urls = [f"http://127.0.0.1:{port}/slow"]
    urls += [f"http://localhost:{port}/p{n}" for n in range(3)]
    seeds = tmp_path / "two.toml"
    seeds.write_text(
        '[collection]\nname = "two"\n'
        + "".join(f'[[sources]]\npublisher = "B"\ntitle = "T"\nurl = "{u}"\n' for u in urls)
    )
    settings: dict[str, Any] = {k: v for k, v in vars(crawler_settings).items() if k.isupper()}
    settings |= {
        "STORAGE_URL": f"sqlite:///{tmp_path / 'two.db'}",
        "DOWNLOAD_DELAY": 0,
        "AUTOTHROTTLE_ENABLED": False,
        "CONCURRENT_REQUESTS": 4,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
        "LOG_LEVEL": "WARNING",
        "EXTRACT_WORKERS": 1,
        "SSRF_ALLOW": ["127.0.0.1", "localhost"],
    }
    crawler = get_crawler(SeedsSpider, settings)
    await crawler.crawl_async(seeds=str(seeds))
    slow = busy.hits["/slow"]
    assert len(slow) == 2
    assert slow[1] - slow[0] >= 2.9  # the retry waited as asked
    other_site = [busy.hits[f"/p{n}"][0] - slow[0] for n in range(3)]
    # the other site went on meanwhile
    assert max(other_site) < 2.5, other_site
