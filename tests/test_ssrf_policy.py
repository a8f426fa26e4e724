"""The SSRF address policy (``crawler.ssrf``) and the filtering resolver, without a crawl."""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest
from twisted.internet.address import IPv4Address, IPv6Address

from crawler.ssrf import AddressPolicy, SsrfConfigError, classify, parse_ip_literal
from crawler.ssrf_middleware import SsrfResolver


@pytest.mark.parametrize(
    ("host", "address"),
    [
        ("127.0.0.1", "127.0.0.1"),
        ("2130706433", "127.0.0.1"),
        ("0x7f000001", "127.0.0.1"),
        ("0X7F000001", "127.0.0.1"),
        ("017700000001", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("127.0.1", "127.0.0.1"),
        ("0", "0.0.0.0"),
        ("169.254.43518", "169.254.169.254"),
        ("0xa9.0xfe.0xa9.0xfe", "169.254.169.254"),
        ("127.0.0.1.", "127.0.0.1"),
        ("[::1]", "::1"),
        ("[::ffff:127.0.0.1]", "::ffff:7f00:1"),
        ("[fe80::1%25eth0]", "fe80::1"),
        ("example.com", None),
        ("1.example", None),
        ("localhost", None),
    ],
)
def test_ip_literals_in_every_spelling(host: str, address: str | None) -> None:
    parsed = parse_ip_literal(host)
    assert (str(parsed) if parsed is not None else None) == (
        str(ipaddress.ip_address(address)) if address else None
    )


@pytest.mark.parametrize("host", ["256.0.0.1", "1.2.3.4.5", "0x1g.1", "1.2.65536", "08.1.1.1"])
def test_numeric_hosts_that_are_no_address_are_malformed(host: str) -> None:
    with pytest.raises(ValueError, match="not an IPv4 address"):
        parse_ip_literal(host)
    assert (AddressPolicy().check_url(f"http://{host}/") or "").startswith("ssrf: malformed")


REFUSED = [
    ("http://127.0.0.1/", "ssrf: 127.0.0.1 is loopback"),
    ("http://127.5.6.7:8080/x", "ssrf: 127.5.6.7 is loopback"),
    ("http://2130706433/", "ssrf: 2130706433 is 127.0.0.1, which is loopback"),
    ("http://0x7f.1/", "ssrf: 0x7f.1 is 127.0.0.1, which is loopback"),
    ("http://017700000001/", "ssrf: 017700000001 is 127.0.0.1, which is loopback"),
    ("http://[::1]/", "ssrf: ::1 is loopback"),
    ("http://[::ffff:127.0.0.1]/", "ssrf: ::ffff:127.0.0.1 is ::ffff:7f00:1, which is loopback"),
    ("http://169.254.169.254/latest/meta-data/", "ssrf: 169.254.169.254 is cloud-metadata"),
    ("http://[fd00:ec2::254]/", "ssrf: fd00:ec2::254 is cloud-metadata"),
    ("http://[::ffff:169.254.169.254]/", "cloud-metadata"),
    ("http://[64:ff9b::a9fe:a9fe]/", "cloud-metadata"),  # NAT64
    ("http://[2002:7f00:1::]/", "loopback"),  # 6to4
    ("http://100.100.100.200/", "cloud-metadata"),
    ("http://10.1.2.3/", "ssrf: 10.1.2.3 is private"),
    ("http://172.16.0.1/", "private"),
    ("http://192.168.1.1/", "private"),
    ("http://[fc00::1]/", "private"),
    ("http://169.254.1.1/", "link-local"),
    ("http://[fe80::1]/", "link-local"),
    ("http://224.0.0.1/", "multicast"),
    ("http://[ff02::1]/", "multicast"),
    ("http://0.0.0.0/", "unspecified"),
    ("http://0/", "unspecified"),
    ("http://[::]/", "unspecified"),
    ("http://240.0.0.1/", "reserved"),
    ("http://255.255.255.255/", "reserved"),
    ("http://100.64.0.1/", "reserved"),  # carrier-grade NAT
    ("http://192.0.2.1/", "reserved"),  # documentation
    ("file:///etc/passwd", "ssrf: scheme 'file' is not allowed (only http, https)"),
    ("ftp://example.com/pub", "ssrf: scheme 'ftp' is not allowed"),
    ("data:text/html,<p>hi</p>", "ssrf: scheme 'data' is not allowed"),
    ("gopher://example.com:70/", "ssrf: scheme 'gopher' is not allowed"),
    ("s3://bucket/key", "ssrf: scheme 's3' is not allowed"),
    ("http:///nohost", "ssrf: URL has no host"),
]


@pytest.mark.parametrize(("url", "reason"), REFUSED)
def test_refused_urls_say_why(url: str, reason: str) -> None:
    refusal = AddressPolicy().check_url(url)
    assert refusal is not None
    assert reason in refusal


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/news",
        "HTTP://Example.COM/",
        "http://93.184.216.34/",
        "http://1.1.1.1:8080/",
        "http://[2606:4700:4700::1111]/",
        "http://localhost/",  # a name: its addresses are checked after DNS
    ],
)
def test_public_addresses_and_names_pass_before_dns(url: str) -> None:
    assert AddressPolicy().check_url(url) is None


