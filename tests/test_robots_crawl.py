"""StrictRobotsTxtMiddleware in real crawls against a local server, one port per robots.txt."""

from __future__ import annotations

import itertools
import json
import socket
import subprocess
import sys
import urllib.request
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from scrapy import Request, Spider
from scrapy.http import Response
from scrapy.utils.defer import deferred_f_from_coro_f
from scrapy.utils.test import get_crawler
from twisted.python.failure import Failure

from tests.conftest import ROOT
from tests.discovery.robots_server import AGENT

USER_AGENT = f"{AGENT}/1.0 (+https://example.org/newsbot)"
RESULTS: dict[str, bool] = {}


@dataclass
class RobotsServer:
    """The running ``tests.discovery.robots_server`` and its ports by variant."""

    ports: dict[str, int]
    process: subprocess.Popen[str]

    def url(self, variant: str, path: str) -> str:
        return f"http://127.0.0.1:{self.ports[variant]}{path}"

    def log(self) -> list[dict[str, Any]]:
        with urllib.request.urlopen(self.url("allow", "/_log")) as resp:
            entries: list[dict[str, Any]] = json.load(resp)
        return entries


@pytest.fixture
def robots_server() -> Iterator[RobotsServer]:
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.discovery.robots_server"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    assert process.stdout is not None
    ports = json.loads(process.stdout.readline())
    yield RobotsServer(ports, process)
    process.terminate()
    process.wait(timeout=10)
    for stream in (process.stdin, process.stdout):
        if stream is not None:
            stream.close()


