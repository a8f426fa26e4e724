"""What every command shares: the group, the console, ``--db`` and ``--json``, clear errors."""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

from crawler.errors import CrawlerError

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)
F = TypeVar("F", bound=Callable[..., Any])


class _Group(click.Group):
    """Report the product's own errors as one clear line and exit status 1."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except CrawlerError as exc:
            err_console.print(f"[bold red]error:[/] {exc}", markup=True, soft_wrap=True)
            sys.exit(1)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="crawler")
def main() -> None:
    """Crawl news sources, clean articles, detect syndicated copies, keep every version.

    The store is chosen with --db (a SQLite path or SQLAlchemy URL), else the CRAWLER_DB_URL
    environment variable, else STORAGE_URL in the config file (`crawler config` shows where),
    else ~/.local/share/crawler/crawler.db.
    """


def _configured_store(_ctx: click.Context, _param: click.Parameter, value: str | None) -> Any:
    """``--db``, else the ``STORAGE_URL`` of the config file or the environment."""
    if value is not None:
        return value
    from crawler.config.layers import user_values

    return user_values().get("STORAGE_URL") or None


def db_option(func: F) -> F:
    """The ``--db`` option of commands that read or write the store."""
    return click.option(
        "--db",
        default=None,
        metavar="PATH|URL",
        callback=_configured_store,
        help="Store: a SQLite file or SQLAlchemy URL (default: CRAWLER_DB_URL, then "
        "STORAGE_URL in the config file, then ~/.local/share/crawler/crawler.db).",
    )(func)


def command_line_settings(items: tuple[str, ...]) -> dict[str, object]:
    """``--set NAME=VALUE`` items, checked; a usage error names the first that is refused."""
    from crawler.config.check import parse_assignments
    from crawler.errors import SettingError

    try:
        return parse_assignments(items, "--set")
    except SettingError as exc:
        raise click.BadParameter(exc.detail, param_hint="'--set'") from None


_DURATION = re.compile(r"^(\d+)\s*([smhdw])$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def since_option(
    _ctx: click.Context, param: click.Parameter, value: str | None
) -> dt.datetime | None:
    """``--since``: a duration back from now (``24h``, ``7d``) or a date, as naive UTC."""
    if value is None:
        return None
    text = value.strip().lower()
    match = _DURATION.match(text)
    if match:
        seconds = int(match.group(1)) * _UNIT_SECONDS[match.group(2)]
        return dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(seconds=seconds)
    try:
        parsed = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is neither a duration (30m, 24h, 7d, 2w) nor a date (2024-07-08)",
            param=param,
        ) from None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(dt.UTC).replace(tzinfo=None)
    return parsed


def set_option(help: str) -> Callable[[F], F]:
    """The ``--set/-s NAME=VALUE`` option (repeatable), read by :func:`command_line_settings`."""
    return click.option("--set", "-s", "overrides", multiple=True, metavar="NAME=VALUE", help=help)


def json_option(func: F) -> F:
    """The ``--json`` option of commands that print records."""
    return click.option("--json", "as_json", is_flag=True, help="Print JSON for machines.")(func)


def print_json(value: Any) -> None:
    """Print ``value`` as JSON on stdout."""
    click.echo(json.dumps(value, ensure_ascii=False, indent=2, default=_json_default))


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        # the store keeps UTC without a zone: say so
        return value.isoformat() + "Z"
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def when(value: dt.datetime | None) -> str:
    """A stored time for people: minutes, no microseconds."""
    return value.strftime("%Y-%m-%d %H:%M") if value is not None else "-"


DATE = click.DateTime(formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"])


def plain_text(_ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    """Refuse NUL and other control characters in text a user typed (SQLite cuts at NUL)."""
    values = value if isinstance(value, tuple) else (value,)
    for item in values:
        if isinstance(item, str) and any(ord(ch) < 32 and ch not in "\t" for ch in item):
            raise click.BadParameter("contains a control character", param=param)
    return value


class progress_bar:
    """A progress bar on stderr, shown only to a person at a terminal."""

    def __init__(self, total: int, description: str) -> None:
        self.total = total
        self.description = description
        self.bar: Progress | None = None

    def __enter__(self) -> Any:
        if not err_console.is_terminal:
            return lambda steps=1: None
        self.bar = Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=err_console,
        )
        self.bar.start()
        task = self.bar.add_task(self.description, total=self.total)
        bar = self.bar
        return lambda steps=1: bar.advance(task, steps)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()
