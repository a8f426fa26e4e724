"""Syndication in the store: signatures per version, verified pairs, and the clusters they form.

Clusters are derived data: stars over the counted ``syndication_pairs`` of each connected
component (:func:`crawler.syndication.cluster.star_clusters`). Recording an article's matches
replaces its pairs and recomputes the clusters it touches, in one transaction; pairs judged
again (:meth:`SyndicationStore.apply_judgments`) are written in batches, so that a run that
stops midway goes on where it stopped, and the clusters they touch are rebuilt at once after.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, aliased

from crawler.syndication.cluster import Member, choose_original, star_clusters
from crawler.syndication.config import RULES_VERSION
from crawler.syndication.site import site_of
from storage import models
from storage.repository import Store
from storage.types import utcnow


@dataclass(frozen=True, slots=True)
class PairRecord:
    """A verified relation of an article with another one, as the index reported it.

    ``passages`` are character spans: ``(start, end)`` in the article's text, then in the
    other's.
    """

    other_id: int
    relation: str
    jaccard: float
    containment: float
    contained_id: int | None
    passages: list[tuple[int, int, int, int]] = field(default_factory=list)
    story_words: int | None = None


@dataclass(frozen=True, slots=True)
class Judgment:
    """A stored pair judged again: ``pair`` is None when the rules no longer count it."""

    article_id: int
    other_id: int
    pair: PairRecord | None


@dataclass(frozen=True, slots=True)
class ClusterChange:
    """The cluster an article ended up in after its matches were recorded."""

    cluster_id: int | None
    members: int
    original_article_id: int | None


class SyndicationStore:
    """Syndication reads and writes on a :class:`~storage.Store`."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def signature_records(self, scheme: str) -> Iterator[tuple[int, bytes, str | None]]:
        """``(article_id, signature, site)`` of every current version signed with ``scheme``."""
        query = (
            select(models.Article.id, models.Signature.data, models.Article.url)
            .join(
                models.Version,
                (models.Version.article_id == models.Article.id)
                & (models.Version.version == models.Article.current_version),
            )
            .join(models.Signature, models.Signature.version_id == models.Version.id)
            .where(models.Signature.scheme == scheme)
            .execution_options(yield_per=2000)
        )
        with self.store.reader() as session:
            for article_id, data, url in session.execute(query):
                yield article_id, data, site_of(url)

    def unsigned_versions(
        self, scheme: str, *, skip_run: int | None = None
    ) -> Iterator[tuple[int, int, str, str | None]]:
        """``(article_id, version_id, text, site)`` of current versions lacking a ``scheme``
        signature.

        These are versions stored before syndication was on, or signed with other parameters.
        Versions stored by the crawl run ``skip_run`` are left out: that crawl signs them itself.
        """
        signed = select(models.Signature.version_id).where(models.Signature.scheme == scheme)
        query = (
            select(models.Article.id, models.Version.id, models.Version.text, models.Article.url)
            .join(
                models.Version,
                (models.Version.article_id == models.Article.id)
                & (models.Version.version == models.Article.current_version),
            )
            .where(models.Version.id.not_in(signed))
            .execution_options(yield_per=500)
        )
        if skip_run is not None:
            query = query.where(
                models.Version.id.not_in(
                    select(models.Fetch.version_id).where(
                        models.Fetch.run_id == skip_run, models.Fetch.version_id.is_not(None)
                    )
                )
            )
        with self.store.reader() as session:
            for article_id, version_id, text, url in session.execute(query):
                yield article_id, version_id, text, site_of(url)

    def current_texts(self, article_ids: Sequence[int]) -> dict[int, str]:
        """The texts of the articles' current versions, in one query; absent ids are left out."""
        if not article_ids:
            return {}
        with self.store.reader() as session:
            rows = session.execute(
                select(models.Article.id, models.Version.text)
                .join(models.Version, models.Version.article_id == models.Article.id)
                .where(
                    models.Article.id.in_(article_ids),
                    models.Version.version == models.Article.current_version,
                )
            )
            return {article_id: text for article_id, text in rows}

    def save_signatures(self, signatures: Sequence[tuple[int, str, bytes]]) -> None:
        """Store ``(version_id, scheme, data)`` signatures in one transaction (replacing any)."""
        if not signatures:
            return
        with self.store.session() as session, session.begin():
            _upsert_signatures(session, signatures)

    def record_matches(
        self,
        article_id: int,
        version_id: int,
        signature: tuple[str, bytes] | None,
        pairs: Iterable[PairRecord],
    ) -> ClusterChange:
        """Replace the article's relations with ``pairs`` and recompute its clusters."""
        now = utcnow()
        pairs = list(pairs)
        with self.store.session() as session, session.begin():
            if signature is not None:
                _upsert_signatures(session, [(version_id, *signature)])
            if not pairs and not _has_relations(session, article_id):
                # the common case: a text like no other, before and now; nothing to recluster
                return ClusterChange(None, 1, None)
            old_cluster = session.scalar(
                select(models.ClusterMember.cluster_id).where(
                    models.ClusterMember.article_id == article_id
                )
            )
            session.execute(
                delete(models.SyndicationPair).where(
                    or_(
                        models.SyndicationPair.article_id == article_id,
                        models.SyndicationPair.other_id == article_id,
                    )
                )
            )
            touched = {article_id}
            for pair in pairs:
                if pair.other_id == article_id:
                    continue
                low, high = sorted((article_id, pair.other_id))
                session.add(
                    models.SyndicationPair(
                        article_id=low,
                        other_id=high,
                        found_at=now,
                        **_pair_values(article_id, pair),
                    )
                )
                touched.add(pair.other_id)
            session.flush()
            if old_cluster is not None:
                touched |= set(
                    session.scalars(
                        select(models.ClusterMember.article_id).where(
                            models.ClusterMember.cluster_id == old_cluster
                        )
                    )
                )
            return _recluster(session, touched, article_id, now)

    def pairs_to_judge(self, sites: Iterable[str] = ()) -> list[tuple[int, int]]:
        """Pairs to judge again: those judged by older rules, and every pair with a member on
        one of ``sites`` (sites whose boilerplate grew since the pair was judged)."""
        wanted = set(sites)
        low, high = aliased(models.Article), aliased(models.Article)
        stale = models.SyndicationPair.rules < RULES_VERSION
        query = select(
            models.SyndicationPair.article_id,
            models.SyndicationPair.other_id,
            low.url,
            high.url,
            stale,
        ).join(low, low.id == models.SyndicationPair.article_id)
        query = query.join(high, high.id == models.SyndicationPair.other_id)
        if not wanted:
            query = query.where(stale)
        out: list[tuple[int, int]] = []
        with self.store.reader() as session:
            for a, b, url_a, url_b, old in session.execute(
                query.order_by(models.SyndicationPair.id)
            ):
                if old or site_of(url_a) in wanted or site_of(url_b) in wanted:
                    out.append((a, b))
        return out

    def mark_stale(self) -> int:
        """Mark every pair as judged by older rules (``crawler db recluster --all``)."""
        with self.store.session() as session, session.begin():
            result = session.execute(update(models.SyndicationPair).values(rules=0))
            return int(getattr(result, "rowcount", 0) or 0)

    def apply_judgments(self, judgments: Iterable[Judgment]) -> set[int]:
        """Write pairs judged again, in one transaction; returns the articles they touch.

        A pair the rules no longer count is kept with ``counted`` false: no pair is lost, and
        it is left out of clusters. Call :meth:`recluster` with the returned ids after.
        """
        touched: set[int] = set()
        with self.store.session() as session, session.begin():
            for j in judgments:
                where = (models.SyndicationPair.article_id == min(j.article_id, j.other_id)) & (
                    models.SyndicationPair.other_id == max(j.article_id, j.other_id)
                )
                if j.pair is None:
                    values: dict[str, object] = {"counted": False, "rules": RULES_VERSION}
                else:
                    values = _pair_values(j.article_id, j.pair)
                session.execute(update(models.SyndicationPair).where(where).values(**values))
                touched |= {j.article_id, j.other_id}
        return touched

    def recluster(self, article_ids: Iterable[int] | None = None) -> int:
        """Rebuild, in one transaction, the clusters of ``article_ids`` (default: all).

        A failure leaves the clusters as they were. Returns the number of clusters written.
        """
        now = utcnow()
        with self.store.session() as session, session.begin():
            if article_ids is None:
                seeds = set(session.scalars(select(models.SyndicationPair.article_id)))
                seeds |= set(session.scalars(select(models.ClusterMember.article_id)))
            else:
                seeds = set(article_ids)
                if not seeds:
                    return 0
                old = select(models.ClusterMember.cluster_id).where(
                    models.ClusterMember.article_id.in_(seeds)
                )
                seeds |= set(
                    session.scalars(
                        select(models.ClusterMember.article_id).where(
                            models.ClusterMember.cluster_id.in_(old)
                        )
                    )
                )
            if not seeds:
                return 0
            _recluster(session, seeds, next(iter(seeds)), now)
            return int(
                session.scalar(
                    select(func.count(func.distinct(models.ClusterMember.cluster_id))).where(
                        models.ClusterMember.article_id.in_(seeds)
                    )
                )
                or 0
            )


