"""Reading untrusted XML safely: size bounds, gzip with an output limit, entity and HTML checks."""

from __future__ import annotations

import html.entities
import re
import zlib
from collections.abc import Iterator
from typing import Any

from lxml import etree

from crawler.discovery.errors import DiscoveryError

GZIP_MAGIC = b"\x1f\x8b"
UTF8_BOM = b"\xef\xbb\xbf"
_CHUNK = 64 * 1024
# Large enough to hold any real prolog (XML declaration, DOCTYPE, comments) before the root.
_PROLOG_WINDOW = 64 * 1024
_ENTITY_DECL = re.compile(rb"<!ENTITY", re.IGNORECASE)
_HTML_START = re.compile(
    rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)[\s>]", re.I | re.S
)

# libxml2 error codes for an undefined entity or a stray "&": the common real-world breakage
# ("AT&T", "&nbsp;" in RSS titles). Only these are repaired; lxml's recover mode would drop the
# text after the "&", and recovering from other errors can silently cut a document short.
_REPAIRABLE_XML_ERRORS = frozenset({23, 26, 27, 68})
_XML_ENTITIES = frozenset({b"amp", b"lt", b"gt", b"quot", b"apos"})
_AMPERSAND = re.compile(rb"&(#[0-9]+;|#x[0-9a-fA-F]+;|[A-Za-z][A-Za-z0-9]{0,31};)?")


def parser_options() -> dict[str, Any]:
    """Keyword arguments for lxml parsers that never expand entities nor touch the network."""
    return {
        "resolve_entities": False,
        "no_network": True,
        "huge_tree": False,
        "load_dtd": False,
        "remove_pis": True,
        "remove_comments": True,
        # Not collect_ids=False: with it libxml2 tries to fetch an external DTD (the RSS 0.91
        # DOCTYPE), which no_network turns into a parse error.
        "recover": False,
    }


def is_gzip(body: bytes) -> bool:
    """True when the body starts with the gzip magic bytes, whatever the headers said."""
    return body[:2] == GZIP_MAGIC


def gunzip_chunks(body: bytes, max_bytes: int) -> Iterator[bytes]:
    """Decompress a gzip body chunk by chunk; raise once the output passes ``max_bytes``.

    Raises:
        DiscoveryError: corrupt or truncated data, or more output than allowed (a gzip bomb).
    """
    decomp = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    produced = 0
    data = body
    try:
        while True:
            # max_length bounds each step's memory, so a bomb never inflates past one chunk.
            chunk = decomp.decompress(data, _CHUNK)
            data = decomp.unconsumed_tail
            produced += len(chunk)
            if produced > max_bytes:
                raise DiscoveryError(
                    f"gzip body inflates past {max_bytes} bytes "
                    f"(compressed {len(body)} bytes): rejected as a possible gzip bomb"
                )
            if chunk:
                yield chunk
            if decomp.eof or (not chunk and not data):
                break
    except zlib.error as exc:
        raise DiscoveryError(f"corrupt gzip body: {exc}") from exc
    if not decomp.eof:
        raise DiscoveryError("truncated gzip body: the compressed stream ends early")


def gunzip(body: bytes, max_bytes: int) -> bytes:
    """The whole decompressed body, refused past ``max_bytes`` (see ``gunzip_chunks``)."""
    return b"".join(gunzip_chunks(body, max_bytes))


def check_size(body: bytes, max_bytes: int, what: str) -> None:
    """Refuse a body larger than ``max_bytes`` before any parsing work is spent on it."""
    if len(body) > max_bytes:
        raise DiscoveryError(f"{what} is {len(body)} bytes, over the {max_bytes}-byte limit")


def strip_leading(body: bytes) -> bytes:
    """Drop a UTF-8 BOM and leading whitespace, which break the XML declaration check."""
    if body.startswith(UTF8_BOM):
        body = body[len(UTF8_BOM) :]
    return body.lstrip(b" \t\r\n")


def looks_like_html(body: bytes) -> bool:
    """True when the body opens like an HTML page (a soft 404, a login wall, a home page)."""
    return bool(_HTML_START.match(body[:4096]))


def check_prolog(head: bytes) -> None:
    """Refuse documents that declare entities: the shape of XXE and "billion laughs" attacks.

    The parser would not expand them anyway; refusing says why the result is empty.
    """
    window = head[:_PROLOG_WINDOW]
    root = _first_element(window)
    prolog = window if root < 0 else window[:root]
    if b"<!DOCTYPE" in prolog.upper() and _ENTITY_DECL.search(prolog):
        raise DiscoveryError(
            "XML declares entities in its DOCTYPE (XXE / entity-expansion attack shape): rejected"
        )


def _first_element(data: bytes) -> int:
    """Offset of the root element's "<", skipping declarations, comments and the DOCTYPE."""
    pos = 0
    while True:
        pos = data.find(b"<", pos)
        if pos < 0 or pos + 1 >= len(data):
            return -1
        nxt = data[pos + 1 : pos + 2]
        if nxt in (b"?", b"!"):
            if data.startswith(b"<!--", pos):
                end = data.find(b"-->", pos)
                pos = end + 3 if end >= 0 else len(data)
            elif data[pos : pos + 9].upper() == b"<!DOCTYPE":
                end = data.find(b"]>", pos)
                simple = data.find(b">", pos)
                bracket = data.find(b"[", pos)
                pos = end + 2 if 0 <= bracket < simple and end >= 0 else simple + 1
            else:
                pos = data.find(b">", pos) + 1
            if pos <= 0:
                return -1
            continue
        return pos


def parse_document(body: bytes, url: str) -> tuple[etree._Element, str | None]:
    """Parse a whole XML document safely; returns the root and a warning when repaired.

    Raises:
        DiscoveryError: malformed XML that is not safely repairable, or an empty document.
    """
    parser = etree.XMLParser(**parser_options())
    try:
        root = etree.fromstring(body, parser, base_url=url)
    except etree.XMLSyntaxError as exc:
        if exc.code not in _REPAIRABLE_XML_ERRORS:
            raise DiscoveryError(f"malformed XML: {_describe(exc)}") from exc
        try:
            root = etree.fromstring(repair_ampersands(body), parser, base_url=url)
        except etree.XMLSyntaxError:
            raise DiscoveryError(f"malformed XML: {_describe(exc)}") from exc
        return root, f"repaired stray '&' or HTML entities: {_describe(exc)}"
    if root is None:
        raise DiscoveryError("empty document")
    return root, None


def repair_ampersands(body: bytes) -> bytes:
    """Escape stray ``&`` and turn HTML named entities (``&nbsp;``) into character references."""

    def fix(match: re.Match[bytes]) -> bytes:
        ref = match.group(1)
        if ref is None:
            return b"&amp;"
        name = ref[:-1]
        if ref.startswith(b"#") or name in _XML_ENTITIES:
            return match.group(0)
        codepoint = html.entities.name2codepoint.get(name.decode("ascii"))
        return b"&#%d;" % codepoint if codepoint is not None else b"&amp;" + ref

    return _AMPERSAND.sub(fix, body)


def _describe(exc: etree.XMLSyntaxError) -> str:
    msg = str(exc.msg or exc).strip()
    return f"{msg} (line {exc.lineno})" if exc.lineno else msg


def local_name(element: etree._Element) -> str:
    """The tag without its namespace; comments and processing instructions give ``""``."""
    tag = element.tag
    if not isinstance(tag, str):
        return ""
    return tag.rpartition("}")[2]
