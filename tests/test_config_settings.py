"""The settings table, the checks of names and values, and the layers that set them."""

from __future__ import annotations

import dataclasses
import inspect
from pathlib import Path

import pytest

from crawler import defaults
from crawler.article import ExtractOptions
from crawler.config.check import check, check_together, parse_assignments, render
from crawler.config.layers import config_path, read_config_file, resolve
from crawler.config.table import BY_NAME, SETTINGS
from crawler.errors import SettingError
from crawler.recrawl import RecrawlPolicy
from crawler.syndication.config import SyndicationConfig
from crawler.workers.pool import ExtractionPool
from crawler.workers.spec import PoolSpec

# the examples: (assignment, the allowed text its error must give)
REFUSED = [
    ("DOWNLOAD_DELAY=abc", "expected a number >= 0"),
    ("CONCURRENT_REQUESTS=x", "expected an integer >= 1"),
    ("STORE_BATCH_SIZE=", "expected an integer >= 1"),
    ("ROBOTSTXT_OBEY=maybe", "expected true or false"),
    ("SSRF_ENABLED=2", "expected true or false"),
    ("EXTRACT_WORKERS=-1", "expected an integer >= 0"),
    ("EXTRACT_TIMEOUT=-1", "expected a number > 0"),
    ("RECRAWL_MIN_SECONDS=-1", "expected an integer >= 1"),
    ("DOWNLOAD_TIMEOUT=-5", "expected a number > 0"),
    ("DOWNLOAD_MAXSIZE=-1", "expected an integer >= 0"),
    ("CONCURRENT_REQUESTS=-1", "expected an integer >= 1"),
    ("FRONTIER_LEASE_SECONDS=-10", "expected an integer >= 1"),
    ("DOWNLOAD_DELAY=nan", "expected a number >= 0"),
    ("CONCURRENT_REQUESTS=2.5", "expected an integer >= 1"),
    ("LOG_LEVEL=loud", "expected one of CRITICAL, ERROR, WARNING, INFO, DEBUG"),
    ("SYNDICATION_SCHEME=affine16", "expected one of affine32, affine64"),
    ("SYNDICATION_NEAR_DUPLICATE_JACCARD=1.5", "expected a number > 0 and <= 1"),
    ("SYNDICATION_SHINGLE_SIZE=0", "expected an integer >= 1"),
    ("RECRAWL_SHRINK=1", "expected a number >= 0 and < 1"),
    ("FEED_EXPORT_ENCODING=klingon", "expected a text encoding Python knows"),
]


@pytest.mark.parametrize(("assignment", "allowed"), REFUSED)
def test_a_value_that_is_not_allowed_is_one_line_naming_setting_value_and_allowed(
    assignment: str, allowed: str
) -> None:
    name, _, value = assignment.partition("=")
    with pytest.raises(SettingError) as caught:
        parse_assignments([assignment], "--set")
    message = str(caught.value)
    assert message == f"--set: {name}={value!r}: {allowed}"
    assert "\n" not in message


@pytest.mark.parametrize(
    ("name", "near"),
    [
        ("DOWNLAOD_DELAY", "DOWNLOAD_DELAY"),
        ("download_delay", "DOWNLOAD_DELAY"),
        ("STORE_BATCH_SIZ", "STORE_BATCH_SIZE"),
        ("SYNDICATION_NUMPERM", "SYNDICATION_NUM_PERM"),
        ("HTTPCACHE_ENABLD", "HTTPCACHE_ENABLED"),
    ],
)
def test_an_unknown_name_is_refused_with_the_closest_known_one(name: str, near: str) -> None:
    with pytest.raises(SettingError, match=rf"unknown setting '{name}' \(did you mean {near}\?\)"):
        check(name, "1", "--set")


def test_a_name_nothing_resembles_is_refused_without_a_guess() -> None:
    with pytest.raises(SettingError) as caught:
        check("ZZZ", "1", "--set")
    assert str(caught.value) == "--set: unknown setting 'ZZZ'"


def test_scrapy_settings_outside_the_table_pass_checked_against_scrapys_default() -> None:
    assert "HTTPCACHE_ENABLED" not in BY_NAME
    assert check("HTTPCACHE_ENABLED", "true", "-s") is True
    assert check("DNS_TIMEOUT", "2.5", "-s") == "2.5"
    assert check("FEEDS", '{"out.jsonl": {"format": "jsonl"}}', "-s")
    with pytest.raises(SettingError, match=r"HTTPCACHE_ENABLED='perhaps': expected true or false"):
        check("HTTPCACHE_ENABLED", "perhaps", "-s")
    with pytest.raises(SettingError, match=r"DNS_TIMEOUT='soon': expected a number"):
        check("DNS_TIMEOUT", "soon", "-s")


