"""What can go wrong when fetching, as exceptions the poller and the ingester can act on.

Every failure is a `FetchError` (so `except FetchError` catches them all and `.reason` is
always a sentence for the health record), but the subclasses tell a caller what to *do*:
back off for `retry_after` seconds (`RateLimited`), stop retrying hot and mark the feed
blocked (`Blocked`), or give up on a URL that will never be allowed (`Refused`,
`RobotsDisallowed`, `InvalidUrl`). `kind` is a short stable word for health records and logs.

`transient` is what the ingest side acts on: a permanent failure fails the entry at once,
a transient one is retried with backoff and dead-lettered only after that. By kind:

kind          class              transient?
invalid_url   InvalidUrl         no   (unparseable, bad IDNA, odd IPv4 forms, bad redirect target)
refused       Refused            no   (scheme, or an address our policy forbids)
dns           Unresolvable       no when the name does not exist, yes for resolver trouble
http          FetchError         no for 4xx (404, 410...), yes for 5xx, 408, 425, 429 and for
                                 no status at all (connection refused or reset, broken response)
blocked       Blocked            no   (401, 403, 451)
rate_limited  RateLimited        yes  (429/503, or a Retry-After window still running)
robots        RobotsDisallowed   no   (disallowed), yes while robots.txt is unreachable
too_large     TooLarge           no
content       UnexpectedContent  no   (not a feed, not HTML, an undecodable body)
timeout       TimedOut           yes
no_time       NoTimeLeft         yes  (the caller's deadline would pass while waiting politely)
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from ..clock import utcnow
from ..errors import UrlError

# A Retry-After of a year would silence a feed for good; a day is the longest we honour.
MAX_RETRY_AFTER = 24 * 3600.0

__all__ = [
    "MAX_RETRY_AFTER",
    "Blocked",
    "FetchError",
    "InvalidUrl",
    "NoTimeLeft",
    "RateLimited",
    "Refused",
    "RobotsDisallowed",
    "TimedOut",
    "TooLarge",
    "UnexpectedContent",
    "Unresolvable",
    "parse_retry_after",
]


class FetchError(UrlError):
    """A fetch that failed; `str()` names the URL and the reason.

    `status` is the HTTP status when the server answered, `retry_after` the seconds the
    server asked us to wait (429/503 with Retry-After), and `transient` says whether the
    same request may succeed later without anything changing on our side.
    """

    kind = "http"

    def __init__(
        self,
        url: str,
        reason: str,
        status: int | None = None,
        *,
        retry_after: float | None = None,
        transient: bool | None = None,
    ) -> None:
        super().__init__(url, reason)
        self.status = status
        self.retry_after = retry_after
        self._transient = transient

    @property
    def transient(self) -> bool:
        """True when retrying later (with backoff) is reasonable."""
        if self._transient is not None:
            return self._transient
        if self.status is None:  # connection reset, DNS failure, broken body...
            return True
        return self.status >= 500 or self.status in (408, 425, 429)


class Refused(FetchError):
    """Our own policy forbids this URL: a scheme other than http(s), or an address that is
    loopback, private, link-local, multicast or reserved. Retrying cannot help."""

    kind = "refused"

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(url, reason, transient=False)


class InvalidUrl(FetchError):
    """A URL we cannot or will not parse: bad syntax, a host that fails IDNA, an IPv4
    address in octal/hex/integer/short form, a host two parsers read differently, or a
    redirect to any of those. The same URL will never work."""

    kind = "invalid_url"

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(url, reason, transient=False)


class Unresolvable(FetchError):
    """DNS gave no address: permanent when the name does not exist, transient when the
    resolver itself failed (a timeout, SERVFAIL, no network)."""

    kind = "dns"

    def __init__(self, url: str, reason: str, *, transient: bool) -> None:
        super().__init__(url, reason, transient=transient)


class NoTimeLeft(FetchError):
    """Waiting for the host's turn (per-host spacing, a robots.txt Crawl-delay) would run
    past the caller's deadline, so nothing was sent. Try again in a later invocation."""

    kind = "no_time"

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(url, reason, transient=True)


class TimedOut(FetchError):
    """No connection within the connect timeout, or no complete response within the total
    deadline (a slow drip ends here even when every chunk arrives in time)."""

    kind = "timeout"

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(url, reason, transient=True)


class TooLarge(FetchError):
    """The body (as sent, or after decompression) went over the cap; reading stopped there."""

    kind = "too_large"

    def __init__(self, url: str, reason: str, status: int | None = None) -> None:
        super().__init__(url, reason, status, transient=False)


class Blocked(FetchError):
    """401/403/451: typically an anti-bot front or a firewall. Retrying hot makes it worse;
    the poller should mark the feed "blocked" and try again only much later."""

    kind = "blocked"

    def __init__(self, url: str, reason: str, status: int) -> None:
        super().__init__(url, reason, status, transient=False)


class RateLimited(FetchError):
    """429 or 503, or a host still inside a Retry-After window we were given earlier.

    `retry_after` is seconds from now (None when the server gave no usable value: then the
    caller's own backoff applies).
    """

    kind = "rate_limited"

    def __init__(self, url: str, reason: str, status: int | None, retry_after: float | None) -> None:
        super().__init__(url, reason, status, retry_after=retry_after, transient=True)


class RobotsDisallowed(FetchError):
    """robots.txt forbids this page to us, or could not be read (5xx, timeout), in which
    case `transient` is True and `retry_after` says when robots.txt will be asked again."""

    kind = "robots"

    def __init__(self, url: str, reason: str, *, transient: bool = False, retry_after: float | None = None) -> None:
        super().__init__(url, reason, transient=transient, retry_after=retry_after)


class UnexpectedContent(FetchError):
    """The response is not what was asked for: not a feed, not HTML, or a body whose
    Content-Encoding we cannot (or will not) decode."""

    kind = "content"

    def __init__(self, url: str, reason: str, status: int | None = None) -> None:
        super().__init__(url, reason, status, transient=False)


def parse_retry_after(value: str | None, now: datetime | None = None, cap: float = MAX_RETRY_AFTER) -> float | None:
    """Seconds to wait from a Retry-After header: delay-seconds or an HTTP-date (RFC 9110 10.2.3).

    Returns None for a missing or unreadable value (so the caller's own backoff applies),
    0 for a date in the past, and never more than `cap`.
    """
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    if text.isdigit():
        return min(float(int(text)), cap)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # "-0000" dates come back naive; HTTP dates are GMT
        when = when.replace(tzinfo=UTC)
    current = now or utcnow()
    return min(max((when - current).total_seconds(), 0.0), cap)
