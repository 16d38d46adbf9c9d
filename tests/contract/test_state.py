"""The state repositories (syndicate.state) on both adapter sets: SQLite, and DynamoDB on
moto's server over the wire. What each partition stores, how it is read back, and the
guarantees the stages build on (leases exclude each other, partitions do not mix)."""

from __future__ import annotations

import threading
from collections import Counter

import pytest

from syndicate.feeds import schedule
from syndicate.ports import StateStore
from syndicate.state import (
    DeadLetter,
    FeedHealth,
    Leases,
    PublishMark,
    RecordMeta,
    SeenEntry,
    State,
    StoredCopy,
)
from syndicate.state.feeds import FEED_PK


def test_feed_health_round_trips_and_tolerates_other_versions(state: StateStore) -> None:
    db = State(state)
    url = "https://blogs.lse.ac.uk/cff/feed/"
    assert db.feeds.get(url) is None
    health = FeedHealth(partner="lse-blogs", last_poll="2026-01-01T12:00:00Z", last_status=200, etag='"abc"')
    db.feeds.put(url, health)
    assert db.feeds.get(url) == health
    # An item written by another version: unknown keys ignored, missing ones defaulted.
    state.put(FEED_PK, "https://x.example/feed", {"partner": "x", "failures": 3, "from_the_future": True})
    other = db.feeds.get("https://x.example/feed")
    assert other == FeedHealth(partner="x", failures=3)


def test_seen_entries_copies_and_members(state: StateStore) -> None:
    db = State(state)
    db.entries.put("https://a.example/post/", SeenEntry("h1", "cgsp", "2026-01-01T00:00:00Z"))
    assert db.entries.get("https://a.example/post/") == SeenEntry("h1", "cgsp", "2026-01-01T00:00:00Z")
    assert db.entries.get("https://a.example/other/") is None

    record = {"id": "c1", "title": "Ünïcode ✓", "_syndicate": {"partner": "cgsp"}}
    db.copies.put("c1", StoredCopy("cgsp", record))
    assert db.copies.get("c1") == StoredCopy("cgsp", record, None)
    for member in ("c2", "c1"):
        db.copies.add_member("r1", member, "2026-01-01T00:00:00Z")
    db.copies.add_member("r2", "c3", "2026-01-01T00:00:00Z")
    assert db.copies.members("r1") == ["c1", "c2"], "sorted, and only this record's"
    db.copies.clear_members("r1")
    assert db.copies.members("r1") == [] and db.copies.members("r2") == ["c3"]


def test_record_index_and_pending_marks(state: StateStore) -> None:
    db = State(state)
    b, a = RecordMeta("cgsp", "2022-01-14T00:00:00Z", 2, "f2"), RecordMeta("lse-blogs", None, 1, "f1")
    db.records.put("b", b)
    db.records.put("a", a)
    assert db.records.all() == [("a", a), ("b", b)]
    db.records.delete("a")
    assert [rid for rid, _ in db.records.all()] == ["b"] and db.records.get("a") is None

    db.pending.mark("b", "t1")
    db.pending.mark("a", "t2", retired=True)
    assert [(rid, m.retired) for rid, m in db.pending.all()] == [("a", True), ("b", False)]
    db.pending.clear("a")
    assert [rid for rid, _ in db.pending.all()] == ["b"]


def test_dead_letters_and_publish_marks(state: StateStore) -> None:
    db = State(state)
    db.dead.put("m1", DeadLetter('{"partner": "cgsp"}', "cgsp https://x: HTTP 500", 5))
    assert db.dead.all() == [("m1", DeadLetter('{"partner": "cgsp"}', "cgsp https://x: HTTP 500", 5))]
    db.dead.delete("m1")
    assert db.dead.all() == []

    assert db.publish.last() is None
    db.publish.put_last(PublishMark("d1", ["feed.json", "feed/p2-x.json"], "t"))
    assert db.publish.last() == PublishMark("d1", ["feed.json", "feed/p2-x.json"], "t")


