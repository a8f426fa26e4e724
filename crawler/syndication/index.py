"""An incremental index that finds verified near-duplicates and partial copies of a text."""

from __future__ import annotations

import dataclasses
import struct
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Self

import numpy as np
import numpy.typing as npt
import xxhash

from crawler.syndication.boilerplate import NO_SITE, I64Array, Repetition, U32Array, repetition
from crawler.syndication.config import SignatureParams, SyndicationConfig
from crawler.syndication.cues import has_cue, service_words
from crawler.syndication.errors import SignatureFormatError
from crawler.syndication.postings import Postings
from crawler.syndication.shingles import Shingled, U64Array, prose_share
from crawler.syndication.sketch import Signature, Sketcher
from crawler.syndication.verify import Comparison, Passage, Relation, compare, relation_of

DocId = Hashable
TextOf = Callable[[DocId], "str | None"]
TextsOf = Callable[[list[DocId]], Mapping[DocId, str]]
# a stored signature: (doc_id, record) or (doc_id, record, site)
Record = tuple[DocId, bytes] | tuple[DocId, bytes, "str | None"]
# candidates whose texts are fetched at once (bounds the texts held for one query)
TEXTS_AT_ONCE = 64
# below this share of purely alphabetic words a text is not prose (tables, code, binary junk)
MIN_PROSE_SHARE = 0.4
# texts kept shingled while pairs are judged again
REJUDGE_CACHE = 2048
# the site-code bit that marks a removed document's slot
_DEAD = np.uint32(0x80000000)


# signature record size, shingle hashes, words
_SKETCH_HEADER = struct.Struct("<III")


@dataclass(frozen=True, slots=True)
class Sketch:
    """A text's shingles and signature; ``signature.to_bytes()`` is what the store persists."""

    shingled: Shingled
    signature: Signature

    def to_bytes(self) -> bytes:
        """The whole sketch as bytes, to hand it from the process that made it to another."""
        record = self.signature.to_bytes()
        shingled = self.shingled
        return b"".join(
            (
                _SKETCH_HEADER.pack(len(record), len(shingled.hashes), shingled.word_count),
                record,
                shingled.hashes.astype("<u8").tobytes(),
                shingled.starts.astype("<i8").tobytes(),
                shingled.ends.astype("<i8").tobytes(),
            )
        )

    @classmethod
    def from_bytes(cls, data: bytes, expected: SignatureParams | None = None) -> Sketch:
        """Read :meth:`to_bytes`' output.

        Raises:
            SignatureFormatError: the bytes are not a sketch.
            SignatureMismatchError: it was made with parameters other than ``expected``.
        """
        if len(data) < _SKETCH_HEADER.size:
            raise SignatureFormatError("not a sketch: too short")
        size, hashes, words = _SKETCH_HEADER.unpack_from(data)
        offset = _SKETCH_HEADER.size
        if len(data) != offset + size + 8 * hashes + 16 * words:
            raise SignatureFormatError(f"sketch of {len(data)} bytes does not match its header")
        signature = Signature.from_bytes(data[offset : offset + size], expected)
        offset += size
        arrays = []
        for dtype, count in (("<u8", hashes), ("<i8", words), ("<i8", words)):
            arrays.append(np.frombuffer(data, dtype=dtype, count=count, offset=offset))
            offset += 8 * count
        shingled = Shingled(
            arrays[0].astype(np.uint64), arrays[1].astype(np.int64), arrays[2].astype(np.int64)
        )
        return cls(shingled, signature)


@dataclass(frozen=True, slots=True)
class Match:
    """A verified relation between the queried text and an indexed document.

    ``contained`` is ``"query"`` or ``"other"``: which of the two is the shorter text whose
    containment is reported. Passage ``a_*`` spans are in the queried text, ``b_*`` in the other.
    ``jaccard`` and ``containment`` leave boilerplate out; ``story_words`` is the shared text
    that is not boilerplate, in words.
    """

    doc_id: DocId
    relation: Relation
    jaccard: float
    containment: float
    contained: str
    passages: tuple[Passage, ...]
    story_words: int = 0