@pytest.mark.parametrize(
    "value",
    [
        '["127.0.0.1", "10.0.0.0/8"]',
        "127.0.0.1,10.0.0.0/8",
        "127.0.0.1, 10.0.0.0/8",
        ["127.0.0.1", "10.0.0.0/8"],
    ],
)
def test_ssrf_allow_takes_the_list_form_and_the_comma_form(value: object) -> None:
    assert check("SSRF_ALLOW", value, "--set") == ["127.0.0.1", "10.0.0.0/8"]


@pytest.mark.parametrize(
    "value",
    ['["127.0.0.1"', "['127.0.0.1']", '"127.0.0.1"', "127.1", "http://10.0.0.1/", "a b", [1]],
)
def test_ssrf_allow_refuses_what_is_neither_form(value: object) -> None:
    with pytest.raises(SettingError, match=r"SSRF_ALLOW=.*: expected host names, \.domains"):
        check("SSRF_ALLOW", value, "--set")


def test_ssrf_allow_keeps_host_names_and_domains() -> None:
    assert check("SSRF_ALLOW", ".example.org,intranet", "x") == [".example.org", "intranet"]
    assert check("SSRF_ALLOW", "", "x") == []


def test_text_and_typed_forms_parse_to_the_same_value() -> None:
    for text, typed in (("1", 1), ("0.5", 0.5), ("true", True), ("False", False)):
        name = {int: "RETRY_TIMES", float: "DOWNLOAD_DELAY", bool: "COOKIES_ENABLED"}[type(typed)]
        assert check(name, text, "a") == check(name, typed, "b") == typed
    assert check("LOG_LEVEL", "debug", "x") == "DEBUG"


def test_rendered_values_parse_back_to_themselves() -> None:
    for setting in SETTINGS:
        if setting.shown is None:
            assert check(setting.name, render(setting.name, setting.default), "x") == (
                setting.default
            ), setting.name


def test_syndication_settings_are_checked_together_by_syndication_config() -> None:
    values = {s.name: s.default for s in SETTINGS}
    check_together(values)
    with pytest.raises(SettingError, match=r"lsh_bands\*lsh_rows=32 exceeds num_perm=16"):
        check_together({**values, "SYNDICATION_NUM_PERM": 16})
    check_together({**values, "SYNDICATION_NUM_PERM": 16, "SYNDICATION_LSH_BANDS": 4})


def test_recrawl_bounds_are_checked_together() -> None:
    values = {s.name: s.default for s in SETTINGS}
    with pytest.raises(SettingError) as caught:
        check_together({**values, "RECRAWL_MIN_SECONDS": 100_000})
    assert "RECRAWL_MIN_SECONDS=100000, RECRAWL_INITIAL_SECONDS=21600" in str(caught.value)


def test_syndication_rows_are_the_config_fields_with_their_defaults() -> None:
    config = SyndicationConfig()
    rows = {s.name for s in SETTINGS if s.name.startswith("SYNDICATION_")} - {"SYNDICATION_ENABLED"}
    fields = dataclasses.fields(SyndicationConfig)
    assert rows == {f"SYNDICATION_{f.name.upper()}" for f in fields}
    for f in fields:
        assert BY_NAME[f"SYNDICATION_{f.name.upper()}"].default == getattr(config, f.name)


def test_code_defaults_agree_with_the_table() -> None:
    """Defaults written outside the table (some in modules others own) must not drift from it."""
    from crawler.discovery.robotstxt import DEFAULT_MAX_BYTES
    from crawler.robots import (
        DEFAULT_CACHE_SECONDS,
        DEFAULT_ERROR_CACHE_SECONDS,
        DEFAULT_MAX_CRAWL_DELAY,
        DEFAULT_MAX_REDIRECTS,
    )

    table = {s.name: s.default for s in SETTINGS}
    for name in dir(defaults):
        if name.isupper():
            assert getattr(defaults, name) == table[name], name
    pool = inspect.signature(ExtractionPool).parameters
    pairs = [
        ("ROBOTSTXT_CACHE_SECONDS", DEFAULT_CACHE_SECONDS),
        ("ROBOTSTXT_ERROR_CACHE_SECONDS", DEFAULT_ERROR_CACHE_SECONDS),
        ("ROBOTSTXT_MAX_REDIRECTS", DEFAULT_MAX_REDIRECTS),
        ("ROBOTSTXT_MAX_CRAWL_DELAY", DEFAULT_MAX_CRAWL_DELAY),
        ("ROBOTSTXT_MAX_SIZE", DEFAULT_MAX_BYTES),
        ("EXTRACT_MAX_TASKS_PER_WORKER", PoolSpec().max_tasks_per_worker),
        ("EXTRACT_TIMEOUT", PoolSpec().timeout),
        ("EXTRACT_MEMORY_MB", PoolSpec().memory_mb),
        ("EXTRACT_MIN_WORDS", ExtractOptions().min_words),
        ("EXTRACT_FAST", ExtractOptions().fast),
        ("EXTRACT_FAVOR_PRECISION", ExtractOptions().favor_precision),
        ("RECRAWL_INITIAL_SECONDS", RecrawlPolicy().initial),
        ("RECRAWL_MIN_SECONDS", RecrawlPolicy().minimum),
        ("RECRAWL_MAX_SECONDS", RecrawlPolicy().maximum),
        ("RECRAWL_GROW", RecrawlPolicy().grow),
        ("RECRAWL_SHRINK", RecrawlPolicy().shrink),
        ("RECRAWL_FAILURE_BACKOFF", RecrawlPolicy().failure_backoff),
        ("EXTRACT_MAX_TASKS_PER_WORKER", pool["max_tasks_per_worker"].default),
        ("EXTRACT_TIMEOUT", pool["timeout"].default),
    ]
    for name, value in pairs:
        assert value == table[name], name


