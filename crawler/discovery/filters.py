"""A collection's limits on discovered URLs: date window, URL patterns and keywords."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import unquote, urlsplit

from crawler.discovery.dates import to_naive_utc


@dataclass(frozen=True, slots=True)
class Candidate:
    """A discovered URL with what its feed or sitemap said about it."""

    url: str
    title: str | None = None
    summary: str | None = None
    published: datetime | None = None


@dataclass(frozen=True)
class CollectionFilter:
    """Which discovered URLs a collection wants; patterns are validated when built.

    Keywords match whole words, case-insensitively, in the title, the summary or the URL path
    (where ``-`` and ``_`` separate words); any one keyword is enough, and a keyword of several
    words matches them in order ("india visit" matches "India-visit" but not "visit India").
    A candidate without a date passes the date window: nothing says it is out of it.

    Raises:
        ValueError: an invalid regular expression or an empty date window, naming it.
    """

    since: datetime | None = None
    until: datetime | None = None
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    _include: tuple[re.Pattern[str], ...] = field(init=False, repr=False, compare=False)
    _exclude: tuple[re.Pattern[str], ...] = field(init=False, repr=False, compare=False)
    _keywords: tuple[tuple[str, re.Pattern[str]], ...] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        since = to_naive_utc(self.since) if self.since else None
        until = to_naive_utc(self.until) if self.until else None
        if since and until and since > until:
            raise ValueError(f"date window is empty: since {since} is after until {until}")
        object.__setattr__(self, "since", since)
        object.__setattr__(self, "until", until)
        object.__setattr__(self, "_include", _compile(self.include, "include"))
        object.__setattr__(self, "_exclude", _compile(self.exclude, "exclude"))
        keywords = tuple((k, _keyword_pattern(k)) for k in self.keywords if k.split())
        object.__setattr__(self, "_keywords", keywords)

    def accepts(self, candidate: Candidate) -> tuple[bool, str]:
        """Whether the collection wants the candidate, and why (a reason fit for a log)."""
        ok, _kind, reason = self.judge(candidate)
        return ok, reason

    def judge(self, candidate: Candidate) -> tuple[bool, str, str]:
        """As :meth:`accepts`, with the kind of decision as a fixed string, fit for counting.

        Kinds: ``accepted``, ``published before since``, ``published after until``,
        ``URL matches exclude pattern '...'``, ``URL matches no include pattern``,
        ``no keyword in title, summary or URL``.
        """
        published = to_naive_utc(candidate.published) if candidate.published else None
        if published and self.since and published < self.since:
            reason = f"published {published:%Y-%m-%d %H:%M} before {self.since:%Y-%m-%d %H:%M}"
            return False, "published before since", reason
        if published and self.until and published > self.until:
            reason = f"published {published:%Y-%m-%d %H:%M} after {self.until:%Y-%m-%d %H:%M}"
            return False, "published after until", reason
        for pattern in self._exclude:
            if pattern.search(candidate.url):
                reason = f"URL matches exclude pattern {pattern.pattern!r}"
                return False, reason, reason
        if self._include and not any(p.search(candidate.url) for p in self._include):
            return False, "URL matches no include pattern", "URL matches no include pattern"
        if not self._keywords:
            return True, "accepted", "accepted: no keyword limit"
        slug = unquote(urlsplit(candidate.url).path).replace("-", " ").replace("_", " ")
        for field_name, text in (
            ("title", candidate.title),
            ("summary", candidate.summary),
            ("URL", slug),
        ):
            for keyword, pattern in self._keywords:
                if text and pattern.search(text):
                    return True, "accepted", f"accepted: keyword {keyword!r} in {field_name}"
        reason = "no keyword in title, summary or URL"
        return False, reason, reason


def _compile(patterns: Iterable[str], which: str) -> tuple[re.Pattern[str], ...]:
    compiled: list[re.Pattern[str]] = []
    for pattern in patterns:
        try:
            compiled.append(re.compile(pattern))
        except re.error as exc:
            raise ValueError(f"invalid {which} pattern {pattern!r}: {exc}") from exc
    return tuple(compiled)


def _keyword_pattern(keyword: str) -> re.Pattern[str]:
    words = [re.escape(word) for word in keyword.split()]
    # \b on both ends keeps "putin" from matching "putinism"; [\W_]+ lets slugs join words.
    return re.compile(r"\b" + r"[\W_]+".join(words) + r"\b", re.IGNORECASE)
