"""Signatures of article texts: a MinHash of all shingles plus a containment sample."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Any

import numpy as np
from datasketch import LeanMinHash, MinHash

from crawler.syndication.config import HASH_NAME, SignatureParams, SyndicationConfig
from crawler.syndication.errors import SignatureFormatError, SignatureMismatchError
from crawler.syndication.shingles import Shingled, U64Array, shingle

_MAGIC = b"SYN"
_VERSION = 1
_SCHEME_CODES = {"affine32": 1, "affine64": 2}
_HASH_CODES = {HASH_NAME: 1}
# magic, version, scheme, hash, shingle size, num_perm, anchor_mod, seed, words, shingles, anchors
_HEADER = struct.Struct("<3sBBBBHHQIII")


@dataclass(frozen=True, slots=True)
class Signature:
    """What is persisted per article version: MinHash, containment anchors, sizes, parameters.

    ``anchors`` are the shingle hashes divisible by ``anchor_mod`` (Broder's MOD-m sample): two
    texts sharing a passage share that passage's anchors whatever its offset in each text, so
    the shared fraction estimates containment, which a whole-text MinHash cannot.
    """

    params: SignatureParams
    word_count: int
    shingle_count: int
    minhash: Any  # datasketch.LeanMinHash (untyped library)
    anchors: U64Array

    def to_bytes(self) -> bytes:
        """Serialise with the parameters, little-endian, for storage next to the version."""
        p = self.params
        header = _HEADER.pack(
            _MAGIC,
            _VERSION,
            _SCHEME_CODES[p.scheme],
            _HASH_CODES[p.hash_name],
            p.shingle_size,
            p.num_perm,
            p.anchor_mod,
            p.seed,
            self.word_count,
            self.shingle_count,
            len(self.anchors),
        )
        dtype = "<u4" if p.scheme == "affine32" else "<u8"
        values = np.asarray(self.minhash.hashvalues).astype(dtype).tobytes()
        return header + values + self.anchors.astype("<u8").tobytes()

    @classmethod
    def from_bytes(cls, data: bytes, expected: SignatureParams | None = None) -> Signature:
        """Read a record; raise ``SignatureMismatchError`` if made with other than ``expected``.

        Raises:
            SignatureFormatError: the bytes are not a record of this format.
            SignatureMismatchError: the record's parameters differ from ``expected``.
        """
        if len(data) < _HEADER.size or data[:3] != _MAGIC:
            raise SignatureFormatError("not a syndication signature record (bad magic or size)")
        _magic, version, scheme_code, hash_code, size, num_perm, mod, seed, words, shingles, n = (
            _HEADER.unpack_from(data)
        )
        if version != _VERSION:
            raise SignatureFormatError(f"signature record version {version}, expected {_VERSION}")
        schemes = {v: k for k, v in _SCHEME_CODES.items()}
        hashes = {v: k for k, v in _HASH_CODES.items()}
        if scheme_code not in schemes or hash_code not in hashes:
            raise SignatureFormatError(f"unknown scheme code {scheme_code} or hash {hash_code}")
        params = SignatureParams(size, num_perm, seed, schemes[scheme_code], mod, hashes[hash_code])
        if expected is not None and params != expected:
            raise SignatureMismatchError(
                f"signature made with {params}, but this index uses {expected}: "
                "recompute the signatures from the texts (sketches of other parameters "
                "cannot be compared)"
            )
        width = 4 if params.scheme == "affine32" else 8
        need = _HEADER.size + num_perm * width + n * 8
        if len(data) != need:
            raise SignatureFormatError(f"signature record is {len(data)} bytes, expected {need}")
        off = _HEADER.size
        values = np.frombuffer(
            data, dtype="<u4" if width == 4 else "<u8", count=num_perm, offset=off
        )
        anchors = np.frombuffer(data, dtype="<u8", count=n, offset=off + num_perm * width)
        minhash = LeanMinHash(seed=seed, hashvalues=values.copy(), scheme=params.scheme)
        return cls(params, words, shingles, minhash, anchors.astype(np.uint64))


def _identity(value: int) -> int:
    return value


class Sketcher:
    """Make signatures under one configuration, reusing the MinHash permutations."""

    def __init__(self, config: SyndicationConfig) -> None:
        self.config = config
        self.params = SignatureParams.of(config)
        # Generating permutations costs more than sketching a text: make them once.
        self._template = MinHash(
            num_perm=config.num_perm, seed=config.seed, scheme=config.scheme, hashfunc=_identity
        )

    def shingle(self, text: str) -> Shingled:
        """The shingle hashes of ``text`` under this configuration."""
        return shingle(text, self.config.shingle_size, self.config.seed)

    def signature(self, shingled: Shingled) -> Signature:
        """The signature of an already shingled text."""
        uniq = np.unique(shingled.hashes)
        # affine32 takes 32-bit inputs: the high half of the well-mixed 64-bit shingle hash.
        inputs = uniq >> np.uint64(32) if self.config.scheme == "affine32" else uniq
        mh = MinHash(
            num_perm=self.config.num_perm,
            seed=self.config.seed,
            scheme=self.config.scheme,
            hashfunc=_identity,
            permutations=self._template.permutations,
        )
        if len(inputs):
            mh.update_batch(inputs.tolist())
        anchors = uniq[uniq % np.uint64(self.config.anchor_mod) == 0]
        return Signature(
            self.params, shingled.word_count, len(uniq), LeanMinHash(mh), anchors.astype(np.uint64)
        )

    def sketch(self, text: str) -> tuple[Shingled, Signature]:
        """Shingle ``text`` and make its signature."""
        shingled = self.shingle(text)
        return shingled, self.signature(shingled)
