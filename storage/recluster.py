"""Load the syndication index from the store, and judge stored pairs again with it.

Shared by the crawl's syndication stage and ``crawler db recluster``: pairs found while the store
grew were judged with the boilerplate known then; judged again with what the store knows now
(and with the current rules), they give clusters that do not depend on the order pages came in.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from storage.syndication import Judgment, PairRecord, SyndicationStore

if TYPE_CHECKING:
    from crawler.syndication import Match, SyndicationConfig, SyndicationIndex

# pairs judged and written per transaction: a run that stops goes on from the last batch
JUDGE_BATCH = 500


@dataclass(frozen=True, slots=True)
class JudgeReport:
    """What judging pairs again did."""

    judged: int
    uncounted: int
    clusters: int


def load_index(
    store: SyndicationStore,
    config: SyndicationConfig,
    scheme: str,
    *,
    skip_run: int | None = None,
    batch: int = 500,
) -> tuple[SyndicationIndex, int]:
    """The index of every stored current version, and how many versions were signed for it.

    Versions without a signature of ``scheme`` (stored before syndication was on, or signed
    with other parameters) are signed from their text and the signatures saved; versions of the
    crawl run ``skip_run`` are left to that crawl.
    """
    from crawler.syndication import SyndicationIndex  # numpy and datasketch: on first use

    def texts_of(doc_ids: list[Hashable]) -> dict[Hashable, str]:
        texts: dict[Hashable, str] = {}
        texts.update(store.current_texts([cast(int, d) for d in doc_ids]).items())
        return texts

    index = SyndicationIndex.from_records(
        store.signature_records(scheme), config, texts_of=texts_of
    )
    signed = 0
    made: list[tuple[int, str, bytes]] = []
    for article_id, version_id, text, site in store.unsigned_versions(scheme, skip_run=skip_run):
        sketch = index.sketch(text)
        made.append((version_id, scheme, sketch.signature.to_bytes()))
        if len(made) >= batch:
            store.save_signatures(made)
            made.clear()
        index.add(article_id, text, sketch=sketch, site=site)
        signed += 1
    store.save_signatures(made)
    return index, signed


def pair_record(article_id: int, match: Match) -> PairRecord:
    """The stored form of a match found from ``article_id``'s side."""
    other = cast(int, match.doc_id)
    return PairRecord(
        other_id=other,
        relation=match.relation,
        jaccard=match.jaccard,
        containment=match.containment,
        contained_id=article_id if match.contained == "query" else other,
        passages=[(p.a_start, p.a_end, p.b_start, p.b_end) for p in match.passages],
        story_words=match.story_words,
    )


def judge_again(
    store: SyndicationStore,
    index: SyndicationIndex,
    pairs: list[tuple[int, int]],
    *,
    batch: int = JUDGE_BATCH,
    progress: Callable[[int], None] | None = None,
) -> JudgeReport:
    """Judge ``pairs`` again with ``index``, write them in batches, then rebuild their clusters.

    Each batch is its own transaction and marks its pairs judged by the current rules, so a run
    that stops goes on where it stopped; the clusters are rebuilt in one transaction at the
    end, and a failure there leaves the previous clusters in place.
    """
    touched: set[int] = set()
    uncounted = 0
    for start in range(0, len(pairs), batch):
        chunk = pairs[start : start + batch]
        judgments = []
        for a, b, match in index.rejudge(chunk):
            a_id, b_id = cast(int, a), cast(int, b)
            record = None if match is None else pair_record(a_id, match)
            uncounted += record is None
            judgments.append(Judgment(a_id, b_id, record))
        touched |= store.apply_judgments(judgments)
        if progress is not None:
            progress(len(chunk))
    clusters = store.recluster(touched) if touched else 0
    return JudgeReport(len(pairs), uncounted, clusters)
