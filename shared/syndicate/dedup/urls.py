"""Canonical URLs and the record ids derived from them.

A record's id must survive a partner changing its guid, adding tracking parameters or
moving to https, so it is derived from the canonical URL, never from a feed's guid
(WordPress guids like `?p=123` are unique only within one site).
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

TRACKING_PARAMS = {"fbclid", "gclid", "mc_cid", "mc_eid", "ref", "igshid", "_hsenc", "_hsmi", "yclid"}


def _is_tracking(name: str) -> bool:
    return name.lower().startswith("utm_") or name.lower() in TRACKING_PARAMS


@dataclass(frozen=True)
class UrlRules:
    """What the registry knows about partner hosts: which serve https, which are aliases."""

    https_hosts: frozenset[str] | None = None  # None: upgrade every host
    host_aliases: Mapping[str, str] = field(default_factory=dict)  # alias host -> canonical host


def canonicalize_url(url: str, https_hosts: Collection[str] | UrlRules | None = None) -> str:
    """Lowercase scheme and host; alias hosts mapped to the partner's host (a publicly indexed
    staging copy such as blogstest.lse.ac.uk); no default port, fragment or tracking
    parameters; a WordPress-style path without a file extension ends in '/'.

    `http` becomes `https` for the hosts in `https_hosts` (the partners whose homepage is
    https), or for every host when it is None.
    """
    rules = https_hosts if isinstance(https_hosts, UrlRules) else UrlRules(
        frozenset(https_hosts) if https_hosts is not None else None
    )
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    host = rules.host_aliases.get(host, host)
    if scheme == "http" and (rules.https_hosts is None or host in rules.https_hosts):
        scheme = "https"
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = host
    if port and not (port in (80, 443) and scheme in ("http", "https")):
        netloc = f"{host}:{port}"
    path = parts.path or "/"
    last = path.rsplit("/", 1)[-1]
    if last and "." not in last:
        path += "/"
    query = urlencode(sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k)))
    return urlunsplit((scheme, netloc, path, query, ""))


def record_id(canonical_url: str) -> str:
    """A stable, file-name-safe id for the record of one canonical URL."""
    return hashlib.sha256(canonical_url.encode("utf-8")).hexdigest()[:32]
