"""The SSRF guard in real crawls against the local fault server (which is on 127.0.0.1)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from scrapy.utils.defer import deferred_f_from_coro_f

from crawler.ssrf_middleware import SsrfGuardMiddleware
from tests import faultserver
from tests.faultserver import FaultServer

GUARD = "crawler.ssrf_middleware.SsrfGuardMiddleware"


@pytest.fixture(scope="module")
def server() -> Iterator[FaultServer]:
    with faultserver.running() as running:
        yield running


def guarded(db: Path, **overrides: Any) -> dict[str, Any]:
    """Fault-test settings with the guard wired as ``crawler/settings.py`` should wire it."""
    settings = faultserver.fault_settings(f"sqlite:///{db}", **overrides)
    settings["DOWNLOADER_MIDDLEWARES"] = settings["DOWNLOADER_MIDDLEWARES"] | {GUARD: 75}
    settings.setdefault("SSRF_ENABLED", True)
    return settings


def _port(server: FaultServer) -> str:
    return server.base_url.rsplit(":", 1)[1]


@deferred_f_from_coro_f
async def test_local_urls_are_refused_without_an_allow_list(
    server: FaultServer, tmp_path: Path
) -> None:
    port = _port(server)
    urls = {
        server.url("/good?case=refused"): r"^IgnoreRequest: ssrf: 127\.0\.0\.1 is loopback$",
        f"http://2130706433:{port}/good": r"^IgnoreRequest: ssrf: 2130706433 is 127\.0\.0\.1, "
        r"which is loopback$",
        f"http://localhost:{port}/good": r"^IgnoreRequest: ssrf: localhost resolves to "
        r"(127\.0\.0\.1|::1), which is loopback$",
    }
    db = tmp_path / "refused.db"
    seeds = faultserver.write_seeds(tmp_path, list(urls))
    stats = await faultserver.crawl(seeds, guarded(db, SSRF_ALLOW=[]))

    rows = faultserver.fetches(db)
    for url, reason in urls.items():
        assert rows[url].outcome == "error"
        assert re.search(reason, rows[url].reason or ""), rows[url]
        assert faultserver.stored_texts(db, url) == []
    assert stats["ssrf/refused"] == 3
    assert stats["ssrf/refused/loopback"] == 3
    assert not any(path.startswith("/good") for path, _ in server.log() if "refused" in path)
    # the crawl ran its course, but no fetch reached a page: it says so
    assert faultserver.run_statuses(db) == ["failed"]


@deferred_f_from_coro_f
async def test_an_allowed_address_is_fetched(server: FaultServer, tmp_path: Path) -> None:
    url = server.url("/good?case=allowed")
    db = tmp_path / "allowed.db"
    seeds = faultserver.write_seeds(tmp_path, [url])
    stats = await faultserver.crawl(seeds, guarded(db, SSRF_ALLOW=["127.0.0.1"]))
    assert faultserver.fetches(db)[url].outcome == "new-version"
    assert "ssrf/refused" not in stats


@deferred_f_from_coro_f
async def test_the_guard_can_be_switched_off(server: FaultServer, tmp_path: Path) -> None:
    url = server.url("/good?case=off")
    db = tmp_path / "off.db"
    seeds = faultserver.write_seeds(tmp_path, [url])
    await faultserver.crawl(seeds, guarded(db, SSRF_ALLOW=[], SSRF_ENABLED=False))
    assert faultserver.fetches(db)[url].outcome == "new-version"


@pytest.mark.parametrize(
    ("to", "reason"),
    [
        ("http://169.254.169.254/latest/meta-data/", r"ssrf: 169\.254\.169\.254 is cloud-metadata"),
        ("http://[fd00:ec2::254]/latest/", r"ssrf: fd00:ec2::254 is cloud-metadata"),
        ("http://10.0.0.1/admin", r"ssrf: 10\.0\.0\.1 is private"),
        ("http://0x7f000002/", r"ssrf: 0x7f000002 is 127\.0\.0\.2, which is loopback"),
    ],
)
@deferred_f_from_coro_f
async def test_a_redirect_hop_to_a_refused_address_is_refused(
    to: str, reason: str, server: FaultServer, tmp_path: Path
) -> None:
    """The first hop is allowed (127.0.0.1 is on the allow-list), the next one is not."""
    url = server.url(f"/redirect?to={to}&case=hop")
    db = tmp_path / "hop.db"
    seeds = faultserver.write_seeds(tmp_path, [url])
    stats = await faultserver.crawl(seeds, guarded(db, SSRF_ALLOW=["127.0.0.1/32"]))
    row = faultserver.fetches(db)[url]
    assert row.outcome == "error"
    assert re.search(reason, row.reason or ""), row
    assert stats["downloader/response_status_count/302"] == 1
    assert stats["ssrf/refused"] == 1


@deferred_f_from_coro_f
async def test_dns_rebinding_cannot_reach_a_refused_address(
    server: FaultServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The middleware's lookup sees a public address; the connection's own lookup gets 127.0.0.1.

    The resolver drops the refused answer, so the download has no address to connect to and the
    server never sees the request.
    """

    async def public(self: SsrfGuardMiddleware, host: str) -> list[str]:
        return ["93.184.216.34"]

    monkeypatch.setattr(SsrfGuardMiddleware, "_resolve", public)
    url = f"http://localhost:{_port(server)}/good?case=rebinding"
    db = tmp_path / "rebind.db"
    seeds = faultserver.write_seeds(tmp_path, [url])
    stats = await faultserver.crawl(seeds, guarded(db, SSRF_ALLOW=[]))

    row = faultserver.fetches(db)[url]
    assert row.outcome == "error"
    assert re.search(r"^CannotResolveHostError: .*localhost", row.reason or ""), row
    assert stats["ssrf/dns_answers_dropped"] >= 1
    assert not [p for p, _ in server.log() if "rebinding" in p]


def test_a_malformed_allow_list_stops_the_crawl_before_it_starts(tmp_path: Path) -> None:
    from scrapy.utils.test import get_crawler

    from crawler.ssrf import SsrfConfigError
    from spiders.seeds import SeedsSpider

    crawler = get_crawler(SeedsSpider, guarded(tmp_path / "x.db", SSRF_ALLOW=["http://x/"]))
    with pytest.raises(SsrfConfigError, match="SSRF_ALLOW"):
        SsrfGuardMiddleware.from_crawler(crawler)
