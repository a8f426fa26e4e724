"""Parameters of syndication detection, with defaults measured on the evaluation set."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Literal

HashScheme = Literal["affine32", "affine64"]

# how shingles are hashed: word hashes by xxh3-64, combined as a polynomial
HASH_NAME = "xxh3_64-poly"
# The version of the rules that judge pairs and form clusters, stored with every pair: pairs
# judged by older rules are judged again. 1: raw containment, union-find clusters; 2: boilerplate
# left out, a minimum of shared story text, star clusters.
RULES_VERSION = 2


@dataclass(frozen=True, slots=True)
class SyndicationConfig:
    """How texts are sketched, indexed and judged; see docs/syndication.md for the measurements.

    The first group (``shingle_size``, ``num_perm``, ``seed``, ``scheme``, ``anchor_mod``) shapes
    the persisted signatures: changing any of it means every signature must be recomputed. The
    rest only changes how signatures are compared and can be changed on a running store.
    """

    # --- signature parameters (persisted with each signature) ---
    shingle_size: int = 5
    num_perm: int = 64
    seed: int = 1
    scheme: HashScheme = "affine32"
    anchor_mod: int = 8

    # --- indexing and judging ---
    min_words: int = 50
    near_duplicate_jaccard: float = 0.5
    partial_containment: float = 0.4
    passage_words: int = 12
    lsh_bands: int = 8
    lsh_rows: int = 4
    candidate_min_anchors: int = 2
    candidate_min_containment: float = 0.2
    max_anchor_df: int = 200
    max_candidates: int = 100
    min_shared_words: int = 40
    boilerplate_site_pages: int = 3
    strong_containment: float = 0.7

    def __post_init__(self) -> None:
        problems = []
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, int | float) and not isinstance(value, bool) and value < 0:
                problems.append(f"{f.name}={value} must not be negative")
        if self.shingle_size < 1:
            problems.append(f"shingle_size={self.shingle_size} must be at least 1")
        if self.boilerplate_site_pages < 2:
            problems.append(
                f"boilerplate_site_pages={self.boilerplate_site_pages} must be at least 2"
            )
        if self.anchor_mod < 1:
            problems.append(f"anchor_mod={self.anchor_mod} must be at least 1")
        if self.lsh_bands * self.lsh_rows > self.num_perm:
            rows = self.lsh_bands * self.lsh_rows
            problems.append(f"lsh_bands*lsh_rows={rows} exceeds num_perm={self.num_perm}")
        if self.scheme not in ("affine32", "affine64"):
            problems.append(f"scheme={self.scheme!r} must be 'affine32' or 'affine64'")
        for name in (
            "near_duplicate_jaccard",
            "partial_containment",
            "candidate_min_containment",
            "strong_containment",
        ):
            value = getattr(self, name)
            if not 0.0 < value <= 1.0:
                problems.append(f"{name}={value} must be in (0, 1]")
        if self.min_words < self.shingle_size:
            problems.append(f"min_words={self.min_words} must be at least shingle_size")
        if problems:
            raise ValueError("invalid SyndicationConfig: " + "; ".join(problems))


@dataclass(frozen=True, slots=True)
class SignatureParams:
    """The parameters a signature was made with; signatures compare only under equal params."""

    shingle_size: int
    num_perm: int
    seed: int
    scheme: str
    anchor_mod: int
    hash_name: str = HASH_NAME

    @classmethod
    def of(cls, config: SyndicationConfig) -> SignatureParams:
        """The signature parameters of a configuration."""
        return cls(
            config.shingle_size, config.num_perm, config.seed, config.scheme, config.anchor_mod
        )


def signature_scheme(config: SyndicationConfig) -> str:
    """The name under which signatures of ``config``'s parameters are stored."""
    p = SignatureParams.of(config)
    return (
        f"minhash:{p.scheme}:{p.hash_name}:k{p.shingle_size}:n{p.num_perm}:s{p.seed}:"
        f"m{p.anchor_mod}"
    )
