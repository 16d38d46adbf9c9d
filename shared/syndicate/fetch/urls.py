"""Which URLs the client will fetch, decided once, before anything is resolved or sent.

Why a check of our own in front of httpx: URLs come from partner feeds and from redirects,
and httpx's parser raises its own exceptions (`InvalidURL`, and idna's `IDNAError` only
when `.host` is first read, deep inside sending) that would escape the client. Worse, URL
parsers disagree on odd hosts, and an address check is only as good as the agreement
between the parser that checks and the one that connects:

- IPv4 in octal, hex, integer or shortened form (`0177.0.0.1`, `0x7f.1`, `2130706433`,
  `127.1`): the C resolver reads them as 127.0.0.1, a browser too, `ipaddress` and httpx
  refuse or pass them on. No partner publishes such a link, so they are refused as invalid
  rather than interpreted: whatever a later layer would make of them, nothing connects.
- A host that `urllib.parse` (what the registry, dedup and the host checks read) and httpx
  (what connects) see differently is refused, so no check can be made about one host
  while the request goes to another.
- Host names must be LDH labels (letters, digits, hyphens; underscores tolerated as DNS
  does) of at most 63 characters, 253 in all; IDNs must encode under IDNA 2008; IPv6
  literals must parse and carry no zone.

Everything wrong here is `InvalidUrl` (permanent: the same URL will never work), except a
scheme other than http(s), which is a `Refused` policy decision as before.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from .errors import InvalidUrl, Refused

__all__ = ["MAX_URL_LENGTH", "FetchTarget", "fetch_target"]

#: Longer URLs are refused outright (servers commonly stop at 8 KiB anyway).
MAX_URL_LENGTH = 8192
_LABEL = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?")
_NUMERIC_LABEL = re.compile(r"[0-9]+|0x[0-9a-f]*")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class FetchTarget:
    """A URL the client may fetch: the parsed URL httpx sends, its host (lowercase, as
    `urllib.parse` gives it: the key for per-host limits and robots.txt) and port."""

    url: httpx.URL
    host: str
    port: int


def fetch_target(url: str) -> FetchTarget:
    """Parse and check `url`; InvalidUrl (or Refused for a non-http(s) scheme) otherwise.

    Never raises anything but those two: this is where odd strings stop.
    """
    if not isinstance(url, str):
        raise InvalidUrl(repr(url), "not a string")
    if len(url) > MAX_URL_LENGTH:
        raise InvalidUrl(url[:200] + "...", f"URL longer than {MAX_URL_LENGTH} characters")
    if match := _CONTROL.search(url):
        raise InvalidUrl(url, f"control character {match.group()!r} in URL")
    try:
        split = urlsplit(url)
        split_host = split.hostname
        split_port = split.port
    except ValueError as exc:
        raise InvalidUrl(url, f"not a valid URL: {exc}") from exc
    scheme = split.scheme.lower()
    if scheme not in ("http", "https"):
        raise Refused(url, f"scheme {scheme or 'none'!r} not allowed (only http and https)")
    if "\\" in split.netloc:
        raise InvalidUrl(url, "backslash in the host part (parsers disagree on where the host ends)")
    if split_host and ":" not in split_host:
        _check_ipv4_form(url, split_host)  # before httpx, which has its own words for some of them
    try:
        parsed = httpx.URL(url)
        host = parsed.host  # decodes an IDN's A-labels: IDNAError surfaces here, not later
        raw_host = parsed.raw_host.decode("ascii")
        port = parsed.port
    except (httpx.InvalidURL, UnicodeError, ValueError, TypeError) as exc:
        raise InvalidUrl(url, f"not a valid URL: {exc or type(exc).__name__}") from exc
    if not raw_host:
        raise InvalidUrl(url, "no host in URL")
    if port is not None and not 0 < port < 65536:
        raise InvalidUrl(url, f"port {port} out of range")
    _check_host(url, raw_host)
    if (split_host or "") != host.lower() or split_port != port:
        raise InvalidUrl(url, "ambiguous URL: parsers disagree on its host or port")
    return FetchTarget(parsed, host.lower(), port or (443 if scheme == "https" else 80))


def _check_ipv4_form(url: str, host: str) -> bool:
    """True for a dotted-quad IPv4 host; InvalidUrl for a host that WHATWG would read as IPv4
    in a legacy form (its last label is a number); False for any other host name."""
    name = host.lower()
    labels = name[:-1].split(".") if name.endswith(".") else name.split(".")
    if not _NUMERIC_LABEL.fullmatch(labels[-1]):
        return False
    # WHATWG reads a host ending in a number as IPv4, in any of its legacy forms; we take
    # only the one form everybody reads the same way.
    try:
        ipaddress.IPv4Address(".".join(labels))
    except ValueError:
        raise InvalidUrl(
            url, f"{host!r} is not a dotted-quad IPv4 address (octal, hex, integer and short forms are refused)"
        ) from None
    return True


def _check_host(url: str, host: str) -> None:
    """Raise InvalidUrl unless `host` (ASCII, as sent) is an IPv6 literal, a dotted-quad IPv4
    address or a well-formed host name."""
    if ":" in host:
        if "%" in host:
            raise InvalidUrl(url, "IPv6 zone identifiers are not fetched")
        try:
            ipaddress.IPv6Address(host)
        except ValueError as exc:
            raise InvalidUrl(url, f"invalid IPv6 address: {exc}") from exc
        return
    name = host.lower()
    labels = name[:-1].split(".") if name.endswith(".") else name.split(".")
    if _check_ipv4_form(url, name):
        return
    if len(name.rstrip(".")) > 253:
        raise InvalidUrl(url, "host name longer than 253 characters")
    for label in labels:
        if not _LABEL.fullmatch(label):
            raise InvalidUrl(url, f"invalid host name {host!r}")
