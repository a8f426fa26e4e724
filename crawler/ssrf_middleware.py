"""The SSRF guard for Scrapy: a downloader middleware and a filtering DNS resolver.

Two layers over one :class:`~crawler.ssrf.AddressPolicy`:

- :class:`SsrfGuardMiddleware` sees every request, redirect hops included (each hop re-enters the
  downloader middlewares). It refuses bad schemes and address literals, resolves host names and
  refuses those that resolve to a refused address, with ``IgnoreRequest("ssrf: ...")`` so the
  request's errback records why.
- :class:`SsrfResolver` wraps the reactor's name resolver and drops refused addresses from every
  resolution the downloader makes. A host that passed the middleware's lookup and then resolves
  elsewhere (DNS rebinding, a short TTL) has no address left to connect to.

The middleware installs the resolver on the reactor itself, because ``TWISTED_DNS_RESOLVER`` is
only applied by ``CrawlerProcess`` (not by ``AsyncCrawlerRunner``, which ``crawler crawl`` uses).
"""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from collections.abc import Sequence
from typing import Any, Self
from urllib.parse import urlsplit

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured
from twisted.internet.address import IPv4Address, IPv6Address
from twisted.internet.interfaces import IAddress, IHostnameResolver, IResolutionReceiver

# zope.interface ships no type information; it only declares what the classes provide.
from zope.interface import implementer, provider  # type: ignore[import-untyped]

from crawler import defaults
from crawler.config.check import check
from crawler.errors import SettingError
from crawler.ssrf import AddressPolicy, SsrfConfigError, parse_ip_literal

logger = logging.getLogger(__name__)

_CACHE_LIMIT = 10_000


@provider(IResolutionReceiver)
class _FilteringReceiver:
    """Passes on only the addresses the resolver's policies allow."""

    # Twisted's interfaces omit ``self``, so mypy cannot call through them: peers are ``Any``.
    def __init__(self, receiver: Any, host: str, resolver: SsrfResolver) -> None:
        self.receiver = receiver
        self.host = host
        self.resolver = resolver

    def resolutionBegan(self, resolution: Any) -> None:
        self.receiver.resolutionBegan(resolution)

    def addressResolved(self, address: IAddress) -> None:
        if isinstance(address, IPv4Address | IPv6Address):
            reason = self.resolver.refusal(str(address.host), self.host)
            if reason is not None:
                self.resolver.dropped += 1
                logger.warning("DNS answer dropped: %s", reason)
                return
        self.receiver.addressResolved(address)

    def resolutionComplete(self) -> None:
        self.receiver.resolutionComplete()


@implementer(IHostnameResolver)
class SsrfResolver:
    """A name resolver that never hands the downloader a refused address.

    It wraps the resolver that was installed before it and filters with the policies of the
    guarded crawls running in this process (all of them, when several run at once). With no
    guarded crawl running it filters nothing.
    """

    def __init__(self, reactor: Any, original: Any) -> None:
        self.reactor = reactor
        self.original = original
        self.policies: dict[int, AddressPolicy] = {}
        self.dropped = 0

    @classmethod
    def from_crawler(cls, crawler: Any, reactor: Any) -> Self:
        """For ``TWISTED_DNS_RESOLVER``: wrap Scrapy's caching resolver (IPv4 and IPv6)."""
        from scrapy.resolver import CachingHostnameResolver

        inner = CachingHostnameResolver.from_crawler(crawler, reactor)
        return cls(reactor, inner)

    def install_on_reactor(self) -> None:
        """Make this the reactor's name resolver (``TWISTED_DNS_RESOLVER`` calls this)."""
        self.reactor.installNameResolver(self)

    @classmethod
    def installed(cls, reactor: Any) -> SsrfResolver:
        """The resolver installed on ``reactor``, installing one over the current one if needed."""
        current = reactor.nameResolver
        if isinstance(current, cls):
            return current
        resolver = cls(reactor, current)
        resolver.install_on_reactor()
        return resolver

    def refusal(self, address: str, host: str) -> str | None:
        """Why ``address`` (resolved from ``host``) is refused by a running crawl, or ``None``."""
        for policy in self.policies.values():
            reason = policy.check_address(address, host)
            if reason is not None:
                return reason
        return None

    def resolveHostName(
        self,
        resolutionReceiver: Any,
        hostName: str,
        portNumber: int = 0,
        addressTypes: Sequence[type[IAddress]] | None = None,
        transportSemantics: str = "TCP",
    ) -> Any:
        receiver = _FilteringReceiver(resolutionReceiver, hostName, self)
        return self.original.resolveHostName(
            receiver, hostName, portNumber, addressTypes, transportSemantics
        )