def _pair_values(article_id: int, pair: PairRecord) -> dict[str, object]:
    """Column values of ``pair``, found from ``article_id``'s side, for the stored row."""
    low = min(article_id, pair.other_id)
    spans = [
        {"a": [a0, a1], "b": [b0, b1]} if low == article_id else {"a": [b0, b1], "b": [a0, a1]}
        for a0, a1, b0, b1 in pair.passages
    ]
    return {
        "relation": pair.relation,
        "jaccard": pair.jaccard,
        "containment": pair.containment,
        "contained_id": pair.contained_id,
        "passages": json.dumps(spans),
        "story_words": pair.story_words,
        "counted": True,
        "rules": RULES_VERSION,
    }


def _has_relations(session: Session, article_id: int) -> bool:
    """Whether the article has any stored pair or cluster membership."""
    pair = session.scalar(
        select(models.SyndicationPair.id)
        .where(
            or_(
                models.SyndicationPair.article_id == article_id,
                models.SyndicationPair.other_id == article_id,
            )
        )
        .limit(1)
    )
    member = session.scalar(
        select(models.ClusterMember.cluster_id).where(models.ClusterMember.article_id == article_id)
    )
    return pair is not None or member is not None


def _upsert_signatures(session: Session, signatures: Sequence[tuple[int, str, bytes]]) -> None:
    rows = [{"version_id": v, "scheme": scheme, "data": data} for v, scheme, data in signatures]
    if session.get_bind().dialect.name == "postgresql":
        pg = postgresql.insert(models.Signature)
        session.execute(
            pg.on_conflict_do_update(
                index_elements=["version_id"],
                set_={"scheme": pg.excluded.scheme, "data": pg.excluded.data},
            ),
            rows,
        )
    else:
        lite = sqlite.insert(models.Signature)
        session.execute(
            lite.on_conflict_do_update(
                index_elements=["version_id"],
                set_={"scheme": lite.excluded.scheme, "data": lite.excluded.data},
            ),
            rows,
        )


