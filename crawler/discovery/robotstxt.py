"""robots.txt rules as RFC 9309 reads a fetch outcome, and a per-host cache with expiry.

Status rules (RFC 9309 section 2.3.1): 2xx is parsed; 4xx means no rules ("unavailable": allow
all); 5xx or a network failure means "unreachable": disallow all. 429 is treated as 5xx (as
Google does): it says the server is overloaded, the opposite of "no rules here".
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from protego import Protego

DEFAULT_MAX_BYTES = 500 * 1024
"""RFC 9309 asks parsers to read at least 500 KiB; anything beyond is ignored."""


class RobotsState(StrEnum):
    """How the rules were obtained, which decides what they allow."""

    PARSED = "parsed"
    ALLOW_ALL = "allow_all"
    DISALLOW_ALL = "disallow_all"


@dataclass(frozen=True)
class RobotsRules:
    """What one host's robots.txt allows; ``reason`` says where the rules came from."""

    state: RobotsState
    reason: str
    parser: Protego | None = field(default=None, repr=False, compare=False)

    @classmethod
    def from_response(
        cls, status: int, body: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES
    ) -> RobotsRules:
        """The rules a robots.txt response (after redirects) gives, by RFC 9309's status rules."""
        if 200 <= status < 300:
            text = body[:max_bytes].decode("utf-8", errors="replace")
            return cls(RobotsState.PARSED, f"HTTP {status}", Protego.parse(text))
        if 400 <= status < 500 and status != 429:
            return cls(RobotsState.ALLOW_ALL, f"HTTP {status}, RFC 9309 treats as allow all")
        return cls(
            RobotsState.DISALLOW_ALL,
            f"unavailable (HTTP {status}), RFC 9309 treats as disallow",
        )

    @classmethod
    def unreachable(cls, why: str) -> RobotsRules:
        """Rules for a robots.txt that could not be fetched at all: disallow everything."""
        return cls(RobotsState.DISALLOW_ALL, f"unreachable ({why}), RFC 9309 treats as disallow")

    @classmethod
    def allow_all(cls, why: str) -> RobotsRules:
        """Rules for a robots.txt that does not exist (or is treated as missing)."""
        return cls(RobotsState.ALLOW_ALL, why)

    def allowed(self, url: str, user_agent: str) -> tuple[bool, str]:
        """Whether ``user_agent`` may fetch ``url``, with a reason starting "robots.txt: "."""
        if self.state is RobotsState.ALLOW_ALL:
            return True, f"robots.txt: {self.reason}"
        if self.state is RobotsState.DISALLOW_ALL or self.parser is None:
            return False, f"robots.txt: {self.reason}"
        if self.parser.can_fetch(url, user_agent):
            return True, "robots.txt: allowed"
        return False, "robots.txt: disallowed"

    def crawl_delay(self, user_agent: str) -> float | None:
        """The ``Crawl-delay`` for ``user_agent`` in seconds, if the file sets one."""
        if self.parser is None:
            return None
        delay = self.parser.crawl_delay(user_agent)
        return float(delay) if delay and delay > 0 else None

    @property
    def sitemaps(self) -> list[str]:
        """Sitemap URLs the file lists (a discovery source for publishers)."""
        return list(self.parser.sitemaps) if self.parser is not None else []


class RobotsCache:
    """Rules per origin (``scheme://host:port``), each kept for its own time to live.

    Failures (disallow-all from 5xx or the network) live ``error_ttl``, usually much shorter
    than ``ttl``, so a host that was briefly down is asked again soon rather than after a day.
    """

    def __init__(
        self, ttl: float, error_ttl: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl = ttl
        self.error_ttl = error_ttl
        self._clock = clock
        self._entries: dict[str, tuple[float, RobotsRules]] = {}

    def get(self, origin: str) -> RobotsRules | None:
        """The cached rules, or ``None`` when absent or expired."""
        entry = self._entries.get(origin)
        if entry is None:
            return None
        expires, rules = entry
        if self._clock() >= expires:
            del self._entries[origin]
            return None
        return rules

    def put(self, origin: str, rules: RobotsRules) -> None:
        """Remember rules for an origin until their time to live runs out."""
        ttl = self.error_ttl if rules.state is RobotsState.DISALLOW_ALL else self.ttl
        self._entries[origin] = (self._clock() + ttl, rules)

    def __len__(self) -> int:
        return len(self._entries)
