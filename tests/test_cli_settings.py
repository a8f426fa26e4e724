"""Settings as a user gives them: ``crawler crawl --set``, ``scrapy crawl -s``, the config file,
the environment, and ``crawler config``."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from crawler.cli import main
from tests.conftest import ROOT, SNAPSHOT
from tests.test_config_settings import REFUSED

BIN = Path(sys.executable).parent
SEEDS = ROOT / "seeds" / "putin-india-visit.toml"


def cli(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(
        main, list(args), env={"CRAWLER_DB_URL": "", "COLUMNS": "200", **(env or {})}
    )


def run(
    args: list[str], cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "CRAWLER_DB_URL": "", "NO_COLOR": "1", "COLUMNS": "200", **(env or {})}
    return subprocess.run(
        args, cwd=cwd, env=full, capture_output=True, text=True, timeout=180, check=False
    )


def error_line(result: Result) -> str:
    lines = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(lines) == 1, result.output
    return lines[0]


@pytest.mark.parametrize(("assignment", "allowed"), REFUSED)
@pytest.mark.parametrize("option", ["--set", "-s"])
def test_crawl_refuses_a_value_before_anything_is_opened(
    tmp_path: Path, option: str, assignment: str, allowed: str
) -> None:
    db = tmp_path / "never.db"
    result = cli("crawl", str(SEEDS), "--db", str(db), option, assignment)
    name, _, value = assignment.partition("=")
    assert result.exit_code == 2, result.output
    assert error_line(result).endswith(f"{name}={value!r}: {allowed}")
    assert "Traceback" not in result.output
    assert not db.exists()


def test_crawl_refuses_a_misspelt_name_with_the_closest_one(tmp_path: Path) -> None:
    result = cli("crawl", str(SEEDS), "--db", str(tmp_path / "x.db"), "--set", "DOWNLAOD_DELAY=1")
    assert result.exit_code == 2
    assert "unknown setting 'DOWNLAOD_DELAY' (did you mean DOWNLOAD_DELAY?)" in error_line(result)


def test_crawl_refuses_syndication_values_that_do_not_go_together(tmp_path: Path) -> None:
    db = tmp_path / "never.db"
    result = cli("crawl", str(SEEDS), "--db", str(db), "-s", "SYNDICATION_NUM_PERM=16")
    assert result.exit_code == 1
    assert "error: SYNDICATION_* settings: invalid SyndicationConfig" in result.output
    assert "exceeds num_perm=16" in result.output
    assert not db.exists()


@pytest.mark.parametrize("level", ["LOUD", "verbose", ""])
def test_a_bad_log_level_is_a_usage_error(tmp_path: Path, level: str) -> None:
    result = cli("crawl", str(SEEDS), "--db", str(tmp_path / "x.db"), "--log-level", level)
    assert result.exit_code == 2
    assert "Invalid value for '--log-level'" in error_line(result)
    assert "Traceback" not in result.output


def test_a_bad_config_file_stops_the_crawl_naming_the_file(tmp_path: Path) -> None:
    config = tmp_path / "crawler" / "config.toml"
    config.parent.mkdir()
    config.write_text("ROBOTSTXT_OBEY = 'maybe'\n")
    db = tmp_path / "never.db"
    result = cli("crawl", str(SEEDS), "--db", str(db), env={"XDG_CONFIG_HOME": str(tmp_path)})
    assert result.exit_code == 1
    assert result.output.strip() == (
        f"error: {config}: ROBOTSTXT_OBEY='maybe': expected true or false"
    )
    assert not db.exists()


def test_a_bad_environment_variable_stops_the_crawl_naming_it(tmp_path: Path) -> None:
    result = cli(
        "crawl", str(SEEDS), "--db", str(tmp_path / "x.db"), env={"CRAWLER_EXTRACT_WORKERS": "-1"}
    )
    assert result.exit_code == 1
    assert "environment CRAWLER_EXTRACT_WORKERS: EXTRACT_WORKERS='-1'" in result.output


def test_config_shows_each_value_and_its_source(tmp_path: Path) -> None:
    config = tmp_path / "crawler" / "config.toml"
    config.parent.mkdir()
    config.write_text('SSRF_ALLOW = ["10.0.0.0/8"]\nlog_level = "warning"\nRETRY_TIMES = 4\n')
    env = {"XDG_CONFIG_HOME": str(tmp_path), "CRAWLER_RETRY_TIMES": "5"}
    result = cli("config", "--json", "--set", "DOWNLOAD_DELAY=2", env=env)
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)
    assert shown["config_file"] == str(config)
    assert shown["config_file_exists"] is True
    by_name = {s["name"]: (s["value"], s["source"]) for s in shown["settings"]}
    assert by_name["SSRF_ALLOW"] == (["10.0.0.0/8"], "config file")
    assert by_name["LOG_LEVEL"] == ("WARNING", "config file")
    assert by_name["RETRY_TIMES"] == (5, "environment CRAWLER_RETRY_TIMES")
    assert by_name["DOWNLOAD_DELAY"] == (2.0, "command line")
    assert by_name["COOKIES_ENABLED"] == (False, "default")
    assert "ITEM_PIPELINES" not in by_name
    text = cli("config", env=env)
    assert text.exit_code == 0
    assert f"config file: {config}" in text.output
    lines = {line.split()[0]: line for line in text.output.splitlines()[1:]}
    assert lines["RETRY_TIMES"].split()[1:] == ["5", "(environment", "CRAWLER_RETRY_TIMES)"]
    assert lines["SSRF_ALLOW"].endswith('["10.0.0.0/8"]  (config file)')


def test_config_has_help_and_refuses_bad_input() -> None:
    helped = cli("config", "--help")
    assert helped.exit_code == 0
    assert "where it came from" in helped.output
    assert "config.toml" in helped.output
    refused = cli("config", "--set", "SSRF_ENABLED=2")
    assert refused.exit_code == 2
    assert "SSRF_ENABLED='2': expected true or false" in error_line(refused)


def test_the_store_of_the_config_file_is_the_default_of_db(tmp_path: Path) -> None:
    config = tmp_path / "crawler" / "config.toml"
    config.parent.mkdir()
    store = tmp_path / "from-config.db"
    shutil.copy(ROOT / "tests" / "data" / "store-0.1.0.db", store)
    config.write_text(f'STORAGE_URL = "{store}"\n')
    result = cli("stats", "--json", env={"XDG_CONFIG_HOME": str(tmp_path)})
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["articles"] == 28
    given = cli("stats", "--db", str(tmp_path / "none.db"), env={"XDG_CONFIG_HOME": str(tmp_path)})
    assert "none.db" in given.output, "--db wins over the config file"


def test_scrapy_crawl_refuses_bad_settings_and_log_levels(tmp_path: Path) -> None:
    db = tmp_path / "never.db"
    scrapy = [str(BIN / "scrapy"), "crawl", "seeds", "-s", f"STORAGE_URL=sqlite:///{db}"]
    for extra, said in (
        (["-s", "DOWNLAOD_DELAY=1"], "-s: unknown setting 'DOWNLAOD_DELAY' (did you mean "),
        (["-s", "CONCURRENT_REQUESTS=x"], "-s: CONCURRENT_REQUESTS='x': expected an integer >= 1"),
        (["-L", "loud"], "LOG_LEVEL='loud': expected one of CRITICAL, ERROR, WARNING, INFO"),
    ):
        result = run([*scrapy, *extra], cwd=ROOT)
        assert result.returncode == 2, result.stderr[-2000:]
        assert said in result.stderr
        assert "Traceback" not in result.stderr
    assert not db.exists()


def test_a_crawl_takes_lists_lowercase_levels_and_the_config_file(tmp_path: Path) -> None:
    config = tmp_path / "crawler" / "config.toml"
    config.parent.mkdir()
    config.write_text("EXTRACT_MIN_WORDS = 100000\n")
    db = tmp_path / "store.db"
    command = [str(BIN / "crawler"), "crawl", str(SEEDS), "--db", str(db), "--snapshot"]
    result = run(
        [
            *command,
            str(SNAPSHOT),
            "--log-level",
            "error",
            "--set",
            'SSRF_ALLOW=["127.0.0.1", "10.0.0.0/8"]',
            "-s",
            "AUTOTHROTTLE_ENABLED=false",
        ],
        cwd=tmp_path,
        env={"XDG_CONFIG_HOME": str(tmp_path)},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert " 0 new versions" in result.stdout, "the config file's EXTRACT_MIN_WORDS applies"
    with sqlite3.connect(db) as conn:
        reasons = [r[0] for r in conn.execute("SELECT reason FROM fetches")]
    assert reasons
    assert all("too-short" in (r or "") or "bot-wall" in (r or "") for r in reasons), reasons
