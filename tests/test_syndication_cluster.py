"""Clusters from relations and the choice of the original."""

from __future__ import annotations

import datetime as dt

import pytest

from crawler.syndication import Member, UnionFind, choose_original, clusters

D = dt.datetime


def test_clusters_join_chains_and_keep_requested_singletons() -> None:
    groups = clusters([(1, 2), (3, 4), (2, 3), (5, 6)], singletons=[7])
    assert sorted(sorted(g) for g in groups) == [[1, 2, 3, 4], [5, 6], [7]]  # type: ignore[type-var]


def test_union_find_is_idempotent() -> None:
    uf = UnionFind()
    uf.union("a", "b")
    uf.union("b", "a")
    assert uf.find("a") == uf.find("b")
    assert uf.find("c") == "c"
    assert len(uf.groups()) == 2


def test_original_is_earliest_published() -> None:
    doc_id, reason = choose_original(
        [
            Member("fp", D(2024, 7, 8, 12), D(2024, 7, 8, 13)),
            Member("aj", D(2024, 7, 8, 9), D(2024, 7, 9)),
            Member("x", None, D(2024, 7, 1)),
        ]
    )
    assert doc_id == "aj"
    assert "earliest published" in reason
    assert "2024-07-08T09:00:00" in reason


def test_original_falls_back_to_first_seen_then_id() -> None:
    same = D(2024, 1, 1)
    doc_id, reason = choose_original(
        [Member(3, same, D(2024, 1, 3)), Member(2, same, D(2024, 1, 2))]
    )
    assert (doc_id, "first seen" in reason) == (2, True)
    doc_id, reason = choose_original([Member(9, None, None), Member(4, None, None)])
    assert doc_id == 4
    assert "lowest id" in reason
    doc_id, reason = choose_original([Member(5, None, D(2024, 2, 2)), Member(6, None, None)])
    assert doc_id == 5
    assert "no published dates" in reason


def test_original_of_nothing_is_an_error() -> None:
    with pytest.raises(ValueError, match="at least one"):
        choose_original([])
