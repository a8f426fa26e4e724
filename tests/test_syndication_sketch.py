"""Shingles, signatures and their persisted form."""

from __future__ import annotations

import random

import numpy as np
import pytest

from crawler.syndication import (
    Signature,
    SignatureFormatError,
    SignatureMismatchError,
    SignatureParams,
    Sketch,
    Sketcher,
    SyndicationConfig,
    compare,
)
from crawler.syndication.shingles import shingle

WORDS = [
    "alpha",
    "beta",
    "gamma",
    "delta",
    "epsilon",
    "zeta",
    "eta",
    "theta",
    "iota",
    "kappa",
    "lambda",
    "mu",
    "nu",
    "xi",
    "omicron",
]


def text(n: int, seed: int) -> str:
    rng = random.Random(seed)
    return " ".join(rng.choice(WORDS) + str(rng.randrange(50)) for _ in range(n))


def test_shingles_ignore_case_punctuation_and_spacing() -> None:
    a = shingle("The Quick, brown fox -- jumps over\nthe lazy dog.", 3, 7)
    b = shingle("the quick brown FOX jumps   over the lazy dog", 3, 7)
    assert a.hashes.tolist() == b.hashes.tolist()
    assert len(a.hashes) == 7
    assert shingle("the quick brown", 3, 8).hashes[0] != a.hashes[0]  # seeded
    assert len(shingle("too short", 3, 7).hashes) == 0


def test_signature_round_trips_with_its_parameters() -> None:
    sk = Sketcher(SyndicationConfig())
    _, sig = sk.sketch(text(600, 1))
    data = sig.to_bytes()
    back = Signature.from_bytes(data, sk.params)
    assert back.params == sk.params
    assert (back.word_count, back.shingle_count) == (600, sig.shingle_count)
    assert np.array_equal(back.anchors, sig.anchors)
    assert back.minhash.jaccard(sig.minhash) == 1.0
    assert len(data) < 1200


@pytest.mark.parametrize(
    "other", [{"num_perm": 128}, {"seed": 2}, {"shingle_size": 4}, {"scheme": "affine64"}]
)
def test_signature_of_other_parameters_is_refused(other: dict[str, object]) -> None:
    made = Sketcher(SyndicationConfig(**other)).sketch(text(100, 2))[1].to_bytes()  # type: ignore[arg-type]
    with pytest.raises(SignatureMismatchError, match="recompute"):
        Signature.from_bytes(made, SignatureParams.of(SyndicationConfig()))


@pytest.mark.parametrize("data", [b"", b"nonsense" * 10])
def test_garbage_is_not_a_signature(data: bytes) -> None:
    with pytest.raises(SignatureFormatError):
        Signature.from_bytes(data)


def test_truncated_signature_is_refused() -> None:
    data = Sketcher(SyndicationConfig()).sketch(text(100, 3))[1].to_bytes()
    with pytest.raises(SignatureFormatError, match="bytes"):
        Signature.from_bytes(data[:-3])


def test_minhash_estimates_exact_jaccard() -> None:
    sk = Sketcher(SyndicationConfig(num_perm=256))
    base = text(800, 4).split()
    variant = " ".join(base[:600] + text(200, 5).split())
    sa, a = sk.sketch(" ".join(base))
    sb, b = sk.sketch(variant)
    exact = compare(sa, sb, 5, 12).jaccard
    assert 0.4 < exact < 0.8
    assert abs(a.minhash.jaccard(b.minhash) - exact) < 0.1


def test_invalid_config_is_rejected_with_every_problem() -> None:
    with pytest.raises(ValueError, match=r"shingle_size.*partial_containment"):
        SyndicationConfig(shingle_size=0, partial_containment=1.5)


def test_a_sketch_travels_as_bytes_whole() -> None:
    config = SyndicationConfig()
    sketcher = Sketcher(config)
    made = Sketch(*sketcher.sketch(text(300, 7)))
    back = Sketch.from_bytes(made.to_bytes(), sketcher.params)
    for name in ("hashes", "starts", "ends"):
        assert np.array_equal(getattr(back.shingled, name), getattr(made.shingled, name))
    assert back.signature.to_bytes() == made.signature.to_bytes()
    data = made.to_bytes()
    with pytest.raises(SignatureFormatError):
        Sketch.from_bytes(data[:-8], sketcher.params)
    with pytest.raises(SignatureFormatError):
        Sketch.from_bytes(b"abc")
    other = Sketcher(SyndicationConfig(seed=config.seed + 1)).params
    with pytest.raises(SignatureMismatchError):
        Sketch.from_bytes(data, other)


def test_word_spans_are_found_when_asked_for() -> None:
    text = "Putin lands, in  Delhi: talks begin."
    s = shingle(text, 3, 7)
    assert s.word_count == 6
    assert [text[a:b] for a, b in zip(s.starts, s.ends, strict=True)] == [
        "Putin",
        "lands",
        "in",
        "Delhi",
        "talks",
        "begin",
    ]
    # NFKC changes the length ("ﬁ" is two letters): spans cannot point into the text
    folded = shingle("the ﬁnal word of the text", 3, 7)
    assert folded.word_count == 6
    assert folded.starts.tolist() == [0] * 6