def _component_pairs(session: Session, seeds: set[int]) -> list[models.SyndicationPair]:
    """Every counted pair in the connected components that contain ``seeds``."""
    seen: set[int] = set(seeds)
    frontier = set(seeds)
    pairs: dict[int, models.SyndicationPair] = {}
    while frontier:
        rows = session.scalars(
            select(models.SyndicationPair).where(
                models.SyndicationPair.counted,
                or_(
                    models.SyndicationPair.article_id.in_(frontier),
                    models.SyndicationPair.other_id.in_(frontier),
                ),
            )
        ).all()
        frontier = set()
        for row in rows:
            pairs[row.id] = row
            for node in (row.article_id, row.other_id):
                if node not in seen:
                    seen.add(node)
                    frontier.add(node)
    return list(pairs.values())


def _recluster(
    session: Session, touched: set[int], article_id: int, now: dt.datetime
) -> ClusterChange:
    pairs = _component_pairs(session, touched)
    nodes = touched | {n for p in pairs for n in (p.article_id, p.other_id)}
    facts: dict[int, tuple[dt.datetime | None, dt.datetime | None]] = {}
    current: dict[int, int] = {}  # article id -> id of its current version
    urls: dict[int, str] = {}
    for a_id, version_id, published, first_seen, url in session.execute(
        select(
            models.Article.id,
            models.Version.id,
            models.Version.published,
            models.Article.first_seen,
            models.Article.url,
        )
        .join(
            models.Version,
            (models.Version.article_id == models.Article.id)
            & (models.Version.version == models.Article.current_version),
        )
        .where(models.Article.id.in_(nodes))
    ):
        facts[a_id] = (published, first_seen)
        current[a_id] = version_id
        urls[a_id] = url
    # ties in strength are broken by URL, never by id: ids follow the order pages arrived in
    stars = star_clusters(
        ((p.article_id, p.other_id, float(p.story_words or 0) or p.containment) for p in pairs),
        key=lambda node: urls.get(node, ""),  # type: ignore[call-overload]
        singletons=nodes,
    )
    result = ClusterChange(None, 1, None)
    claimed: set[int] = set()
    for star in stars:
        centre = int(star[0])  # type: ignore[call-overload]
        members = sorted(int(m) for m in star)  # type: ignore[call-overload]
        existing = sorted(
            set(
                session.scalars(
                    select(models.ClusterMember.cluster_id).where(
                        models.ClusterMember.article_id.in_(members)
                    )
                )
            )
        )
        session.execute(
            delete(models.ClusterMember).where(models.ClusterMember.article_id.in_(members))
        )
        if len(members) < 2:
            _drop_empty(session, existing)
            continue
        original, reason = choose_original(Member(m, *facts.get(m, (None, None))) for m in members)
        reuse = [c for c in existing if c not in claimed]
        if reuse:
            cluster = session.get_one(models.Cluster, reuse[0])
            claimed.add(cluster.id)
            cluster.updated_at = now
        else:
            cluster = models.Cluster(created_at=now, updated_at=now)
            session.add(cluster)
        cluster.original_article_id = int(original)
        cluster.original_reason = reason
        session.flush()
        # each member's pairs within its cluster, in one pass (a story run by n sites has
        # n(n-1)/2 pairs; a component may hold several clusters)
        own: dict[int, list[models.SyndicationPair]] = {m: [] for m in members}
        for pair in pairs:
            if pair.article_id in own and pair.other_id in own:
                own[pair.article_id].append(pair)
                own[pair.other_id].append(pair)
        for member in members:
            session.add(
                _membership(
                    cluster.id, member, current.get(member), int(original), centre, own[member]
                )
            )
        session.flush()
        _drop_empty(session, [c for c in existing if c != cluster.id])
        if article_id in members:
            result = ClusterChange(cluster.id, len(members), int(original))
    return result


