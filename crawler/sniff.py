"""Recognise what a body really is before extraction: binary data, or text in another charset."""

from __future__ import annotations

import re

from w3lib.encoding import html_body_declared_encoding

SIGNATURES: dict[bytes, str] = {
    b"%PDF-": "PDF",
    b"\x89PNG": "PNG image",
    b"GIF8": "GIF image",
    b"\xff\xd8\xff": "JPEG image",
    b"PK\x03\x04": "ZIP archive",
    b"\x1f\x8b": "gzip data",
    b"RIFF": "RIFF media",
    b"\x00\x00\x00": "binary data",
}
SAMPLE = 8192
# replacement characters and C0 controls other than tab, newline, form feed and carriage return
_ODD = re.compile("[\ufffd\x00-\x08\x0b\x0e-\x1f]")


def binary_reason(body: bytes, text: str | None) -> str | None:
    """Why a body served as a web page is really binary, or ``None`` when it is text."""
    head = body[:SAMPLE].lstrip()
    for signature, name in SIGNATURES.items():
        if head.startswith(signature):
            return f"{name} served as a web page"
    sample = (text or "")[:SAMPLE]
    if not sample:
        return None
    # Decided on the share of bad characters, not on their presence: a page with a few stray
    # NUL bytes after </html> is still a page. Counted in C: this runs for every page.
    odd = len(_ODD.findall(sample))
    if odd > 0.05 * len(sample):
        return f"binary data served as a web page ({odd} undecodable characters in {len(sample)})"
    return None


def best_decoding(body: bytes, text: str) -> str:
    """``text`` (decoded as the headers said), or a better decoding when the headers lied.

    When the headers' charset leaves replacement characters, the charset the page's ``<meta>``
    declares is tried; failing that, when most non-ASCII characters failed to decode (the whole
    page is in another charset, not a few stray bytes), windows-1252, the usual mislabel. A
    decoding replaces ``text`` only if it leaves fewer replacement characters.
    """
    broken = text.count("\ufffd")
    if not broken:
        return text
    declared = html_body_declared_encoding(body)
    if declared:
        try:
            return body.decode(declared)
        except (LookupError, UnicodeDecodeError):
            pass
    decoded_fine = sum(1 for ch in text if ord(ch) > 127 and ch != "\ufffd")
    if broken > decoded_fine:
        fallback = body.decode("cp1252", errors="replace")
        if fallback.count("\ufffd") < broken:
            return fallback
    return text