def test_a_lease_excludes_others_until_released_or_expired(state: StateStore) -> None:
    now = [1000.0]
    leases = Leases(state, clock=lambda: now[0])
    token = leases.acquire("r1", 30)
    assert token is not None
    assert leases.acquire("r1", 30) is None, "held"
    assert leases.acquire("r2", 30) is not None, "another name is another lease"
    leases.release("r1", "not-the-token")
    assert leases.acquire("r1", 30) is None, "a wrong token releases nothing"
    now[0] += 31  # the holder died: its lease ran out
    late = leases.acquire("r1", 30)
    assert late is not None and late != token
    leases.release("r1", token)  # the old holder wakes up: it no longer holds anything
    assert leases.get("r1") is not None and leases.get("r1").token == late  # type: ignore[union-attr]
    leases.release("r1", late)
    assert leases.get("r1") is None


def test_concurrent_lease_takers_one_wins(state: StateStore) -> None:
    leases = Leases(state)
    won: Counter[bool] = Counter()
    barrier = threading.Barrier(4)

    def take() -> None:
        barrier.wait()
        won[leases.acquire("contended", 30) is not None] += 1

    threads = [threading.Thread(target=take) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert won == Counter({True: 1, False: 3})


def test_lsh_table_buckets_fingerprints_and_config(state: StateStore) -> None:
    lsh = State(state).lsh
    lsh.add_to_bucket(0, "aa", "doc1")
    lsh.add_to_bucket(0, "aa", "doc2")
    lsh.add_to_bucket(5, "bb", "doc3")
    assert lsh.bucket_members([(0, "aa"), (5, "bb"), (7, "cc")]) == {"doc1", "doc2", "doc3"}
    assert lsh.bucket_members([]) == set()
    lsh.remove_from_bucket(0, "aa", "doc1")
    assert lsh.bucket_members([(0, "aa")]) == {"doc2"}
    lsh.put_fingerprint("doc2", {"sig": [1, 2], "sh": [3], "n": 1})
    assert lsh.fingerprint("doc2") == {"sig": [1, 2], "sh": [3], "n": 1}
    lsh.delete_fingerprint("doc2")
    assert lsh.fingerprint("doc2") is None
    assert lsh.config() is None
    assert lsh.create_config({"num_perm": 128}) is True
    assert lsh.create_config({"num_perm": 64}) is False, "written once"
    assert lsh.config() == {"num_perm": 128}


def test_partitions_do_not_mix(state: StateStore) -> None:
    """The same sort key in two partitions is two items: a record id is also a lease name."""
    db = State(state)
    db.records.put("same", RecordMeta("cgsp"))
    db.pending.mark("same", "t")
    assert db.leases.acquire("same", 30) is not None
    assert [rid for rid, _ in db.records.all()] == ["same"]
    assert [rid for rid, _ in db.pending.all()] == ["same"]
    assert db.dead.all() == [] and db.copies.members("same") == []


def test_schedule_results_are_stored_whole(state: StateStore) -> None:
    """What the poll stage writes after a failure reads back identically (no field lost)."""
    from datetime import UTC, datetime

    db = State(state)
    failed = schedule.after_failure(
        FeedHealth(partner="cgsp"),
        datetime(2026, 1, 1, tzinfo=UTC),
        reason="HTTP 403",
        status=403,
        retry_after=None,
        blocked=True,
        policy=schedule.BackoffPolicy(),
    )
    db.feeds.put("https://cgsp.example/feed/", failed)
    assert db.feeds.get("https://cgsp.example/feed/") == failed
    assert failed.blocked and failed.failures == 1


@pytest.mark.parametrize("namespace", ["", "a#b"])
def test_lsh_namespace_is_checked(state: StateStore, namespace: str) -> None:
    from syndicate.state import LshTable

    with pytest.raises(ValueError, match="namespace"):
        LshTable(state, namespace)


def test_raw_pages_round_trip_sorted_by_copy_id(state: StateStore) -> None:
    from syndicate.state import RawPageMeta

    db = State(state)
    b = RawPageMeta("cgsp", "https://cgsp.example/b/", "2026-01-02T00:00:00Z", "d2", 12_000, 3_000)
    a = RawPageMeta("lse-blogs", "https://lse.example/a/?utm_source=rss", "2026-01-01T00:00:00Z", "d1", 9, 30)
    db.raw.put("b" * 32, b)
    db.raw.put("a" * 32, a)
    assert db.raw.all() == [("a" * 32, a), ("b" * 32, b)]
    assert db.raw.get("c" * 32) is None
    db.records.put("a" * 32, RecordMeta("lse-blogs"))
    assert db.raw.get("a" * 32) == a, "a copy id is also a record id: partitions do not mix"
