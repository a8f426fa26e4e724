"""The query commands on a real store (the committed 0.1.0 store, upgraded on open).

That store predates syndication, so ``duplicates`` runs on a store with clusters built here.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from crawler.cli import main
from storage import Store
from storage.migrate import head_revision
from storage.queries import EXPORT_KEYS
from storage.syndication import SyndicationStore
from tests.conftest import ROOT
from tests.test_syndication_store import pair, put

TIME_URL = "https://time.com/6996911/modi-putin-russia-visit-friends/"


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    path = tmp_path / "store.db"
    shutil.copy(ROOT / "tests" / "data" / "store-0.1.0.db", path)
    return path


@pytest.fixture
def clustered_store(tmp_path: Path) -> Path:
    """A store with three clusters: of four, three and two pages."""
    path = tmp_path / "clusters.db"
    store = Store(f"sqlite:///{path}")
    syn = SyndicationStore(store)
    try:
        for n, size in enumerate((2, 4, 3)):
            wire, _ = put(store, f"https://wire.example/{n}", f"wire story {n}", None)
            for copy in range(1, size):
                url = f"https://site{copy}.example/{n}"
                article, version = put(store, url, f"copy {copy} of story {n}", None)
                syn.record_matches(article, version, None, [pair(wire, wire)])
    finally:
        store.close()
    return path


def cli(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), env={"CRAWLER_DB_URL": "", "COLUMNS": "200"})


def test_articles_filters_and_json(store_path: Path) -> None:
    result = cli("articles", "--db", str(store_path), "--json", "--limit", "100")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert len(rows) == 28
    times = json.loads(
        cli("articles", "--db", str(store_path), "--publisher", "tIMe", "--json").output
    )
    assert TIME_URL in [r["url"] for r in times]
    assert {r["publisher"] for r in times} == {"TIME", "The New York Times"}
    assert next(r for r in times if r["url"] == TIME_URL)["version"] == 2
    recent = json.loads(
        cli("articles", "--db", str(store_path), "--since", "2024-09-01", "--json").output
    )
    assert recent
    assert all(r["published"] >= "2024-09-01" for r in recent if r["published"])
    none = cli("articles", "--db", str(store_path), "--publisher", "%", "--json")
    assert json.loads(none.output) == []  # a LIKE wildcard is taken literally
    limited = json.loads(cli("articles", "--db", str(store_path), "--limit", "3", "--json").output)
    assert len(limited) == 3
    table = cli("articles", "--db", str(store_path), "--publisher", "time")
    assert "Why Modi and Putin Are Friends" in table.output


def test_versions_and_diff(store_path: Path) -> None:
    versions = json.loads(cli("versions", TIME_URL, "--db", str(store_path), "--json").output)
    assert [v["version"] for v in versions["versions"]] == [1, 2]
    result = cli("diff", TIME_URL, "--db", str(store_path), "--json")
    assert result.exit_code == 0, result.output
    diff = json.loads(result.output)
    assert (diff["from"], diff["to"]) == (1, 2)
    assert diff["words_added"] >= 1
    assert diff["words_removed"] >= 1
    assert any(line.startswith("-") and "2019" in line for line in diff["unified"])
    assert any(line.startswith("+") and "2022" in line for line in diff["unified"])
    words = cli("diff", TIME_URL, "--db", str(store_path))
    assert "2019" in words.output
    assert "2022" in words.output
    lines = cli("diff", TIME_URL, "--db", str(store_path), "--lines", "--from", "1", "--to", "2")
    assert "--- version 1" in lines.output


def test_search_fetches_stats(store_path: Path) -> None:
    hits = json.loads(cli("search", "Zelensky", "--db", str(store_path), "--json").output)
    assert len(hits) >= 3
    assert all("Zelensky" in h["snippet"] for h in hits)
    # several words are one query, as the README writes it
    words = cli("search", "state visit", "moscow", "--db", str(store_path), "--json")
    assert words.exit_code == 0, words.output
    joined = cli("search", "state visit moscow", "--db", str(store_path), "--json")
    assert json.loads(words.output) == json.loads(joined.output)
    errors = json.loads(cli("fetches", "--errors", "--db", str(store_path), "--json").output)
    assert errors
    assert {e["outcome"] for e in errors} <= {"rejected", "error"}
    stats = json.loads(cli("stats", "--db", str(store_path), "--json").output)
    assert (stats["articles"], stats["versions"], stats["changed_articles"]) == (28, 31, 3)


def test_duplicates_limit_zero_lists_every_cluster(clustered_store: Path) -> None:
    db = str(clustered_store)
    one = json.loads(cli("duplicates", "--db", db, "--limit", "1", "--json").output)
    assert [len(c["members"]) for c in one] == [4]
    every = json.loads(cli("duplicates", "--db", db, "--limit", "0", "--json").output)
    assert [len(c["members"]) for c in every] == [4, 3, 2]
    table = cli("duplicates", "--db", db, "--limit", "0")
    assert table.exit_code == 0, table.output
    assert len(re.findall(r"cluster \d+:", table.output)) == 3
    assert "no syndication clusters" not in table.output


def test_duplicates_summary_counts_the_whole_store(clustered_store: Path) -> None:
    db = str(clustered_store)
    some = cli("duplicates", "--db", db, "--limit", "1")
    assert some.exit_code == 0, some.output
    summary = "3 clusters, 9 pages in clusters, largest 4 pages"
    assert f"{summary} (showing 1; --limit 0 shows all)" in some.output
    every = cli("duplicates", "--db", db).output
    assert every.rstrip().endswith(summary)
    one_url = cli("duplicates", "https://wire.example/0", "--db", db)
    assert one_url.exit_code == 0, one_url.output
    assert "pages in clusters" not in one_url.output


def test_duplicates_help_says_what_limit_zero_does() -> None:
    result = cli("duplicates", "--help")
    assert result.exit_code == 0
    assert "0 shows them all" in " ".join(result.output.split())


def test_export_jsonl_and_csv(store_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "articles.jsonl"
    result = cli("export", "--db", str(store_path), "--out", str(out))
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(records) == 28
    required = {"url", "publisher", "title", "text", "published", "fetched_at", "version"}
    assert required | {"content_hash", "cluster", "original_url"} <= set(records[0])
    time_record = next(r for r in records if r["url"] == TIME_URL)
    assert time_record["version"] == 2
    assert "2022" in time_record["text"]
    csv_out = tmp_path / "articles.csv"
    assert (
        cli("export", "--db", str(store_path), "--format", "csv", "--out", str(csv_out)).exit_code
        == 0
    )
    with csv_out.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 28
    assert list(rows[0]) == list(EXPORT_KEYS)
    stdout = cli("export", "--db", str(store_path))
    assert len(stdout.output.splitlines()) == 28


def test_export_never_overwrites_unless_forced(store_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "keep.jsonl"
    out.write_text("precious\n")
    refused = cli("export", "--db", str(store_path), "--out", str(out))
    assert refused.exit_code != 0
    assert "already exists" in refused.output
    assert out.read_text() == "precious\n"
    forced = cli("export", "--db", str(store_path), "--out", str(out), "--force")
    assert forced.exit_code == 0
    assert len(out.read_text().splitlines()) == 28
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".keep")] == []


@pytest.mark.parametrize("command", ["articles", "stats", "search x", "fetches", "export"])
def test_bad_store_arguments_give_clear_errors(command: str, tmp_path: Path) -> None:
    missing = cli(*command.split(), "--db", str(tmp_path / "missing.db"))
    assert missing.exit_code == 1
    assert "no store at" in missing.output
    assert not (tmp_path / "missing.db").exists()
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all\n" * 200)
    broken = cli(*command.split(), "--db", str(junk))
    assert broken.exit_code == 1
    assert "not a database" in broken.output
    assert "Traceback" not in broken.output


def test_unknown_url_is_a_clear_error(store_path: Path) -> None:
    result = cli("versions", "https://nowhere.example/", "--db", str(store_path))
    assert result.exit_code == 1
    assert "no article with URL" in result.output


def test_db_upgrade_and_revision_on_postgres(pg_base_url: str) -> None:
    import uuid

    from sqlalchemy import create_engine, text

    schema = f"u_{uuid.uuid4().hex[:10]}"
    engine = create_engine(pg_base_url)
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = f"{pg_base_url}?options=-csearch_path%3D{schema}"
    try:
        refused = cli("stats", "--db", url)
        assert refused.exit_code == 1
        assert "crawler db upgrade" in refused.output
        upgraded = cli("db", "upgrade", "--db", url)
        assert upgraded.exit_code == 0, upgraded.output
        assert f"revision {head_revision()}" in upgraded.output
        assert cli("stats", "--db", url).exit_code == 0
    finally:
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


def test_export_versions_filters_urls_and_utc_times(store_path: Path) -> None:
    def records(*args: str) -> list[dict[str, object]]:
        result = cli("export", "--db", str(store_path), *args)
        assert result.exit_code == 0, result.output
        return [json.loads(line) for line in result.output.splitlines()]

    current = records()
    every = records("--all-versions")
    assert len(every) == 31  # 28 articles, three of them in two versions
    assert [r["version"] for r in every if r["url"] == TIME_URL] == [1, 2]
    assert "2019" in str(next(r for r in every if r["url"] == TIME_URL)["text"])
    # the URL that was fetched, beside the canonical one; times say they are UTC
    assert all(r["crawled_url"] for r in current)
    assert all(str(r["fetched_at"]).endswith("Z") for r in current)
    assert all(str(r["published"]).endswith("Z") for r in current if r["published"])
    publisher = str(current[0]["publisher"])
    mine = records("--publisher", publisher)
    assert mine
    assert {r["publisher"] for r in mine} == {publisher}
    assert len(records("--since", "5200w")) == 28
    assert records("--since", "2999-01-01") == []
    bad = cli("export", "--db", str(store_path), "--since", "yesterday-ish")
    assert bad.exit_code == 2
    assert "neither a duration" in bad.output
    with sqlite3.connect(store_path) as conn:
        for url in (TIME_URL, str(current[1]["url"])):
            conn.execute(
                "INSERT INTO frontier (collection, url, added_at, next_due_at, interval_seconds,"
                " failures) VALUES ('mine', ?, '2024-01-01', '2024-01-01', 3600, 0)",
                (url,),
            )
    followed = records("--collection", "mine")
    assert {r["url"] for r in followed} == {TIME_URL, current[1]["url"]}
