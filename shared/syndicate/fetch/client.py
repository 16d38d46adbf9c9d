"""One HTTP client for feeds and pages, safe to point at URLs other people control.

Why not plain `httpx.get`: the URLs come from partner feeds, so a feed could send us to
`http://169.254.169.254/` (the Lambda's credentials), to an endless body or to a gzip bomb,
and partners deserve a polite bot. So:

- every TCP connection, on every redirect hop, goes through the address guard
  (`guard.GuardedBackend`): one DNS resolution, every address checked, the socket opened to
  the checked IP while Host and TLS SNI keep the hostname;
- only http and https, at most `max_redirects` hops;
- a connect timeout, and a total deadline that every read honours (a slow drip ends);
- the body is capped while streaming, both as received and after decompression
  (`body.read_capped`);
- every URL, and every redirect target, is checked before use (`urls.fetch_target`):
  anything httpx or IDNA would choke on, and IPv4 in forms parsers disagree about, is an
  `InvalidUrl`; nothing but a `FetchError` ever leaves the client;
- per-host concurrency and spacing, Retry-After windows (`politeness.HostLimiter`), and a
  User-Agent that names us and a contact URL;
- a caller with a deadline (a Lambda invocation) passes `deadline=`: waiting politely for
  a host's turn never runs past it minus a margin kept for the caller's own work
  (`deadline_margin`, or a quarter of the time left when that is less); `NoTimeLeft`
  (transient) is raised instead of sleeping, and the network budget shrinks to the time left;
- robots.txt consulted for article pages (`get_page`);
- failures are `FetchError` subclasses that say what the caller should do (errors.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from datetime import datetime
from urllib.parse import urljoin

import httpx

from ..clock import utcnow
from .body import BodyCorrupt, BodyTooLarge, UnsupportedEncoding, read_capped
from .errors import (
    Blocked,
    FetchError,
    InvalidUrl,
    NoTimeLeft,
    RateLimited,
    Refused,
    TimedOut,
    TooLarge,
    UnexpectedContent,
    Unresolvable,
    parse_retry_after,
)
from .guard import (
    AddressPolicy,
    AddressRefused,
    ConnectHook,
    GuardedBackend,
    NameNotResolved,
    Resolver,
    deadline_scope,
    system_resolver,
)
from .politeness import PRODUCT, HostCoolingDown, HostLimiter, WaitTooLong, build_user_agent
from .result import FetchResult
from .robots import ROBOTS_MAX_BYTES, RobotsCache
from .urls import FetchTarget, fetch_target

__all__ = [
    "DEFAULT_USER_AGENT",
    "AddressPolicy",
    "FetchError",
    "FetchResult",
    "HttpClient",
    "Remaining",
    "system_resolver",
]

#: Seconds the caller has left (a Lambda context's remaining time, or a worker's budget).
Remaining = Callable[[], float]

DEFAULT_USER_AGENT = build_user_agent(None)
REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
BLOCKED_CODES = frozenset({401, 403, 451})
RATE_LIMIT_CODES = frozenset({429, 503})
# Less usable time than this for a request is not worth starting one: NoTimeLeft instead.
MIN_FETCH_SECONDS = 0.5
# Where a response's Location header is kept away from httpx (see `_hold_location`).
_HELD_LOCATION = "x-syndicate-held-location"
# The deadline of the get_page call in progress in this thread, for its robots.txt fetch.
_CALLER_DEADLINE: ContextVar[Remaining | None] = ContextVar("syndicate_fetch_caller_deadline", default=None)


class _GuardedTransport(httpx.HTTPTransport):
    """httpx's own transport (pooling, HTTP/1.1, exception mapping) over the guarded backend.

    httpx does not take a network backend as an argument, so the httpcore pool it builds is
    replaced by an identical one that connects through `GuardedBackend`.
    """

    def __init__(self, backend: GuardedBackend, *, max_connections: int = 20) -> None:
        import httpcore

        super().__init__(trust_env=False)
        if not hasattr(self, "_pool"):  # pragma: no cover - fails loudly if httpx changes
            raise RuntimeError("httpx.HTTPTransport has no _pool: the address guard cannot be installed")
        self._pool.close()
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=max_connections,
            max_keepalive_connections=max_connections // 2,
            keepalive_expiry=5.0,
            network_backend=backend,
        )


class HttpClient:
    """GET with conditional headers, redirects checked hop by hop, hard caps and good manners.

    Thread-safe: one instance serves every feed and page of a run, which is what makes the
    per-host limits shared between them.
    """

    def __init__(
        self,
        *,
        user_agent: str | None = None,
        contact_url: str | None = None,
        policy: AddressPolicy | None = None,
        resolver: Resolver = system_resolver,
        connect_timeout: float = 10.0,
        total_timeout: float = 30.0,
        max_bytes: int = 10 * 1024 * 1024,
        max_raw_bytes: int | None = None,
        max_redirects: int = 5,
        limiter: HostLimiter | None = None,
        per_host_concurrency: int = 2,
        per_host_delay: float = 1.0,
        robots: bool = True,
        robots_ttl: float = 3600.0,
        robots_error_ttl: float = 300.0,
        on_connect: ConnectHook | None = None,
        now: Callable[[], datetime] | None = None,
        deadline_margin: float = 10.0,
    ) -> None:
        """`user_agent` wins over `contact_url`; without either the agent names no contact.

        `limiter` may be shared between clients (or injected with a fake clock in tests);
        otherwise one is built from `per_host_concurrency` and `per_host_delay`.
        `on_connect(ip, port)` is called just before each TCP connect to a checked address.
        `now` is the wall clock used to read Retry-After dates. `deadline_margin` is the
        time a caller with a deadline keeps for itself after the fetch (extracting, storing):
        no wait and no network time is spent from it (a quarter of the time left, when that
        is less, so a short deadline still leaves room for a fetch).
        """
        self.policy = policy or AddressPolicy()
        self.resolver = resolver
        self.user_agent = user_agent or build_user_agent(contact_url)
        self.connect_timeout = connect_timeout
        self.total_timeout = total_timeout
        self.max_bytes = max_bytes
        self.max_raw_bytes = max_raw_bytes
        self.max_redirects = max_redirects
        self.limiter = limiter or HostLimiter(per_host_concurrency, per_host_delay)
        self.now = now or utcnow
        self.deadline_margin = deadline_margin
        self.backend = GuardedBackend(self.policy, resolver, on_connect=on_connect)
        self._client = httpx.Client(
            transport=_GuardedTransport(self.backend),
            follow_redirects=False,
            timeout=httpx.Timeout(total_timeout, connect=connect_timeout),
            headers={"User-Agent": self.user_agent, "Accept-Encoding": "gzip, deflate"},
            trust_env=False,
            event_hooks={"response": [_hold_location]},
        )
        self.robots: RobotsCache | None = (
            RobotsCache(
                self._get_robots_txt,
                robots_agent(self.user_agent),
                ttl=robots_ttl,
                error_ttl=robots_error_ttl,
                on_crawl_delay=self.limiter.set_crawl_delay,
            )
            if robots
            else None
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- checks ---------------------------------------------------------------------------

    def check_url(self, url: str) -> None:
        """Refuse non-http(s) URLs and hosts that resolve to a refused address (a pre-flight:
        `get` does the same check again, at connect time, against the address it connects to)."""
        target = fetch_target(url)
        try:
            self.backend.checked_addresses(target.url.raw_host.decode("ascii"), target.port, self.connect_timeout)
        except NameNotResolved as exc:
            raise Unresolvable(url, exc.reason, transient=exc.transient) from exc
        except AddressRefused as exc:
            raise Refused(url, exc.reason) from exc
        except Exception as exc:  # e.g. the resolver timing out
            raise FetchError(url, f"cannot resolve host {target.host!r}: {exc}") from exc

    def robots_allowed(self, url: str) -> bool:
        """True when robots.txt lets us fetch `url` (always True with robots checks off)."""
        return True if self.robots is None else self.robots.allowed(url)

    # -- fetching -------------------------------------------------------------------------

    def get_feed(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        deadline: Remaining | None = None,
    ) -> FetchResult:
        """A feed, conditionally; UnexpectedContent when the body is clearly not a feed."""
        from .content import FEED_ACCEPT, check_feed

        return check_feed(self.get(url, etag=etag, last_modified=last_modified, accept=FEED_ACCEPT, deadline=deadline))

    def get_page(self, url: str, *, max_bytes: int | None = None, deadline: Remaining | None = None) -> FetchResult:
        """An article page: robots.txt first (RobotsDisallowed), then the page, which must be HTML.

        `deadline` (seconds left) bounds the robots.txt fetch and the page fetch together.
        """
        from .content import PAGE_ACCEPT, check_page

        target = fetch_target(url)
        try:  # say so, rather than "robots.txt unreachable" from a robots fetch refused below
            self.limiter.check_cooling(target.host)
        except HostCoolingDown as exc:
            raise _cooling_error(url, exc) from exc
        token = _CALLER_DEADLINE.set(deadline)
        try:
            if self.robots is not None:
                self.robots.check(url)
            return check_page(self.get(url, accept=PAGE_ACCEPT, max_bytes=max_bytes, deadline=deadline))
        finally:
            _CALLER_DEADLINE.reset(token)

    def get(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        accept: str = "*/*",
        max_bytes: int | None = None,
        deadline: Remaining | None = None,
    ) -> FetchResult:
        """Fetch `url`; a 304 comes back as a result, any other non-2xx as a FetchError subclass.

        Nothing else is raised, whatever `url` is. With `deadline`, NoTimeLeft instead of
        waiting past it (see the class docstring).
        """
        limit = max_bytes or self.max_bytes
        raw_limit = self.max_raw_bytes or limit
        headers = {"Accept": accept}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        if deadline is None:
            deadline = _CALLER_DEADLINE.get()
        budget = self.total_timeout  # network time left; waiting for a host slot is not counted
        redirects: list[tuple[int, str]] = []
        current, target = url, fetch_target(url)
        for _hop in range(self.max_redirects + 1):
            max_wait = None if deadline is None else self._usable(deadline) - MIN_FETCH_SECONDS
            if max_wait is not None and max_wait < 0:
                raise NoTimeLeft(current, f"{deadline() if deadline else 0:.1f} s left: not enough to fetch")
            try:
                if max_wait is None:
                    self.limiter.acquire(target.host)
                else:
                    self.limiter.acquire(target.host, max_wait)
            except HostCoolingDown as exc:
                raise _cooling_error(current, exc) from exc
            except WaitTooLong as exc:
                raise NoTimeLeft(
                    current,
                    f"{target.host} may be asked again in {exc.wait:.1f} s (per-host spacing or Crawl-delay), "
                    f"later than this invocation can wait ({max(exc.max_wait, 0.0):.1f} s); nothing sent",
                ) from exc
            try:
                hop_budget, within = budget, f"the {self.total_timeout:g} s deadline"
                caller_left = None if deadline is None else self._usable(deadline)
                if caller_left is not None and caller_left < budget:  # the caller's deadline is closer
                    if caller_left < MIN_FETCH_SECONDS:
                        raise NoTimeLeft(current, "no time left for the request after waiting for the host")
                    hop_budget, within = caller_left, f"the {caller_left:.1f} s the caller had left"
                hop_deadline = time.monotonic() + hop_budget
                with deadline_scope(hop_deadline):
                    outcome = self._exchange(current, target, headers, limit, raw_limit, hop_deadline, within)
                budget -= hop_budget - (hop_deadline - time.monotonic())
            finally:
                self.limiter.release(target.host)
            if isinstance(outcome, FetchResult):
                outcome.redirects = redirects
                return outcome
            status, current, target = outcome
            redirects.append((status, current))
        raise FetchError(url, f"more than {self.max_redirects} redirects", redirects[-1][0] if redirects else None)

    def _usable(self, deadline: Remaining) -> float:
        """Seconds of the caller's time a fetch may spend: what is left, minus the margin the
        caller keeps for its own work after the fetch."""
        left = deadline()
        return left - min(self.deadline_margin, max(left, 0.0) / 4)

    def _exchange(
        self,
        url: str,
        target: FetchTarget,
        headers: dict[str, str],
        limit: int,
        raw_limit: int,
        deadline: float,
        within: str,
    ) -> FetchResult | tuple[int, str, FetchTarget]:
        """One request: a result, or (status, absolute Location, its target) for a redirect.

        `within` names the deadline for the error message when it passes."""
        host = target.host
        try:
            with self._client.stream("GET", target.url, headers=headers) as response:
                status = response.status_code
                lowered = {k.lower(): v for k, v in response.headers.items()}
                if _HELD_LOCATION in lowered:
                    lowered["location"] = lowered.pop(_HELD_LOCATION)
                if status in REDIRECT_CODES:
                    location = lowered.get("location", "").strip()
                    if not location:
                        raise FetchError(url, f"HTTP {status} redirect without Location", status)
                    absolute, next_target = _redirect_target(url, status, location)
                    return status, absolute, next_target
                result = FetchResult(url=url, status=status, headers=lowered)
                if status == 304:
                    return result
                if status in BLOCKED_CODES:
                    raise Blocked(url, f"HTTP {status}", status)
                if status in RATE_LIMIT_CODES:
                    retry_after = parse_retry_after(lowered.get("retry-after"), self.now())
                    if retry_after:
                        self.limiter.cool_down(host, retry_after, status)
                    raise RateLimited(url, f"HTTP {status}", status, retry_after)
                if not 200 <= status < 300:
                    raise FetchError(url, f"HTTP {status}", status)
                declared = lowered.get("content-length", "")
                if declared.isdigit() and int(declared) > raw_limit:
                    raise TooLarge(url, f"declared body of {declared} bytes is over the {raw_limit}-byte cap", status)
                try:
                    result.body = read_capped(
                        _until(response.iter_raw(), deadline),
                        lowered.get("content-encoding"),
                        limit=limit,
                        raw_limit=raw_limit,
                    )
                except BodyTooLarge as exc:
                    raise TooLarge(url, f"{exc}; stopped reading", status) from exc
                except BodyCorrupt as exc:
                    raise UnexpectedContent(url, str(exc), status) from exc
                except UnsupportedEncoding as exc:
                    raise UnexpectedContent(url, str(exc), status) from exc
                return result
        except NameNotResolved as exc:
            raise Unresolvable(url, exc.reason, transient=exc.transient) from exc
        except AddressRefused as exc:
            raise Refused(url, exc.reason) from exc
        except httpx.TimeoutException as exc:
            if time.monotonic() >= deadline - 0.001:
                raise TimedOut(url, f"no complete response within {within}") from exc
            phase = "connect" if isinstance(exc, httpx.ConnectTimeout) else "read"
            limit_s = self.connect_timeout if phase == "connect" else self.total_timeout
            raise TimedOut(url, f"{phase} timed out after {limit_s:g} s") from exc
        except httpx.RemoteProtocolError as exc:
            raise FetchError(url, f"broken response: {exc}") from exc
        except httpx.HTTPError as exc:
            raise FetchError(url, f"{type(exc).__name__}: {exc}") from exc
        except (httpx.InvalidURL, UnicodeError) as exc:  # checked before; a second line of defence
            raise InvalidUrl(url, f"not a valid URL: {exc}") from exc

    def _get_robots_txt(self, url: str) -> FetchResult:
        return self.get(url, accept="text/plain, */*;q=0.5", max_bytes=ROBOTS_MAX_BYTES)


def _cooling_error(url: str, exc: HostCoolingDown) -> RateLimited:
    reason = f"{exc.host} asked us to wait (Retry-After); {exc.remaining:.0f} s left, nothing sent"
    return RateLimited(url, reason, exc.status, exc.remaining)


def robots_agent(user_agent: str) -> str:
    """The product token robots.txt groups are matched against: `syndicate` in `syndicate/0.1 (...)`."""
    token = user_agent.split("/", 1)[0].split(" ", 1)[0].strip()
    return token or PRODUCT


def _until(chunks: Iterator[bytes], deadline: float) -> Iterator[bytes]:
    """`chunks`, cut off at `deadline`: a second line of defence behind the per-read limits."""
    for chunk in chunks:
        if time.monotonic() > deadline:
            raise httpx.ReadTimeout("total deadline passed while reading the body")
        yield chunk


def _hold_location(response: httpx.Response) -> None:
    """Move Location out of httpx's sight: even with redirects off, httpx parses it to build a
    `next_request` and raises its own errors (InvalidURL as RemoteProtocolError, IDNAError)
    for a bad one. Our client follows redirects itself and checks each target first."""
    if "location" in response.headers:
        response.headers[_HELD_LOCATION] = response.headers["location"]
        del response.headers["location"]


def _redirect_target(url: str, status: int, location: str) -> tuple[str, FetchTarget]:
    """The absolute Location and its checked target; the same error classes as a bad URL,
    naming the target and where the redirect came from, before anything is followed."""
    try:
        absolute = urljoin(url, location)
    except ValueError as exc:
        raise InvalidUrl(url, f"HTTP {status} redirect to an unparseable Location {location!r}: {exc}") from exc
    try:
        return absolute, fetch_target(absolute)
    except InvalidUrl as exc:
        raise InvalidUrl(absolute, f"HTTP {status} redirect from {url}: {exc.reason}") from exc
    except Refused as exc:
        raise Refused(absolute, f"HTTP {status} redirect from {url}: {exc.reason}") from exc