def _membership(
    cluster_id: int,
    member: int,
    version_id: int | None,
    original: int,
    centre: int,
    own: list[models.SyndicationPair],
) -> models.ClusterMember:
    """The member's row: its relation with the original, else with the centre it joined.

    ``own`` is every pair of the cluster that the member is in.
    """
    if member == original:
        return models.ClusterMember(
            article_id=member, cluster_id=cluster_id, version_id=version_id, relation="original"
        )
    with_original = [p for p in own if original in (p.article_id, p.other_id)]
    with_centre = [p for p in own if centre in (p.article_id, p.other_id)]
    best = max(with_original or with_centre or own, key=lambda p: (p.containment, p.jaccard))
    matched = best.other_id if best.article_id == member else best.article_id
    return models.ClusterMember(
        article_id=member,
        cluster_id=cluster_id,
        version_id=version_id,
        relation=best.relation,
        matched_article_id=matched,
        jaccard=best.jaccard,
        containment=best.containment,
        shared_passages=best.passages,
    )


def _drop_empty(session: Session, cluster_ids: Iterable[int]) -> None:
    for cluster_id in cluster_ids:
        left = session.scalar(
            select(func.count()).where(models.ClusterMember.cluster_id == cluster_id)
        )
        if not left:
            session.execute(delete(models.Cluster).where(models.Cluster.id == cluster_id))
