"""What a setting's value may be: each kind parses a typed or textual value and says what it allows.

Values arrive as text (``--set``, ``-s``, environment variables) or typed (TOML in the config
file and in schedule jobs); both forms of the same value parse to the same result.
"""

from __future__ import annotations

import codecs
import ipaddress
import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

_TRUE = ("true", "1", "yes", "on")
_FALSE = ("false", "0", "no", "off")
_LABEL = r"[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?"
_HOST = re.compile(rf"^\.?{_LABEL}(\.{_LABEL})*$")


class Refused(ValueError):
    """A value a kind does not allow; the message is what it allows."""


def _number_text(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


@dataclass(frozen=True, slots=True)
class Kind:
    """Base of the kinds: text for people, and a parser that raises :class:`Refused`."""

    @property
    def allowed(self) -> str:
        """What the kind allows, in words that finish "expected ...": "an integer >= 1"."""
        raise NotImplementedError

    def parse(self, value: object) -> object:
        """The value as the crawl uses it.

        Raises:
            Refused: the value is not allowed.
        """
        raise NotImplementedError

    def render(self, value: object) -> str:
        """``value`` as it would be written after ``--set NAME=``, parsing back to itself."""
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, str):
            return value
        return json.dumps(value)


@dataclass(frozen=True, slots=True)
class Bool(Kind):
    """``true``/``false`` (also ``1``/``0``, ``yes``/``no``, ``on``/``off``; any case)."""

    @property
    def allowed(self) -> str:
        return "true or false"

    def parse(self, value: object) -> bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        if isinstance(value, str):
            text = value.strip().lower()
            if text in _TRUE:
                return True
            if text in _FALSE:
                return False
        raise Refused(self.allowed)


@dataclass(frozen=True, slots=True)
class Number(Kind):
    """An integer or a real number within optional bounds."""

    integer: bool = False
    minimum: float | None = None
    maximum: float | None = None
    min_open: bool = False
    max_open: bool = False

    @property
    def allowed(self) -> str:
        noun = "an integer" if self.integer else "a number"
        bounds = []
        if self.minimum is not None:
            bounds.append(f"{'>' if self.min_open else '>='} {_number_text(self.minimum)}")
        if self.maximum is not None:
            bounds.append(f"{'<' if self.max_open else '<='} {_number_text(self.maximum)}")
        return " ".join([noun, " and ".join(bounds)]).strip()

    def parse(self, value: object) -> int | float:
        number: int | float
        if isinstance(value, bool):
            raise Refused(self.allowed)
        if isinstance(value, int | float):
            number = value
        elif isinstance(value, str):
            try:
                number = int(value.strip()) if self.integer else float(value.strip())
            except ValueError:
                raise Refused(self.allowed) from None
        else:
            raise Refused(self.allowed)
        if self.integer:
            if isinstance(number, float):
                if not number.is_integer():
                    raise Refused(self.allowed)
                number = int(number)
        else:
            number = float(number)
            if not math.isfinite(number):
                raise Refused(self.allowed)
        if self.minimum is not None and (
            number < self.minimum or (self.min_open and number == self.minimum)
        ):
            raise Refused(self.allowed)
        if self.maximum is not None and (
            number > self.maximum or (self.max_open and number == self.maximum)
        ):
            raise Refused(self.allowed)
        return number

    def render(self, value: object) -> str:
        return _number_text(value) if isinstance(value, int | float) else str(value)


@dataclass(frozen=True, slots=True)
class Text(Kind):
    """Any text; a number given in TOML is taken as its text."""

    encoding: bool = False

    @property
    def allowed(self) -> str:
        return "a text encoding Python knows" if self.encoding else "text"

    def parse(self, value: object) -> str:
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise Refused(self.allowed)
        text = str(value)
        if self.encoding:
            try:
                codecs.lookup(text)
            except LookupError:
                raise Refused(self.allowed) from None
        return text


@dataclass(frozen=True, slots=True)
class Choice(Kind):
    """One of a few words, in any case; the canonical spelling is kept."""

    choices: tuple[str, ...] = ()

    @property
    def allowed(self) -> str:
        return "one of " + ", ".join(self.choices)

    def parse(self, value: object) -> str:
        if isinstance(value, str):
            for choice in self.choices:
                if value.strip().lower() == choice.lower():
                    return choice
        raise Refused(self.allowed)


def _text_list(value: object, allowed: str) -> list[str]:
    """A list of strings from a list, a JSON list or comma-separated text."""
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                value = json.loads(text)
            except json.JSONDecodeError:
                raise Refused(allowed) from None
        else:
            return [item.strip() for item in text.split(",")] if text else []
    if isinstance(value, Sequence) and all(isinstance(item, str) for item in value):
        return [str(item).strip() for item in value]
    raise Refused(allowed)


@dataclass(frozen=True, slots=True)
class Hosts(Kind):
    """Host names, ``.suffix`` names, IP addresses and networks: a list or comma-separated."""

    @property
    def allowed(self) -> str:
        return (
            'host names, .domains, addresses or networks, as a list (["127.0.0.1", '
            '"10.0.0.0/8"]) or separated by commas (127.0.0.1,10.0.0.0/8)'
        )

    def parse(self, value: object) -> list[str]:
        items = _text_list(value, self.allowed)
        for item in items:
            try:
                ipaddress.ip_network(item.strip("[]"), strict=False)
            except ValueError:
                # anything else would be taken for a host name that never matches, and the
                # hosts the user meant to open would stay refused without a word
                if not _HOST.match(item.lower().rstrip(".")) or item.replace(".", "").isdigit():
                    raise Refused(self.allowed) from None
        return items


@dataclass(frozen=True, slots=True)
class Names(Kind):
    """A list of names (modules, paths): a list, a JSON list or comma-separated."""

    @property
    def allowed(self) -> str:
        return "a list of names, or names separated by commas"

    def parse(self, value: object) -> list[str]:
        return _text_list(value, self.allowed)


@dataclass(frozen=True, slots=True)
class Orders(Kind):
    """Scrapy's component tables: ``{"path.to.Class": order or null}``, a table or JSON."""

    @property
    def allowed(self) -> str:
        return 'a table of class paths to orders, e.g. {"crawler.progress.CrawlProgress": 0}'

    def parse(self, value: object) -> dict[str, int | None]:
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except json.JSONDecodeError:
                raise Refused(self.allowed) from None
        if isinstance(value, dict) and all(
            isinstance(k, str) and (v is None or (isinstance(v, int) and not isinstance(v, bool)))
            for k, v in value.items()
        ):
            return dict(value)
        raise Refused(self.allowed)
