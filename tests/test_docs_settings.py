"""Every setting is documented in the README, and risky Scrapy defaults stay switched off."""

from __future__ import annotations

import dataclasses
import re

from crawler import defaults
from crawler import settings as project_settings
from crawler.syndication import SyndicationConfig
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def documented_settings() -> set[str]:
    table = README.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    names: set[str] = set()
    for line in table.splitlines():
        if line.startswith("| `"):
            first_cell = line.split("|")[1]
            names.update(re.findall(r"`([A-Z][A-Z0-9_]+)`", first_cell))
    return names


def test_every_setting_is_in_the_readme_table() -> None:
    names = {n for n in vars(project_settings) if n.isupper()}
    names |= {n for n in vars(defaults) if n.isupper()}
    names |= {f"SYNDICATION_{f.name.upper()}" for f in dataclasses.fields(SyndicationConfig)}
    missing = sorted(names - documented_settings())
    assert missing == [], f"settings missing from the README's configuration table: {missing}"


def test_documented_defaults_match_the_code() -> None:
    table = README.split("## Configuration", 1)[1]
    for name in ("EXTRACT_MIN_WORDS", "DOWNLOAD_DELAY", "CONCURRENT_REQUESTS_PER_DOMAIN"):
        row = next(line for line in table.splitlines() if line.startswith(f"| `{name}`"))
        assert f"`{getattr(project_settings, name)}`" in row


def test_control_channels_are_off() -> None:
    assert project_settings.TELNETCONSOLE_ENABLED is False
    assert project_settings.REMOTE_CONTROL_ENABLED is False


def test_readme_test_command_is_what_ci_runs() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "./scripts/check" in README
    assert "exec ./scripts/check" in ci


def test_documented_syndication_defaults_match_the_config() -> None:
    table = README.split("## Configuration", 1)[1]
    for spec in dataclasses.fields(SyndicationConfig):
        name = f"SYNDICATION_{spec.name.upper()}"
        row = next(line for line in table.splitlines() if line.startswith(f"| `{name}`"))
        default = getattr(SyndicationConfig(), spec.name)
        shown = f'"{default}"' if isinstance(default, str) else str(default)
        assert f"`{shown}`" in row, (name, row)
