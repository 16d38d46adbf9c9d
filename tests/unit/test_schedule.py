"""Backoff, Retry-After, blocked feeds and the poll schedule (pure functions, time passed in)."""

import random
from datetime import UTC, datetime, timedelta

from syndicate.clock import parse_iso
from syndicate.feeds.schedule import BackoffPolicy, after_failure, after_success, due
from syndicate.state import FeedHealth

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def policy(jitter=0.25):
    return BackoffPolicy(base_seconds=60, cap_seconds=3600, blocked_seconds=7200, jitter=jitter, rng=random.Random(7))


def fail(health, now=NOW, **kw):
    args = {"reason": "HTTP 503", "status": 503, "retry_after": None, "blocked": False, "policy": policy()}
    args.update(kw)
    return after_failure(health, now, **args)


def wait_of(health, now=NOW):
    return (parse_iso(health.backoff_until) - now).total_seconds()


def test_backoff_doubles_with_jitter_and_is_capped():
    p = policy()
    delays = [p.delay(n) for n in range(1, 10)]
    for n, d in enumerate(delays, start=1):
        raw = min(3600, 60 * 2 ** (n - 1))
        assert 0.75 * raw <= d <= 1.25 * raw
    assert max(delays) <= 3600 * 1.25
    assert len({round(d, 3) for d in delays[-3:]}) == 3, "jitter spreads capped retries"


def test_failures_accumulate_and_success_resets():
    h = fail(FeedHealth())
    h = fail(h)
    assert h.failures == 2 and h.last_error == "HTTP 503"
    assert 90 <= wait_of(h) <= 150
    assert due(h, NOW, respect_schedule=False).startswith("backing off until")
    assert due(h, NOW, respect_schedule=False, force=True) is None
    later = NOW + timedelta(seconds=200)
    assert due(h, later, respect_schedule=False) is None
    ok = after_success(h, later, 30, last_status=200)
    assert ok.failures == 0 and ok.backoff_until is None and ok.last_error is None
    assert due(ok, later, respect_schedule=True) == f"not due until {ok.next_poll}"
    assert due(ok, later, respect_schedule=False) is None


def test_retry_after_is_honoured_over_a_shorter_backoff():
    h = fail(FeedHealth(), status=429, reason="HTTP 429", retry_after=1800)
    assert wait_of(h) == 1800


def test_403_marks_blocked_and_waits_long():
    h = fail(FeedHealth(), status=403, reason="HTTP 403", blocked=True)
    assert h.blocked is True and wait_of(h) >= 7200
    assert due(h, NOW + timedelta(hours=1), respect_schedule=False).startswith("blocked until")
    assert after_success(h, NOW + timedelta(hours=3), 30).blocked is False
