"""Per-host limits, Retry-After windows and parsing, and the User-Agent we send."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from syndicate.fetch import build_user_agent, parse_retry_after
from syndicate.fetch.client import robots_agent
from syndicate.fetch.errors import MAX_RETRY_AFTER, Blocked, FetchError, RateLimited, Refused, TimedOut
from syndicate.fetch.politeness import HostCoolingDown, HostLimiter

from fixtures.clock import FakeClock


def limiter(clock: FakeClock, **kwargs: object) -> HostLimiter:
    options: dict[str, object] = {"max_per_host": 2, "min_delay": 1.5, "exempt_hosts": frozenset()}
    options.update(kwargs)
    return HostLimiter(clock=clock, sleep=clock.sleep, **options)  # type: ignore[arg-type]


def test_request_starts_to_one_host_are_spaced_by_the_delay() -> None:
    clock = FakeClock()
    lim = limiter(clock)
    starts = []
    for _ in range(3):
        with lim.slot("Partner.Example"):
            starts.append(clock.now)
    assert starts == [0.0, 1.5, 3.0]
    with lim.slot("other.example"):  # another host does not wait
        assert clock.now == 3.0
    clock.now += 10  # a host idle for longer than the delay does not wait either
    with lim.slot("partner.example"):
        pass
    assert clock.sleeps == [1.5, 1.5]


def test_loopback_names_are_exempt_from_the_delay_by_default() -> None:
    clock = FakeClock()
    lim = HostLimiter(min_delay=5, clock=clock, sleep=clock.sleep)
    for _ in range(3):
        with lim.slot("127.0.0.1"):
            pass
    assert clock.sleeps == [] and lim.delay_for("127.0.0.1") == 0.0 and lim.delay_for("partner.example") == 5
    lim.cool_down("127.0.0.1", 60)
    assert lim.cooling("127.0.0.1") == 0  # each feed on a loopback server keeps its own Retry-After


def test_crawl_delay_lengthens_but_never_shortens_and_is_capped() -> None:
    clock = FakeClock()
    lim = limiter(clock)
    lim.set_crawl_delay("slow.example", 10)
    lim.set_crawl_delay("fast.example", 0.1)
    lim.set_crawl_delay("silly.example", 86400)
    assert lim.delay_for("slow.example") == 10
    assert lim.delay_for("fast.example") == 1.5
    assert lim.delay_for("silly.example") == 60


def test_concurrency_per_host_is_bounded_across_threads() -> None:
    lim = HostLimiter(max_per_host=2, min_delay=0, exempt_hosts=frozenset())
    active = 0
    peak = 0
    lock = threading.Lock()

    def work() -> None:
        nonlocal active, peak
        with lim.slot("partner.example"):
            with lock:
                active += 1
                peak = max(peak, active)
            time.sleep(0.02)
            with lock:
                active -= 1

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(5)
    assert peak == 2


def test_cool_down_refuses_until_the_window_passes() -> None:
    clock = FakeClock()
    lim = limiter(clock)
    lim.cool_down("partner.example", 30, status=429)
    with pytest.raises(HostCoolingDown) as caught:
        lim.acquire("partner.example")
    assert (caught.value.remaining, caught.value.status) == (30, 429)
    assert lim.cooling("partner.example") == 30
    lim.cool_down("partner.example", 5)  # a shorter window never shortens a longer one
    clock.now += 31
    with lim.slot("partner.example"):
        pass
    assert lim.cooling("partner.example") == 0


def test_limiter_rejects_nonsense() -> None:
    with pytest.raises(ValueError):
        HostLimiter(max_per_host=0)
    with pytest.raises(ValueError):
        HostLimiter(min_delay=-1)


# -- Retry-After -------------------------------------------------------------------------------

NOW = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("120", 120.0),
        (" 0 ", 0.0),
        (format_datetime(NOW + timedelta(minutes=5), usegmt=True), 300.0),
        ("Wed, 01 May 2024 12:01:00 GMT", 60.0),
        (format_datetime(NOW - timedelta(hours=1), usegmt=True), 0.0),  # in the past: retry now
        ("99999999999", MAX_RETRY_AFTER),
        (format_datetime(NOW + timedelta(days=400), usegmt=True), MAX_RETRY_AFTER),
        ("-5", None),
        ("soon", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_retry_after(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value, NOW) == expected


# -- errors say what to do ----------------------------------------------------------------------


def test_error_kinds_and_transience() -> None:
    assert Blocked("u", "r", 403).kind == "blocked" and not Blocked("u", "r", 403).transient
    limited = RateLimited("u", "r", 429, 60.0)
    assert limited.transient and limited.retry_after == 60.0 and limited.status == 429
    assert TimedOut("u", "r").transient and not Refused("u", "r").transient
    assert FetchError("u", "r").transient  # network trouble
    assert FetchError("u", "r", 502).transient and not FetchError("u", "r", 404).transient
    assert str(FetchError("http://x/", "HTTP 404", 404)) == "http://x/: HTTP 404"


# -- User-Agent ------------------------------------------------------------------------------------


def test_user_agent_names_the_project_and_the_contact() -> None:
    assert build_user_agent("https://feeds.example.org/about") == "syndicate/0.1.0 (+https://feeds.example.org/about)"
    assert build_user_agent(None).startswith("syndicate/0.1.0 ")
    assert robots_agent(build_user_agent("mailto:ops@example.org")) == "syndicate"
    for bad in ("javascript:alert(1)", "https://x/\r\nX-Injected: 1", "feeds.example.org"):
        with pytest.raises(ValueError):
            build_user_agent(bad)
