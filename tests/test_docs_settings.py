"""Every setting is documented in the README's table, which is the settings table rendered, and
risky Scrapy defaults stay switched off."""

from __future__ import annotations

import dataclasses
import json
import re

from crawler import defaults
from crawler import settings as project_settings
from crawler.config.docs import END, START, render_table
from crawler.config.table import BY_NAME, SETTINGS
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


def test_the_readme_table_is_the_settings_table() -> None:
    start, end = README.index(START), README.index(END) + len(END)
    written = README[start:end].splitlines()
    rendered = render_table().splitlines()
    differ = [
        f"README: {a!r}\ntable:  {b!r}" for a, b in zip(written, rendered, strict=False) if a != b
    ]
    extra = sorted(documented_settings() - set(BY_NAME))
    assert extra == [], (
        f"README rows {extra} are not in crawler/config/table.py: declare them there, then run "
        "tools/settings_table.py"
    )
    assert written == rendered, (
        "the README's settings table differs from crawler/config/table.py; run "
        ".venv/bin/python tools/settings_table.py\n" + "\n".join(differ[:3])
    )


def test_the_readme_table_has_one_row_per_setting_with_its_default() -> None:
    rows = {
        line.split("|")[1].strip(): line
        for line in README[README.index(START) : README.index(END)].splitlines()
        if line.startswith("| `")
    }
    assert set(rows) == {f"`{s.name}`" for s in SETTINGS}
    for setting in SETTINGS:
        row = rows[f"`{setting.name}`"]
        if setting.shown is None:
            assert f"`{json.dumps(setting.default)}`" in row, row
        assert setting.kind.allowed.replace("|", "\\|") in row
        if setting.env:
            assert f"`{setting.env}`" in row


def test_control_channels_are_off() -> None:
    assert project_settings.TELNETCONSOLE_ENABLED is False
    assert project_settings.REMOTE_CONTROL_ENABLED is False


def test_readme_test_command_is_what_ci_runs() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "./scripts/check" in README
    assert "exec ./scripts/check" in ci


def test_documented_syndication_defaults_match_the_config() -> None:
    for spec in dataclasses.fields(SyndicationConfig):
        name = f"SYNDICATION_{spec.name.upper()}"
        row = next(line for line in README.splitlines() if line.startswith(f"| `{name}`"))
        shown = json.dumps(getattr(SyndicationConfig(), spec.name))
        assert f"| `{shown}` |" in row, (name, row)
