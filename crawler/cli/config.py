"""``crawler config``: every setting's effective value and where it came from."""

from __future__ import annotations

import json

import click

from crawler.cli.common import command_line_settings, console, json_option, print_json, set_option


@click.command("config")
@set_option("Show the values a crawl given this --set would use (repeatable).")
@json_option
def config(overrides: tuple[str, ...], as_json: bool) -> None:
    """Show every setting's effective value and where it came from.

    Lowest first: the built-in default, the config file ($XDG_CONFIG_HOME/crawler/config.toml,
    else ~/.config/crawler/config.toml), the CRAWLER_* environment variable named in the
    README's settings table, a schedule job's settings, the command line (--set). A value that
    is not allowed is reported here as it would be before a crawl.
    """
    from crawler.config.layers import DEFAULT, config_path, resolve
    from crawler.config.table import BY_NAME

    effective = resolve(command_line=command_line_settings(overrides))
    # the wiring (where Scrapy finds the project's code) is listed only when something set it
    shown = [
        e
        for e in effective.values()
        if e.name not in BY_NAME or BY_NAME[e.name].shown is None or e.source != DEFAULT
    ]
    path = config_path()
    if as_json:
        print_json(
            {
                "config_file": str(path),
                "config_file_exists": path.is_file(),
                "settings": [{"name": e.name, "value": e.value, "source": e.source} for e in shown],
            }
        )
        return
    state = "" if path.is_file() else " (none)"
    console.print(f"config file: {path}{state}", markup=False, soft_wrap=True)
    width = max(len(e.name) for e in shown)
    for e in shown:
        value = json.dumps(e.value, ensure_ascii=False)
        console.print(f"{e.name:<{width}}  {value}  ({e.source})", markup=False, soft_wrap=True)