class SsrfGuardMiddleware:
    """Refuse requests to non-http(s) schemes and to loopback, private, metadata... addresses.

    Settings: ``SSRF_ENABLED`` (default on), ``SSRF_ALLOW`` (host names, addresses, networks),
    ``SSRF_DNS_CACHE_SECONDS``. Counts ``ssrf/refused`` and ``ssrf/refused/<kind>`` in the stats.
    """

    def __init__(self, crawler: Crawler, policy: AddressPolicy, cache_seconds: float) -> None:
        self.crawler = crawler
        self.policy = policy
        self.cache_seconds = cache_seconds
        self.dns_timeout = crawler.settings.getfloat("DNS_TIMEOUT", 60.0)
        self._cache: dict[str, tuple[float, list[str]]] = {}
        self.resolver: SsrfResolver | None = None
        crawler.signals.connect(self._opened, signal=signals.engine_started)
        crawler.signals.connect(self._closed, signal=signals.engine_stopped)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        """Build from the settings; ``NotConfigured`` when ``SSRF_ENABLED`` is off."""
        settings = crawler.settings
        if not settings.getbool("SSRF_ENABLED", defaults.SSRF_ENABLED):
            raise NotConfigured("SSRF_ENABLED is off")
        # getlist would split the README's list form at its commas into names that match no
        # host, and every host meant to be opened would stay refused without a word
        try:
            allow = check("SSRF_ALLOW", settings.get("SSRF_ALLOW") or [], "settings")
        except SettingError as exc:
            raise SsrfConfigError(str(exc)) from None
        policy = AddressPolicy(allow if isinstance(allow, list) else [])
        cache = settings.getfloat("SSRF_DNS_CACHE_SECONDS", defaults.SSRF_DNS_CACHE_SECONDS)
        return cls(crawler, policy, cache)

    def _opened(self) -> None:
        from twisted.internet import reactor

        self.resolver = SsrfResolver.installed(reactor)
        self.resolver.policies[id(self)] = self.policy

    def _closed(self) -> None:
        if self.resolver is not None:
            self.resolver.policies.pop(id(self), None)
            if self.crawler.stats is not None and self.resolver.dropped:
                self.crawler.stats.set_value("ssrf/dns_answers_dropped", self.resolver.dropped)

    async def process_request(self, request: Request) -> None:
        """Let the request through, or raise ``IgnoreRequest`` with the ``ssrf:`` reason."""
        reason = self.policy.check_url(request.url)
        if reason is None:
            host = urlsplit(request.url).hostname or ""
            if not self.policy.allows_host(host) and parse_ip_literal(host) is None:
                addresses = await self._resolve(host)
                reason = self.policy.check_addresses(host, addresses)
        if reason is not None:
            self._refused(reason)
            logger.info("%s refused: %s", request, reason)
            raise IgnoreRequest(reason)

    async def _resolve(self, host: str) -> list[str]:
        """The addresses of ``host``; none when it does not resolve (the download then fails)."""
        now = time.monotonic()
        cached = self._cache.get(host)
        if cached is not None and cached[0] > now:
            return cached[1]
        loop = asyncio.get_running_loop()
        try:
            infos = await asyncio.wait_for(
                loop.getaddrinfo(host, None, type=socket.SOCK_STREAM), self.dns_timeout
            )
        except (OSError, TimeoutError, UnicodeError):
            return []
        addresses = sorted({str(info[4][0]) for info in infos})
        if len(self._cache) >= _CACHE_LIMIT:
            self._cache.clear()
        self._cache[host] = (now + self.cache_seconds, addresses)
        return addresses

    def _refused(self, reason: str) -> None:
        stats = self.crawler.stats
        if stats is None:
            return
        stats.inc_value("ssrf/refused")
        if reason.startswith("ssrf: scheme"):
            kind = "scheme"
        elif " is " in reason:
            kind = reason.rsplit(" ", 1)[-1]  # "... is loopback", "... which is private"
        else:
            kind = "malformed"
        stats.inc_value(f"ssrf/refused/{kind}")
