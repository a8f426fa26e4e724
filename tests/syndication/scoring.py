"""Pair- and cluster-level precision/recall/F1 and the adjusted Rand index on an EvalSet."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from math import comb

from crawler.syndication import SyndicationConfig, SyndicationIndex, clusters
from crawler.syndication.shingles import shingle
from tests.syndication.evalset import FULL_KINDS, PARTIAL_KINDS, EvalSet

Pair = tuple[str, str]


@dataclass
class Scores:
    """Pair-level scores of one run."""

    precision: float
    recall_full: float
    recall_partial: float
    f1: float
    ari: float
    predicted: int
    true_pairs: int
    false_pairs: list[Pair]
    missed: list[tuple[Pair, str]]

    def line(self) -> str:
        return (
            f"P={self.precision:.3f} R_full={self.recall_full:.3f} "
            f"R_partial={self.recall_partial:.3f} F1={self.f1:.3f} ARI={self.ari:.3f} "
            f"(predicted {self.predicted}, true {self.true_pairs})"
        )


def _norm(a: str, b: str) -> Pair:
    return (a, b) if a < b else (b, a)


def syndication_pairs(es: EvalSet, split: str | None, config: SyndicationConfig) -> set[Pair]:
    """Pairs our index reports when the split's documents are added one by one."""
    index = SyndicationIndex(config, es.texts.get)
    found: set[Pair] = set()
    for doc_id in es.ids(split):
        for m in index.add(doc_id, es.texts[doc_id]):
            found.add(_norm(doc_id, str(m.doc_id)))
    return found


def ari(truth: dict[str, str], predicted: Iterable[list[str]]) -> float:
    """Adjusted Rand index of a predicted clustering of ``truth``'s ids against ``truth``."""
    pred: dict[str, int] = {}
    for i, members in enumerate(predicted):
        for m in members:
            pred[m] = i
    ids = list(truth)
    for i, d in enumerate(ids):
        pred.setdefault(d, -1 - i)
    table = Counter((truth[d], pred[d]) for d in ids)
    a = Counter(truth[d] for d in ids)
    b = Counter(pred[d] for d in ids)
    index = sum(comb(n, 2) for n in table.values())
    sa = sum(comb(n, 2) for n in a.values())
    sb = sum(comb(n, 2) for n in b.values())
    expected = sa * sb / comb(len(ids), 2)
    maximum = (sa + sb) / 2
    return 1.0 if maximum == expected else (index - expected) / (maximum - expected)


def score(es: EvalSet, split: str | None, found: set[Pair]) -> Scores:
    """Score reported pairs against the split's ground truth (all unlabelled pairs negative)."""
    truth = es.positive_pairs(split)
    tp = [p for p in found if p in truth]
    precision = len(tp) / len(found) if found else 1.0

    def recall(kinds: tuple[str, ...]) -> float:
        want = [p for p, k in truth.items() if k in kinds]
        return sum(p in found for p in want) / len(want) if want else 1.0

    rec_all = len(tp) / len(truth) if truth else 1.0
    f1 = 2 * precision * rec_all / (precision + rec_all) if precision + rec_all else 0.0
    ids = es.ids(split)
    groups = {d: es.group[d] for d in ids}
    return Scores(
        precision,
        recall(FULL_KINDS),
        recall(PARTIAL_KINDS),
        f1,
        ari(groups, clusters(found, ids)),  # type: ignore[arg-type]
        len(found),
        len(truth),
        sorted(p for p in found if p not in truth),
        sorted((p, k) for p, k in truth.items() if p not in found),
    )


def run(
    es: EvalSet, split: str | None, detect: Callable[[EvalSet, str | None], set[Pair]]
) -> Scores:
    """Score a detector on a split."""
    return score(es, split, detect(es, split))


def baseline_pairs(es: EvalSet, split: str | None, threshold: float = 0.5) -> set[Pair]:
    """Pairs plain ``MinHashLSH(threshold)`` proposes on whole-text MinHash (same shingles)."""
    from datasketch import MinHash, MinHashLSH

    config = SyndicationConfig(num_perm=128)
    index = SyndicationIndex(config)
    lsh = MinHashLSH(threshold=threshold, num_perm=config.num_perm)
    found: set[Pair] = set()
    for doc_id in es.ids(split):
        shingled = index.sketcher.shingle(es.texts[doc_id])
        mh = MinHash(num_perm=config.num_perm, hashfunc=int)
        mh.update_batch((shingled.hashes >> 32).tolist())
        for other in lsh.query(mh):
            found.add(_norm(doc_id, str(other)))
        lsh.insert(doc_id, mh)
    return found


