"""The address guard: which IPs we may connect to, and a connection layer that enforces it.

Why at the connection layer: checking a URL's host and then letting the HTTP library
resolve it again leaves a window (DNS rebinding: the first answer is public, the second is
169.254.169.254). Here httpcore asks `GuardedBackend.connect_tcp(host, port)` for a socket;
we resolve once, check every address the name has, and connect to one of those checked IP
literals. TLS still uses the hostname (httpcore passes it as SNI and for certificate checks
to `start_tls`), and the Host header is untouched, because neither comes from this layer.

The same layer enforces the total deadline: every read, write and handshake gets at most
the time left, so a server dripping one byte a second cannot outlast it.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

import httpcore

Resolver = Callable[[str, int], list[str]]
ConnectHook = Callable[[str, int], None]
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

__all__ = [
    "AddressPolicy",
    "AddressRefused",
    "ConnectHook",
    "GuardedBackend",
    "NameNotResolved",
    "Resolver",
    "allowed_networks",
    "deadline_scope",
    "system_resolver",
]

# Cloud metadata endpoints: never reachable, whatever the policy allows (AWS IMDS over IPv4
# and IPv6, the ECS task credential endpoint, Alibaba's metadata service).
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a) for a in ("169.254.169.254", "fd00:ec2::254", "169.254.170.2", "100.100.100.200")
)
_THIS_NETWORK = ipaddress.ip_network("0.0.0.0/8")  # Linux connects 0.x.x.x to the local host
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
# The only ranges an allow-list may open: private networks (RFC 1918, unique-local RFC 4193),
# where a local test site lives (Docker's bridge is 172.17.0.0/16). Public addresses need no
# allow-list; link-local, loopback, multicast and the rest have no business being opened.
ALLOWABLE_NETWORKS: tuple[IPNetwork, ...] = tuple(
    ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7")
)


class AddressRefused(Exception):
    """Raised inside the connection layer; the client turns it into `Refused` with the URL."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class NameNotResolved(AddressRefused):
    """The resolver gave no address. `transient` is False only when DNS said the name does
    not exist (or has no address record); resolver trouble may clear up."""

    def __init__(self, reason: str, *, transient: bool) -> None:
        super().__init__(reason)
        self.transient = transient


# getaddrinfo's "no such name" answers (EAI_NODATA is not defined everywhere).
_NO_SUCH_NAME = frozenset(
    code for code in (getattr(socket, "EAI_NONAME", None), getattr(socket, "EAI_NODATA", None)) if code is not None
)


