"""The SSRF address policy: which URLs and resolved addresses a crawl may connect to.

Refused: schemes other than http/https, and addresses that are loopback, private, link-local,
multicast, reserved, unspecified or a cloud metadata endpoint, however they are spelled
(``http://2130706433/``, ``http://0x7f.1/``, ``http://[::ffff:127.0.0.1]/``). An allow-list of
host names and networks opens named ones. No Scrapy here: the downloader middleware and the DNS
resolver in :mod:`crawler.ssrf_middleware` are thin adapters over :class:`AddressPolicy`.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from urllib.parse import urlsplit

from crawler.errors import CrawlerError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

ALLOWED_SCHEMES = ("http", "https")
# Instance metadata services: AWS/GCP/Azure/OpenStack, AWS over IPv6, AWS ECS task metadata,
# Alibaba Cloud. Most are link-local anyway; naming them makes the refusal say what was at stake.
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a)
    for a in ("169.254.169.254", "fd00:ec2::254", "169.254.170.2", "100.100.100.200")
)
_THIS_NETWORK = ipaddress.ip_network("0.0.0.0/8")
# RFC 1918 and IPv6 unique-local: Python's ``is_private`` also covers documentation, benchmarking
# and reserved ranges, which are named "reserved" here.
_PRIVATE = tuple(
    ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7")
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")


class SsrfConfigError(CrawlerError):
    """An ``SSRF_ALLOW`` entry is neither a host name nor an address or network."""


def parse_ip_literal(host: str) -> IPAddress | None:
    """The address a URL host spells, or ``None`` when it is a name to resolve.

    Accepts every form ``inet_aton`` (and so a resolver) would: dotted quads, one to four parts
    in decimal, octal (``0177``) or hex (``0x7f``), and bracketed IPv6 with or without a zone.

    Raises:
        ValueError: the host looks numeric (its last label is a number) but is no valid address;
            WHATWG URL parsing rejects such hosts, and a resolver may still read them.
    """
    host = host.strip().lower().rstrip(".")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if ":" in host:
        return ipaddress.IPv6Address(host.split("%", 1)[0])
    parts = host.split(".")
    if not parts or not _is_number(parts[-1]):
        return None
    if len(parts) > 4:
        raise ValueError(f"{host!r} is not an IPv4 address (more than four parts)")
    numbers = [_parse_number(p, host) for p in parts]
    *head, last = numbers
    if any(n > 255 for n in head) or last >= 256 ** (5 - len(numbers)):
        raise ValueError(f"{host!r} is not an IPv4 address (a part is out of range)")
    value = last
    for i, n in enumerate(head):
        value += n << (8 * (3 - i))
    return ipaddress.IPv4Address(value)


def _is_number(part: str) -> bool:
    if part.startswith("0x"):
        return all(c in "0123456789abcdef" for c in part[2:])
    return part.isascii() and part.isdigit()


def _parse_number(part: str, host: str) -> int:
    try:
        if part.startswith("0x"):
            return int(part[2:] or "0", 16)
        if len(part) > 1 and part.startswith("0"):
            return int(part, 8)
        return int(part, 10)
    except ValueError:
        raise ValueError(f"{host!r} is not an IPv4 address ({part!r})") from None


def embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (mapped, compatible, NAT64, 6to4), if any."""
    if isinstance(address, ipaddress.IPv4Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64 or (address in _IPV4_COMPATIBLE and int(address) > 1):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def classify(address: IPAddress) -> str | None:
    """Why a crawler must not connect to ``address`` ("loopback", ...), or ``None`` if public."""
    inner = embedded_ipv4(address)
    if inner is not None:
        return classify(inner)
    if address in METADATA_ADDRESSES:
        return "cloud-metadata"
    if address.is_unspecified or address in _THIS_NETWORK:
        return "unspecified"
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "link-local"
    if address.is_multicast:
        return "multicast"
    if any(address in net for net in _PRIVATE if net.version == address.version):
        return "private"
    if address.is_reserved or address.is_private or not address.is_global:
        # shared address space (100.64/10), documentation and benchmarking ranges, 240/4, ...
        return "reserved"
    return None


def _normal_host(host: str) -> str:
    return host.strip().lower().rstrip(".")


class AddressPolicy:
    """Decide whether a URL, and each address its host resolves to, may be fetched.

    Args:
        allow: host names (``example.internal``, or ``.example.internal`` for it and every
            subdomain) and addresses or networks (``127.0.0.1``, ``10.0.0.0/8``, ``fd00::/8``)
            that are fetched even though they would be refused.

    Raises:
        SsrfConfigError: an entry of ``allow`` is empty or malformed.
    """

    def __init__(self, allow: Iterable[str] = ()) -> None:
        self.networks: list[IPNetwork] = []
        self.hosts: set[str] = set()
        self.suffixes: list[str] = []
        for raw in allow:
            entry = _normal_host(str(raw))
            if not entry:
                raise SsrfConfigError("SSRF_ALLOW: empty entry")
            try:
                self.networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
                continue
            except ValueError:
                pass
            if any(c in entry for c in "/:@ ") or _looks_numeric(entry):
                raise SsrfConfigError(
                    f"SSRF_ALLOW: {raw!r} is neither a host name nor an address or network"
                )
            if entry.startswith("."):
                self.suffixes.append(entry)
            else:
                self.hosts.add(entry)

    def allows_host(self, host: str) -> bool:
        """Whether ``host`` is named in the allow-list (then any address it resolves to goes)."""
        host = _normal_host(host)
        return host in self.hosts or any(host.endswith(s) or host == s[1:] for s in self.suffixes)

    def allows_address(self, address: IPAddress) -> bool:
        """Whether ``address`` (or the IPv4 address it embeds) is in an allowed network."""
        candidates = [address]
        inner = embedded_ipv4(address)
        if inner is not None:
            candidates.append(inner)
        return any(
            a in net for a in candidates for net in self.networks if a.version == net.version
        )

    def check_url(self, url: str) -> str | None:
        """The refusal reason for ``url`` before DNS, or ``None``.

        Checks the scheme, and the host when it is an address literal. A host name passes here:
        its resolved addresses are checked with :meth:`check_address`.
        """
        try:
            parts = urlsplit(url)
            host = parts.hostname
        except ValueError as exc:
            return f"ssrf: malformed URL ({exc})"
        scheme = parts.scheme.lower()
        if scheme not in ALLOWED_SCHEMES:
            return f"ssrf: scheme {scheme or '(none)'!r} is not allowed (only http, https)"
        if not host:
            return "ssrf: URL has no host"
        if self.allows_host(host):
            return None
        try:
            address = parse_ip_literal(host)
        except ValueError as exc:
            return f"ssrf: malformed address literal: {exc}"
        if address is None:
            return None
        return self.check_address(address, host)

    def check_address(self, address: IPAddress | str, host: str | None = None) -> str | None:
        """The refusal reason for connecting to ``address`` (resolved from ``host``) or ``None``."""
        if host is not None and self.allows_host(host):
            return None
        if isinstance(address, str):
            address = ipaddress.ip_address(address.split("%", 1)[0])
        if self.allows_address(address):
            return None
        kind = classify(address)
        if kind is None:
            return None
        shown = str(address)
        if host is None or _normal_host(host).strip("[]") == shown:
            return f"ssrf: {shown} is {kind}"
        literal = _literal_or_none(host)
        if literal is not None:
            return f"ssrf: {host} is {shown}, which is {kind}"
        return f"ssrf: {host} resolves to {shown}, which is {kind}"

    def check_addresses(self, host: str, addresses: Iterable[IPAddress | str]) -> str | None:
        """The first refusal among the addresses ``host`` resolved to, or ``None``.

        One refused address refuses the host: a name that resolves to a public and a private
        address at once is how DNS rebinding attacks start.
        """
        for address in addresses:
            reason = self.check_address(address, host)
            if reason is not None:
                return reason
        return None


def _looks_numeric(entry: str) -> bool:
    return _is_number(entry.split(".")[-1])


def _literal_or_none(host: str) -> IPAddress | None:
    try:
        return parse_ip_literal(host)
    except ValueError:
        return None