class SyndicationIndex:
    """Incremental index of article signatures with verified candidate retrieval.

    Two routes propose candidates, and neither compares all pairs:

    * anchors (MOD-m shingle samples) shared with the query, counted per document, propose
      partial copies, whatever the size difference and offset of the copied passage;
    * LSH bands of the whole-text MinHash propose near-duplicates, also when their anchors are
      too common to be looked up (a story syndicated to more sites than ``max_anchor_df``).

    Candidates are then verified on their texts, fetched through ``text_of``, or through
    ``texts_of`` (many ids at once, missing ones left out) when given. Each document may name
    its site (a host name): text that a site repeats across its pages is boilerplate
    (:mod:`crawler.syndication.boilerplate`) and does not count. Sites whose boilerplate grew
    while documents were added are collected in ``crossed_sites``: pairs found before may rest
    on it, and :meth:`rejudge` judges them again.
    """

    def __init__(
        self,
        config: SyndicationConfig | None = None,
        text_of: TextOf | None = None,
        texts_of: TextsOf | None = None,
    ):
        self.config = config or SyndicationConfig()
        # one way to read candidates' texts: ``text_of`` is read as many single lookups
        self.texts_of = texts_of or (_many(text_of) if text_of is not None else None)
        self.sketcher = Sketcher(self.config)
        self._anchors = Postings()
        self._bands = Postings()
        self._slot_of: dict[DocId, int] = {}
        self._ids: list[DocId | None] = []
        # Anchors per document, clipped at 255: only the denominator of the candidates'
        # estimated containment, which a longer text's clipped count can only raise (more
        # candidates are verified, none is missed).
        self._anchor_counts = np.empty(1024, dtype=np.uint8)
        # each slot's site code, with _DEAD set once the document is removed
        self._site_of = np.zeros(1024, dtype=np.uint32)
        self._site_codes: dict[str, int] = {}
        self._dead = 0
        self.crossed_sites: set[str] = set()

    # -- building -------------------------------------------------------------------------

    @classmethod
    def from_records(
        cls,
        records: Iterable[Record],
        config: SyndicationConfig | None = None,
        text_of: TextOf | None = None,
        texts_of: TextsOf | None = None,
    ) -> Self:
        """Rebuild an index from persisted signature records, without reading any text.

        Raises:
            SignatureMismatchError: a record was made with other signature parameters.
        """
        index = cls(config, text_of, texts_of)
        anchor_keys: list[U64Array] = []
        band_keys: list[U64Array] = []
        for doc_id, record, *site in records:
            signature = Signature.from_bytes(record, index.sketcher.params)
            if doc_id in index._slot_of:
                index.remove(doc_id)
            if signature.word_count < index.config.min_words:
                continue
            anchor_keys.append(signature.anchors)
            band_keys.append(index._band_keys(signature))
            index._new_slot(doc_id, len(signature.anchors), index._site(site[0] if site else None))
        # Postings are sorted once at the end: far faster than inserting one by one.
        slots = np.arange(len(index._ids), dtype=np.uint32)
        if anchor_keys:
            counts = [len(a) for a in anchor_keys]
            index._anchors.bulk_add(np.concatenate(anchor_keys), np.repeat(slots, counts))
            index._bands.bulk_add(
                np.concatenate(band_keys), np.repeat(slots, index.config.lsh_bands)
            )
        if index._dead:
            index.compact()
        return index

    def sketch(self, text: str) -> Sketch:
        """Shingle and sign ``text`` (pass the result to ``add`` to avoid doing it twice)."""
        shingled, signature = self.sketcher.sketch(text)
        return Sketch(shingled, signature)

    def add_record(self, doc_id: DocId, record: bytes | Signature, site: str | None = None) -> bool:
        """Index a stored signature without verification; False if too short to index.

        Raises:
            SignatureMismatchError: the record was made with other signature parameters.
        """
        if isinstance(record, bytes | bytearray | memoryview):
            record = Signature.from_bytes(bytes(record), self.sketcher.params)
        elif record.params != self.sketcher.params:
            record = Signature.from_bytes(record.to_bytes(), self.sketcher.params)
        if doc_id in self._slot_of:
            self.remove(doc_id)
        if record.word_count < self.config.min_words:
            return False
        slot = self._new_slot(doc_id, len(record.anchors), self._site(site))
        self._anchors.add(record.anchors, slot, self._live_slots)
        self._bands.add(self._band_keys(record), slot, self._live_slots)
        return True

    def _live_slots(self) -> npt.NDArray[np.bool_]:
        """Which slots hold a document (unused slots past the last are dead)."""
        live: npt.NDArray[np.bool_] = self._site_of < _DEAD
        live[len(self._ids) :] = False
        return live

    def _site(self, site: str | None) -> int:
        """The code of ``site`` (``NO_SITE`` for none), made on first sight."""
        if not site:
            return NO_SITE
        code = self._site_codes.get(site)
        if code is None:
            code = self._site_codes[site] = len(self._site_codes) + 1
        return code

    def _new_slot(self, doc_id: DocId, anchors: int, site: int = NO_SITE) -> int:
        slot = len(self._ids)
        self._ids.append(doc_id)
        self._slot_of[doc_id] = slot
        if slot >= len(self._site_of):
            grow = max(1024, len(self._site_of))
            self._anchor_counts = np.concatenate(
                (self._anchor_counts, np.empty(grow, dtype=np.uint8))
            )
            self._site_of = np.concatenate((self._site_of, np.zeros(grow, dtype=np.uint32)))
        self._anchor_counts[slot] = min(anchors, 0xFF)
        self._site_of[slot] = site
        return slot

    def add(
        self, doc_id: DocId, text: str, *, sketch: Sketch | None = None, site: str | None = None
    ) -> list[Match]:
        """Verified matches of ``text`` among the indexed documents, then index it.

        ``sketch``, when given, must be the sketch of ``text`` (``sketch(text)``, here or in a
        worker): verification reuses its shingles for candidates with the same text.
        ``site`` is the document's site (host name), which learns that site's boilerplate.

        A document already indexed under ``doc_id`` (an earlier version) is removed first, so
        a new version is evaluated afresh and never matches its own previous version.
        Texts shorter than ``min_words``, or that are not prose, are neither matched nor indexed.
        """
        if doc_id in self._slot_of:
            self.remove(doc_id)
        sketch = sketch or self.sketch(text)
        if not self._indexable(sketch, text):
            return []
        code = self._site(site)
        matches, crossed = self._query(sketch, text, code)
        if crossed and site:
            self.crossed_sites.add(site)
        self.add_record(doc_id, sketch.signature, site)
        return matches

    def query(
        self, text: str, *, sketch: Sketch | None = None, site: str | None = None
    ) -> list[Match]:
        """Verified matches of ``text`` among the indexed documents, without indexing it."""
        sketch = sketch or self.sketch(text)
        if not self._indexable(sketch, text):
            return []
        return self._query(sketch, text, self._site(site))[0]

    def _indexable(self, sketch: Sketch, text: str) -> bool:
        # Tiny texts have Jaccard 1.0 with each other; tables and binary junk are not stories.
        if sketch.shingled.word_count < self.config.min_words:
            return False
        return prose_share(text) >= MIN_PROSE_SHARE

    def remove(self, doc_id: DocId) -> None:
        """Forget ``doc_id`` (its postings are dropped at the next merge). KeyError if absent."""
        slot = self._slot_of.pop(doc_id)
        self._ids[slot] = None
        self._site_of[slot] |= _DEAD
        self._dead += 1
        # Tombstones cost lookups: compact once they are a quarter of the postings.
        if self._dead * 4 > len(self._slot_of) + self._dead and self._dead > 1024:
            self.compact()

    def compact(self) -> None:
        """Drop removed documents' postings now."""
        alive = self._live_slots()
        self._anchors.merge(alive)
        self._bands.merge(alive)
        self._dead = 0

    def __len__(self) -> int:
        return len(self._slot_of)

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._slot_of

    @property
    def nbytes(self) -> int:
        """Approximate bytes held by the index structures (ids and postings, no texts)."""
        import sys

        ids = sys.getsizeof(self._slot_of) + sys.getsizeof(self._ids)
        ids += sum(sys.getsizeof(d) for d in self._slot_of)
        arrays = self._site_of.nbytes + self._anchor_counts.nbytes
        buffered = 12 * (len(self._anchors) + len(self._bands)) - (
            self._anchors.nbytes + self._bands.nbytes
        )
        return ids + arrays + self._anchors.nbytes + self._bands.nbytes + max(0, buffered)

    # -- querying -------------------------------------------------------------------------

    def _band_keys(self, signature: Signature) -> U64Array:
        values = np.asarray(signature.minhash.hashvalues)
        rows = self.config.lsh_rows
        keys = [
            xxhash.xxh3_64_intdigest(values[b * rows : (b + 1) * rows].tobytes(), b)
            for b in range(self.config.lsh_bands)
        ]
        return np.asarray(keys, dtype=np.uint64)

    def _candidates(
        self, signature: Signature, postings: tuple[U32Array, I64Array], boilerplate: U64Array
    ) -> list[int]:
        """Slots worth verifying, best first, from the postings of the signature's anchors.

        Anchors that are boilerplate of the text's own site, or posted by more than
        ``max_anchor_df`` documents, propose nothing.
        """
        cfg = self.config
        anchors = signature.anchors
        slots, which = postings
        usable = np.bincount(which, minlength=len(anchors)) <= cfg.max_anchor_df
        own = np.isin(anchors, boilerplate) if len(boilerplate) else np.zeros(len(anchors), bool)
        usable &= ~own
        slots = slots[usable[which]]
        chosen: dict[int, float] = {}
        if len(slots):
            uniq, shared = np.unique(slots, return_counts=True)
            keep = self._site_of[uniq] < _DEAD
            uniq, shared = uniq[keep], shared[keep]
            counts = self._anchor_counts[uniq].astype(np.int64)
            smaller = np.minimum(counts, len(anchors) - int(own.sum()))
            est = shared / np.maximum(smaller, 1)
            ok = (shared >= cfg.candidate_min_anchors) & (est >= cfg.candidate_min_containment)
            for slot, score in zip(uniq[ok].tolist(), est[ok].tolist(), strict=True):
                chosen[slot] = score
        # Band hits need no document-frequency cap: a whole-text collision is never chrome.
        band_slots, _ = self._bands.lookup(self._band_keys(signature), max_df=1 << 31)
        for slot in np.unique(band_slots).tolist():
            if self._site_of[slot] < _DEAD:
                chosen[slot] = max(chosen.get(slot, 0.0), 1.0)
        ranked = sorted(chosen, key=lambda s: -chosen[s])
        return ranked[: cfg.max_candidates]

    def _repetition(
        self,
        anchors: U64Array,
        own_site: int = NO_SITE,
        postings: tuple[U32Array, I64Array] | None = None,
    ) -> Repetition:
        """Where ``anchors`` are repeated; ``own_site`` counts a text not indexed yet."""
        slots, which = postings or self._anchors.postings_of(anchors)
        live = self._site_of[slots] < _DEAD
        return repetition(
            anchors,
            which[live],
            self._site_of[slots[live]],
            self.config.boilerplate_site_pages,
            own_site,
        )

    def _anchors_of(self, shingled: Shingled) -> U64Array:
        uniq = np.unique(shingled.hashes)
        anchors: U64Array = uniq[uniq % np.uint64(self.config.anchor_mod) == 0]
        return anchors

    def _judge(
        self,
        a: Shingled,
        b: Shingled,
        rep_a: Repetition,
        rep_b: Repetition,
        site_a: int,
        site_b: int,
        text_a: str,
        text_b: str,
    ) -> Comparison:
        """Compare two texts with the boilerplate of either's site left out.

        A partial copy below ``strong_containment`` is judged again without service text
        (:mod:`crawler.syndication.cues`): a newsletter or "about us" block that several sites
        carry, each on too few pages to be learned as their boilerplate, does not make a copy,
        and the shorter text's own service sentences do not count in its size.
        """
        cfg = self.config
        boilerplate = np.union1d(rep_a.on(site_a, site_b), rep_b.on(site_a, site_b))
        cmp = compare(
            a,
            b,
            cfg.shingle_size,
            cfg.passage_words,
            anchor_mod=cfg.anchor_mod,
            boilerplate=boilerplate,
        )
        if (
            cmp.jaccard >= cfg.near_duplicate_jaccard
            or not cfg.partial_containment <= cmp.containment < cfg.strong_containment
        ):
            return cmp
        shared = sum(p.words for p in cmp.passages if has_cue(text_a[p.a_start : p.a_end]))
        own = service_words(text_a if cmp.contained == "a" else text_b)
        if not shared and not own:
            return cmp
        size = cmp.story_words / cmp.containment - max(own, shared)
        story = max(0, cmp.story_words - shared)
        return dataclasses.replace(
            cmp, containment=min(1.0, story / size) if size > 0 else 0.0, story_words=story
        )

    def _relation(self, cmp: Comparison) -> Relation | None:
        cfg = self.config
        return relation_of(
            cmp, cfg.near_duplicate_jaccard, cfg.partial_containment, cfg.min_shared_words
        )

    def _query(self, sketch: Sketch, text: str, site: int) -> tuple[list[Match], bool]:
        """Verified matches, and whether the text makes boilerplate of its site grow."""
        matches: list[Match] = []
        anchors = sketch.signature.anchors
        postings = self._anchors.postings_of(anchors)
        own = self._repetition(anchors, site, postings)
        # Candidates with the same text and site (exact copies of one story under several
        # URLs) are shingled and compared once: the comparison depends on nothing else.
        compared: dict[tuple[str, int], Comparison] = {}
        reps: dict[str, Repetition] = {}
        slots = self._candidates(sketch.signature, postings, own.on(site))
        ids = [self._ids[slot] for slot in slots]
        for other_id, other_text in self._texts([i for i in ids if i is not None]):
            other_site = int(self._site_of[self._slot_of[other_id]])
            cmp = compared.get((other_text, other_site))
            if cmp is None:
                other = sketch.shingled if other_text == text else self.sketcher.shingle(other_text)
                rep = reps.get(other_text)
                if rep is None:
                    rep = reps[other_text] = self._repetition(self._anchors_of(other))
                cmp = self._judge(
                    sketch.shingled, other, own, rep, site, other_site, text, other_text
                )
                compared[(other_text, other_site)] = cmp
            relation = self._relation(cmp)
            if relation is not None:
                matches.append(_match(other_id, relation, cmp))
        matches.sort(key=lambda m: (-m.containment, -m.jaccard))
        return matches, bool(own.crossed.any())

    def rejudge(
        self, pairs: Iterable[tuple[DocId, DocId]]
    ) -> Iterator[tuple[DocId, DocId, Match | None]]:
        """Judge indexed pairs again with the boilerplate known now.

        Yields ``(a, b, match)`` for every pair, where ``match`` describes ``b`` as seen from
        ``a`` (``contained`` is ``"query"`` when ``a`` is the shorter text), or is None when the
        two are no longer related (or either is not indexed). The result depends only on the
        two texts and the indexed documents, never on the order documents were added.
        """
        cache: dict[DocId, tuple[Shingled, Repetition, int, str]] = {}
        for chunk in _chunks(list(pairs), TEXTS_AT_ONCE // 2):
            needed = {d for pair in chunk for d in pair if d in self._slot_of}
            wanted = [d for d in needed if d not in cache]
            # the oldest texts make room, never one this chunk needs
            for old in [d for d in cache if d not in needed][
                : max(0, len(cache) + len(wanted) - REJUDGE_CACHE)
            ]:
                del cache[old]
            for doc_id, text in self._texts(wanted):
                shingled = self.sketcher.shingle(text)
                site = int(self._site_of[self._slot_of[doc_id]])
                rep = self._repetition(self._anchors_of(shingled))
                cache[doc_id] = (shingled, rep, site, text)
            for a, b in chunk:
                if a not in cache or b not in cache:
                    yield a, b, None
                    continue
                (sa, ra, site_a, text_a), (sb, rb, site_b, text_b) = cache[a], cache[b]
                cmp = self._judge(sa, sb, ra, rb, site_a, site_b, text_a, text_b)
                relation = self._relation(cmp)
                yield a, b, None if relation is None else _match(b, relation, cmp)

    def _texts(self, ids: list[DocId]) -> Iterator[tuple[DocId, str]]:
        """The candidates' texts, in order; ids without a text are skipped."""
        if self.texts_of is None:
            raise RuntimeError("SyndicationIndex needs text_of or texts_of to verify candidates")
        for start in range(0, len(ids), TEXTS_AT_ONCE):
            chunk = ids[start : start + TEXTS_AT_ONCE]
            found = self.texts_of(chunk)
            yield from ((i, found[i]) for i in chunk if i in found)


def _match(other_id: DocId, relation: Relation, cmp: Comparison) -> Match:
    return Match(
        other_id,
        relation,
        cmp.jaccard,
        cmp.containment,
        "query" if cmp.contained == "a" else "other",
        cmp.passages,
        cmp.story_words,
    )


def _chunks(items: list[tuple[DocId, DocId]], size: int) -> Iterator[list[tuple[DocId, DocId]]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _many(text_of: TextOf) -> TextsOf:
    """``text_of`` as a lookup of many ids at once."""

    def texts_of(ids: list[DocId]) -> dict[DocId, str]:
        return {i: text for i in ids if (text := text_of(i)) is not None}

    return texts_of
