"""The product's clusters on an EvalSet: relations found page by page, judged again, starred."""

from __future__ import annotations

import random
from collections.abc import Hashable

from crawler.syndication import SyndicationConfig, SyndicationIndex
from crawler.syndication.cluster import star_clusters
from tests.syndication.evalset import EvalSet

Pair = tuple[str, str]


def product_relations(
    es: EvalSet,
    split: str | None,
    config: SyndicationConfig | None = None,
    *,
    shuffle: int | None = None,
) -> dict[Pair, float]:
    """Pairs related after every document of the split was added, with their shared story words.

    Documents are added one by one (in the set's order, or shuffled with seed ``shuffle``), as
    a crawl stores them; the pairs found are then judged again with the boilerplate the whole
    split teaches, as the store does when a crawl closes.
    """
    ids = es.ids(split)
    if shuffle is not None:
        random.Random(shuffle).shuffle(ids)
    hosts = getattr(es, "host", {})
    index = SyndicationIndex(config or SyndicationConfig(), es.texts.get)
    found: set[Pair] = set()
    for doc_id in ids:
        for m in index.add(doc_id, es.texts[doc_id], site=hosts.get(doc_id)):
            other = str(m.doc_id)
            found.add((doc_id, other) if doc_id < other else (other, doc_id))
    out: dict[Pair, float] = {}
    for a, b, match in index.rejudge(sorted(found)):
        if match is not None:
            out[(str(a), str(b))] = float(match.story_words)
    return out


def product_clusters(
    es: EvalSet,
    split: str | None,
    config: SyndicationConfig | None = None,
    *,
    shuffle: int | None = None,
) -> list[list[str]]:
    """The clusters the product reports for the split (pages in no cluster left out)."""
    relations = product_relations(es, split, config, shuffle=shuffle)
    edges: list[tuple[Hashable, Hashable, float]] = [(a, b, w) for (a, b), w in relations.items()]
    return [[str(m) for m in c] for c in star_clusters(edges)]
