"""A compact key → document-slot multimap: sorted numpy arrays plus a small insert buffer."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from crawler.syndication.shingles import U64Array

U32Array = npt.NDArray[np.uint32]


class Postings:
    """Postings lists in 12 bytes an entry, instead of ~100 for a Python dict of lists.

    Inserts go to a dict buffer that is merged into the sorted arrays when it grows past
    ``buffer_limit`` entries (an LSM tree of two levels); lookups use ``searchsorted``.
    Removal is by the caller's tombstones: ``compact(alive)`` drops dead slots at merge time.
    """

    def __init__(self, buffer_limit: int = 200_000) -> None:
        self._keys: U64Array = np.empty(0, dtype=np.uint64)
        self._slots: U32Array = np.empty(0, dtype=np.uint32)
        self._buffer: dict[int, list[int]] = {}
        self._buffered = 0
        self.buffer_limit = buffer_limit

    def __len__(self) -> int:
        return len(self._keys) + self._buffered

    @property
    def nbytes(self) -> int:
        """Bytes held by the sorted arrays (the buffer is bounded and excluded)."""
        return int(self._keys.nbytes + self._slots.nbytes)

    def add(
        self,
        keys: U64Array,
        slot: int,
        alive: Callable[[], npt.NDArray[np.bool_]] | None = None,
    ) -> None:
        """Record ``slot`` under every key in ``keys`` (distinct keys).

        ``alive`` gives the live slots when the buffer is merged (only then is it called).
        """
        buf = self._buffer
        for key in keys.tolist():
            entry = buf.get(key)
            if entry is None:
                buf[key] = [slot]
            else:
                entry.append(slot)
        self._buffered += len(keys)
        if self._buffered >= self.buffer_limit:
            self.merge(alive() if alive is not None else None)

    def merge(self, alive: npt.NDArray[np.bool_] | None = None) -> None:
        """Move the buffer into the sorted arrays, dropping slots not ``alive``."""
        if self._buffered:
            n = self._buffered
            keys = np.empty(n, dtype=np.uint64)
            slots = np.empty(n, dtype=np.uint32)
            i = 0
            for key, entry in self._buffer.items():
                keys[i : i + len(entry)] = key
                slots[i : i + len(entry)] = entry
                i += len(entry)
            keys = np.concatenate((self._keys, keys))
            slots = np.concatenate((self._slots, slots))
        else:
            keys, slots = self._keys, self._slots
        if alive is not None and len(slots):
            keep = alive[slots]
            keys, slots = keys[keep], slots[keep]
        order = np.argsort(keys, kind="stable")
        self._keys, self._slots = keys[order], slots[order]
        self._buffer = {}
        self._buffered = 0

    def bulk_add(self, keys: U64Array, slots: U32Array) -> None:
        """Add many postings at once (a rebuild): one sort instead of a dict per key."""
        self.merge()
        keys = np.concatenate((self._keys, keys))
        slots = np.concatenate((self._slots, slots))
        order = np.argsort(keys, kind="stable")
        self._keys, self._slots = keys[order], slots[order]

    def postings_of(self, keys: U64Array) -> tuple[U32Array, npt.NDArray[np.int64]]:
        """Every slot posted under ``keys``, with the index in ``keys`` of the key it is under."""
        if not len(keys):
            return np.empty(0, dtype=np.uint32), np.empty(0, dtype=np.int64)
        left = np.searchsorted(self._keys, keys, side="left")
        right = np.searchsorted(self._keys, keys, side="right")
        counts = right - left
        which = np.repeat(np.arange(len(keys), dtype=np.int64), counts)
        # positions left[i], left[i]+1, ... right[i]-1 for every key, without a Python loop
        starts = np.repeat(left - np.cumsum(counts) + counts, counts)
        slots = self._slots[starts + np.arange(int(counts.sum()))]
        if not self._buffer:
            return slots, which
        extra_slots: list[int] = []
        extra_which: list[int] = []
        for i, key in enumerate(keys.tolist()):
            entry = self._buffer.get(key)
            if entry:
                extra_slots.extend(entry)
                extra_which.extend([i] * len(entry))
        return (
            np.concatenate((slots, np.asarray(extra_slots, dtype=np.uint32))),
            np.concatenate((which, np.asarray(extra_which, dtype=np.int64))),
        )

    def lookup(self, keys: U64Array, max_df: int) -> tuple[U32Array, int]:
        """Slots of all ``keys`` with at most ``max_df`` postings, and how many keys were capped.

        A key posted by more than ``max_df`` documents is shared boilerplate (menus, footers,
        agency credits): it is ignored rather than allowed to link everything to everything.
        """
        if not len(keys):
            return np.empty(0, dtype=np.uint32), 0
        left = np.searchsorted(self._keys, keys, side="left")
        right = np.searchsorted(self._keys, keys, side="right")
        counts = right - left
        buf = self._buffer
        found: list[U32Array] = []
        capped = 0
        for i, key in enumerate(keys.tolist()):
            extra = buf.get(key)
            n = int(counts[i]) + (len(extra) if extra else 0)
            if n == 0:
                continue
            if n > max_df:
                capped += 1
                continue
            if counts[i]:
                found.append(self._slots[left[i] : right[i]])
            if extra:
                found.append(np.asarray(extra, dtype=np.uint32))
        if not found:
            return np.empty(0, dtype=np.uint32), capped
        return np.concatenate(found), capped
