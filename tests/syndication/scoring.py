"""Pair precision/recall/F1 and the adjusted Rand index of a detector on an EvalSet."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from math import comb

from crawler.syndication import SyndicationConfig, SyndicationIndex, clusters
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
