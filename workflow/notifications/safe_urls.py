"""Which webhook addresses Jieyue may call: public ones only, checked when saved and again when sent.

A webhook URL is typed by a person, so it must not turn Jieyue into a way into the office's own
network (server-side request forgery): loopback, private, link-local (the cloud metadata address
169.254.169.254 among them), carrier-grade NAT, multicast, unspecified and reserved addresses are
refused, in whatever spelling, unless an administrator names the host in WEBHOOK_ALLOWED_HOSTS.
The same `check_url` runs at save time and at send time; the sender then connects to the very
addresses it checked, so a second DNS answer cannot point the request elsewhere (rebinding).
"""
from __future__ import annotations

import ipaddress
import re
import socket
from dataclasses import dataclass
from typing import Callable, Iterable
from urllib.parse import urlsplit

from workflow.kernel.settings import ConfigurationError

DEFAULT_PORTS = {"http": 80, "https": 443}
# NAT64 gateways translate these prefixes to the IPv4 address in the last 32 bits (RFC 6052, 8215).
NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
# A host name of letters, digits, hyphens, underscores and dots once IDNA-encoded; anything else
# (percent signs, backslashes, spaces) is a spelling some parser reads differently from ours.
HOST_NAME = re.compile(r"^[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*$")
# The WHATWG URL rule: a host whose last label is a number is an IPv4 address, and resolvers read
# "2130706433", "0x7f.1" and "0177.0.0.1" as 127.0.0.1 (inet_aton's legacy forms).
NUMERIC_LABEL = re.compile(r"^(0x[0-9a-f]*|[0-9]+)$")
DOTTED_DECIMAL = re.compile(r"^(0|[1-9][0-9]{0,2})(\.(0|[1-9][0-9]{0,2})){3}$")

Resolver = Callable[[str, int], Iterable[str]]


class UnsafeUrl(ValueError):
    """The URL may not be called; the message says why in words a person can act on."""


@dataclass(frozen=True)
class Target:
    """Where a checked URL leads: connect to `addresses` (in order), send `host` as the Host header."""

    scheme: str
    host: str
    port: int
    path: str  # path and query, what goes on the request line
    addresses: tuple[str, ...]  # empty for an allow-listed host: it is connected to by name
    allowed: bool = False


def allowed_hosts(text: str | None) -> frozenset[str]:
    """WEBHOOK_ALLOWED_HOSTS ("hooks.office.local, 10.0.0.5, [fd00::1]") as normalised host names."""
    try:
        return frozenset(_normal_host(part) for part in (text or "").split(",") if part.strip())
    except UnsafeUrl as exc:
        raise ConfigurationError(f"WEBHOOK_ALLOWED_HOSTS: {exc}") from None


def system_resolver(host: str, port: int) -> list[str]:
    """Every address the system resolver gives for host (TCP), in its order of preference."""
    return [str(info[4][0]) for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)]


def check_url(url: str, allowed: frozenset[str] | Iterable[str] = frozenset(),
              resolve: Resolver | None = None) -> Target:
    """The URL's target if it may be called, else UnsafeUrl.

    Every address the host resolves to must be public; one inside address is enough to refuse,
    since a client may pick any of them.
    """
    if not isinstance(url, str) or not url or any(c.isspace() or ord(c) < 32 or c in "\\\x7f" for c in url):
        raise UnsafeUrl("Not a valid URL.")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise UnsafeUrl("Not a valid URL.") from None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise UnsafeUrl("Only http and https webhooks are allowed.")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise UnsafeUrl("A webhook URL may not carry a user name or password.")
    if not parts.hostname:
        raise UnsafeUrl("The URL has no host.")
    host = _normal_host(parts.hostname)
    port = port or DEFAULT_PORTS[scheme]
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    literal = _ip_literal(host)
    if host in set(allowed):
        return Target(scheme, host, port, path, (), allowed=True)
    if literal is not None:
        addresses = [literal]
    else:
        try:
            addresses = [ipaddress.ip_address(a) for a in (resolve or system_resolver)(host, port)]
        except (OSError, UnicodeError, ValueError):
            raise UnsafeUrl(f"The host {host} does not resolve.") from None
        if not addresses:
            raise UnsafeUrl(f"The host {host} does not resolve.")
    for address in addresses:
        if not is_public(address):
            where = f"{host} is" if literal is not None else f"The host {host} leads to {address},"
            raise UnsafeUrl(f"{where} an address inside a private or special network (loopback, private, "
                            "link-local, multicast or reserved); an administrator may allow it in WEBHOOK_ALLOWED_HOSTS.")
    return Target(scheme, host, port, path, tuple(str(a) for a in addresses))


def is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """True for an address on the public internet, also looking inside IPv6 forms that carry an IPv4 one."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.scope_id or address.is_site_local:
            return False
        for inner in _embedded_ipv4(address):
            if not is_public(inner):
                return False
    return address.is_global and not (address.is_multicast or address.is_reserved or address.is_unspecified
                                      or address.is_loopback or address.is_link_local or address.is_private)


def _embedded_ipv4(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    found = [address.ipv4_mapped, address.sixtofour, address.teredo[1] if address.teredo else None]
    if any(address in net for net in NAT64) or int(address) >> 32 == 0:  # NAT64, or ::a.b.c.d (compatible)
        found.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return [a for a in found if a is not None]


def _normal_host(host: str) -> str:
    """Lower case, no brackets or final dot, IDNA-encoded; an IP address in its canonical form."""
    host = host.strip().lower().strip("[]").rstrip(".")
    literal = _ip_literal(host)
    if literal is not None:
        return str(literal)
    try:
        name = host.encode("idna").decode("ascii")
    except UnicodeError:
        name = ""
    if not HOST_NAME.match(name):
        raise UnsafeUrl(f"The host {host} is not a valid name.")
    return name


def _ip_literal(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address a host spells, None for a name; UnsafeUrl for a number in any but dotted decimal."""
    if ":" in host:
        try:
            return ipaddress.IPv6Address(host)
        except ValueError:
            raise UnsafeUrl(f"The host {host} is not a valid IPv6 address.") from None
    if NUMERIC_LABEL.match(host.rsplit(".", 1)[-1]):
        if not DOTTED_DECIMAL.match(host):
            # 2130706433, 0x7f.1, 0177.0.0.1, 127.1: each reaches some address; none is how
            # anyone writes a webhook, and each is how a filter is dodged.
            raise UnsafeUrl(f"The host {host} is a number not written as four decimal parts (a.b.c.d).")
        try:
            return ipaddress.IPv4Address(host)
        except ValueError:
            raise UnsafeUrl(f"The host {host} is not a valid IPv4 address.") from None
    return None
