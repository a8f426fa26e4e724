"""Boilerplate a site repeats does not make copies; star clusters never chain stories."""

from __future__ import annotations

import random
from collections.abc import Hashable
from itertools import combinations

import pytest

from crawler.syndication import SyndicationConfig, SyndicationIndex
from crawler.syndication.cluster import star_clusters
from crawler.syndication.shingles import prose_share
from crawler.syndication.site import site_of
from tests.test_syndication_sketch import text

# boilerplate sentences, some used by several sites
POOL = [text(14, 900 + i) for i in range(8)]
SITE_BOILERPLATE = {
    f"site{s}.example": [POOL[s % 8], POOL[(s + 3) % 8], POOL[(s + 5) % 8], POOL[(s + 6) % 8]]
    for s in range(6)
}


def page(site: str, body: str) -> str:
    one, two, three, four = SITE_BOILERPLATE[site]
    return f"{one} {two}\n{body}\n{three} {four}"


def mix(seed: int = 0) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """Short stories wrapped in their site's boilerplate, and short copies of some on other
    sites: texts, sites and the true story of every page."""
    rng = random.Random(seed)
    texts: dict[str, str] = {}
    sites: dict[str, str] = {}
    story: dict[str, str] = {}
    names = sorted(SITE_BOILERPLATE)
    for n in range(24):
        site = names[n % len(names)]
        body = text(rng.randint(60, 110), 100 + n)
        doc = f"s{n}-orig"
        texts[doc], sites[doc], story[doc] = page(site, body), site, f"s{n}"
        if n % 3 == 0:
            other = names[(n + 1) % len(names)]
            doc = f"s{n}-copy"
            texts[doc], sites[doc], story[doc] = page(other, body), other, f"s{n}"
    return texts, sites, story


def relations(
    texts: dict[str, str], sites: dict[str, str], order: list[str], config: SyndicationConfig
) -> dict[tuple[str, str], int]:
    index = SyndicationIndex(config, text_of=texts.get)
    found = set()
    for doc in order:
        for m in index.add(doc, texts[doc], site=sites[doc]):
            found.add(tuple(sorted((doc, str(m.doc_id)))))
    return {
        (str(a), str(b)): m.story_words for a, b, m in index.rejudge(sorted(found)) if m is not None
    }


def star(rel: dict[tuple[str, str], int]) -> set[frozenset[str]]:
    edges: list[tuple[Hashable, Hashable, float]] = [(a, b, w) for (a, b), w in rel.items()]
    return {frozenset(str(m) for m in c) for c in star_clusters(edges)}


CONFIG = SyndicationConfig(min_words=30)


def test_shared_boilerplate_makes_no_copies_but_the_story_still_does() -> None:
    texts, sites, story = mix()
    # without sites, the boilerplate cannot be learned: pages of different stories pair up
    blind = relations(texts, dict.fromkeys(texts, ""), list(texts), CONFIG)
    assert any(story[a] != story[b] for a, b in blind)
    found = relations(texts, sites, list(texts), CONFIG)
    assert all(story[a] == story[b] for a, b in found), found
    copies = {tuple(sorted(p)) for p in combinations(texts, 2) if story[p[0]] == story[p[1]]}
    assert set(found) == copies


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_clusters_do_not_depend_on_the_order_pages_arrive(seed: int) -> None:
    texts, sites, _ = mix()
    first = star(relations(texts, sites, list(texts), CONFIG))
    order = list(texts)
    random.Random(seed).shuffle(order)
    assert star(relations(texts, sites, order, CONFIG)) == first


def test_a_short_page_is_not_contained_through_two_common_sentences() -> None:
    story = text(400, 7)
    words = story.split()
    # 30 words of its own, and three sentences (36 words) of the long story
    short = " ".join(text(30, 8).split() + words[100:136])
    index = SyndicationIndex(SyndicationConfig(min_words=30), text_of={"long": story}.get)
    index.add("long", story)
    assert index.add("short", short) == []
    loose = SyndicationIndex(
        SyndicationConfig(min_words=30, min_shared_words=0), text_of={"long": story}.get
    )
    loose.add("long", story)
    [m] = loose.add("short", short)
    assert m.relation == "partial-copy"
    assert m.story_words < 40


@pytest.mark.parametrize(
    "junk",
    ["", "tiny text here", "0x3f 0x8a 9981 1234 " * 60, "\ufffd\x01\x02abc " * 200],
)
def test_empty_tiny_and_binary_texts_never_relate(junk: str) -> None:
    index = SyndicationIndex(text_of={"a": junk, "b": junk}.get)
    assert index.add("a", junk) == []
    assert index.add("b", junk) == []
    assert len(index) == 0


def test_prose_share_tells_prose_from_junk() -> None:
    assert prose_share("The minister said on Tuesday that talks would go on.") == 1.0
    assert prose_share("12 34 56 78 90 " * 20) == 0.0
    assert prose_share("") == 0.0


def test_site_of_a_url() -> None:
    assert site_of("https://www.Example.com/a/b?c=1") == "example.com"
    assert site_of("http://news.example.org:8080/x") == "news.example.org"
    assert site_of("not a url") is None


def test_a_star_never_chains_two_stories() -> None:
    # story A (a1..a3) and story B (b1..b3); "hub" shares a little with a3 and b3
    edges: list[tuple[Hashable, Hashable, float]] = [
        ("a1", "a2", 500),
        ("a1", "a3", 450),
        ("a2", "a3", 450),
        ("b1", "b2", 300),
        ("b1", "b3", 280),
        ("b2", "b3", 290),
        ("hub", "a3", 45),
        ("hub", "b3", 45),
        ("a3", "b3", 41),  # a boilerplate-like bridge
    ]
    groups = [{str(m) for m in c} for c in star_clusters(edges)]
    assert len(groups) == 2
    assert {"a1", "a2", "a3"} in [g - {"hub"} for g in groups]
    assert {"b1", "b2", "b3"} in [g - {"hub"} for g in groups]
    # every member is related to its cluster's first member, the centre
    adjacent = {frozenset((str(a), str(b))) for a, b, _ in edges}
    for c in star_clusters(edges):
        assert all(frozenset((str(c[0]), str(m))) in adjacent for m in c[1:])


def test_star_clusters_are_the_same_for_any_edge_order() -> None:
    rng = random.Random(5)
    edges: list[tuple[Hashable, Hashable, float]] = [
        (f"n{rng.randrange(40)}", f"n{rng.randrange(40)}", float(rng.choice([50, 100, 200])))
        for _ in range(120)
    ]
    first = {frozenset(c) for c in star_clusters(edges)}
    for _ in range(5):
        rng.shuffle(edges)
        flipped = [(b, a, w) if rng.random() < 0.5 else (a, b, w) for a, b, w in edges]
        assert {frozenset(c) for c in star_clusters(flipped)} == first


def test_a_write_through_joins_its_story_and_bridges_nothing() -> None:
    body = text(500, 21)
    other = text(500, 22)
    texts = {
        "first": text(40, 23) + "\n" + body,
        "rewrite": text(40, 24) + "\n" + body + "\n" + text(30, 25),
        "other-story": other,
        "roundup": " ".join(body.split()[:45] + other.split()[:45]),
    }
    sites = {d: f"{d}.example" for d in texts}
    found = relations(texts, sites, list(texts), SyndicationConfig())
    groups = star(found)
    assert frozenset({"first", "rewrite"}) <= next(g for g in groups if "first" in g)
    assert not any({"first", "other-story"} <= g for g in groups)
