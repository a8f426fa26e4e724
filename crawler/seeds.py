"""Load and validate seeds files: the sources a collection follows.

A seeds file is TOML with one ``[collection]`` table and ``[[sources]]`` entries; the format is
documented in ``docs/seeds.md``. Loading is eager and strict: the first problem raises
:class:`~crawler.errors.SeedsError` naming the file, the entry and the field.
"""

from __future__ import annotations

import datetime as dt
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
COLLECTION_FIELDS = ("name", "description", "keywords")
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
class Collection:
    """A named set of sources, as loaded from one seeds file."""

    name: str
    path: Path
    description: str = ""
    keywords: tuple[str, ...] = ()
    sources: tuple[Source, ...] = field(default_factory=tuple)


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
    unknown = sorted(set(doc) - {"collection", "sources"})
    if unknown:
        raise SeedsError(
            shown, f"unknown top-level key(s) {unknown}; allowed: 'collection', 'sources'"
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
    keywords = header.get("keywords", [])
    if not isinstance(keywords, list) or not all(isinstance(k, str) for k in keywords):
        raise SeedsError(shown, "must be a list of strings", entry="[collection]", field="keywords")

    entries = doc.get("sources")
    if not isinstance(entries, list) or not entries:
        raise SeedsError(shown, "no [[sources]] entries; a collection needs at least one source")
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
        keywords=tuple(keywords),
        sources=tuple(sources),
    )


def _parse_source(entry: object, shown: str, index: int) -> Source:
    label = f"source #{index}"
    if not isinstance(entry, dict):
        raise SeedsError(shown, "must be a table ([[sources]])", entry=label)
    if isinstance(entry.get("url"), str):
        label = f"source #{index} ({entry['url']})"
    for key in entry:
        if key not in SOURCE_FIELDS:
            raise SeedsError(
                shown,
                f"unknown field; allowed: {', '.join(SOURCE_FIELDS)}",
                entry=label,
                field=key,
            )
    for key, required in SOURCE_FIELDS.items():
        if required and key not in entry:
            raise SeedsError(shown, "is required", entry=label, field=key)
    for key in ("publisher", "title", "url", "snippet"):
        if key in entry and (not isinstance(entry[key], str) or not entry[key].strip()):
            raise SeedsError(shown, "must be a non-empty string", entry=label, field=key)
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


def _parse_published(value: object, shown: str, label: str) -> dt.datetime | None:
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
                shown, f"'{value}' is not a date; {hint}", entry=label, field="published"
            ) from exc
    else:
        raise SeedsError(shown, hint, entry=label, field="published")
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(dt.UTC).replace(tzinfo=None)
    return parsed
