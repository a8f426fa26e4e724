"""Check settings before a crawl starts: known names, allowed values, and the values together.

Scrapy accepts any ``-s NAME=VALUE`` and converts values only when a component reads them, so a
misspelt name is silently ignored and a bad number fails deep inside a component (or every fetch
fails). Here a name must be in the settings table or among Scrapy's own settings, and a value
must be one its kind allows; the error names the setting, the value and what is allowed.
"""

from __future__ import annotations

import difflib
import functools
import json
from collections.abc import Mapping

from crawler.config.kinds import Bool, Kind, Number, Refused
from crawler.config.table import BY_NAME
from crawler.errors import SettingError


@functools.cache
def scrapy_defaults() -> dict[str, object]:
    """Scrapy's own settings and their defaults (``scrapy.settings.default_settings``)."""
    from scrapy.settings import default_settings

    return {
        name: getattr(default_settings, name) for name in dir(default_settings) if name.isupper()
    }


def kind_of(name: str) -> Kind | None:
    """The kind of a known setting: from the table, else from the type of Scrapy's default
    (a yes/no or a number); ``None`` for a Scrapy setting of any other type, or an unknown one."""
    setting = BY_NAME.get(name)
    if setting is not None:
        return setting.kind
    default = scrapy_defaults().get(name)
    if isinstance(default, bool):
        return Bool()
    if isinstance(default, int | float):
        return Number()
    return None


def is_known(name: str) -> bool:
    """Whether ``name`` is in the table or among Scrapy's settings."""
    return name in BY_NAME or name in scrapy_defaults()


def closest(name: str) -> str | None:
    """The known name ``name`` most likely meant, if any is close."""
    known = [*BY_NAME, *scrapy_defaults()]
    if name.upper() in known:
        return name.upper()
    found = difflib.get_close_matches(name.upper(), known, n=1, cutoff=0.75)
    return found[0] if found else None


def shown(value: object) -> str:
    """A value as written, quoted when it is text: ``'abc'``, ``''``, ``-1``, ``[1, 2]``."""
    return repr(value) if isinstance(value, str) else json.dumps(value)


def check(name: str, value: object, source: str) -> object:
    """``value`` of setting ``name``, as the crawl uses it.

    Raises:
        SettingError: ``name`` is unknown (the message gives the closest known name), or
            ``value`` is not allowed (the message names the setting, the value and what is
            allowed).
    """
    if not is_known(name):
        near = closest(name)
        hint = f" (did you mean {near}?)" if near else ""
        raise SettingError(source, f"unknown setting {name!r}{hint}", name=name, suggestion=near)
    kind = kind_of(name)
    if kind is None:
        return value
    try:
        parsed = kind.parse(value)
    except Refused as exc:
        raise SettingError(source, f"{name}={shown(value)}: expected {exc}", name=name) from None
    if name not in BY_NAME and isinstance(kind, Number):
        # Scrapy reads some of its numbers as integers and some as reals: only checked here
        return value
    return parsed


def check_all(values: Mapping[str, object], source: str) -> dict[str, object]:
    """Every value of ``values`` checked by :func:`check`."""
    return {name: check(name, value, source) for name, value in values.items()}


def render(name: str, value: object) -> str:
    """``value`` written as ``--set NAME=...`` takes it, so that it parses back to itself."""
    kind = kind_of(name)
    if kind is not None:
        return kind.render(value)
    return value if isinstance(value, str) else json.dumps(value)


def parse_assignments(items: tuple[str, ...] | list[str], source: str) -> dict[str, object]:
    """``NAME=VALUE`` items (``--set``, ``-s``) checked by :func:`check`; the last one wins."""
    values: dict[str, object] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise SettingError(source, f"{item!r}: expected NAME=VALUE")
        values[name.strip()] = check(name.strip(), value, source)
    return values


def check_together(effective: Mapping[str, object]) -> None:
    """Check the settings that bound each other, on the values a crawl would run with.

    Raises:
        SettingError: the ``SYNDICATION_*`` values do not make a valid ``SyndicationConfig``,
            or the ``RECRAWL_*`` bounds are out of order.
    """
    import dataclasses

    from crawler.recrawl import RecrawlPolicy
    from crawler.syndication.config import SyndicationConfig

    values = {
        f.name: effective[f"SYNDICATION_{f.name.upper()}"]
        for f in dataclasses.fields(SyndicationConfig)
        if f"SYNDICATION_{f.name.upper()}" in effective
    }
    try:
        SyndicationConfig(**values)  # type: ignore[arg-type]
    except ValueError as exc:
        raise SettingError("SYNDICATION_* settings", str(exc)) from None
    recrawl = {
        "initial": "RECRAWL_INITIAL_SECONDS",
        "minimum": "RECRAWL_MIN_SECONDS",
        "maximum": "RECRAWL_MAX_SECONDS",
        "grow": "RECRAWL_GROW",
        "shrink": "RECRAWL_SHRINK",
        "failure_backoff": "RECRAWL_FAILURE_BACKOFF",
    }
    try:
        RecrawlPolicy(**{k: effective[v] for k, v in recrawl.items() if v in effective})  # type: ignore[arg-type]
    except ValueError as exc:
        bounds = ("RECRAWL_MIN_SECONDS", "RECRAWL_INITIAL_SECONDS", "RECRAWL_MAX_SECONDS")
        named = ", ".join(f"{v}={shown(effective.get(v))}" for v in bounds)
        raise SettingError("RECRAWL_* settings", f"{exc} ({named})") from None
