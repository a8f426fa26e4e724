"""Clusters of syndicated articles from pairwise relations, and the choice of the original."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from typing import Any


class UnionFind:
    """Disjoint sets over hashable ids, with path halving and union by size."""

    def __init__(self) -> None:
        self._parent: dict[Hashable, Hashable] = {}
        self._size: dict[Hashable, int] = {}

    def add(self, x: Hashable) -> None:
        """Make ``x`` a singleton set if it is new."""
        if x not in self._parent:
            self._parent[x] = x
            self._size[x] = 1

    def find(self, x: Hashable) -> Hashable:
        """The representative of ``x``'s set (adding ``x`` if new)."""
        self.add(x)
        parent = self._parent
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(self, a: Hashable, b: Hashable) -> None:
        """Merge the sets of ``a`` and ``b``."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        if self._size[ra] < self._size[rb]:
            ra, rb = rb, ra
        self._parent[rb] = ra
        self._size[ra] += self._size[rb]

    def groups(self) -> list[list[Hashable]]:
        """All sets, each as a list of members in insertion order."""
        out: dict[Hashable, list[Hashable]] = {}
        for x in self._parent:
            out.setdefault(self.find(x), []).append(x)
        return list(out.values())


def clusters(
    pairs: Iterable[tuple[Hashable, Hashable]], singletons: Iterable[Hashable] = ()
) -> list[list[Hashable]]:
    """Connected components of the relation graph (both relations count as edges).

    Components with one member are returned only for ids passed in ``singletons``.
    """
    uf = UnionFind()
    for x in singletons:
        uf.add(x)
    for a, b in pairs:
        uf.union(a, b)
    return uf.groups()


def star_clusters(
    edges: Iterable[tuple[Hashable, Hashable, float]],
    key: Callable[[Hashable], Any] | None = None,
    singletons: Iterable[Hashable] = (),
) -> list[list[Hashable]]:
    """Clusters in which every member is related to the cluster's centre, so none can chain.

    Union-find over all relations lets one wrong edge (a page that shares a boilerplate block
    or an aggregator that carries two stories' ledes) glue two stories together. Here a cluster
    is a star: nodes are taken by strength (the sum of their edges' weights, the shared story
    text), and a node becomes a centre unless it is related to a centre already; every other
    node joins the related centre it shares most with. A page related to two stories joins one
    of them and never merges them, and two members always share text with their centre.

    The result depends on the edges, their weights and ``key`` alone (``key`` breaks ties in
    strength, and should be a property of the node, such as its URL, not of its arrival), so
    the same pages give the same clusters in whatever order they came.

    Args:
        edges: ``(a, b, weight)`` relations; weights are positive.
        key: a sort key that orders nodes of equal strength (default: the node itself).
        singletons: nodes to return as one-member clusters when they end up alone.
    """
    neighbours: dict[Hashable, dict[Hashable, float]] = {}
    for a, b, weight in edges:
        if a == b:
            continue
        for x, y in ((a, b), (b, a)):
            links = neighbours.setdefault(x, {})
            links[y] = max(weight, links.get(y, weight))
    tie = key or (lambda node: node)
    strength = {node: sum(links.values()) for node, links in neighbours.items()}
    order = sorted(neighbours, key=lambda node: (-strength[node], tie(node)))
    rank = {node: i for i, node in enumerate(order)}
    centres: dict[Hashable, list[Hashable]] = {}
    for node in order:
        if not any(other in centres for other in neighbours[node]):
            centres[node] = [node]
    for node in order:
        if node in centres:
            continue
        links = neighbours[node]
        best = max((c for c in links if c in centres), key=lambda c: (links[c], -rank[c]))
        centres[best].append(node)
    out = [members for members in centres.values() if len(members) > 1]
    alone = {m for members in centres.values() if len(members) == 1 for m in members}
    for node in singletons:
        if node not in neighbours or node in alone:
            out.append([node])
    return out


@dataclass(frozen=True, slots=True)
class Member:
    """What ``choose_original`` needs to know of a cluster member."""

    doc_id: str | int
    published: dt.datetime | None
    first_seen: dt.datetime | None


def choose_original(members: Iterable[Member]) -> tuple[str | int, str]:
    """The member to call the original, and why, in words.

    Earliest published date first (members without one come after all dated ones), then the
    earliest first-seen time, then the lowest id, so the choice is deterministic.

    Raises:
        ValueError: ``members`` is empty.
    """
    ms = list(members)
    if not ms:
        raise ValueError("choose_original needs at least one member")
    far = dt.datetime.max

    def key(m: Member) -> tuple[dt.datetime, dt.datetime, str, str | int]:
        # Ids of mixed types still sort: by type name first, then value.
        return (m.published or far, m.first_seen or far, type(m.doc_id).__name__, m.doc_id)

    ms.sort(key=key)
    best = ms[0]
    if len(ms) == 1:
        return best.doc_id, "only member"
    runner = ms[1]
    if best.published is not None and best.published != runner.published:
        return best.doc_id, (
            f"earliest published date ({best.published.isoformat()}; next "
            f"{runner.published.isoformat() if runner.published else 'undated'})"
        )
    if best.first_seen is not None and best.first_seen != runner.first_seen:
        tie = "same published date" if best.published else "no published dates"
        return best.doc_id, (
            f"{tie}; earliest first seen ({best.first_seen.isoformat()}; next "
            f"{runner.first_seen.isoformat() if runner.first_seen else 'never'})"
        )
    return best.doc_id, "published and first-seen times tie; lowest id"