def system_resolver(host: str, port: int) -> list[str]:
    """Every address the system resolver gives for `host` (IPv4 and IPv6), deduplicated."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    seen: dict[str, None] = {}
    for info in infos:
        seen.setdefault(str(info[4][0]), None)
    return list(seen)


def allowed_networks(spec: str | Iterable[str]) -> tuple[IPNetwork, ...]:
    """Parse an allow-list of private networks (`SYNDICATE_ALLOW_NETWORKS`: comma- or
    space-separated CIDRs, e.g. "172.17.0.1/32"); raise ValueError naming any entry refused.

    Why so strict: this is how `sam local invoke` reaches a test site on Docker's bridge,
    and the same variable in a deployed stack must not be able to open the whole internal
    network by a typo. Each entry must lie inside a private range (ALLOWABLE_NETWORKS), so
    0.0.0.0/0, ::/0, link-local (169.254.0.0/16, fe80::/10) and loopback are refused, and
    must not contain a cloud metadata address (fd00:ec2::254 sits in unique-local space).
    Host bits must be zero ("172.17.0.1/16" is refused: did it mean /32 or 172.17.0.0/16?).
    """
    entries = spec.replace(",", " ").split() if isinstance(spec, str) else [e.strip() for e in spec]
    networks: list[IPNetwork] = []
    for entry in filter(None, entries):
        try:
            network = ipaddress.ip_network(entry, strict=True)
        except ValueError as exc:
            raise ValueError(f"allowed network {entry!r} is not a network in CIDR form: {exc}") from None
        if network.prefixlen == 0:
            raise ValueError(f"allowed network {entry!r} would allow every address")
        if not any(network.network_address in r and network.broadcast_address in r for r in ALLOWABLE_NETWORKS):
            ranges = ", ".join(map(str, ALLOWABLE_NETWORKS))
            raise ValueError(f"allowed network {entry!r} is not inside a private range ({ranges})")
        metadata = [a for a in METADATA_ADDRESSES if a in network]
        if metadata:
            raise ValueError(f"allowed network {entry!r} contains the cloud metadata address {metadata[0]}")
        networks.append(network)
    return tuple(networks)


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (mapped, 6to4, Teredo, NAT64, compatible)."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if any(ip in net for net in _NAT64):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    value = int(ip)
    if 1 < value < 2**32:  # deprecated IPv4-compatible ::a.b.c.d (not :: or ::1)
        return ipaddress.IPv4Address(value)
    return None


@dataclass
class AddressPolicy:
    """Which destination addresses we may connect to. Only public ones, by default.

    `allow_loopback` opens 127.0.0.0/8 and ::1 (the demo and test servers); `allow_private`
    opens RFC 1918, unique-local and other non-global unicast ranges. Link-local (cloud
    metadata lives at 169.254.169.254), multicast, reserved and unspecified addresses are
    refused whatever these say. `allow_endpoints` lists exact (address, port) pairs that are
    allowed even so: a test can open its one loopback server and still prove that a redirect
    to 127.0.0.1 on any other port is refused. `allow_networks` opens only the private
    networks listed (checked by `allowed_networks`), for a test site on Docker's bridge
    without `allow_private`.
    """

    allow_loopback: bool = False
    allow_private: bool = False
    allow_endpoints: frozenset[tuple[str, int]] = field(default_factory=frozenset)
    allow_networks: tuple[IPNetwork, ...] = ()

    def __post_init__(self) -> None:
        # Re-check what was passed in: a policy built in code obeys the same limits as the
        # environment variable.
        self.allow_networks = allowed_networks(str(n) for n in self.allow_networks)

    def refusal(self, address: str, port: int | None = None) -> str | None:
        """Why connecting to `address` (on `port`) is refused, or None when it is allowed."""
        try:
            ip = ipaddress.ip_address(address.split("%")[0].strip("[]"))
        except ValueError:
            return f"not an IP address: {address!r}"
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            # ::ffff:a.b.c.d is a.b.c.d on the wire: judge it as that, so loopback stays loopback.
            return self.refusal(str(ip.ipv4_mapped), port)
        if ip in METADATA_ADDRESSES:
            return "cloud metadata address"
        if port is not None and (str(ip), port) in self._endpoints():
            return None
        if any(ip in network for network in self.allow_networks):
            return None
        reason = self._classify(ip)
        if reason is None and isinstance(ip, ipaddress.IPv6Address):
            inner = _embedded_ipv4(ip)
            if inner is not None and (inner_reason := self._classify(inner)) is not None:
                reason = f"{inner_reason} ({inner} inside an IPv6 address)"
        return reason

    def _endpoints(self) -> set[tuple[str, int]]:
        return {(str(ipaddress.ip_address(a)), p) for a, p in self.allow_endpoints}

    def _classify(self, ip: IPAddress) -> str | None:
        if ip in METADATA_ADDRESSES:
            return "cloud metadata address"
        if ip.is_unspecified or (isinstance(ip, ipaddress.IPv4Address) and ip in _THIS_NETWORK):
            return "unspecified address"
        if ip.is_loopback:
            return None if self.allow_loopback else "loopback address"
        if ip.is_link_local:
            return "link-local address (cloud metadata lives there)"
        if ip.is_multicast:
            return "multicast address"
        if ip.is_reserved or (isinstance(ip, ipaddress.IPv4Address) and int(ip) == 0xFFFFFFFF):
            return "reserved address"
        site_local = isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local
        if ip.is_private or site_local or not ip.is_global:
            return None if self.allow_private else "private address"
        return None


# -- the total deadline -------------------------------------------------------------------

# Monotonic time by which the current request (in this thread or task) must be complete.
_DEADLINE: ContextVar[float | None] = ContextVar("syndicate_fetch_deadline", default=None)


@contextlib.contextmanager
def deadline_scope(deadline: float | None) -> Iterator[None]:
    """Within this block, every network operation of this thread ends by `deadline`."""
    token = _DEADLINE.set(deadline)
    try:
        yield
    finally:
        _DEADLINE.reset(token)


def time_left() -> float | None:
    """Seconds left before the current deadline (None when there is none)."""
    deadline = _DEADLINE.get()
    return None if deadline is None else deadline - time.monotonic()


def _bounded(timeout: float | None, expired: type[Exception]) -> float | None:
    left = time_left()
    if left is None:
        return timeout
    if left <= 0:
        raise expired("total deadline passed")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    """A socket stream whose every operation is cut short at the request's deadline."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _bounded(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _bounded(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        tls = self._inner.start_tls(ssl_context, server_hostname, _bounded(timeout, httpcore.ConnectTimeout))
        return _DeadlineStream(tls)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


