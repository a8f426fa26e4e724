"""Boilerplate learned from the store: anchors that one site repeats across its pages.

A site repeats its chrome, newsletter pitches, paywall and consent lines, "follow us" boxes and
related-links lists on page after page, whatever the story; a syndicated story runs once on each
site that carries it. So an anchor (a sampled word 5-gram) found on ``min_pages`` or more pages of
one site is that site's boilerplate, and text made of such anchors does not make two pages copies
of each other. Counting documents alone cannot tell the two apart: a wire story run by 200 sites
is as frequent as a footer shared by 200 pages of one site. Pool sentences that several sites
share are caught on every site that repeats them; a block that sites carry on too few pages to be
learned is left to :mod:`crawler.syndication.cues`.

The counts come from the index's postings and the site of every indexed document, which are
rebuilt from the store's signatures and URLs: every process that opens the store learns the
same boilerplate, and it grows with the store.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from crawler.syndication.shingles import U64Array

I64Array = npt.NDArray[np.int64]
U32Array = npt.NDArray[np.uint32]
# site code of documents whose site is unknown: never counted as a site's repetition
NO_SITE = 0


@dataclass(frozen=True, slots=True)
class Repetition:
    """Which of a text's anchors are repeated on which sites.

    ``anchors[keys[i]]`` is found on ``min_pages`` or more pages of site ``sites[i]``;
    ``crossed`` marks the entries that reached ``min_pages`` with the text itself.
    """

    anchors: U64Array
    keys: I64Array
    sites: U32Array
    crossed: npt.NDArray[np.bool_]

    def on(self, *sites: int) -> U64Array:
        """The anchors that are boilerplate on any of ``sites`` (sorted)."""
        wanted = [s for s in sites if s != NO_SITE]
        if not wanted or not len(self.keys):
            return np.empty(0, dtype=np.uint64)
        hit = np.isin(self.sites, np.asarray(wanted, dtype=np.uint32))
        return np.unique(self.anchors[self.keys[hit]])


def repetition(
    anchors: U64Array,
    which: I64Array,
    posting_sites: U32Array,
    min_pages: int,
    own_site: int = NO_SITE,
) -> Repetition:
    """Count, per anchor and site, the pages that carry each of ``anchors``.

    Args:
        anchors: the text's anchors.
        which: for every live posting of those anchors, the index of its anchor.
        posting_sites: the site code of every such posting's document.
        min_pages: pages of one site from which an anchor is that site's boilerplate.
        own_site: the site of the text itself when it is not indexed yet: it counts as one
            more page of that site for each of its anchors.
    """
    known = posting_sites != NO_SITE
    combo = (which[known] << np.int64(32)) | posting_sites[known].astype(np.int64)
    if own_site != NO_SITE:
        own = (np.arange(len(anchors), dtype=np.int64) << np.int64(32)) | np.int64(own_site)
        combo = np.concatenate((combo, own))
    uniq, counts = np.unique(combo, return_counts=True)
    keys = uniq >> np.int64(32)
    sites = (uniq & np.int64(0xFFFFFFFF)).astype(np.uint32)
    keep = counts >= min_pages
    crossed = (counts[keep] == min_pages) & (sites[keep] == own_site) & (own_site != NO_SITE)
    return Repetition(anchors, keys[keep], sites[keep], crossed)
