"""Where webhooks may go: public addresses only, checked when a URL is stored and when called.

A URL's host is resolved once per connection and every address it resolves to must be public;
the connection then goes to exactly those addresses (a resolver handed to aiohttp), so a name
cannot resolve to a public address for the check and to a private one for the connection.
`NOTIFICATIONS_WEBHOOK_ALLOWED_PRIVATE` names the host names and networks that may be private.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Awaitable, Callable, Iterable
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from yarl import URL

IPAddress = IPv4Address | IPv6Address
IPNetwork = IPv4Network | IPv6Network
Resolve = Callable[[str, int], Awaitable[list[str]]]

# Cloud instance metadata and host agents: refused even when a network holding them is allowed.
METADATA_NAMES = frozenset(
    {
        "metadata",
        "metadata.google.internal",
        "metadata.goog",
        "metadata.internal",
        "instance-data",
        "instance-data.ec2.internal",
        "metadata.tencentyun.com",
    }
)
METADATA_ADDRESSES = frozenset(
    ip_address(a)
    for a in (
        "169.254.169.254",
        "169.254.170.2",
        "169.254.170.23",
        "fd00:ec2::254",
        "fd00:ec2::23",
        "100.100.100.200",
        "168.63.129.16",
    )
)
NAT64 = ip_network("64:ff9b::/96")


class Refused(Exception):
    """A webhook URL that may not be called; the message says why, without the address."""


async def system_resolve(host: str, port: int) -> list[str]:
    """Every address `getaddrinfo` gives for a host, as a connection would look it up."""
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def _embedded(ip: IPv6Address) -> IPv4Address | None:
    """The IPv4 address an IPv4-mapped, 6to4 or NAT64 address leads to."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in NAT64:
        return IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def _category(ip: IPAddress) -> str | None:
    """What kind of non-public address `ip` is, or None for a public one."""
    if ip.is_loopback:
        return "a loopback address"
    if ip.is_unspecified:
        return "an unspecified address"
    if ip.is_link_local:
        return "a link-local address"
    if ip.is_multicast:
        return "a multicast address"
    if isinstance(ip, IPv6Address) and ip.is_site_local:
        return "a private address"
    if ip.is_private or ip.is_reserved or not ip.is_global:
        return "a private or reserved address"
    return None


def _literal(host: str) -> bool:
    """Whether aiohttp takes a host for an IP address and connects to it without resolving."""
    return ":" in host or host.replace(".", "").isdigit()


def _split(allowed: Iterable[str]) -> tuple[list[IPNetwork], frozenset[str]]:
    """The allow-list's networks and host names."""
    networks: list[IPNetwork] = []
    names: set[str] = set()
    for entry in allowed:
        try:
            networks.append(ip_network(entry.strip(), strict=False))
        except ValueError:
            names.add(entry.strip().rstrip(".").lower())
    return networks, frozenset(names)


class OutboundGuard:
    """Decides whether a webhook URL, and each address its host resolves to, may be called."""

    def __init__(self, allowed: Iterable[str] = (), *, resolve: Resolve = system_resolve) -> None:
        self.networks, self.names = _split(allowed)
        self.resolve = resolve

    def refusal(self, ip: IPAddress, *, trusted_name: bool = False) -> str | None:
        """Why a connection to `ip` is refused, or None when it is allowed."""
        if ip in METADATA_ADDRESSES:
            return "a cloud metadata address"
        if isinstance(ip, IPv6Address) and (inner := _embedded(ip)) is not None:
            reason = self.refusal(inner, trusted_name=trusted_name)
            if reason or ip.sixtofour is None:  # mapped and NAT64 addresses are their IPv4 one
                return reason
        if trusted_name or any(ip in network for network in self.networks):
            return None
        return _category(ip)

    def target(self, url: str) -> tuple[str, int]:
        """The host (as the connection spells it) and port of a URL that may be called."""
        try:
            parsed = URL(url)
            host, port = parsed.raw_host, parsed.port
        except ValueError:
            raise Refused("the URL cannot be read") from None
        if parsed.scheme not in ("http", "https"):
            raise Refused("only http and https URLs are allowed")
        if parsed.user is not None or parsed.password is not None:
            raise Refused("the URL must not hold a user name or password")
        if not host or port is None:
            raise Refused("the URL has no host")
        name = host.rstrip(".").lower()
        if name in METADATA_NAMES:
            raise Refused("the host is a cloud metadata service")
        trusted = name in self.names
        if not trusted and (name == "localhost" or name.endswith(".localhost")):
            raise Refused("the host is this machine")
        if _literal(host):
            try:
                ip = ip_address(host)
            except ValueError:
                raise Refused("the host is not a canonical IP address") from None
            reason = self.refusal(ip, trusted_name=trusted)
            if reason:
                raise Refused(f"the host is {reason}")
        return host, port

    async def addresses(self, host: str, port: int) -> list[str]:
        """Resolves a host once; every address must be allowed (`Refused`), else `OSError`."""
        found = await self.resolve(host, port)
        if not found:
            raise socket.gaierror(socket.EAI_NONAME, "no address")
        trusted = host.rstrip(".").lower() in self.names
        for address in found:
            plain = ip_address(address.partition("%")[0])  # a scope (`%eth0`) changes nothing
            reason = self.refusal(plain, trusted_name=trusted)
            if reason:
                raise Refused(f"the host resolves to {reason}")
        return found

    async def check(self, url: str) -> None:
        """Refuses a URL that is, or resolves to, a place webhooks may not go.

        A name that does not resolve yet passes: every delivery checks again.
        """
        host, port = self.target(url)
        if _literal(host):
            return
        with contextlib.suppress(OSError):
            await self.addresses(host, port)


class GuardedResolver(AbstractResolver):
    """aiohttp's resolver for webhooks: resolves once and hands on only checked addresses."""

    def __init__(self, guard: OutboundGuard) -> None:
        self.guard = guard

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_UNSPEC
    ) -> list[ResolveResult]:
        """The checked addresses of `host`, in the shape aiohttp connects to."""
        results: list[ResolveResult] = []
        for address in await self.guard.addresses(host, port):
            kind = socket.AF_INET6 if ":" in address else socket.AF_INET
            if family in (socket.AF_UNSPEC, kind):
                results.append(
                    {
                        "hostname": host,
                        "host": address,
                        "port": port,
                        "family": kind,
                        "proto": 0,
                        "flags": socket.AI_NUMERICHOST,
                    }
                )
        if not results:
            raise socket.gaierror(socket.EAI_NONAME, "no address")
        return results

    async def close(self) -> None:
        """Nothing to release."""


def client(guard: OutboundGuard, *, timeout: float) -> aiohttp.ClientSession:
    """An HTTP client that connects only where the guard allows, without proxies or caching."""
    connector = aiohttp.TCPConnector(resolver=GuardedResolver(guard), use_dns_cache=False)
    return aiohttp.ClientSession(
        connector=connector,
        timeout=aiohttp.ClientTimeout(total=timeout),
        trust_env=False,
        auto_decompress=False,
    )
