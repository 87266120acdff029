"""Which addresses a feed may come from: public ones, unless feeds.yaml allows private ones.

A feed URL is user input (/feeds add), so it must not become a way into the bot's own network:
the loopback interface, the LAN, or the cloud metadata service that hands out credentials. The
check is made where it cannot be dodged:

- on literal addresses in every spelling a resolver accepts (``2130706433``, ``0177.0.0.1``,
  ``0x7f.1``, ``[::ffff:127.0.0.1]``), before any connection;
- on the addresses a name resolves to, by a resolver that drops refused ones before the
  connector sees them. The connector connects only to what it returns, so a name that passed at
  ``/feeds add`` and later resolves to 127.0.0.1 (DNS rebinding) still fails;
- on every redirect hop, since each hop goes through both checks again.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network
from urllib.parse import unquote

from aiohttp.abc import AbstractResolver, ResolveResult

IPAddress = IPv4Address | IPv6Address

# Instance credentials live behind these (AWS, GCP and Azure; AWS over IPv6; AWS ECS tasks;
# Alibaba Cloud). Never a feed, so feeds.yaml's allow_private does not open them.
METADATA = frozenset(
    ip_address(a)
    for a in ("169.254.169.254", "fd00:ec2::254", "169.254.170.2", "100.100.100.200")
)

# Refused even with allow_private: no feed is served from them.
ALWAYS_REFUSED = frozenset({"cloud metadata", "unspecified", "multicast", "broadcast"})

_KINDS: tuple[tuple[IPv4Network | IPv6Network, str], ...] = tuple(
    (ip_network(net), kind)
    for net, kind in (
        # "This network": on Linux a connection to 0.0.0.0 reaches the local host.
        ("0.0.0.0/8", "unspecified"),
        ("::/128", "unspecified"),
        ("224.0.0.0/4", "multicast"),
        ("ff00::/8", "multicast"),
        ("255.255.255.255/32", "broadcast"),
        ("127.0.0.0/8", "loopback"),
        ("::1/128", "loopback"),
        ("10.0.0.0/8", "private"),
        ("172.16.0.0/12", "private"),
        ("192.168.0.0/16", "private"),
        ("fc00::/7", "private"),
        ("64:ff9b:1::/48", "private"),  # local-use NAT64
        ("169.254.0.0/16", "link-local"),
        ("fe80::/10", "link-local"),
        ("fec0::/10", "site-local"),  # deprecated, still routed inside some networks
        ("100.64.0.0/10", "carrier-grade NAT"),
    )
)

# IPv6 forms that carry an IPv4 address: a connection to them reaches (or is translated to) that
# IPv4 address, so they are judged by it. IPv4-mapped, IPv4-compatible, and NAT64.
_CARRIES_IPV4 = tuple(ip_network(n) for n in ("::ffff:0:0/96", "::/96", "64:ff9b::/96"))

# Names that mean an address by definition (RFC 6761), judged without asking DNS.
_NAMED = {
    "localhost": ip_address("127.0.0.1"),
    "localhost.localdomain": ip_address("127.0.0.1"),
    "ip6-localhost": ip_address("::1"),
    "ip6-loopback": ip_address("::1"),
    "metadata.google.internal": ip_address("169.254.169.254"),
}

# One part of an inet_aton address: hexadecimal, octal (a leading 0) or decimal.
_PART = re.compile(r"0[xX][0-9a-fA-F]*|0[0-7]*|[1-9][0-9]*")


class BlockedAddress(OSError):
    """Raised by GuardedResolver; an OSError because that is what aiohttp expects of a resolver."""


def address_kind(ip: IPAddress) -> str | None:
    """What kind of non-public address ``ip`` is ("loopback", "private", ...); None if public."""
    if isinstance(ip, IPv6Address) and ip.scope_id:
        ip = IPv6Address(int(ip))  # the zone does not change where the address points
    if ip in METADATA:
        return "cloud metadata"
    for net, kind in _KINDS:
        if ip.version == net.version and ip in net:
            return kind
    if isinstance(ip, IPv6Address) and (carried := _carried_ipv4(ip)) is not None:
        return address_kind(carried)
    return None if ip.is_global else "reserved"


def _carried_ipv4(ip: IPv6Address) -> IPv4Address | None:
    if ip.sixtofour is not None:
        return ip.sixtofour
    if any(ip in net for net in _CARRIES_IPV4):
        return IPv4Address(int(ip) & 0xFFFF_FFFF)
    return None


def _same_host(ip: IPAddress) -> IPAddress:
    """::ffff:127.0.0.1 is 127.0.0.1: an allowance for one is one for the other."""
    if isinstance(ip, IPv6Address):
        plain = IPv6Address(int(ip))
        return plain.ipv4_mapped or plain
    return ip


@dataclass(frozen=True, slots=True)
class AddressPolicy:
    allow_private: bool = False  # feeds.yaml fetch.allow_private: self-hosted feeds on the LAN
    # Exact addresses let through although private: the demo's or a test's own local server.
    allow: frozenset[IPAddress] = frozenset()

    @classmethod
    def build(cls, allow_private: bool = False, allow: Iterable[str] = ()) -> AddressPolicy:
        return cls(allow_private, frozenset(_same_host(ip_address(a)) for a in allow))

    def refusal(self, ip: IPAddress) -> str | None:
        """The kind of address ``ip`` is when it is refused; None when it may be connected to."""
        kind = address_kind(ip)
        if kind is None or kind in ALWAYS_REFUSED:
            return kind
        if self.allow_private or _same_host(ip) in self.allow:
            return None
        return kind


def literal_address(host: str) -> IPAddress | None:
    """The address a host names without DNS, in any spelling; None for an ordinary name.

    Covers dotted quads, IPv6 (bracketed or not, with a zone), percent-encoding, a trailing dot,
    inet_aton's legacy forms (``2130706433``, ``0177.0.0.1``, ``0x7f.1``, ``127.1``), which
    resolvers still accept, and the names that mean an address by definition (``localhost``).
    """
    host = unquote(host).strip().removeprefix("[").removesuffix("]").rstrip(".").lower()
    if not host:
        return None
    if host in _NAMED:
        return _NAMED[host]
    if host.endswith(".localhost"):
        return _NAMED["localhost"]
    try:
        return ip_address(host)
    except ValueError:
        return _inet_aton(host)


def _inet_aton(host: str) -> IPv4Address | None:
    parts = host.split(".")
    # 12 digits hold any 32-bit number in octal, leading zero included; longer is no address
    # (and past 4,300 digits int() refuses to read it at all).
    if len(parts) > 4 or not all(_PART.fullmatch(p) and len(p) <= 12 for p in parts):
        return None
    values = [
        int(p[2:] or "0", 16) if p[:2] in ("0x", "0X") else int(p, 8) if p[0] == "0" else int(p)
        for p in parts
    ]
    # The last part fills the bytes the others leave: "127.1" is 127.0.0.1.
    *head, last = values
    if any(v > 0xFF for v in head) or last >= 1 << (8 * (4 - len(head))):
        return None
    number = last
    for i, value in enumerate(head):
        number |= value << (8 * (3 - i))
    return IPv4Address(number)


def _a(kind: str) -> str:
    return f"an {kind}" if kind[0] in "aeiou" else f"a {kind}"


@dataclass(frozen=True, slots=True)
class Refusal:
    reason: str  # one line, e.g. "0177.0.0.1 (127.0.0.1) is a loopback address"
    kind: str  # "loopback", "private", "cloud metadata", ...

    @property
    def private_only(self) -> bool:
        """fetch.allow_private would let it through."""
        return self.kind not in ALWAYS_REFUSED


def host_refusal(host: str, policy: AddressPolicy) -> Refusal | None:
    """Why ``host`` is refused when it is an address (or localhost); None for a name or allowed."""
    ip = literal_address(host)
    if ip is None or (kind := policy.refusal(ip)) is None:
        return None
    shown = unquote(host).removeprefix("[").removesuffix("]")
    # Name what the spelling stands for: 0177.0.0.1 is 127.0.0.1, ::ffff:a9fe:a9fe is 169.254...
    meant = str((_carried_ipv4(ip) if isinstance(ip, IPv6Address) else None) or ip)
    spelled = "" if shown == meant else f" ({meant})"
    return Refusal(f"{shown}{spelled} is {_a(kind)} address", kind)


class GuardedResolver(AbstractResolver):
    """Resolves through ``inner``, then drops every address the policy refuses.

    The connector connects only to what this returns, so the check is on the address actually
    connected to, at every connection: not once when the feed was added.
    """

    def __init__(self, policy: AddressPolicy, inner: AbstractResolver) -> None:
        self.policy = policy
        self._inner = inner

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        fixed = literal_address(host)
        if fixed is not None:  # legacy spellings and localhost: never worth a DNS query
            if refusal := host_refusal(host, self.policy):
                raise BlockedAddress(refusal.reason)
            return [_result(host, fixed, port)]
        found = await self._inner.resolve(host, port, family)
        allowed = [r for r in found if self.policy.refusal(ip_address(r["host"])) is None]
        if allowed:
            return allowed
        if not found:
            raise BlockedAddress(f"{host} has no address")
        first = ip_address(found[0]["host"])
        kind = self.policy.refusal(first) or "refused"
        raise BlockedAddress(f"{host} resolves to {first}, {_a(kind)} address")

    async def close(self) -> None:
        await self._inner.close()


def _result(host: str, ip: IPAddress, port: int) -> ResolveResult:
    family = socket.AF_INET if ip.version == 4 else socket.AF_INET6
    return ResolveResult(hostname=host, host=str(ip), port=port, family=family, proto=0, flags=0)