def test_the_project_settings_module_takes_its_values_from_the_table() -> None:
    from crawler import settings as project

    for setting in SETTINGS:
        if setting.shown is None:
            assert getattr(project, setting.name) == setting.default, setting.name
    names = {n for n in vars(project) if n.isupper()}
    assert names - set(BY_NAME) == set(), "settings.py sets a setting the table does not declare"


def write_config(folder: Path, text: str) -> dict[str, str]:
    path = folder / "crawler" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return {"XDG_CONFIG_HOME": str(folder)}


def test_the_config_file_is_under_xdg_config_home_else_dot_config(tmp_path: Path) -> None:
    assert config_path({"XDG_CONFIG_HOME": str(tmp_path)}) == tmp_path / "crawler/config.toml"
    assert config_path({}) == Path.home() / ".config" / "crawler" / "config.toml"


def test_precedence_defaults_file_environment_job_command_line(tmp_path: Path) -> None:
    environ = write_config(
        tmp_path,
        'log_level = "warning"\nDOWNLOAD_DELAY = 2\nRETRY_TIMES = 5\nSSRF_ALLOW = ["10.0.0.0/8"]\n'
        "RECRAWL_MIN_SECONDS = 1800\n",
    )
    environ |= {"CRAWLER_DOWNLOAD_DELAY": "3", "CRAWLER_RETRY_TIMES": "6", "CRAWLER_DB_URL": ""}
    got = resolve(
        job={"RETRY_TIMES": 7, "CONCURRENT_REQUESTS": 4},
        command_line={"CONCURRENT_REQUESTS": 8},
        environ=environ,
    )
    assert (got["COOKIES_ENABLED"].value, got["COOKIES_ENABLED"].source) == (False, "default")
    assert (got["LOG_LEVEL"].value, got["LOG_LEVEL"].source) == ("WARNING", "config file")
    assert got["SSRF_ALLOW"].value == ["10.0.0.0/8"]
    assert got["RECRAWL_MIN_SECONDS"].value == 1800
    assert (got["DOWNLOAD_DELAY"].value, got["DOWNLOAD_DELAY"].source) == (
        3.0,
        "environment CRAWLER_DOWNLOAD_DELAY",
    )
    assert (got["RETRY_TIMES"].value, got["RETRY_TIMES"].source) == (7, "schedule job")
    assert (got["CONCURRENT_REQUESTS"].value, got["CONCURRENT_REQUESTS"].source) == (
        8,
        "command line",
    )
    assert got["STORAGE_URL"].source == "default", "an empty variable counts as unset"


def test_the_store_variable_is_crawler_db_url(tmp_path: Path) -> None:
    got = resolve(environ={"XDG_CONFIG_HOME": str(tmp_path), "CRAWLER_DB_URL": "x.db"})
    assert (got["STORAGE_URL"].value, got["STORAGE_URL"].source) == (
        "x.db",
        "environment CRAWLER_DB_URL",
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("DOWNLAOD_DELAY = 1\n", "unknown setting 'DOWNLAOD_DELAY' (did you mean DOWNLOAD_DELAY?)"),
        ('DOWNLOAD_DELAY = "soon"\n', "DOWNLOAD_DELAY='soon': expected a number >= 0"),
        ("SSRF_ENABLED = 2\n", "SSRF_ENABLED=2: expected true or false"),
        ("DOWNLOAD_DELAY = \n", "not valid TOML"),
    ],
)
def test_config_file_errors_name_the_file(tmp_path: Path, text: str, message: str) -> None:
    environ = write_config(tmp_path, text)
    with pytest.raises(SettingError) as caught:
        resolve(environ=environ)
    assert str(caught.value).startswith(f"{config_path(environ)}: ")
    assert message in str(caught.value)


def test_a_missing_config_file_is_no_settings(tmp_path: Path) -> None:
    assert read_config_file(tmp_path / "none.toml") == {}
