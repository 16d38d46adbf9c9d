"""The poller against a loopback server that answers 304/429/503/403 on purpose."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from syndicate import pipeline
from syndicate.registry import load_registry
from syndicate.runtime import build_local


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def setup(tmp_path, demo_registry, site_server):
    registry = load_registry(demo_registry)
    svc = build_local(tmp_path / "out", registry, allow_loopback=True)
    clock = Clock()
    svc.clock = clock
    lse = registry.partner("lse-blogs").feeds[0].url
    cgsp = registry.partner("cgsp").feeds[0].url
    yield svc, clock, site_server, lse, cgsp
    svc.http.close()


def feed_path(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def test_429_retry_after_is_honoured_then_reset_on_success(setup):
    svc, clock, server, lse, _cgsp = setup
    server.route(lse, status=429, body="slow down", headers={"Retry-After": "3600"}, times=1)
    first = pipeline.poll_once(svc)
    assert [(f.url, f.reason) for f in first.failures] == [(lse, "HTTP 429")]
    assert first.enqueued == 3, "the healthy feed beside it still queued its entries"
    health = svc.db.feeds.get(lse)
    assert health.failures == 1 and health.backoff_until == "2026-01-01T13:00:00Z"

    server.clear_log()
    clock.now += timedelta(minutes=30)
    second = pipeline.poll_once(svc)
    assert [s.url for s in second.skipped] == [lse]
    assert "backing off until 2026-01-01T13:00:00Z" in second.skipped[0].reason
    assert server.count(feed_path(lse)) == 0, "no request while backing off"

    clock.now += timedelta(minutes=31)
    third = pipeline.poll_once(svc)
    assert not third.failures and third.enqueued == 3
    health = svc.db.feeds.get(lse)
    assert health.failures == 0 and health.backoff_until is None and health.last_status == 200


def test_403_marks_the_feed_blocked_without_hot_retries(setup):
    svc, clock, server, _lse, cgsp = setup
    server.route(cgsp, status=403, body="Attention Required! | Cloudflare")
    report = pipeline.poll_once(svc)
    assert [(f.partner, f.reason) for f in report.failures] == [("cgsp", "HTTP 403")]
    health = svc.db.feeds.get(cgsp)
    assert health.blocked is True and health.last_status == 403
    for _ in range(5):  # a run every ten minutes for most of an hour: no request reaches the server
        clock.now += timedelta(minutes=10)
        server.clear_log()
        again = pipeline.poll_once(svc)
        assert [s.url for s in again.skipped] == [cgsp] and "blocked until" in again.skipped[0].reason
        assert server.count(feed_path(cgsp)) == 0
    forced = pipeline.poll_once(svc, force=True)
    assert [f.reason for f in forced.failures] == ["HTTP 403"]
    assert svc.db.feeds.get(cgsp).failures == 2


def test_503_backoff_grows(setup):
    svc, clock, server, lse, _cgsp = setup
    server.route(lse, status=503, body="down")
    waits = []
    for _ in range(4):
        pipeline.poll_once(svc, force=True)
        health = svc.db.feeds.get(lse)
        until = datetime.fromisoformat(health.backoff_until.replace("Z", "+00:00"))
        waits.append((until - clock.now).total_seconds())
    assert waits[0] < waits[1] < waits[2] < waits[3]


def test_identical_body_without_etag_costs_no_parsing(setup):
    svc, _clock, server, lse, _cgsp = setup
    server.route(lse, body=None, conditional=False)  # a server that ignores conditional requests
    pipeline.poll_once(svc)
    again = pipeline.poll_once(svc)
    assert again.feeds_not_modified == 2 and again.enqueued == 0 and again.entries_seen == 0


def test_lambda_poller_respects_the_schedule(setup):
    svc, clock, _server, _lse, _cgsp = setup
    pipeline.poll_once(svc, respect_schedule=True)
    clock.now += timedelta(minutes=10)
    report = pipeline.poll_once(svc, respect_schedule=True)
    assert report.feeds_polled == 0 and len(report.skipped) == 2
    assert all("not due until" in s.reason for s in report.skipped)
    clock.now += timedelta(minutes=25)
    assert pipeline.poll_once(svc, respect_schedule=True).feeds_polled == 2