def _resolve_within(resolver: Resolver, host: str, port: int, timeout: float | None) -> list[str]:
    """Run the resolver, giving up after `timeout`: getaddrinfo itself has no deadline.

    The lookup runs in a daemon thread so a resolver that hangs costs a parked thread, not
    the request's deadline (nor the interpreter's exit).
    """
    if timeout is None:
        return resolver(host, port)
    outcome: list[list[str] | BaseException] = []

    def work() -> None:
        try:
            outcome.append(resolver(host, port))
        except BaseException as exc:
            outcome.append(exc)

    worker = threading.Thread(target=work, name=f"resolve-{host}", daemon=True)
    worker.start()
    worker.join(timeout)
    if not outcome:
        raise httpcore.ConnectTimeout(f"resolving {host} took longer than {timeout:.3g} s")
    result = outcome[0]
    if isinstance(result, BaseException):
        raise result
    return result


class GuardedBackend(httpcore.NetworkBackend):
    """httpcore's network layer, with the address guard in front of every TCP connect."""

    def __init__(
        self,
        policy: AddressPolicy,
        resolver: Resolver = system_resolver,
        *,
        inner: httpcore.NetworkBackend | None = None,
        on_connect: ConnectHook | None = None,
    ) -> None:
        self.policy = policy
        self.resolver = resolver
        self.on_connect = on_connect
        self._inner = inner or httpcore.SyncBackend()

    def checked_addresses(self, host: str, port: int, timeout: float | None = None) -> list[str]:
        """Resolve `host` once and return its addresses, or raise AddressRefused if ANY is refused.

        One bad address is enough to refuse the name: an attacker who controls DNS can put a
        public and a private address side by side and hope we try the private one.
        """
        literal = host.strip("[]")
        try:
            ipaddress.ip_address(literal.split("%")[0])
            addresses = [literal]
        except ValueError:
            try:
                addresses = _resolve_within(self.resolver, host, port, timeout)
            except UnicodeError as exc:  # a name the IDNA codec will not encode
                raise NameNotResolved(f"cannot resolve host {host!r}: {exc}", transient=False) from exc
            except OSError as exc:
                missing = isinstance(exc, socket.gaierror) and exc.errno in _NO_SUCH_NAME
                raise NameNotResolved(f"cannot resolve host {host!r}: {exc}", transient=not missing) from exc
        if not addresses:
            raise NameNotResolved(f"host {host!r} has no address", transient=False)
        for address in addresses:
            reason = self.policy.refusal(address, port)
            if reason:
                shown = f"{host} is" if host == address else f"{host} resolves to {address}, which is"
                hint = " (use --allow-loopback for a local test server)" if reason == "loopback address" else ""
                raise AddressRefused(f"refused: {shown} a {reason}{hint}")
        return addresses

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        addresses = self.checked_addresses(host, port, _bounded(timeout, httpcore.ConnectTimeout))
        failure: Exception | None = None
        for address in addresses:
            if self.on_connect is not None:
                self.on_connect(address, port)
            try:
                stream = self._inner.connect_tcp(
                    address,  # the checked IP literal: no second resolution
                    port,
                    timeout=_bounded(timeout, httpcore.ConnectTimeout),
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
                continue
            return _DeadlineStream(stream)
        assert failure is not None
        raise failure

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        raise AddressRefused("unix sockets are never fetched")

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)
