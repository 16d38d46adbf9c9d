"""robots.txt for article pages (RFC 9309), fetched through the same guarded client.

Feeds are published to be polled, so only page fetches consult robots.txt. Parsing is
Protego's (Scrapy's parser: longest-match Allow/Disallow, `*` and `$` wildcards, which the
stdlib parser gets wrong). What RFC 9309 section 2.3.1 says to do when robots.txt is not
a plain 200 is encoded here:

- 4xx ("unavailable"): no rules, everything is allowed;
- 5xx, 429, timeouts, network errors ("unreachable"): assume everything is disallowed for
  now, and ask again after `error_ttl` rather than the full `ttl`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from protego import Protego

from .errors import FetchError, InvalidUrl, NoTimeLeft, RateLimited, Refused, RobotsDisallowed, Unresolvable
from .result import FetchResult

__all__ = ["ROBOTS_MAX_BYTES", "RobotsCache", "RobotsVerdict", "origin_of"]

log = logging.getLogger(__name__)

# RFC 9309 asks crawlers to parse at least 500 KiB; more than that is not a robots.txt.
ROBOTS_MAX_BYTES = 512 * 1024


def origin_of(url: str) -> str:
    """`scheme://host:port`: robots.txt applies per origin, not per host name."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    port = parts.port or (443 if scheme == "https" else 80)
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    return f"{scheme}://{host}:{port}"


@dataclass(frozen=True)
class RobotsVerdict:
    allowed: bool
    reason: str
    transient: bool = False
    retry_after: float | None = None  # for an unreachable robots.txt: seconds until we ask again


@dataclass
class _Entry:
    parser: Protego | None  # None: no rules (allow all) or unreachable (see `reachable`)
    reachable: bool
    problem: str
    expires: float


class RobotsCache:
    """Answers "may we fetch this page?", one robots.txt per origin, cached for `ttl` seconds.

    `fetch(url)` must return the robots.txt FetchResult or raise FetchError; the client
    passes its own guarded, polite `get`, so robots.txt obeys the same address guard, caps
    and per-host limits as everything else. `on_crawl_delay(host, seconds)` lets the
    host limiter honour a Crawl-delay line.
    """

    def __init__(
        self,
        fetch: Callable[[str], FetchResult],
        agent: str,
        *,
        ttl: float = 3600.0,
        error_ttl: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
        on_crawl_delay: Callable[[str, float | None], None] | None = None,
    ) -> None:
        self._fetch = fetch
        self.agent = agent
        self.ttl = ttl
        self.error_ttl = error_ttl
        self.clock = clock
        self.on_crawl_delay = on_crawl_delay
        self._entries: dict[str, _Entry] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def allowed(self, url: str) -> bool:
        """True when robots.txt lets our agent fetch `url` (False also while it is unreachable)."""
        return self.verdict(url).allowed

    def verdict(self, url: str) -> RobotsVerdict:
        """Allowed or not, and why. Raises Refused when robots.txt's host itself is refused."""
        origin = origin_of(url)
        entry = self._entry(origin)
        if not entry.reachable:
            reason = f"robots.txt unreachable ({entry.problem}); not fetching pages for now"
            return RobotsVerdict(False, reason, True, max(entry.expires - self.clock(), 0.0))
        if entry.parser is None:
            return RobotsVerdict(True, entry.problem)
        if entry.parser.can_fetch(url, self.agent):
            return RobotsVerdict(True, "allowed by robots.txt")
        return RobotsVerdict(False, f"robots.txt disallows this page for {self.agent}")

    def check(self, url: str) -> None:
        """Raise RobotsDisallowed unless `url` may be fetched."""
        verdict = self.verdict(url)
        if not verdict.allowed:
            raise RobotsDisallowed(url, verdict.reason, transient=verdict.transient, retry_after=verdict.retry_after)

    def forget(self, url: str | None = None) -> None:
        """Drop the cached robots.txt of `url`'s origin (or all of them)."""
        with self._guard:
            if url is None:
                self._entries.clear()
            else:
                self._entries.pop(origin_of(url), None)

    def _entry(self, origin: str) -> _Entry:
        with self._guard:
            lock = self._locks.setdefault(origin, threading.Lock())
        with lock:  # one fetch per origin, however many threads ask at once
            with self._guard:
                entry = self._entries.get(origin)
            if entry is not None and entry.expires > self.clock():
                return entry
            entry = self._load(origin)
            with self._guard:
                self._entries[origin] = entry
            return entry

    def _load(self, origin: str) -> _Entry:
        robots_url = origin + "/robots.txt"
        now = self.clock()
        try:
            result = self._fetch(robots_url)
        except NoTimeLeft:
            raise  # nothing was asked, so there is no answer to cache: the page waits too
        except Refused as exc:
            raise Refused(robots_url, exc.reason) from exc
        except InvalidUrl as exc:
            raise InvalidUrl(robots_url, exc.reason) from exc
        except RateLimited as exc:
            return _Entry(None, False, f"HTTP {exc.status or 'rate limited'}", now + self._error_ttl(exc))
        except FetchError as exc:
            if isinstance(exc, Unresolvable) and not exc.transient:
                raise  # the name does not exist: the page cannot be fetched either
            if exc.status is not None and 400 <= exc.status < 500:
                return _Entry(None, True, f"no robots.txt rules (HTTP {exc.status})", now + self.ttl)
            return _Entry(None, False, exc.reason, now + self._error_ttl(exc))
        text = result.body.decode("utf-8", errors="replace")
        try:
            parser = Protego.parse(text)
        except Exception as exc:  # a parser bug must not stop every page of a partner
            log.warning("robots.txt at %s could not be parsed (%s); treating it as empty", robots_url, exc)
            return _Entry(None, True, "robots.txt unparseable; no rules", now + self.ttl)
        if self.on_crawl_delay is not None:
            self.on_crawl_delay(urlsplit(robots_url).hostname or "", parser.crawl_delay(self.agent))
        return _Entry(parser, True, "robots.txt read", now + self.ttl)

    def _error_ttl(self, exc: FetchError) -> float:
        """Ask again after `error_ttl`, or later if the server said when (Retry-After)."""
        return max(self.error_ttl, exc.retry_after or 0.0)
