"""Being a good guest on partner sites: who we say we are, and how hard we knock.

One `HostLimiter` is shared by everything one `HttpClient` fetches (feeds, pages and
robots.txt), so a feed poll and the page fetches it triggers queue behind the same
per-host limits: at most `max_per_host` requests in flight to a host, request starts at
least `min_delay` seconds apart, and nothing at all while the host's Retry-After lasts.
The limits hold within one process (one Lambda instance); SQS batch sizes and reserved
concurrency bound the rest.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from .. import __version__

__all__ = ["LOOPBACK_HOSTS", "HostCoolingDown", "HostLimiter", "WaitTooLong", "build_user_agent"]

PRODUCT = "syndicate"
# Our own demo and test servers: the delay and the host-wide Retry-After window protect other
# people's servers, and making `make demo` wait a second per page would protect nobody.
# Tests of both reach the server under another name (or pass their own limiter).
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "[::1]", "localhost"})
MAX_CRAWL_DELAY = 60.0


def build_user_agent(contact_url: str | None = None, *, product: str = PRODUCT, version: str = __version__) -> str:
    """`syndicate/0.1.0 (+https://example.org/bot)`: who we are and where to complain.

    Site operators look for a contact in the User-Agent before they block a bot; the `+URL`
    form is the one crawlers conventionally use.
    """
    if contact_url is None:
        return f"{product}/{version} (content syndication bot)"
    if not contact_url.startswith(("https://", "http://", "mailto:")) or any(c in contact_url for c in "\r\n()"):
        raise ValueError(f"contact URL must be an http(s) or mailto: URL without parentheses, got {contact_url!r}")
    return f"{product}/{version} (+{contact_url})"


class HostCoolingDown(Exception):
    """The host gave us a Retry-After that has not run out yet; nothing was sent."""

    def __init__(self, host: str, remaining: float, status: int | None) -> None:
        super().__init__(f"{host} asked us to wait; {remaining:.0f} s left")
        self.host = host
        self.remaining = remaining
        self.status = status


class WaitTooLong(Exception):
    """The host's turn comes later than the caller can wait (`max_wait`); nothing was reserved."""

    def __init__(self, host: str, wait: float, max_wait: float) -> None:
        super().__init__(f"{host}'s turn is {wait:.1f} s away; the caller can wait {max(max_wait, 0.0):.1f} s")
        self.host = host
        self.wait = wait
        self.max_wait = max_wait


@dataclass
class _Host:
    active: int = 0
    next_start: float = float("-inf")
    delay: float | None = None  # from robots.txt Crawl-delay, when longer than the default
    cool_until: float = float("-inf")
    cool_status: int | None = None


class HostLimiter:
    """Per-host concurrency and spacing of request starts; thread-safe.

    `clock` and `sleep` are injectable so tests can check the spacing without waiting.
    Waiting for the spacing happens outside the lock, so other hosts are never held up.
    """

    def __init__(
        self,
        max_per_host: int = 2,
        min_delay: float = 1.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        exempt_hosts: frozenset[str] = LOOPBACK_HOSTS,
    ) -> None:
        if max_per_host < 1:
            raise ValueError("max_per_host must be at least 1")
        if min_delay < 0:
            raise ValueError("min_delay must not be negative")
        self.max_per_host = max_per_host
        self.min_delay = min_delay
        self.clock = clock
        self.sleep = sleep
        self.exempt_hosts = exempt_hosts
        self._cond = threading.Condition()
        self._hosts: dict[str, _Host] = {}

    def _host(self, host: str) -> _Host:
        return self._hosts.setdefault(host.lower(), _Host())

    def delay_for(self, host: str) -> float:
        """The spacing applied to `host` (0 for exempt hosts)."""
        if host.lower() in self.exempt_hosts:
            return 0.0
        with self._cond:
            custom = self._host(host).delay
        return max(self.min_delay, custom or 0.0)

    def set_crawl_delay(self, host: str, seconds: float | None) -> None:
        """Honour a robots.txt Crawl-delay (capped, so a silly value cannot stall everything)."""
        with self._cond:
            self._host(host).delay = None if seconds is None else min(max(seconds, 0.0), MAX_CRAWL_DELAY)

    def cool_down(self, host: str, seconds: float, status: int | None = None) -> None:
        """Send nothing to `host` for `seconds` (from a 429/503 Retry-After).

        Exempt (loopback) hosts get no window: there every feed keeps its own Retry-After,
        which is what the poller's tests of one feed beside another on one server rely on.
        """
        if host.lower() in self.exempt_hosts:
            return
        with self._cond:
            state = self._host(host)
            until = self.clock() + max(seconds, 0.0)
            if until > state.cool_until:
                state.cool_until = until
                state.cool_status = status

    def cooling(self, host: str) -> float:
        """Seconds left in `host`'s Retry-After window (0 when none)."""
        with self._cond:
            state = self._host(host)
            return max(state.cool_until - self.clock(), 0.0)

    def check_cooling(self, host: str) -> None:
        """Raise HostCoolingDown while `host`'s Retry-After window lasts."""
        with self._cond:
            state = self._host(host)
            left = state.cool_until - self.clock()
            if left > 0:
                raise HostCoolingDown(host, left, state.cool_status)

    def acquire(self, host: str, max_wait: float | None = None) -> None:
        """Wait for a free slot and for the spacing; raise HostCoolingDown inside a Retry-After.

        With `max_wait`, raise WaitTooLong instead of waiting longer than that (for a slot
        and the spacing together) and reserve nothing: an invocation with a deadline must
        not sleep through it for a Crawl-delay.
        """
        delay = self.delay_for(host)
        with self._cond:
            state = self._host(host)
            started = self.clock()
            while state.active >= self.max_per_host:
                if max_wait is None:
                    self._cond.wait()
                    continue
                left = max_wait - (self.clock() - started)
                if (left <= 0 or not self._cond.wait(left)) and state.active >= self.max_per_host:
                    raise WaitTooLong(host, max(state.next_start - self.clock(), 0.0), max_wait)
            now = self.clock()
            if state.cool_until > now:
                raise HostCoolingDown(host, state.cool_until - now, state.cool_status)
            start = max(now, state.next_start)
            if max_wait is not None and start - started > max_wait:
                raise WaitTooLong(host, start - now, max_wait - (now - started))
            state.next_start = start + delay  # reserved now, so concurrent callers queue in order
            state.active += 1
        if start > now:
            try:
                self.sleep(start - now)
            except BaseException:
                self.release(host)
                raise

    def release(self, host: str) -> None:
        with self._cond:
            state = self._host(host)
            state.active = max(state.active - 1, 0)
            self._cond.notify_all()

    @contextlib.contextmanager
    def slot(self, host: str) -> Iterator[None]:
        """`with limiter.slot(host):` one request to `host`, politely."""
        self.acquire(host)
        try:
            yield
        finally:
            self.release(host)
