"""The incremental index: matches, removal, new versions, rebuild from records, chrome."""

from __future__ import annotations

import random

import numpy as np
import pytest

from crawler.syndication import SignatureMismatchError, SyndicationConfig, SyndicationIndex
from crawler.syndication.postings import Postings
from tests.test_syndication_sketch import text

STORY = text(300, 10)
HOST = text(900, 11)


def paragraphs(t: str, size: int = 60) -> str:
    w = t.split()
    return "\n".join(" ".join(w[i : i + size]) for i in range(0, len(w), size))


def test_partial_copy_is_found_and_verified() -> None:
    host = HOST.split()
    embedded = " ".join(host[:400] + STORY.split() + host[400:])
    texts = {"story": STORY, "host": embedded, "other": text(500, 12)}
    index = SyndicationIndex(text_of=texts.get)
    assert index.add("story", STORY) == []
    assert index.add("other", texts["other"]) == []
    [m] = index.add("host", embedded)
    assert (m.doc_id, m.relation, m.contained) == ("story", "partial-copy", "other")
    assert m.containment > 0.95
    assert m.jaccard < 0.35
    [p] = m.passages
    assert embedded[p.a_start : p.a_end] == STORY
    assert (p.b_start, p.b_end) == (0, len(STORY))
    assert len(index) == 3


def test_near_duplicate_with_edits() -> None:
    words = STORY.split()
    rng = random.Random(1)
    for _ in range(6):
        words[rng.randrange(len(words))] = "edited"
    texts = {"a": STORY, "b": " ".join(words)}
    index = SyndicationIndex(text_of=texts.get)
    index.add("a", texts["a"])
    [m] = index.add("b", texts["b"])
    assert m.relation == "near-duplicate"
    assert m.jaccard > 0.7


