"""Canonical URLs and the record ids derived from them.

A record's id must survive a partner changing its guid, adding tracking parameters or
moving to https, so it is derived from the canonical URL, never from a feed's guid
(WordPress guids like `?p=123` are unique only within one site).
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

TRACKING_PARAMS = {"fbclid", "gclid", "mc_cid", "mc_eid", "ref", "igshid", "_hsenc", "_hsmi", "yclid"}


def _is_tracking(name: str) -> bool:
    return name.lower().startswith("utm_") or name.lower() in TRACKING_PARAMS


def canonicalize_url(url: str, https_hosts: Collection[str] | None = None) -> str:
    """Lowercase scheme and host; no default port, fragment or tracking parameters.

    `http` becomes `https` for the hosts in `https_hosts` (the partners whose homepage is
    https), or for every host when it is None. The path is kept as the site gave it.
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    if scheme == "http" and (https_hosts is None or host in https_hosts):
        scheme = "https"
    port = parts.port
    netloc = host
    if port and not (port in (80, 443) and scheme in ("http", "https")):
        netloc = f"{host}:{port}"
    path = parts.path or "/"
    query = urlencode(sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k)))
    return urlunsplit((scheme, netloc, path, query, ""))


def record_id(canonical_url: str) -> str:
    """A stable, file-name-safe id for the record of one canonical URL."""
    return hashlib.sha256(canonical_url.encode("utf-8")).hexdigest()[:32]
