"""The offline snapshot: two states that differ where the seed document says, clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crawler.errors import SnapshotError
from crawler.seeds import load_seeds
from crawler.snapshot import Snapshot, local_path, original_url, rewrite_to_local
from tests.conftest import SEEDS, SNAPSHOT


def test_every_seed_url_is_in_the_snapshot_and_state_2_changes_some() -> None:
    snapshot = Snapshot.load(SNAPSHOT)
    urls = {s.url for s in load_seeds(SEEDS).sources}
    assert set(snapshot.urls) == urls
    changed = [u for u in urls if snapshot.page(u, "1") != snapshot.page(u, "2")]
    assert len(changed) >= 2
    time_url = next(u for u in changed if "time.com" in u)
    before, after = snapshot.page(time_url, "1"), snapshot.page(time_url, "2")
    assert before is not None
    assert after is not None
    assert b"It was 2022, not 2019." in after.body
    assert b"It was 2022, not 2019." not in before.body
    assert snapshot.page("https://not.in.snapshot/", "1") is None


def test_local_server_paths_round_trip() -> None:
    url = "https://time.com/6996911/modi-putin-russia-visit-friends/?a=1"
    assert url in original_url(local_path(url))


def write_manifest(folder: Path, manifest: object) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


@pytest.mark.parametrize(
    ("manifest", "message"),
    [
        ({"states": ["1"]}, "malformed manifest"),
        (
            {"states": ["1"], "pages": [{"url": "https://a/", "files": {"1": "gone.html"}}]},
            "missing",
        ),
    ],
)
def test_broken_snapshots_are_reported(tmp_path: Path, manifest: object, message: str) -> None:
    with pytest.raises(SnapshotError, match=message):
        Snapshot.load(write_manifest(tmp_path / "snap", manifest))


def test_unknown_state_and_missing_manifest(tmp_path: Path) -> None:
    with pytest.raises(SnapshotError, match="cannot read"):
        Snapshot.load(tmp_path)
    snapshot = Snapshot.load(SNAPSHOT)
    with pytest.raises(SnapshotError, match="no state '9'"):
        snapshot.page(snapshot.urls[0], "9")
    (tmp_path / "manifest.json").write_text("{not json")
    with pytest.raises(SnapshotError, match="not valid JSON"):
        Snapshot.load(tmp_path)


def test_local_seeds_are_a_collection_of_their_own(tmp_path: Path) -> None:
    # in the real collection's store, the local URLs must not join the real ones' frontier
    collection = load_seeds(SEEDS)
    local = tmp_path / "local.toml"
    local.write_text(rewrite_to_local(collection, "http://127.0.0.1:8000/"))
    served = load_seeds(local)
    assert served.name == f"{collection.name}-snapshot"
    assert len(served.sources) == len(collection.sources)
    assert all(s.url.startswith("http://127.0.0.1:8000/") for s in served.sources)
