"""Syndication detection: near-duplicate and partial-copy articles, clustered, original named.

Pure core (no Scrapy, no storage): the store persists ``Signature.to_bytes()`` per article
version and supplies texts to the index through ``text_of``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from crawler.syndication.cluster import Member, UnionFind, choose_original, clusters
    from crawler.syndication.config import SignatureParams, SyndicationConfig
    from crawler.syndication.errors import (
        SignatureFormatError,
        SignatureMismatchError,
        SyndicationError,
    )
    from crawler.syndication.index import Match, Sketch, SyndicationIndex
    from crawler.syndication.sketch import Signature, Sketcher
    from crawler.syndication.verify import Comparison, Passage, Relation, compare

# Names are imported on first use: a crawl where nothing changed never needs numpy or datasketch.
_MODULES = {
    "Member": "cluster",
    "UnionFind": "cluster",
    "choose_original": "cluster",
    "clusters": "cluster",
    "SignatureParams": "config",
    "SyndicationConfig": "config",
    "SignatureFormatError": "errors",
    "SignatureMismatchError": "errors",
    "SyndicationError": "errors",
    "Match": "index",
    "Sketch": "index",
    "SyndicationIndex": "index",
    "Signature": "sketch",
    "Sketcher": "sketch",
    "Comparison": "verify",
    "Passage": "verify",
    "Relation": "verify",
    "compare": "verify",
}


def __getattr__(name: str) -> Any:
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


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
