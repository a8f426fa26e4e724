"""The labelled evaluation set gates precision and recall, on the dev and held-out splits."""

from __future__ import annotations

import pytest

from crawler.syndication import SyndicationConfig
from tests.syndication.evalset import EvalSet, build, realpages_dir
from tests.syndication.scoring import score, syndication_pairs


@pytest.fixture(scope="module")
def evalset() -> EvalSet:
    if realpages_dir() is None:
        pytest.skip("../shared/data/realpages is absent: the evaluation set is built from it")
    return build()


def test_evalset_has_every_case_type(evalset: EvalSet) -> None:
    kinds = set(evalset.kind_of_group.values())
    assert {"chrome", "edit", "trim", "embed", "quote", "samechrome", "seed"} <= kinds
    labelled = len(evalset.positive_pairs()) + len(evalset.negatives)
    assert labelled >= 300
    assert set(evalset.split.values()) == {"dev", "heldout"}


@pytest.mark.parametrize("split", ["dev", "heldout"])
def test_scores_meet_the_floor(evalset: EvalSet, split: str) -> None:
    found = syndication_pairs(evalset, split, SyndicationConfig())
    s = score(evalset, split, found)
    assert s.precision >= 0.98, (s.line(), s.false_pairs[:10])
    assert s.recall_full >= 0.97, (s.line(), s.missed[:10])
    assert s.recall_partial >= 0.90, (s.line(), s.missed[:10])
    negatives = {(a, b) if a < b else (b, a) for a, b, _ in evalset.negatives}
    assert not negatives & found


def test_whole_text_lsh_alone_misses_partial_copies(evalset: EvalSet) -> None:
    # The reason for anchors: without them (anchor lookups capped to nothing) embeds are lost.
    found = syndication_pairs(evalset, "dev", SyndicationConfig(max_anchor_df=0))
    s = score(evalset, "dev", found)
    assert s.recall_partial < 0.5
