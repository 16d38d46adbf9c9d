"""One HTTP client for feeds and pages, safe to point at URLs other people control.

Why not plain `httpx.get`: the URLs come from partner feeds, so a feed could send us to
`http://169.254.169.254/` (the Lambda's credentials) or to an endless body. Every request,
and every redirect hop, is checked against an address guard before connecting; bodies are
capped while streaming (after decompression); a total deadline bounds slow drips.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import httpx

DEFAULT_USER_AGENT = "syndicate/0.1 (content syndication bot)"
REDIRECT_CODES = {301, 302, 303, 307, 308}

Resolver = Callable[[str, int], list[str]]


class FetchError(Exception):
    """A fetch that failed; `str()` names the URL and the reason."""

    def __init__(self, url: str, reason: str, status: int | None = None) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason
        self.status = status


@dataclass
class FetchResult:
    url: str
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    @property
    def etag(self) -> str | None:
        return self.headers.get("etag")

    @property
    def last_modified(self) -> str | None:
        return self.headers.get("last-modified")

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    @property
    def not_modified(self) -> bool:
        return self.status == 304


def system_resolver(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({str(info[4][0]) for info in infos})


@dataclass
class AddressPolicy:
    """Which destination addresses we may connect to. Only public ones, by default."""

    allow_loopback: bool = False
    allow_private: bool = False

    def refusal(self, address: str) -> str | None:
        """Why `address` is refused, or None when it is allowed."""
        ip = ipaddress.ip_address(address.split("%")[0])
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
            ip = ip.ipv4_mapped
        if ip.is_loopback:
            return None if self.allow_loopback else "loopback address"
        if ip.is_link_local:
            return "link-local address (cloud metadata lives there)"
        if ip.is_multicast:
            return "multicast address"
        if ip.is_unspecified or ip.is_reserved:
            return "reserved address"
        if ip.is_private or not ip.is_global:
            return None if self.allow_private else "private address"
        return None


class HttpClient:
    """GET with conditional headers, redirects checked hop by hop, and hard caps."""

    def __init__(
        self,
        *,
        user_agent: str = DEFAULT_USER_AGENT,
        policy: AddressPolicy | None = None,
        resolver: Resolver = system_resolver,
        connect_timeout: float = 10.0,
        total_timeout: float = 30.0,
        max_bytes: int = 10 * 1024 * 1024,
        max_redirects: int = 5,
    ) -> None:
        self.policy = policy or AddressPolicy()
        self.resolver = resolver
        self.total_timeout = total_timeout
        self.max_bytes = max_bytes
        self.max_redirects = max_redirects
        self._client = httpx.Client(
            follow_redirects=False,
            timeout=httpx.Timeout(total_timeout, connect=connect_timeout),
            headers={"User-Agent": user_agent, "Accept-Encoding": "gzip, deflate"},
            trust_env=False,
        )

    def close(self) -> None:
        self._client.close()

    def check_url(self, url: str) -> None:
        """Refuse non-http(s) URLs and hosts that resolve to a refused address."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise FetchError(url, f"scheme {parts.scheme or 'none'!r} not allowed (only http and https)")
        host = parts.hostname
        if not host:
            raise FetchError(url, "no host in URL")
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError as exc:
            raise FetchError(url, f"bad port: {exc}") from exc
        try:
            addresses = self.resolver(host, port)
        except (OSError, UnicodeError) as exc:
            raise FetchError(url, f"cannot resolve host {host!r}: {exc}") from exc
        if not addresses:
            raise FetchError(url, f"host {host!r} has no address")
        for address in addresses:
            reason = self.policy.refusal(address)
            if reason:
                hint = " (use --allow-loopback for a local test server)" if "loopback" in reason else ""
                raise FetchError(url, f"refused: {host} resolves to {address}, a {reason}{hint}")

    def get(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        accept: str = "*/*",
        max_bytes: int | None = None,
    ) -> FetchResult:
        """Fetch `url`; a 304 comes back as a result, any other non-2xx as FetchError."""
        limit = max_bytes or self.max_bytes
        deadline = time.monotonic() + self.total_timeout
        headers = {"Accept": accept}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        current = url
        for _hop in range(self.max_redirects + 1):
            self.check_url(current)
            try:
                with self._client.stream("GET", current, headers=headers) as response:
                    if response.status_code in REDIRECT_CODES:
                        location = response.headers.get("location")
                        if not location:
                            raise FetchError(current, f"HTTP {response.status_code} redirect without Location")
                        current = urljoin(current, location)
                        continue
                    result = FetchResult(
                        url=current,
                        status=response.status_code,
                        headers={k.lower(): v for k, v in response.headers.items()},
                    )
                    if response.status_code == 304:
                        return result
                    if response.status_code >= 400 or response.status_code < 200:
                        raise FetchError(current, f"HTTP {response.status_code}", status=response.status_code)
                    result.body = self._read_capped(response, current, limit, deadline)
                    return result
            except httpx.TimeoutException as exc:
                raise FetchError(current, f"timed out ({type(exc).__name__})") from exc
            except httpx.HTTPError as exc:
                raise FetchError(current, f"{type(exc).__name__}: {exc}") from exc
        raise FetchError(url, f"more than {self.max_redirects} redirects")

    def _read_capped(self, response: httpx.Response, url: str, limit: int, deadline: float) -> bytes:
        declared = response.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > limit:
            raise FetchError(url, f"body of {declared} bytes is over the {limit}-byte cap")
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > limit:
                raise FetchError(url, f"body over the {limit}-byte cap (after decompression)")
            if time.monotonic() > deadline:
                raise FetchError(url, f"timed out: body not complete within {self.total_timeout:g} s")
            chunks.append(chunk)
        return b"".join(chunks)
