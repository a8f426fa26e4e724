"""URL identity: normalisation, tracking parameters, AMP and print variants, canonical tags.

Trailing-slash rule: only an empty path becomes ``/`` (``https://a.com`` and ``https://a.com/``
are one resource by RFC 3986). ``/news`` and ``/news/`` are left apart: servers may answer them
differently, and the page's own ``rel=canonical`` settles it when they are the same article.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Collection
from urllib.parse import parse_qsl, unquote, urlencode, urljoin, urlsplit, urlunsplit

import lxml.html
import tldextract
from lxml import etree
from w3lib.url import canonicalize_url

TRACKING_PARAMS = frozenset(
    {
        "fbclid", "gclid", "gclsrc", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid",
        "ttclid", "li_fat_id", "igshid", "mc_cid", "mc_eid", "mkt_tok", "_ga", "_gl", "_hsenc",
        "_hsmi", "hsctatracking", "oly_anon_id", "oly_enc_id", "vero_id", "wickedid",
        "ref_src", "ref_url", "cmpid", "cmp", "ncid", "ocid", "sr_share", "smid", "smtyp",
        "s_cid", "at_medium", "at_campaign", "at_custom1", "at_custom2", "at_custom3",
        "at_custom4", "ito", "spm", "share", "taid", "xtor", "__twitter_impression",
    }
)  # fmt: skip
"""Query parameters that only say how a reader arrived, compared case-insensitively."""
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hmb_", "ga_")
"""Parameter name prefixes of analytics campaigns (Google, Matomo/Piwik, Hootsuite)."""

_DEFAULT_PORTS = {"http": 80, "https": 443}
_AMP_VALUES = frozenset({"", "1", "true", "yes", "amp"})
_AMP_CACHE = re.compile(r"^[a-z0-9-]+\.cdn\.ampproject\.org$")


def canonicalize(url: str) -> str:
    """The normalised form of an http(s) URL; other URLs come back stripped but unchanged.

    Lower-cases scheme and host, drops default ports, the fragment and tracking parameters,
    sorts the remaining query, removes an empty one and normalises percent-encoding.
    """
    url = url.strip()
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return url
    query = [
        (key, value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
        if not is_tracking_param(key)
    ]
    host = parts.hostname.lower().rstrip(".")
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    if parts.username:
        netloc = f"{parts.username}{':' + parts.password if parts.password else ''}@{netloc}"
    rebuilt = urlunsplit((scheme, netloc, parts.path or "/", urlencode(query), ""))
    # w3lib sorts the query, fixes percent-encoding case and escapes, removes dot segments
    # and IDNA-encodes the host; it also drops a "?" left with nothing after it.
    return canonicalize_url(rebuilt, keep_fragments=False)


def is_tracking_param(name: str) -> bool:
    """True for a query parameter that identifies a campaign or click, not content."""
    lowered = name.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PREFIXES)


def amp_to_canonical(url: str) -> str:
    """The likely canonical article URL for an AMP or print variant (canonicalised).

    Handles Google AMP cache URLs, ``amp.`` hosts, ``/amp/`` and ``/print/`` path segments,
    ``.amp`` suffixes, and ``amp``, ``print`` and ``outputType=amp`` query parameters. The page's
    own ``rel=canonical`` (see ``page_canonical``) is the authority when it is available.
    """
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    path = parts.path
    if _AMP_CACHE.match(host) and path.startswith(("/c/", "/v/")):
        # Google AMP cache: /c/s/<host>/<path> ("s" marks https).
        rest = path[3:]
        secure = rest.startswith("s/")
        rest = rest[2:] if secure else rest
        return amp_to_canonical(f"{'https' if secure else 'http'}://{rest}")
    netloc = parts.netloc
    if host.startswith("amp.") and host.count(".") >= 2:
        # amp.theguardian.com serves what www.theguardian.com does.
        rest = host[4:]
        netloc = netloc.lower().replace(host, rest if rest.count(".") >= 2 else f"www.{rest}")
    segments = path.split("/")
    kept = [s for s in segments if s.lower() not in ("amp", "print")]
    if len(kept) != len(segments):
        path = "/".join(kept) or "/"
    path = re.sub(r"\.amp(?=\.[a-z0-9]+$|$)", "", path, flags=re.IGNORECASE)
    query = [
        (key, value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
        if not _is_variant_param(key, value)
    ]
    return canonicalize(urlunsplit((parts.scheme, netloc, path, urlencode(query), "")))


def _is_variant_param(key: str, value: str) -> bool:
    key, value = key.lower(), value.lower()
    if key in ("amp", "print", "isamp"):
        return value in _AMP_VALUES
    return key in ("outputtype", "output", "view", "format") and value in ("amp", "print")


def page_canonical(html: str, url: str, *, allowed_domains: Collection[str] = ()) -> str | None:
    """The page's declared canonical URL: ``rel=canonical``, else ``og:url``; canonicalised.

    A value is ignored when it points to another registrable domain (unless listed in
    ``allowed_domains``), is not http(s), or names the site's home page for an article URL:
    templates that print a constant there would merge every article into one.
    """
    head = html[: html.lower().find("</head>") + 7] if "</head>" in html.lower() else html
    try:
        doc = lxml.html.document_fromstring(head[: 1024 * 1024])
    except (etree.ParserError, ValueError):
        return None
    base = url
    for element in doc.iter("base"):
        if element.get("href"):
            base = urljoin(url, element.get("href", "").strip())
            break
    candidates: list[str] = []
    for link in doc.iter("link"):
        if "canonical" in (link.get("rel") or "").lower().split() and link.get("href"):
            candidates.append(link.get("href", ""))
    for meta in doc.iter("meta"):
        if (meta.get("property") or meta.get("name") or "").lower() == "og:url":
            candidates.append(meta.get("content") or "")
    for candidate in candidates:
        resolved = _acceptable(urljoin(base, candidate.strip()), url, allowed_domains)
        if resolved:
            return resolved
    return None


def acceptable_canonical(
    candidate: str, page_url: str, allowed: Collection[str] = ()
) -> str | None:
    """``candidate`` canonicalised if it may stand for ``page_url``: http(s), on the same site
    (or an ``allowed`` one), and not the home page of an article URL; otherwise ``None``."""
    return _acceptable(candidate, page_url, allowed)


def _acceptable(candidate: str, page_url: str, allowed: Collection[str]) -> str | None:
    parts = urlsplit(candidate)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    page = urlsplit(page_url)
    domain = registrable_domain(parts.hostname)
    allowed_set = {registrable_domain(d) for d in allowed}
    if domain != registrable_domain(page.hostname or "") and domain not in allowed_set:
        return None
    if parts.path in ("", "/") and not parts.query and page.path not in ("", "/"):
        return None
    return canonicalize(candidate)


@functools.cache
def _suffixes() -> tldextract.TLDExtract:
    # The snapshot of the public suffix list that tldextract bundles: never fetched (crawls and
    # tests run offline), and with the private suffixes (github.io, s3.amazonaws.com), where
    # every user's subdomain is a site of its own.
    return tldextract.TLDExtract(
        suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True
    )


def registrable_domain(host: str) -> str:
    """The site a host belongs to by the public suffix list (``alice.github.io``, ``bbc.co.uk``).

    Addresses and names with no public suffix (``localhost``) are their own site.
    """
    name = unquote(host).lower().rstrip(".")
    found = _suffixes()(name).top_domain_under_public_suffix
    return found or name
