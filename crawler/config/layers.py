"""Where a setting's value comes from, lowest first.

1. the built-in default (the settings table, through ``crawler.settings``);
2. the config file, ``$XDG_CONFIG_HOME/crawler/config.toml`` (``~/.config/crawler/config.toml``);
3. the ``CRAWLER_*`` environment variable the table names for the setting;
4. a schedule job's ``settings = {...}``;
5. the command line (``crawler crawl --set``, ``scrapy crawl -s``, ``--db``, ``--log-level``).

The config file holds settings by name at its top level, in TOML::

    STORAGE_URL = "~/news/crawler.db"
    SSRF_ALLOW = ["10.0.0.0/8"]
    LOG_LEVEL = "warning"
    RECRAWL_MIN_SECONDS = 1800
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from crawler.config.check import check, check_all, check_together
from crawler.config.table import BY_ENV, SETTINGS
from crawler.errors import SettingError

DEFAULT = "default"
CONFIG_FILE = "config file"
JOB = "schedule job"
COMMAND_LINE = "command line"


@dataclass(frozen=True, slots=True)
class Effective:
    """A setting's value and the layer it came from (``default``, ``config file``,
    ``environment CRAWLER_...``, ``schedule job`` or ``command line``)."""

    name: str
    value: object
    source: str


def config_path(environ: Mapping[str, str] | None = None) -> Path:
    """The config file's path: ``$XDG_CONFIG_HOME/crawler/config.toml``, or under ``~/.config``."""
    env = os.environ if environ is None else environ
    base = env.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "crawler" / "config.toml"


def read_config_file(path: Path) -> dict[str, object]:
    """The checked settings of the config file at ``path``; none when there is no file.

    Names are matched in any case (``log_level`` is ``LOG_LEVEL``).

    Raises:
        SettingError: the file is unreadable or not TOML, or a setting is unknown or has a
            value it does not allow; the message names the file.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        raise SettingError(str(path), f"cannot read the config file ({exc})") from None
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SettingError(str(path), f"not valid TOML: {exc}") from None
    return check_all({name.upper(): value for name, value in doc.items()}, str(path))


def read_environment(environ: Mapping[str, str] | None = None) -> dict[str, Effective]:
    """The checked settings given by the environment variables the table names.

    An empty variable counts as unset.

    Raises:
        SettingError: a variable's value is not allowed; the message names the variable.
    """
    env = os.environ if environ is None else environ
    found: dict[str, Effective] = {}
    for variable, setting in BY_ENV.items():
        raw = env.get(variable, "")
        if raw:
            source = f"environment {variable}"
            found[setting.name] = Effective(setting.name, check(setting.name, raw, source), source)
    return found


def user_layers(environ: Mapping[str, str] | None = None) -> dict[str, Effective]:
    """The config file's settings, overridden by the environment's: what the user set for
    every crawl, above the built-in defaults."""
    path = config_path(environ)
    layered = {
        name: Effective(name, value, CONFIG_FILE) for name, value in read_config_file(path).items()
    }
    layered.update(read_environment(environ))
    return layered


def user_values(environ: Mapping[str, str] | None = None) -> dict[str, object]:
    """:func:`user_layers` as plain values."""
    return {name: e.value for name, e in user_layers(environ).items()}


def resolve(
    job: Mapping[str, object] | None = None,
    command_line: Mapping[str, object] | None = None,
    environ: Mapping[str, str] | None = None,
) -> dict[str, Effective]:
    """Every table setting's effective value, and any other setting given, with its source.

    ``job`` and ``command_line`` are taken as already checked (they are checked where they are
    read, so that their errors name the file, the job or the option).

    Raises:
        SettingError: a value of the config file or the environment is not allowed, or the
            values together are not (see :func:`~crawler.config.check.check_together`).
    """
    layered = {s.name: Effective(s.name, s.default, DEFAULT) for s in SETTINGS}
    layered.update(user_layers(environ))
    for source, values in ((JOB, job or {}), (COMMAND_LINE, command_line or {})):
        layered.update({n: Effective(n, v, source) for n, v in values.items()})
    check_together({name: e.value for name, e in layered.items()})
    return layered
