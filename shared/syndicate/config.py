"""The deployed partner registry: push, pull and show it, and keep a running process's copy fresh.

In the cloud the registry lives at `s3://<bucket>/config/partners.yaml` (template.yaml's
REGISTRY_URI, outside the `public/` prefix CloudFront serves); a local deployment keeps it at
`<out>/.state/config/partners.yaml`. Both are an `ObjectStore` and `REGISTRY_KEY`, so the
logic here is the same for both and never touches boto3.

- `push` validates before it uploads: a file with a typo is refused with the registry's own
  error (file, partner, key) and the stored registry stays as it was.
- `RegistrySource` is what a long-lived process (a warm Lambda container) holds instead of a
  registry loaded once: `current()` re-checks the stored object at most once per
  `min_interval` seconds with a conditional GET, so a partner added without a redeploy is
  known within a minute, and an invalid upload never replaces the last good registry.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

from .ports import UNCHANGED, ObjectStore, Unchanged
from .registry import Registry, RegistryError, parse_registry

__all__ = [
    "REGISTRY_KEY",
    "RegistryNotFound",
    "RegistrySource",
    "describe",
    "pull",
    "push",
    "show",
]

REGISTRY_KEY = "config/partners.yaml"
DEFAULT_MIN_INTERVAL = 60.0

logger = logging.getLogger(__name__)


class RegistryNotFound(RegistryError):
    """No registry is stored where one was looked for."""


def push(store: ObjectStore, text: str, source: str, key: str = REGISTRY_KEY) -> Registry:
    """Validate `text` (read from `source`, the name errors give) and store it; return it parsed.

    RegistryError, with nothing uploaded, when the text is not a valid registry.
    """
    registry = parse_registry(text, source=source)
    store.put(key, text.encode("utf-8"), content_type="application/yaml")
    return registry


def pull(store: ObjectStore, key: str = REGISTRY_KEY, where: str | None = None) -> str:
    """The stored registry's text exactly as pushed (not validated: pulling a bad one lets you fix it).

    `where` names the location in the error when nothing is stored (default: the key).
    """
    body = store.get(key)
    if body is None:
        raise RegistryNotFound(f"{where or key}: no registry stored (upload one with `syndicate config push`)")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RegistryError(f"{where or key}: the stored registry is not UTF-8 text: {exc}") from exc


def describe(registry: Registry) -> str:
    """A human summary: each partner with its profile, licence and feeds, then the publish settings."""
    lines = [f"{registry.source}: {len(registry.partners)} partner(s)"]
    for partner in registry.partners:
        licence = partner.licence
        lines.append(f"  {partner.id}  {partner.name}  <{partner.homepage}>")
        trust = "; page licence trusted" if partner.pages_state_licence else ""
        lines.append(f"    profile {partner.profile}; licence {licence.spdx}, republish {licence.republish}{trust}")
        lines.extend(f"    feed {feed.url} (every {feed.poll_minutes} min)" for feed in partner.feeds)
        if partner.host_aliases:
            lines.append(f"    host aliases: {', '.join(partner.host_aliases)}")
    publish = registry.publish
    lines.append(
        f"publish: title {publish.title!r}, page_size {publish.page_size}, base_url {publish.base_url or '(default)'}"
    )
    return "\n".join(lines)


def show(store: ObjectStore, key: str = REGISTRY_KEY, *, raw: bool = False, where: str | None = None) -> str:
    """The stored registry, validated: its summary, or with `raw` its YAML as stored.

    RegistryNotFound when nothing is stored, RegistryError when what is stored is invalid.
    """
    text = pull(store, key, where)
    registry = parse_registry(text, source=where or key)
    return text if raw else describe(registry)


# Given the version tag last seen (None: nothing yet), a check returns the new bytes and their
# tag, UNCHANGED, or None when nothing is stored.
_Check = Callable[[str | None], tuple[bytes, str] | Unchanged | None]


class RegistrySource:
    """The current registry of a long-running process, reloaded when the stored one changes.

    Build it with `from_store(store, key)` (S3 or the local folder store: a conditional GET on
    the object's ETag) or `from_file(path)` (a registry file: its mtime and size, then its
    content hash). `current()` checks at most once per `min_interval` seconds (by `clock`, a
    monotonic clock in seconds) and otherwise returns the registry it has.

    The first load must succeed (RegistryError / RegistryNotFound otherwise: a process with
    no registry cannot do anything right). After that, a stored registry that is invalid,
    missing or unreadable is logged and the last good one is kept, so a broken upload never
    stops ingest; each bad version is logged once, and `last_error` holds the latest problem
    until a good version loads.
    """

    def __init__(
        self,
        check: _Check,
        where: str,
        *,
        min_interval: float = DEFAULT_MIN_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._check = check
        self.where = where
        self.min_interval = min_interval
        self._clock = clock
        self._lock = threading.Lock()
        self._registry: Registry | None = None
        self._tag: str | None = None  # the version last read, good or bad
        self._checked_at: float | None = None
        self.last_error: str | None = None

    @classmethod
    def from_store(
        cls,
        store: ObjectStore,
        key: str = REGISTRY_KEY,
        *,
        where: str | None = None,
        min_interval: float = DEFAULT_MIN_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
    ) -> RegistrySource:
        """The registry at `key` of `store`; `where` names it in messages (e.g. its s3:// URI)."""

        def check(tag: str | None) -> tuple[bytes, str] | Unchanged | None:
            return store.get_if_changed(key, tag)

        return cls(check, where or key, min_interval=min_interval, clock=clock)

    @classmethod
    def from_file(
        cls,
        path: Path | str,
        *,
        min_interval: float = DEFAULT_MIN_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
    ) -> RegistrySource:
        """A registry file, as local runs use: reloaded when its content changes."""
        path = Path(path)
        stat_seen: list[tuple[int, int] | None] = [None]

        def check(tag: str | None) -> tuple[bytes, str] | Unchanged | None:
            try:
                st = path.stat()
                stamp = (st.st_mtime_ns, st.st_size)
                if tag is not None and stamp == stat_seen[0]:
                    return UNCHANGED  # not even read: same mtime and size as last time
                body = path.read_bytes()
            except FileNotFoundError:
                return None
            stat_seen[0] = stamp
            digest = '"' + hashlib.sha256(body).hexdigest() + '"'
            if digest == tag:
                return UNCHANGED  # touched or rewritten with the same bytes
            return body, digest

        return cls(check, str(path), min_interval=min_interval, clock=clock)

    def current(self) -> Registry:
        """The registry to use now (see the class docstring for when it is re-read)."""
        with self._lock:
            now = self._clock()
            if (
                self._registry is not None
                and self._checked_at is not None
                and now - self._checked_at < self.min_interval
            ):
                return self._registry
            self._checked_at = now
            self._refresh()
            assert self._registry is not None  # _refresh raises when there is none
            return self._registry

    def _refresh(self) -> None:
        try:
            got = self._check(self._tag)
        except (OSError, RuntimeError) as exc:  # StorageError is a RuntimeError
            self._keep(f"{self.where}: cannot read the registry: {exc}")
            return
        if got is UNCHANGED:
            return
        if got is None:
            self._tag = None
            self._keep(
                f"{self.where}: registry not found (upload it with `syndicate config push`)", RegistryNotFound
            )
            return
        body, tag = got
        self._tag = tag
        try:
            registry = parse_registry(body.decode("utf-8"), source=self.where)
        except UnicodeDecodeError as exc:
            self._keep(f"{self.where}: the registry is not UTF-8 text: {exc}")
            return
        except RegistryError as exc:
            self._keep(str(exc))
            return
        if self._registry is not None:
            logger.info("registry %s reloaded: version %s, %d partner(s)", self.where, tag, len(registry.partners))
        self._registry = registry
        self.last_error = None

    def _keep(self, message: str, error: type[RegistryError] = RegistryError) -> None:
        """Keep the last good registry and log why; with none yet, there is nothing to keep."""
        if self._registry is None:
            # Nothing loaded yet: fail now, and read afresh on the next call, not a minute later.
            self._checked_at = None
            self._tag = None
            raise error(message)
        if message != self.last_error:
            logger.error("%s; still using the registry loaded before", message)
        self.last_error = message
