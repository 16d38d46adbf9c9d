"""partners.yaml: the registry of partners, their feeds, profiles and licence agreements.

Adding a partner is a config change, never a code change. Because the registry is edited by
hand, every mistake is reported with the file, the partner and the key, e.g.
`partners.yaml: partner 'cgsp': unknown key 'feed' (did you mean 'feeds'?)`.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from .dedup.urls import UrlRules, canonicalize_url
from .extract.profiles import profile_names
from .model import Licence

REPUBLISH = ("full", "excerpt", "link")
#: `page_licence`: may the partner's pages widen the registry's licence? `narrow` (the default):
#: a page may only narrow it, a wider claim is kept as `claimed_licence` for review. `trusted`:
#: the partner states each article's licence on its pages (per blog, per date), and a page's
#: licence applies up to what it permits.
PAGE_LICENCE = ("narrow", "trusted")
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
_SPDX_RE = re.compile(r"^(LicenseRef-[A-Za-z0-9.-]+|[A-Za-z0-9.+-]+)$")

_TOP_KEYS = {"partners", "publish"}
_PARTNER_KEYS = {"id", "name", "homepage", "feeds", "profile", "licence", "host_aliases", "page_licence"}
_FEED_KEYS = {"url", "poll_minutes"}
_LICENCE_KEYS = {"spdx", "url", "republish"}
_PUBLISH_KEYS = {"base_url", "page_size", "title", "home_page_url"}


class RegistryError(ValueError):
    """A registry problem, worded for the person editing the file."""


@dataclass(frozen=True)
class FeedConfig:
    url: str
    poll_minutes: int = 30


@dataclass(frozen=True)
class Partner:
    id: str
    name: str
    homepage: str
    feeds: tuple[FeedConfig, ...]
    profile: str
    licence: Licence
    rank: int = 0
    host_aliases: tuple[str, ...] = ()
    page_licence: str = "narrow"

    @property
    def pages_state_licence(self) -> bool:
        """Whether a licence on this partner's pages may widen the registry's (see PAGE_LICENCE)."""
        return self.page_licence == "trusted"

    @property
    def host(self) -> str:
        return urlsplit(self.homepage).hostname or ""

    @property
    def hosts(self) -> set[str]:
        hosts = {self.host, *self.host_aliases}
        hosts |= {urlsplit(f.url).hostname or "" for f in self.feeds}
        return {h for h in hosts if h}


@dataclass(frozen=True)
class PublishConfig:
    base_url: str | None = None
    page_size: int = 50
    title: str = "syndicate"
    #: the site that presents the feeds (the aggregate feed's home_page_url); default: base_url's site
    home_page_url: str | None = None


@dataclass
class Registry:
    source: str
    partners: list[Partner] = field(default_factory=list)
    publish: PublishConfig = field(default_factory=PublishConfig)

    def url_rules(self) -> UrlRules:
        """Canonicalization rules from the partners: https hosts and staging/alias hosts."""
        https = frozenset(h for p in self.partners if p.homepage.startswith("https://") for h in p.hosts)
        aliases = {alias: p.host for p in self.partners for alias in p.host_aliases}
        return UrlRules(https_hosts=https, host_aliases=aliases)

    def partner_for_url(self, url: str) -> Partner | None:
        """The partner whose homepage is the longest prefix of `url` (host aliases count)."""
        rules = self.url_rules()
        canonical = canonicalize_url(url, rules)
        best: Partner | None = None
        best_len = -1
        for p in self.partners:
            home = canonicalize_url(p.homepage, rules)
            if canonical.startswith(home) and len(home) > best_len:
                best, best_len = p, len(home)
        return best

    def partner(self, partner_id: str) -> Partner:
        for p in self.partners:
            if p.id == partner_id:
                return p
        raise RegistryError(f"{self.source}: no partner with id {partner_id!r}")


def _unknown(keys: Mapping[str, Any], allowed: set[str], where: str) -> None:
    for key in keys:
        if key not in allowed:
            hint = difflib.get_close_matches(str(key), sorted(allowed), n=1)
            extra = f" (did you mean {hint[0]!r}?)" if hint else ""
            raise RegistryError(f"{where}: unknown key {key!r}{extra}; allowed: {', '.join(sorted(allowed))}")


def _require(mapping: Mapping[str, Any], key: str, where: str, kind: type = str) -> Any:
    if key not in mapping:
        raise RegistryError(f"{where}: missing key {key!r}")
    value = mapping[key]
    if not isinstance(value, kind) or (isinstance(value, str) and not value.strip()):
        raise RegistryError(f"{where}: key {key!r} must be a non-empty {kind.__name__}, got {value!r}")
    return value


def _http_url(value: Any, where: str, key: str) -> str:
    if not isinstance(value, str) or not re.match(r"^https?://[^/\s]+", value):
        raise RegistryError(f"{where}: key {key!r} must be an http(s) URL, got {value!r}")
    return value


def _licence(raw: Any, where: str) -> Licence:
    where = f"{where}: licence"
    if not isinstance(raw, Mapping):
        raise RegistryError(f"{where}: must be a mapping with spdx and republish")
    _unknown(raw, _LICENCE_KEYS, where)
    spdx = _require(raw, "spdx", where)
    if not _SPDX_RE.match(spdx):
        raise RegistryError(f"{where}: key 'spdx' is not an SPDX id: {spdx!r}")
    republish = raw.get("republish", "link")
    if republish not in REPUBLISH:
        raise RegistryError(f"{where}: key 'republish' must be one of {', '.join(REPUBLISH)}, got {republish!r}")
    url = raw.get("url")
    if url is not None:
        _http_url(url, where, "url")
    return Licence(spdx=spdx, url=url, source="registry", republish=republish)


def _partner(raw: Any, index: int, source: str) -> Partner:
    if not isinstance(raw, Mapping):
        raise RegistryError(f"{source}: partners[{index}] must be a mapping")
    pid = raw.get("id")
    where = f"{source}: partner {pid!r}" if isinstance(pid, str) else f"{source}: partners[{index}]"
    _unknown(raw, _PARTNER_KEYS, where)
    pid = _require(raw, "id", where)
    if not _ID_RE.match(pid):
        raise RegistryError(f"{where}: key 'id' must be lowercase letters, digits and '-', got {pid!r}")
    name = _require(raw, "name", where)
    homepage = _http_url(_require(raw, "homepage", where), where, "homepage")
    feeds_raw = _require(raw, "feeds", where, list)
    if not feeds_raw:
        raise RegistryError(f"{where}: key 'feeds' must list at least one feed")
    feeds = []
    for i, f in enumerate(feeds_raw):
        fwhere = f"{where}: feeds[{i}]"
        if not isinstance(f, Mapping):
            raise RegistryError(f"{fwhere}: must be a mapping with a url")
        _unknown(f, _FEED_KEYS, fwhere)
        minutes = f.get("poll_minutes", 30)
        if not isinstance(minutes, int) or isinstance(minutes, bool) or minutes < 1:
            raise RegistryError(f"{fwhere}: key 'poll_minutes' must be a positive integer, got {minutes!r}")
        feeds.append(FeedConfig(url=_http_url(_require(f, "url", fwhere), fwhere, "url"), poll_minutes=minutes))
    profile = raw.get("profile", "generic")
    if profile not in profile_names():  # one module per profile in syndicate/extract/profiles/
        raise RegistryError(f"{where}: key 'profile' must be one of {', '.join(profile_names())}, got {profile!r}")
    licence = _licence(_require(raw, "licence", where, Mapping), where)
    aliases = raw.get("host_aliases", [])
    if not isinstance(aliases, list) or not all(isinstance(a, str) and re.match(r"^[a-z0-9.-]+$", a) for a in aliases):
        raise RegistryError(f"{where}: key 'host_aliases' must be a list of host names, got {aliases!r}")
    page_licence = raw.get("page_licence", "narrow")
    if page_licence not in PAGE_LICENCE:
        raise RegistryError(
            f"{where}: key 'page_licence' must be one of {', '.join(PAGE_LICENCE)}, got {page_licence!r}"
        )
    return Partner(
        pid, name, homepage, tuple(feeds), profile, licence, rank=index, host_aliases=tuple(aliases),
        page_licence=page_licence,
    )


def parse_registry(text: str, source: str = "partners.yaml") -> Registry:
    """Parse and validate registry YAML; raise RegistryError naming file, partner and key."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise RegistryError(f"{source}: not valid YAML: {exc}") from exc
    if not isinstance(data, Mapping):
        raise RegistryError(f"{source}: must be a mapping with a 'partners' list")
    _unknown(data, _TOP_KEYS, source)
    partners_raw = _require(data, "partners", source, list)
    partners = [_partner(p, i, source) for i, p in enumerate(partners_raw)]
    seen: set[str] = set()
    for p in partners:
        if p.id in seen:
            raise RegistryError(f"{source}: partner {p.id!r}: duplicate id")
        seen.add(p.id)
    publish = PublishConfig()
    if "publish" in data:
        raw = data["publish"]
        where = f"{source}: publish"
        if not isinstance(raw, Mapping):
            raise RegistryError(f"{where}: must be a mapping")
        _unknown(raw, _PUBLISH_KEYS, where)
        size = raw.get("page_size", 50)
        if not isinstance(size, int) or isinstance(size, bool) or not 1 <= size <= 1000:
            raise RegistryError(f"{where}: key 'page_size' must be an integer from 1 to 1000, got {size!r}")
        base = raw.get("base_url")
        if base is not None:
            base = _http_url(base, where, "base_url")
        home = raw.get("home_page_url")
        if home is not None:
            home = _http_url(home, where, "home_page_url")
        publish = PublishConfig(
            base_url=base, page_size=size, title=str(raw.get("title", "syndicate")), home_page_url=home
        )
    return Registry(source=source, partners=partners, publish=publish)


def load_registry(path: Path | str) -> Registry:
    """Read a registry file from disk."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RegistryError(f"{path}: cannot read registry: {exc.strerror or exc}") from exc
    return parse_registry(text, source=str(path))
