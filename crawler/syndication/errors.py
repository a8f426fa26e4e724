"""Errors of syndication detection.

SyndicationError
├── SignatureFormatError    bytes that are not a signature record (truncated, other format)
└── SignatureMismatchError  a valid record made with other parameters than the index's
"""

from __future__ import annotations


class SyndicationError(Exception):
    """Base class of syndication detection errors."""


class SignatureFormatError(SyndicationError, ValueError):
    """The bytes are not a signature record this version can read."""


class SignatureMismatchError(SyndicationError, ValueError):
    """A signature was made with parameters other than the ones it is compared with."""
