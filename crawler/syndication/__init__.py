"""Syndication detection: near-duplicate and partial-copy articles, clustered, original named.

Pure core (no Scrapy, no storage): the store persists ``Signature.to_bytes()`` per article
version and supplies texts to the index through ``text_of``.
"""

from __future__ import annotations

from crawler.syndication.cluster import Member, UnionFind, choose_original, clusters
from crawler.syndication.config import SyndicationConfig
from crawler.syndication.errors import (
    SignatureFormatError,
    SignatureMismatchError,
    SyndicationError,
)
from crawler.syndication.index import Match, Sketch, SyndicationIndex
from crawler.syndication.sketch import Signature, SignatureParams, Sketcher
from crawler.syndication.verify import Comparison, Passage, Relation, compare

__all__ = [
    "Comparison",
    "Match",
    "Member",
    "Passage",
    "Relation",
    "Signature",
    "SignatureFormatError",
    "SignatureMismatchError",
    "SignatureParams",
    "Sketch",
    "Sketcher",
    "SyndicationConfig",
    "SyndicationError",
    "SyndicationIndex",
    "UnionFind",
    "choose_original",
    "clusters",
    "compare",
]