def test_exact_copies_are_compared_once_with_the_same_result(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Nine sites ran the same story word for word; a tenth runs it inside a longer page."""
    from crawler.syndication import index as index_module

    host = HOST.split()
    embedded = " ".join(host[:400] + STORY.split() + host[400:])
    texts = {f"copy{i}": STORY for i in range(9)} | {"host": embedded}
    index = SyndicationIndex(text_of=texts.get)
    for i in range(8):
        index.add(f"copy{i}", STORY)
    index.add("host", embedded)
    calls: list[int] = []
    real_compare = index_module.compare

    def counting(*args: object, **kwargs: object) -> object:
        calls.append(1)
        return real_compare(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(index_module, "compare", counting)
    matches = index.add("copy8", STORY)
    assert len(calls) == 2  # once for the eight identical texts, once for the host page
    by_id = {m.doc_id: m for m in matches}
    assert set(by_id) == {f"copy{i}" for i in range(8)} | {"host"}
    monkeypatch.setattr(index_module, "compare", real_compare)
    fresh = SyndicationIndex(text_of=texts.get)
    fresh.add("copy0", STORY)
    [alone] = fresh.add("copy8", STORY)
    for i in range(8):
        copy = by_id[f"copy{i}"]
        assert (copy.relation, copy.jaccard, copy.containment) == (
            alone.relation,
            alone.jaccard,
            alone.containment,
        )
        assert copy.passages == alone.passages
    assert by_id["host"].relation == "partial-copy"


def test_texts_fetched_in_batches_give_the_same_matches() -> None:
    from crawler.syndication import index as index_module

    host = HOST.split()
    texts = {f"site{i}": " ".join(host[: 100 + i] + STORY.split()) for i in range(70)}
    config = SyndicationConfig(max_candidates=100)  # more than one batch of texts
    one_by_one = SyndicationIndex(config, text_of=texts.get)
    asked: list[list[object]] = []

    def texts_of(ids: list[object]) -> dict[object, str]:
        asked.append(ids)
        return {i: texts[i] for i in ids if i in texts and i != "site3"}  # site3 is gone

    batched = SyndicationIndex(config, texts_of=texts_of)
    for name, body in texts.items():
        one_by_one.add(name, body)
        batched.add(name, body)
    del texts["site3"]
    expected = one_by_one.query(STORY)
    got = batched.query(STORY)
    assert [(m.doc_id, m.relation, m.containment) for m in got] == [
        (m.doc_id, m.relation, m.containment) for m in expected
    ]
    assert len(got) == 69
    assert max(len(ids) for ids in asked) == index_module.TEXTS_AT_ONCE


def test_short_texts_are_never_indexed() -> None:
    texts = {"a": "", "b": "", "c": "one two three four five six"}
    index = SyndicationIndex(text_of=texts.get)
    for k, v in texts.items():
        assert index.add(k, v) == []
    assert len(index) == 0


def test_new_version_replaces_the_old_one() -> None:
    texts = {"a": STORY, "b": STORY}
    index = SyndicationIndex(text_of=texts.get)
    index.add("a", STORY)
    assert [m.doc_id for m in index.add("b", STORY)] == ["a"]
    texts["b"] = text(300, 99)  # b's new version is another story
    assert index.add("b", texts["b"]) == []
    assert len(index) == 2
    index.remove("a")
    assert "a" not in index
    assert index.query(STORY) == []
    with pytest.raises(KeyError):
        index.remove("a")


def test_missing_texts_are_skipped() -> None:
    index = SyndicationIndex(text_of=lambda _: None)
    index.add("a", STORY)
    assert index.query(STORY) == []


def test_rebuild_from_records_finds_the_same_matches() -> None:
    texts = {f"d{i}": text(300, 100 + i) for i in range(30)}
    texts["copy"] = paragraphs(texts["d7"])
    live = SyndicationIndex(text_of=texts.get)
    records = []
    for k, v in texts.items():
        sketch = live.sketch(v)
        live.add(k, v, sketch=sketch)
        records.append((k, sketch.signature.to_bytes()))
    rebuilt = SyndicationIndex.from_records(records, text_of=texts.get)
    assert len(rebuilt) == len(live) == 31
    probe = texts["d7"] + "\n" + text(100, 5)
    assert {m.doc_id for m in rebuilt.query(probe)} == {"d7", "copy"}
    assert [m.doc_id for m in rebuilt.query(probe)] == [m.doc_id for m in live.query(probe)]
    other = SyndicationIndex(SyndicationConfig(seed=2), text_of=texts.get)
    with pytest.raises(SignatureMismatchError):
        other.add_record("x", records[0][1])


def test_removed_documents_leave_after_compaction() -> None:
    texts = {f"d{i}": text(120, 200 + i) for i in range(50)}
    index = SyndicationIndex(text_of=texts.get)
    for k, v in texts.items():
        index.add(k, v)
    for i in range(0, 50, 2):
        index.remove(f"d{i}")
    index.compact()
    assert len(index) == 25
    assert index.query(texts["d4"]) == []
    assert [m.doc_id for m in index.query(texts["d5"])] == ["d5"]


def test_site_chrome_does_not_relate_different_articles() -> None:
    chrome_head = "News Home World Business Sport Culture Opinion Video Podcasts Newsletters"
    chrome_foot = (
        "Related Stories " + text(40, 300) + " Copyright 2024 Example Media. All rights reserved."
        " Sign up for our newsletter. Follow us. Contact. Advertise. Careers. Privacy. Terms."
    )
    texts = {f"a{i}": f"{chrome_head}\n{text(150, 400 + i)}\n{chrome_foot}" for i in range(40)}
    index = SyndicationIndex(text_of=texts.get)
    for k, v in texts.items():
        assert index.add(k, v) == [], k


def test_shared_quote_is_not_syndication() -> None:
    quote = text(40, 500)
    a = paragraphs(text(400, 501)) + "\n" + quote
    b = quote + "\n" + paragraphs(text(600, 502))
    index = SyndicationIndex(text_of={"a": a, "b": b}.get)
    index.add("a", a)
    assert index.add("b", b) == []


def test_anchor_document_frequency_cap() -> None:
    postings = Postings(buffer_limit=5)
    key = np.array([42], dtype=np.uint64)
    for slot in range(4):
        postings.add(key, slot)
    slots, capped = postings.lookup(key, max_df=10)
    assert sorted(slots.tolist()) == [0, 1, 2, 3]
    assert capped == 0
    slots, capped = postings.lookup(key, max_df=3)
    assert (len(slots), capped) == (0, 1)
    postings.add(np.array([42, 7], dtype=np.uint64), 9)  # crosses buffer_limit: merged
    slots, _ = postings.lookup(np.array([7, 42, 8], dtype=np.uint64), max_df=10)
    assert sorted(slots.tolist()) == [0, 1, 2, 3, 9, 9]
