"""Seeds files are validated on load, with errors naming the file, the entry and the field."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from crawler.errors import SeedsError
from crawler.seeds import load_seeds, resolve_seeds_path
from tests.conftest import SEEDS

GOOD_ENTRY = """
[[sources]]
publisher = "Example News"
title = "A story"
url = "https://example.com/a"
"""


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "bad.toml"
    path.write_text('[collection]\nname = "t"\n' + body, encoding="utf-8")
    return path


def test_bundled_collection_loads_with_every_source() -> None:
    collection = load_seeds(SEEDS)
    assert collection.name == "putin-india-visit"
    urls = [s.url for s in collection.sources]
    assert len(urls) == len(set(urls))
    # the 30 numbered search results plus the articles of the seed document, merged by URL
    assert len(urls) >= 30
    publishers = {s.publisher for s in collection.sources}
    for expected in ("TIME", "Al Jazeera", "Firstpost", "NPR", "The New York Times"):
        assert expected in publishers
    assert all(u.startswith("https://") for u in urls)


def test_bundled_collection_is_the_default_and_known_by_name() -> None:
    assert resolve_seeds_path(None) == SEEDS.resolve()
    assert resolve_seeds_path("putin-india-visit") == SEEDS.resolve()


def test_dates_are_parsed_and_kept_in_utc(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        GOOD_ENTRY
        + 'published = "2024-07-08T15:00:00+05:30"\n'
        + GOOD_ENTRY.replace("/a", "/b")
        + 'published = "2024-07-09"\n',
    )
    first, second = load_seeds(path).sources
    assert first.published == dt.datetime(2024, 7, 8, 9, 30)
    assert second.published == dt.datetime(2024, 7, 9)


@pytest.mark.parametrize(
    ("body", "entry", "field", "message"),
    [
        (
            GOOD_ENTRY.replace('publisher = "Example News"\n', ""),
            "source #1",
            "publisher",
            "is required",
        ),
        (
            GOOD_ENTRY.replace("https://example.com/a", "ftp://example.com/a"),
            "source #1",
            "url",
            "scheme 'ftp' is not allowed",
        ),
        (
            GOOD_ENTRY.replace("https://example.com/a", "example.com/a"),
            "source #1",
            "url",
            "scheme '(none)'",
        ),
        (
            GOOD_ENTRY.replace("https://example.com/a", "https:///nohost"),
            "source #1",
            "url",
            "no host",
        ),
        (GOOD_ENTRY + 'published = "last tuesday"\n', "source #1", "published", "not a date"),
        (GOOD_ENTRY + 'autor = "typo"\n', "source #1", "autor", "unknown field"),
        (GOOD_ENTRY + "verified = 1\n", "source #1", "verified", "true or false"),
        (
            GOOD_ENTRY + GOOD_ENTRY.replace("Example News", "Other"),
            "source #2",
            "url",
            "duplicate URL",
        ),
        (GOOD_ENTRY.replace('title = "A story"', 'title = ""'), "source #1", "title", "non-empty"),
    ],
)
def test_bad_entries_name_file_entry_and_field(
    tmp_path: Path, body: str, entry: str, field: str, message: str
) -> None:
    path = write(tmp_path, body)
    with pytest.raises(SeedsError) as info:
        load_seeds(path)
    text = str(info.value)
    assert str(path) in text
    assert entry in text
    assert f"field '{field}'" in text
    assert message in text


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[collection\nname=", "not valid TOML"),
        ('[collection]\nname = "t"\n', r"no \[\[sources\]\] or \[\[publishers\]\] entries"),
        ("sources = 3\n", r"no \[\[sources\]\] or \[\[publishers\]\] entries"),
        ('[collection]\nname = "t"\n[extra]\n', "unknown top-level key"),
    ],
)
def test_bad_files_are_reported(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "f.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(SeedsError, match=message):
        load_seeds(path)


def test_missing_and_binary_files_are_reported(tmp_path: Path) -> None:
    with pytest.raises(SeedsError, match="cannot read the file"):
        load_seeds(tmp_path / "nope.toml")
    binary = tmp_path / "b.toml"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(SeedsError, match="not UTF-8"):
        load_seeds(binary)


PUBLISHER = """
[[publishers]]
name = "Example News"
home = "https://news.example.com/"
feeds = ["https://news.example.com/rss.xml"]
include = ["/world/"]
"""


def test_publishers_and_collection_limits_load(tmp_path: Path) -> None:
    path = tmp_path / "pub.toml"
    path.write_text(
        '[collection]\nname = "p"\nkeywords = ["putin"]\nsince = "2024-07-01"\n' + PUBLISHER
    )
    collection = load_seeds(path)
    assert collection.sources == ()
    (publisher,) = collection.publishers
    assert publisher.feeds == ("https://news.example.com/rss.xml",)
    assert publisher.include == ("/world/",)
    assert collection.since == dt.datetime(2024, 7, 1)


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        (PUBLISHER.replace("https://news.example.com/rss.xml", "feed:rss"), "feeds", "scheme"),
        (PUBLISHER.replace('"/world/"', '"(unclosed"'), "include", "not a regular expression"),
        (PUBLISHER.replace('home = "https://news.example.com/"\n', ""), "home", "is required"),
        (PUBLISHER + "rss = []\n", "rss", "unknown field"),
    ],
)
def test_bad_publishers_name_the_publisher_and_field(
    tmp_path: Path, body: str, field: str, message: str
) -> None:
    path = tmp_path / "pub.toml"
    path.write_text('[collection]\nname = "p"\n' + body)
    with pytest.raises(SeedsError) as info:
        load_seeds(path)
    assert "publisher #1 (Example News)" in str(info.value)
    assert f"field '{field}'" in str(info.value)
    assert message in str(info.value)