def test_resolved_addresses_are_checked_with_the_host_named() -> None:
    policy = AddressPolicy()
    assert policy.check_address("93.184.216.34", "example.com") is None
    assert (
        policy.check_address("127.0.0.1", "evil.example")
        == "ssrf: evil.example resolves to 127.0.0.1, which is loopback"
    )
    # one refused address refuses the host: half a rebinding answer is still a rebinding
    assert policy.check_addresses("mixed.example", ["93.184.216.34", "10.0.0.1"]) == (
        "ssrf: mixed.example resolves to 10.0.0.1, which is private"
    )


def test_the_allow_list_opens_named_hosts_and_networks() -> None:
    policy = AddressPolicy(["127.0.0.1", "10.0.0.0/8", "example.internal", ".corp.example"])
    assert policy.check_url("http://127.0.0.1:8080/") is None
    assert policy.check_url("http://2130706433/") is None
    assert policy.check_url("http://[::ffff:127.0.0.1]/") is None
    assert policy.check_url("http://127.0.0.2/") == "ssrf: 127.0.0.2 is loopback"
    assert policy.check_url("http://10.200.3.4/") is None
    assert policy.check_url("http://11.0.0.1/") is None  # public anyway
    assert policy.check_address("192.168.1.5", "example.internal") is None
    assert policy.check_address("192.168.1.5", "EXAMPLE.internal.") is None
    assert policy.check_address("192.168.1.5", "wiki.corp.example") is None
    assert policy.check_address("192.168.1.5", "corp.example") is None
    assert policy.check_address("192.168.1.5", "other.internal") is not None
    assert policy.check_address("169.254.169.254", "metadata.google.internal") is not None
    # the allow-list opens addresses, never schemes
    assert policy.check_url("file://example.internal/etc/passwd") is not None


@pytest.mark.parametrize("entry", ["", "http://example.com/", "300.1.1.1", "a b", "1.2.3.4/40"])
def test_a_malformed_allow_list_entry_is_an_error(entry: str) -> None:
    with pytest.raises(SsrfConfigError, match="SSRF_ALLOW"):
        AddressPolicy([entry])


def test_every_category_is_named() -> None:
    names = {
        classify(ipaddress.ip_address(a))
        for a in ("127.0.0.1", "10.0.0.1", "169.254.0.1", "224.0.0.1", "240.0.0.1", "0.0.0.0")
    }
    assert names == {"loopback", "private", "link-local", "multicast", "reserved", "unspecified"}
    assert classify(ipaddress.ip_address("8.8.8.8")) is None


class _FakeResolver:
    """Answers every name with the same addresses, as a rebinding DNS server would."""

    def __init__(self, *addresses: str) -> None:
        self.addresses = addresses

    def resolveHostName(self, receiver: Any, host: str, port: int = 0, *args: Any) -> Any:
        receiver.resolutionBegan(object())
        for a in self.addresses:
            receiver.addressResolved(
                IPv6Address("TCP", a, port) if ":" in a else IPv4Address("TCP", a, port)
            )
        receiver.resolutionComplete()
        return receiver


class _Receiver:
    def __init__(self) -> None:
        self.addresses: list[str] = []
        self.complete = False

    def resolutionBegan(self, resolution: Any) -> None:
        pass

    def addressResolved(self, address: Any) -> None:
        self.addresses.append(address.host)

    def resolutionComplete(self) -> None:
        self.complete = True


def test_the_resolver_drops_refused_answers_while_a_guarded_crawl_runs() -> None:
    resolver = SsrfResolver(reactor=None, original=_FakeResolver("93.184.216.34", "127.0.0.1"))
    unguarded = _Receiver()
    resolver.resolveHostName(unguarded, "rebind.example", 80)
    assert unguarded.addresses == ["93.184.216.34", "127.0.0.1"]

    resolver.policies[1] = AddressPolicy()
    guarded = _Receiver()
    resolver.resolveHostName(guarded, "rebind.example", 80)
    assert guarded.addresses == ["93.184.216.34"]
    assert guarded.complete
    assert resolver.dropped == 1

    resolver.policies[1] = AddressPolicy(["127.0.0.1"])
    allowed = _Receiver()
    resolver.resolveHostName(allowed, "rebind.example", 80)
    assert allowed.addresses == ["93.184.216.34", "127.0.0.1"]


def test_the_resolver_applies_every_running_crawls_policy() -> None:
    resolver = SsrfResolver(reactor=None, original=_FakeResolver("10.1.1.1", "::1"))
    resolver.policies[1] = AddressPolicy(["10.0.0.0/8", "::1"])
    resolver.policies[2] = AddressPolicy(["::1"])
    receiver = _Receiver()
    resolver.resolveHostName(receiver, "intranet.example", 80)
    assert receiver.addresses == ["::1"]
