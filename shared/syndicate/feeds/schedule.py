"""When to poll a feed again: the schedule, backoff after failures, and being blocked.

Being polite is a promise to partners: a feed is polled no more often than its registry
entry says; after a failure the wait doubles (with jitter, so many feeds do not retry in
step) up to a cap and resets on success; a server's Retry-After is honoured; and a 403 from
an anti-bot front marks the feed "blocked" and waits long, instead of retrying hot.
Everything here is pure: a FeedHealth in, a new FeedHealth out, time passed in.
"""

from __future__ import annotations

import dataclasses
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from ..clock import iso_z, parse_iso
from ..state.feeds import FeedHealth


@dataclass
class BackoffPolicy:
    base_seconds: float = 300.0
    cap_seconds: float = 6 * 3600.0
    blocked_seconds: float = 12 * 3600.0
    jitter: float = 0.25
    rng: random.Random = field(default_factory=random.Random)

    def delay(self, failures: int) -> float:
        """base * 2^(failures-1), capped, times a random factor in [1-jitter, 1+jitter]."""
        raw = min(self.cap_seconds, self.base_seconds * 2 ** max(0, failures - 1))
        return raw * self.rng.uniform(1 - self.jitter, 1 + self.jitter)


def due(health: FeedHealth, now: datetime, *, respect_schedule: bool, force: bool = False) -> str | None:
    """Why this feed must not be polled now, or None when it may be."""
    if force:
        return None
    until = parse_iso(health.backoff_until)
    if until and now < until:
        what = "blocked" if health.blocked else "backing off"
        return f"{what} until {iso_z(until)} after {health.failures} failure(s): {health.last_error}"
    nxt = parse_iso(health.next_poll)
    if respect_schedule and nxt and now < nxt:
        return f"not due until {iso_z(nxt)}"
    return None


def after_success(health: FeedHealth, now: datetime, poll_minutes: int, **updates: Any) -> FeedHealth:
    """Reset failures and backoff; schedule the next regular poll. `updates`: FeedHealth fields."""
    return dataclasses.replace(
        health,
        **updates,
        last_poll=iso_z(now),
        failures=0,
        last_error=None,
        blocked=False,
        backoff_until=None,
        next_poll=iso_z(now + timedelta(minutes=poll_minutes)),
    )


def after_failure(
    health: FeedHealth,
    now: datetime,
    *,
    reason: str,
    status: int | None,
    retry_after: float | None,
    blocked: bool,
    policy: BackoffPolicy,
) -> FeedHealth:
    """One more failure: back off exponentially (or as long as Retry-After asks, or long when
    blocked), remembering why, so `syndicate status` can tell a person what is going on."""
    failures = health.failures + 1
    wait = policy.delay(failures)
    if retry_after is not None:
        wait = max(wait, retry_after)
    if blocked:
        wait = max(wait, policy.blocked_seconds)
    return dataclasses.replace(
        health,
        last_poll=iso_z(now),
        last_status=status,
        last_error=reason,
        failures=failures,
        blocked=blocked,
        backoff_until=iso_z(now + timedelta(seconds=wait)),
        next_poll=iso_z(now + timedelta(seconds=wait)),
    )