@dataclass
class ClusterScores:
    """Cluster-level scores: pairs of documents put in one cluster against pairs in one group."""

    precision: float
    recall: float
    f1: float
    ari: float
    clusters: int
    mixed: int
    largest: int
    predicted_pairs: int
    true_pairs: int
    recall_by_kind: dict[str, float]
    false_pairs_by_kinds: dict[tuple[str, str], int]

    def line(self) -> str:
        return (
            f"P={self.precision:.3f} R={self.recall:.3f} F1={self.f1:.3f} ARI={self.ari:.3f} "
            f"clusters={self.clusters} mixed={self.mixed} largest={self.largest} "
            f"(predicted pairs {self.predicted_pairs}, true {self.true_pairs})"
        )


def cluster_scores(
    es: EvalSet, split: str | None, predicted: Iterable[Iterable[Hashable]]
) -> ClusterScores:
    """Score a clustering of the split's documents against its ground-truth groups.

    Documents of the split that no predicted cluster holds count as singletons; ids outside
    the split are ignored. ``clusters`` counts predicted clusters of two or more documents,
    ``mixed`` those holding documents of two or more groups.
    """
    ids = es.ids(split)
    in_split = set(ids)
    members = [[str(d) for d in c if str(d) in in_split] for c in predicted]
    seen = {d for c in members for d in c}
    members += [[d] for d in ids if d not in seen]
    true_by_kind: Counter[str] = Counter()
    for g, n in Counter(es.group[d] for d in ids).items():
        true_by_kind[es.kind_of_group[g]] += comb(n, 2)
    tp_by_kind: Counter[str] = Counter()
    false_by_kinds: Counter[tuple[str, str]] = Counter()
    predicted_pairs = mixed = 0
    for c in members:
        predicted_pairs += comb(len(c), 2)
        per_group = Counter(es.group[d] for d in c)
        mixed += len(per_group) > 1
        for g, n in per_group.items():
            tp_by_kind[es.kind_of_group[g]] += comb(n, 2)
        groups = sorted(per_group)
        for i, g in enumerate(groups):
            for h in groups[i + 1 :]:
                ka, kb = sorted((es.kind_of_group[g], es.kind_of_group[h]))
                false_by_kinds[(ka, kb)] += per_group[g] * per_group[h]
    tp, true_pairs = sum(tp_by_kind.values()), sum(true_by_kind.values())
    precision = tp / predicted_pairs if predicted_pairs else 1.0
    recall = tp / true_pairs if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return ClusterScores(
        precision,
        recall,
        f1,
        ari({d: es.group[d] for d in ids}, members),
        sum(len(c) > 1 for c in members),
        mixed,
        max((len(c) for c in members), default=0),
        predicted_pairs,
        true_pairs,
        {k: tp_by_kind[k] / n for k, n in sorted(true_by_kind.items()) if n},
        dict(false_by_kinds.most_common()),
    )


def baseline_word3_clusters(es: EvalSet, split: str | None) -> list[list[Hashable]]:
    """Connected components of plain ``MinHashLSH(threshold=0.3)`` over word 3-gram shingles."""
    from datasketch import MinHash, MinHashLSH

    seed = SyndicationConfig().seed
    lsh = MinHashLSH(threshold=0.3, num_perm=128)
    found: set[Pair] = set()
    ids = es.ids(split)
    for doc_id in ids:
        hashes = shingle(es.texts[doc_id], 3, seed).hashes
        mh = MinHash(num_perm=128, hashfunc=int)
        # MinHash permutes 32-bit values: keep the shingle hashes' high halves.
        mh.update_batch((hashes >> 32).tolist())
        for other in lsh.query(mh):
            found.add(_norm(doc_id, str(other)))
        lsh.insert(doc_id, mh)
    return clusters(found, ids)
