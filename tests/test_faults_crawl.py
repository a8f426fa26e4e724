"""Real crawls against the fault server: every fault is recorded, the crawl goes on.

Each case crawls a seeds file with the fault URL and one good page, with short limits
(``DOWNLOAD_TIMEOUT=3``, ``RETRY_TIMES=1``, ``DOWNLOAD_MAXSIZE=2 MB``). The fault must be recorded
in ``fetches`` with its outcome and a reason, no version may be stored for it, the good page must
be stored and the crawl must finish. The matrix in ``docs/reliability.md`` lists the cases.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from scrapy.utils.defer import deferred_f_from_coro_f

from tests import faultserver
from tests.faultserver import FaultServer, closed_port


@pytest.fixture(scope="module")
def server() -> Iterator[FaultServer]:
    with faultserver.running() as running:
        yield running


@dataclass(frozen=True)
class Case:
    """A fault URL (a path on the fault server, or a full URL) and what must be recorded."""

    target: str
    outcome: str
    reason: str  # a regular expression the recorded reason must match
    settings: dict[str, Any] = field(default_factory=dict)

    def url(self, server: FaultServer) -> str:
        if self.target.startswith("/"):
            return server.url(self.target)
        return self.target.replace("{closed}", str(closed_port()))


TIMEOUT = r"TimeoutError: .*took longer than 3\.0 seconds"
DATA_LOSS = r"^ResponseDataLossError"
TOO_BIG = r"larger than download max size|exceeded DOWNLOAD_MAXSIZE|^DownloadCancelledError"
NOT_FOLLOWED = r"HttpError: Ignoring non-200 response"
NO_ARTICLE = r"^(no-article|too-short): "


CASES: dict[str, Case] = {
    # 1. connection refused; reset mid-body; DNS failure
    "connection-refused": Case("http://127.0.0.1:{closed}/", "error", r"ConnectionRefusedError"),
    "connection-reset": Case("/reset", "error", DATA_LOSS),
    "dns-failure": Case("http://no-such-host.invalid/", "error", r"^CannotResolveHostError"),
    # 2. no answer; headers then silence; slow trickle (the timeout covers the whole download)
    "no-answer": Case("/no-answer", "error", TIMEOUT),
    "headers-then-silence": Case("/headers-then-silence", "error", TIMEOUT),
    "slow-trickle": Case("/trickle", "error", TIMEOUT),
    # 3. truncated body with Content-Length; broken chunked encoding
    "truncated-body": Case("/truncated", "error", DATA_LOSS),
    "broken-chunked": Case("/bad-chunked", "error", DATA_LOSS),
    # 4. 5xx and 429: retried (see the retry tests below), then recorded
    "http-500": Case("/status/500", "error", r"^HTTP 500$"),
    "http-502": Case("/status/502", "error", r"^HTTP 502$"),
    "http-503": Case("/status/503", "error", r"^HTTP 503$"),
    "http-429": Case("/429?retry_after=1", "error", r"^HTTP 429\b"),
    # 5. redirect loop; chain longer than the limit; non-HTTP schemes
    "redirect-loop": Case("/redirect-loop", "error", r"IgnoreRequest: max redirections reached"),
    "redirect-chain": Case("/chain/20", "error", r"IgnoreRequest: max redirections reached"),
    "redirect-to-file": Case("/redirect?to=file:///etc/passwd", "error", NOT_FOLLOWED),
    "redirect-to-ftp": Case("/redirect?to=ftp://127.0.0.1/pub/file", "error", NOT_FOLLOWED),
    "redirect-to-data": Case("/redirect?to=data:text/html,<p>hi</p>", "error", NOT_FOLLOWED),
    # 6. size limit; gzip bomb; gzip without Content-Encoding
    "body-over-limit": Case("/big?mb=3", "error", TOO_BIG),
    "body-over-limit-chunked": Case("/big-chunked?mb=3", "error", TOO_BIG),
    "gzip-bomb": Case("/gzip-bomb", "error", TOO_BIG),
    "gzip-without-encoding": Case("/gzip-no-encoding", "rejected", r"^not-html: gzip data"),
    # 8. binary served as text/html; empty 200; login and bot walls
    "pdf-as-html": Case("/binary/pdf", "rejected", r"^(no-article|too-short|not-html): "),
    "binary-as-html": Case("/binary/random", "rejected", r"^(no-article|too-short|not-html): "),
    "empty-200": Case("/empty", "rejected", r"^no-article: empty body"),
    "png-as-html": Case("/binary/png", "rejected", r"^not-html: PNG image served as a web page"),
    "login-wall": Case("/login-wall", "rejected", r"^notice-page: registration notice: "),
    "bot-wall": Case("/bot-wall", "rejected", r"^bot-wall: "),
    # 9. markup that holds no article; an article nested deeper than 256 elements
    "garbage-markup": Case("/garbage-markup", "rejected", NO_ARTICLE),
}


@pytest.mark.parametrize(
    "name",
    list(CASES),
)
@deferred_f_from_coro_f
async def test_fault_is_recorded_and_the_crawl_goes_on(
    name: str, server: FaultServer, tmp_path: Path
) -> None:
    case = CASES[name]
    fault_url = case.url(server)
    good_url = server.url(f"/good?after={name}")
    db = tmp_path / "faults.db"
    seeds = faultserver.write_seeds(tmp_path, [fault_url, good_url])

    stats = await faultserver.crawl(seeds, faultserver.fault_settings(f"sqlite:///{db}"))

    rows = faultserver.fetches(db)
    fault = rows[fault_url]
    assert fault.outcome == case.outcome, fault
    assert fault.reason is not None
    assert re.search(case.reason, fault.reason), fault.reason
    assert faultserver.stored_texts(db, fault_url) == []
    assert rows[good_url].outcome == "new-version", rows[good_url]
    assert len(faultserver.stored_texts(db, good_url)) == 1
    assert stats["finish_reason"] == "finished"
    assert faultserver.run_statuses(db) == ["finished"]


# 7 and 9: pages that are articles despite their faults are stored, and stored right.
STORED: dict[str, tuple[str, str]] = {
    # target -> a passage the stored text must contain
    "charset-missing": ("/charset/missing", "Zürich"),
    "charset-meta-only": ("/charset/meta-only", "Москва приняла новый бюджет"),
    "charset-utf16-bom": ("/charset/utf16", "Stadträte beschließen"),
    "charset-invalid-bytes": ("/charset/invalid-bytes", "Stadträte beschließen"),
    "malformed-html": ("/malformed", "The regional council approved the new water management"),
    # header says utf-8, <meta> and the bytes say windows-1251: the <meta> is believed
    "charset-conflict": ("/charset/conflict", "Москва приняла новый бюджет"),
    # header says utf-8, no <meta>, the bytes are windows-1252: the mislabel is recognised
    "charset-wrong": ("/charset/wrong", "Zürich"),
    # nested 300 elements deep, past trafilatura's 256: unwrapped and extracted again
    "deep-nesting-article": (
        "/deep-nesting?depth=300",
        "The regional council approved the new water management",
    ),
}


@pytest.mark.parametrize(
    "name",
    list(STORED),
)
@deferred_f_from_coro_f
async def test_article_with_odd_encoding_or_markup_is_stored_readable(
    name: str, server: FaultServer, tmp_path: Path
) -> None:
    target, passage = STORED[name]
    url = server.url(f"{target}{'&' if '?' in target else '?'}case={name}")
    db = tmp_path / "stored.db"
    seeds = faultserver.write_seeds(tmp_path, [url])
    await faultserver.crawl(seeds, faultserver.fault_settings(f"sqlite:///{db}"))
    assert faultserver.fetches(db)[url].outcome == "new-version"
    (text,) = faultserver.stored_texts(db, url)
    assert passage in text


@pytest.mark.parametrize("target", ["/status/503", "/429?retry_after=1"])
@deferred_f_from_coro_f
async def test_5xx_and_429_are_retried_before_being_recorded(
    target: str, server: FaultServer, tmp_path: Path
) -> None:
    target = f"{target}{'&' if '?' in target else '?'}case=retried"
    db = tmp_path / "retry.db"
    seeds = faultserver.write_seeds(tmp_path, [server.url(target)])
    await faultserver.crawl(seeds, faultserver.fault_settings(f"sqlite:///{db}", RETRY_TIMES=2))
    assert len(server.hits(target)) == 3  # the first try and RETRY_TIMES retries
    assert faultserver.fetches(db)[server.url(target)].outcome == "error"


@deferred_f_from_coro_f
async def test_429_retry_after_is_honoured(server: FaultServer, tmp_path: Path) -> None:
    target = "/429?retry_after=2&case=honoured"
    db = tmp_path / "retry-after.db"
    seeds = faultserver.write_seeds(tmp_path, [server.url(target)])
    await faultserver.crawl(seeds, faultserver.fault_settings(f"sqlite:///{db}"))
    first, second = server.hits(target)
    assert second - first >= 1.9


@pytest.mark.parametrize("scheme", ["file:///etc/passwd", "ftp://127.0.0.1/pub/file"])
@deferred_f_from_coro_f
async def test_a_redirect_to_another_scheme_is_never_followed(
    scheme: str, server: FaultServer, tmp_path: Path
) -> None:
    """The 3xx itself is recorded; nothing of the redirect target is read or hashed."""
    url = server.url(f"/redirect?to={scheme}&case=not-followed")
    db = tmp_path / "scheme.db"
    seeds = faultserver.write_seeds(tmp_path, [url])
    stats = await faultserver.crawl(seeds, faultserver.fault_settings(f"sqlite:///{db}"))
    row = faultserver.fetches(db)[url]
    assert row.outcome == "error"
    assert row.http_status is None
    # one response, the 3xx: no handler for the other scheme was ever asked
    assert stats["downloader/response_count"] == 1
    assert stats["downloader/response_status_count/302"] == 1
