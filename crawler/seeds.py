"""Load and validate seeds files: the sources a collection follows.

A seeds file is TOML with one ``[collection]`` table and ``[[sources]]`` entries; the format is
documented in ``docs/seeds.md``. Loading is eager and strict: the first problem raises
:class:`~crawler.errors.SeedsError` naming the file, the entry and the field.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from crawler.errors import SeedsError
from seeds import bundled_seeds

SOURCE_FIELDS: dict[str, bool] = {
    # field name -> required
    "publisher": True,
    "title": True,
    "url": True,
    "published": False,
    "snippet": False,
    "verified": False,
}
COLLECTION_FIELDS = ("name", "description", "keywords", "since", "until", "include", "exclude")
PUBLISHER_FIELDS: dict[str, bool] = {
    # field name -> required
    "name": True,
    "home": True,
    "feeds": False,
    "sitemaps": False,
    "allowed_domains": False,
    "include": False,
    "exclude": False,
    "keywords": False,
    "language": False,
}
ALLOWED_SCHEMES = ("http", "https")


@dataclass(frozen=True, slots=True)
class Source:
    """One source to fetch: an article URL with what is known of it beforehand."""

    publisher: str
    title: str
    url: str
    published: dt.datetime | None = None
    snippet: str | None = None
    verified: bool = False


@dataclass(frozen=True, slots=True)
class Publisher:
    """A site the collection follows: new articles are discovered from its feeds and sitemaps.

    Without feeds or sitemaps, feeds are discovered from the home page's
    ``<link rel="alternate">``. Discovered URLs outside ``allowed_domains`` (default: the home
    page's host and its subdomains) are ignored.
    """

    name: str
    home: str
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    allowed_domains: tuple[str, ...] = ()
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    language: str | None = None


@dataclass(frozen=True, slots=True)
class Collection:
    """A named set of sources and publishers, as loaded from one seeds file.

    ``keywords``, ``since``/``until`` and ``include``/``exclude`` (URL regular expressions) limit
    the articles discovered from publishers; listed sources are always fetched.
    """

    name: str
    path: Path
    description: str = ""
    keywords: tuple[str, ...] = ()
    sources: tuple[Source, ...] = field(default_factory=tuple)
    publishers: tuple[Publisher, ...] = field(default_factory=tuple)
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()


def resolve_seeds_path(spec: str | Path | None) -> Path:
    """Turn a seeds argument into a file path.

    ``None`` means the bundled default collection; a bare name without a suffix that is not an
    existing file names a bundled collection (``putin-india-visit``).
    """
    if spec is None or spec == "":
        return bundled_seeds()
    path = Path(spec).expanduser()
    if not path.exists() and path.suffix == "" and "/" not in str(spec):
        candidate = bundled_seeds(str(spec))
        if candidate.exists():
            return candidate
    return path


def load_seeds(spec: str | Path | None = None) -> Collection:
    """Load and validate a seeds file.

    Raises:
        SeedsError: the file is missing, is not TOML, or an entry is invalid.
    """
    path = resolve_seeds_path(spec)
    shown = str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SeedsError(shown, f"cannot read the file ({exc.strerror or exc})") from exc
    try:
        doc = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise SeedsError(shown, f"not UTF-8 text (byte {exc.start})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise SeedsError(shown, f"not valid TOML: {exc}") from exc
    return _parse_document(doc, path)


def _parse_document(doc: Mapping[str, Any], path: Path) -> Collection:
    shown = str(path)
    unknown = sorted(set(doc) - {"collection", "sources", "publishers"})
    if unknown:
        raise SeedsError(
            shown,
            f"unknown top-level key(s) {unknown}; allowed: 'collection', 'sources', 'publishers'",
        )
    header = doc.get("collection", {})
    if not isinstance(header, dict):
        raise SeedsError(shown, "must be a table", entry="[collection]")
    for key in header:
        if key not in COLLECTION_FIELDS:
            raise SeedsError(
                shown,
                f"unknown field; allowed: {', '.join(COLLECTION_FIELDS)}",
                entry="[collection]",
                field=key,
            )
    name = header.get("name", path.stem)
    if not isinstance(name, str) or not name.strip():
        raise SeedsError(shown, "must be a non-empty string", entry="[collection]", field="name")
    description = header.get("description", "")
    if not isinstance(description, str):
        raise SeedsError(shown, "must be a string", entry="[collection]", field="description")
    keywords = _strings(header, "keywords", shown, "[collection]")
    include = _patterns(header, "include", shown, "[collection]")
    exclude = _patterns(header, "exclude", shown, "[collection]")
    since = _parse_published(header.get("since"), shown, "[collection]", "since")
    until = _parse_published(header.get("until"), shown, "[collection]", "until")
    if since and until and since >= until:
        raise SeedsError(shown, "must be after 'since'", entry="[collection]", field="until")

    entries = doc.get("sources", [])
    raw_publishers = doc.get("publishers", [])
    if not isinstance(raw_publishers, list):
        raise SeedsError(shown, "'publishers' must be a list of [[publishers]] tables")
    if not isinstance(entries, list) or (not entries and not raw_publishers):
        raise SeedsError(
            shown,
            "no [[sources]] or [[publishers]] entries; a collection needs at least one",
        )
    publishers = tuple(
        _parse_publisher(entry, shown, index) for index, entry in enumerate(raw_publishers, 1)
    )
    names = [p.name for p in publishers]
    for index, name in enumerate(names, start=1):
        if names.index(name) != index - 1:
            raise SeedsError(
                shown, f"duplicate publisher name {name!r}", entry=f"publisher #{index}"
            )
    sources: list[Source] = []
    seen: dict[str, int] = {}
    for index, entry in enumerate(entries, start=1):
        source = _parse_source(entry, shown, index)
        key = _url_key(source.url)
        if key in seen:
            raise SeedsError(
                shown,
                f"duplicate URL, already listed by source #{seen[key]}",
                entry=f"source #{index}",
                field="url",
            )
        seen[key] = index
        sources.append(source)
    return Collection(
        name=name.strip(),
        path=path,
        description=description,
        keywords=keywords,
        sources=tuple(sources),
        publishers=publishers,
        since=since,
        until=until,
        include=include,
        exclude=exclude,
    )


def _strings(table: Mapping[str, Any], key: str, shown: str, entry: str) -> tuple[str, ...]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise SeedsError(shown, "must be a list of non-empty strings", entry=entry, field=key)
    return tuple(v.strip() for v in value)


def _patterns(table: Mapping[str, Any], key: str, shown: str, entry: str) -> tuple[str, ...]:
    patterns = _strings(table, key, shown, entry)
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise SeedsError(
                shown, f"{pattern!r} is not a regular expression ({exc})", entry=entry, field=key
            ) from exc
    return patterns


def _check_fields(
    entry: Mapping[str, Any],
    spec: Mapping[str, bool],
    strings: tuple[str, ...],
    shown: str,
    label: str,
) -> None:
    """Unknown fields, missing required ones and empty strings, named by entry and field."""
    for key in entry:
        if key not in spec:
            raise SeedsError(
                shown, f"unknown field; allowed: {', '.join(spec)}", entry=label, field=key
            )
    for key, required in spec.items():
        if required and key not in entry:
            raise SeedsError(shown, "is required", entry=label, field=key)
    for key in strings:
        if key in entry and (not isinstance(entry[key], str) or not entry[key].strip()):
            raise SeedsError(shown, "must be a non-empty string", entry=label, field=key)


def _parse_publisher(entry: object, shown: str, index: int) -> Publisher:
    label = f"publisher #{index}"
    if not isinstance(entry, dict):
        raise SeedsError(shown, "must be a table ([[publishers]])", entry=label)
    if isinstance(entry.get("name"), str):
        label = f"publisher #{index} ({entry['name']})"
    _check_fields(entry, PUBLISHER_FIELDS, ("name", "home", "language"), shown, label)
    urls: dict[str, tuple[str, ...]] = {}
    for key in ("home", "feeds", "sitemaps"):
        values = (entry[key],) if key == "home" else _strings(entry, key, shown, label)
        for value in values:
            problem = url_problem(value.strip())
            if problem:
                raise SeedsError(shown, f"{value!r}: {problem}", entry=label, field=key)
        urls[key] = tuple(v.strip() for v in values)
    return Publisher(
        name=entry["name"].strip(),
        home=urls["home"][0],
        feeds=urls["feeds"],
        sitemaps=urls["sitemaps"],
        allowed_domains=tuple(
            d.lower().lstrip(".") for d in _strings(entry, "allowed_domains", shown, label)
        ),
        include=_patterns(entry, "include", shown, label),
        exclude=_patterns(entry, "exclude", shown, label),
        keywords=_strings(entry, "keywords", shown, label),
        language=entry.get("language"),
    )


def _parse_source(entry: object, shown: str, index: int) -> Source:
    label = f"source #{index}"
    if not isinstance(entry, dict):
        raise SeedsError(shown, "must be a table ([[sources]])", entry=label)
    if isinstance(entry.get("url"), str):
        label = f"source #{index} ({entry['url']})"
    _check_fields(entry, SOURCE_FIELDS, ("publisher", "title", "url", "snippet"), shown, label)
    url = entry["url"].strip()
    problem = url_problem(url)
    if problem:
        raise SeedsError(shown, problem, entry=label, field="url")
    verified = entry.get("verified", False)
    if not isinstance(verified, bool):
        raise SeedsError(shown, "must be true or false", entry=label, field="verified")
    return Source(
        publisher=entry["publisher"].strip(),
        title=entry["title"].strip(),
        url=url,
        published=_parse_published(entry.get("published"), shown, label),
        snippet=entry.get("snippet"),
        verified=verified,
    )


def url_problem(url: str) -> str | None:
    """Why ``url`` cannot be fetched as a source, or ``None`` when it can."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - parsing the port validates it
    except ValueError as exc:
        return f"not a valid URL ({exc})"
    if parts.scheme.lower() not in ALLOWED_SCHEMES:
        return (
            f"scheme '{parts.scheme or '(none)'}' is not allowed; "
            f"allowed: {', '.join(ALLOWED_SCHEMES)}"
        )
    if not parts.hostname:
        return "has no host name"
    if any(ch.isspace() for ch in url):
        return "contains whitespace"
    return None


def _url_key(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{(parts.netloc or '').lower()}{parts.path}?{parts.query}"


def _parse_published(
    value: object, shown: str, label: str, name: str = "published"
) -> dt.datetime | None:
    if value is None:
        return None
    hint = "expected a date (2024-07-08) or a datetime with offset (2024-07-08T09:30:00+05:30)"
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, dt.date):
        parsed = dt.datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        try:
            parsed = dt.datetime.fromisoformat(value.strip())
        except ValueError as exc:
            raise SeedsError(
                shown, f"'{value}' is not a date; {hint}", entry=label, field=name
            ) from exc
    else:
        raise SeedsError(shown, hint, entry=label, field=name)
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(dt.UTC).replace(tzinfo=None)
    return parsed