def closed_port() -> int:
    """A port nothing listens on: connecting to it is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


class RecordingSpider(Spider):
    """Requests the given URLs and records which were fetched and which were refused, and why."""

    name = "robots-test"

    def __init__(self, urls: list[str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.urls = urls
        self.fetched: list[str] = []
        self.refused: dict[str, str] = {}

    async def start(self) -> AsyncIterator[Request]:
        for url in self.urls:
            yield Request(url, callback=self.parse, errback=self.failed, dont_filter=True)

    def parse(self, response: Response) -> None:
        self.fetched.append(response.url)

    def failed(self, failure: Failure) -> None:
        self.refused[failure.request.url] = str(failure.value)  # type: ignore[attr-defined]


def settings(**overrides: Any) -> dict[str, Any]:
    return {
        "ROBOTSTXT_OBEY": True,
        "USER_AGENT": USER_AGENT,
        "DOWNLOADER_MIDDLEWARES": {
            "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
            "crawler.robots.StrictRobotsTxtMiddleware": 100,
        },
        "DOWNLOAD_TIMEOUT": 1,
        # A retried 503 or timeout would only make the test slower; the outcome is the same.
        "RETRY_ENABLED": False,
        "DOWNLOAD_DELAY": 0,
        "AUTOTHROTTLE_ENABLED": False,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
        "TELNETCONSOLE_ENABLED": False,
        "LOG_LEVEL": "WARNING",
    } | overrides


async def crawl(urls: list[str], **overrides: Any) -> tuple[RecordingSpider, dict[str, Any]]:
    crawler = get_crawler(RecordingSpider, settings(**overrides))
    await crawler.crawl_async(urls=urls)
    assert isinstance(crawler.spider, RecordingSpider)
    assert crawler.stats is not None
    return crawler.spider, crawler.stats.get_stats()


def check(name: str, ok: bool) -> None:
    RESULTS[name] = ok
    assert ok, name


@deferred_f_from_coro_f
async def test_rfc9309_status_rules_in_a_real_crawl(robots_server: RobotsServer) -> None:
    s = robots_server
    dead = closed_port()
    expected_fetched = {
        s.url("allow", "/a"),
        s.url("allow", "/b"),
        s.url("disallow", "/public/story"),
        s.url("disallow", "/private/open"),
        s.url("missing", "/a"),
        s.url("forbidden", "/a"),
        s.url("redirect", "/a"),
        s.url("redirectloop", "/a"),
    }
    expected_refused = {
        s.url("disallow", "/private/x"): "robots.txt: disallowed",
        s.url("redirect", "/private/x"): "robots.txt: disallowed",
        s.url("unavailable", "/a"): (
            "robots.txt: unavailable (HTTP 503), RFC 9309 treats as disallow"
        ),
        s.url("slow", "/a"): "robots.txt: unreachable (",
        f"http://127.0.0.1:{dead}/a": "robots.txt: unreachable (",
    }
    spider, stats = await crawl(sorted(expected_fetched | set(expected_refused)))

    check("fetched exactly the allowed URLs", set(spider.fetched) == expected_fetched)
    check("refused exactly the others", set(spider.refused) == set(expected_refused))
    for url, reason in expected_refused.items():
        check(f"reason for {url}", spider.refused[url].startswith(reason))
    check("timeout named", "TimeoutError" in spider.refused[s.url("slow", "/a")])
    check("refused connection named", "Connection" in spider.refused[f"http://127.0.0.1:{dead}/a"])

    log = s.log()
    robots = [e for e in log if e["path"].startswith("/robots.txt")]
    per_variant: dict[str, int] = {}
    for entry in robots:
        per_variant[entry["variant"]] = per_variant.get(entry["variant"], 0) + 1
    check("robots.txt fetched once per origin (cached)", per_variant["allow"] == 1)
    check("redirect loop stops after 1 + 5 requests", per_variant["redirectloop"] == 6)
    check("identifying user agent", {e["agent"] for e in robots} == {USER_AGENT})
    pages = {(e["variant"], e["path"]) for e in log if not e["path"].startswith(("/robots", "/_"))}
    check("refused pages never reached the server", ("unavailable", "/a") not in pages)
    check("disallowed pages never reached the server", ("disallow", "/private/x") not in pages)
    check("stats count refusals", stats["robotstxt/forbidden"] == len(expected_refused))
    check("stats count 503", stats["robotstxt/response_status_count/503"] == 1)


def gaps(times: list[float]) -> list[float]:
    return [later - earlier for earlier, later in itertools.pairwise(times)]


@deferred_f_from_coro_f
async def test_crawl_delay_is_the_slot_delay_even_with_autothrottle(
    robots_server: RobotsServer,
) -> None:
    s = robots_server
    urls = [s.url("crawldelay", f"/story/{n}") for n in range(4)]
    urls.append(s.url("crawldelay", "/private/x"))
    # AutoThrottle lowers slot delays after fast responses; Crawl-delay must still hold.
    spider, stats = await crawl(
        urls, AUTOTHROTTLE_ENABLED=True, AUTOTHROTTLE_START_DELAY=0.0, DOWNLOAD_DELAY=0
    )
    times = [e["time"] for e in s.log() if e["variant"] == "crawldelay"]
    intervals = gaps(times)
    rate = (len(times) - 1) / (times[-1] - times[0])
    print(
        f"crawl-delay 1 s: {len(times)} requests, gaps {[round(g, 2) for g in intervals]}, "
        f"{rate:.2f} requests/s"
    )
    check("4 stories fetched", len(spider.fetched) == 4)
    check("private refused", spider.refused == {urls[-1]: "robots.txt: disallowed"})
    check("robots.txt + 4 pages on the server", len(times) == 5)
    # The slot's clock uses the request start; allow for scheduling noise on a loaded machine.
    check("every gap at least the Crawl-delay", min(intervals) >= 0.95)
    check("stats record the delay", stats["robotstxt/crawl_delay_applied"] == 1)


@deferred_f_from_coro_f
async def test_crawl_delay_can_be_ignored_by_setting(robots_server: RobotsServer) -> None:
    s = robots_server
    urls = [s.url("crawldelay", f"/story/{n}") for n in range(4)]
    spider, _ = await crawl(urls, ROBOTSTXT_OBEY_CRAWL_DELAY=False)
    times = [e["time"] for e in s.log() if e["variant"] == "crawldelay"]
    print(f"Crawl-delay ignored: {len(times)} requests in {times[-1] - times[0]:.2f} s")
    check("all fetched", len(spider.fetched) == 4)
    check("no delay when switched off", times[-1] - times[0] < 1.0)


def test_zz_robots_case_count(capsys: pytest.CaptureFixture[str]) -> None:
    """Prints how many robots.txt checks passed (runs last in this module)."""
    with capsys.disabled():
        print(f"\nrobots.txt cases: {sum(RESULTS.values())}/{len(RESULTS)} pass")
    assert all(RESULTS.values())
