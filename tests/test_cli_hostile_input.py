"""Hostile command-line input: injection strings, odd export paths, passwords, huge seeds files."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from crawler.cli import main
from crawler.errors import SeedsError
from crawler.seeds import load_seeds
from tests.conftest import ROOT

INJECTIONS = [
    "'; DROP TABLE articles; --",
    '" OR 1=1 --',
    "%",
    "_",
    "\\",
    "x' UNION SELECT url, url, url FROM fetches --",
    "\x00",
]


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    path = tmp_path / "store.db"
    shutil.copy(ROOT / "tests" / "data" / "store-0.1.0.db", path)
    return path


def cli(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), env={"CRAWLER_DB_URL": "", "COLUMNS": "200"})


@pytest.mark.parametrize("hostile", INJECTIONS)
def test_injection_strings_in_every_filter_are_plain_text(store_path: Path, hostile: str) -> None:
    db = str(store_path)
    for args in (
        ["articles", "--publisher", hostile, "--json"],
        ["search", hostile, "--json"],
        ["versions", hostile, "--json"],
        ["diff", hostile, "--json"],
        ["fetches", "--url", hostile, "--json"],
        ["duplicates", hostile, "--json"],
    ):
        result = cli(*args, "--db", db)
        assert "Traceback" not in result.output, (args, result.output)
        if result.exit_code == 0:
            assert json.loads(result.output) in ([], {"clusters": [], "shared": []})
        elif "\x00" in hostile:
            assert result.exit_code == 2
            assert "contains a control character" in result.output
        else:
            assert "no article with URL" in result.output
    stats = json.loads(cli("stats", "--db", db, "--json").output)
    assert (stats["articles"], stats["versions"]) == (28, 31)


@pytest.mark.parametrize("value", ["2024-13-45", "yesterday", "'; --"])
def test_bad_dates_are_refused_by_name(store_path: Path, value: str) -> None:
    result = cli("articles", "--since", value, "--db", str(store_path))
    assert result.exit_code == 2
    assert "--since" in result.output


def test_export_paths_with_dot_dot_write_exactly_there(store_path: Path, tmp_path: Path) -> None:
    nested = tmp_path / "a" / "b"
    nested.mkdir(parents=True)
    target = nested / ".." / ".." / "out.jsonl"
    result = cli("export", "--db", str(store_path), "--out", str(target))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out.jsonl").is_file()
    assert len((tmp_path / "out.jsonl").read_text().splitlines()) == 28
    missing = cli("export", "--db", str(store_path), "--out", str(tmp_path / "no" / "x.jsonl"))
    assert missing.exit_code != 0
    assert "does not exist" in missing.output


def test_a_password_in_the_db_url_is_never_shown() -> None:
    url = "postgresql+psycopg://reader:hunter2-secret@127.0.0.1:1/news"
    for command in (["stats"], ["articles"], ["db", "revision"], ["db", "upgrade"]):
        result = cli(*command, "--db", url)
        assert result.exit_code != 0
        assert "hunter2-secret" not in result.output
        assert "***" in result.output


def test_a_seeds_file_of_100000_entries_loads(tmp_path: Path) -> None:
    path = tmp_path / "big.toml"
    path.write_text(
        '[collection]\nname = "big"\n'
        + "".join(
            f'[[sources]]\npublisher = "P{i % 100}"\ntitle = "T{i}"\n'
            f'url = "https://news{i % 100}.example/{i}"\n'
            for i in range(100_000)
        )
    )
    started = time.monotonic()
    collection = load_seeds(path)
    assert len(collection.sources) == 100_000
    print(f"100,000 sources loaded in {time.monotonic() - started:.1f} s")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("javascript:alert(1)", "scheme 'javascript' is not allowed"),
        ("file:///etc/passwd", "scheme 'file' is not allowed"),
        ("data:text/html,hi", "scheme 'data' is not allowed"),
        ("https://a.example/x", "duplicate URL"),
    ],
)
def test_bad_urls_in_a_large_seeds_file_are_named(tmp_path: Path, url: str, message: str) -> None:
    entries = [f"https://a.example/{i}" for i in range(5000)]
    entries.insert(4321, url)
    if url == "https://a.example/x":
        entries.insert(10, url)
    path = tmp_path / "bad.toml"
    path.write_text(
        '[collection]\nname = "bad"\n'
        + "".join(f'[[sources]]\npublisher = "P"\ntitle = "T"\nurl = "{u}"\n' for u in entries)
    )
    with pytest.raises(SeedsError) as info:
        load_seeds(path)
    assert ("source #4323" if message == "duplicate URL" else "source #4322") in str(info.value)
    assert message in str(info.value)
