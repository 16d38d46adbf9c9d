"""Redelivered messages change nothing (powertools Idempotency), on both adapter sets."""

from __future__ import annotations

import json

import pytest

from syndicate import pipeline
from syndicate.registry import load_registry
from syndicate.services import Services
from syndicate.state import RecordMeta

from fixtures.backends import walk_feed


def url_of(body: str) -> str:
    return str(json.loads(body)["canonical_url"])


def queued_bodies(svc: Services) -> list[str]:
    messages = svc.queue.receive(10)
    for m in messages:
        svc.queue.delete(m.receipt)
    return [m.body for m in messages]


def test_redelivered_message_fetches_and_writes_once(make_services, demo_registry, site_server):
    svc = make_services(load_registry(demo_registry))
    pipeline.poll_once(svc)
    body = next(
        b
        for b in queued_bodies(svc)
        if url_of(b).endswith("/lse/cff/2022/01/14/beijings-wait-and-see-approach-in-kazakhstan/")
    )
    seed = "/lse/cff/2022/01/14/beijings-wait-and-see-approach-in-kazakhstan/"
    site_server.clear_log()

    first = pipeline.ingest_message(svc, body)
    second = pipeline.ingest_message(svc, body)  # SQS delivered it again
    assert first == second and first.changed
    assert site_server.count(seed) == 1, "the redelivery did not fetch the page again"
    assert [rid for rid, _ in svc.db.pending.all()] == [first.record_id]
    assert svc.db.records.get(first.record_id).version == 1


def test_failed_ingest_is_retried_not_remembered(make_services, demo_registry, site_server):
    svc = make_services(load_registry(demo_registry))
    pipeline.poll_once(svc)
    body = next(
        b
        for b in queued_bodies(svc)
        if url_of(b).endswith("/cgsp/analysis/beijings-wait-and-see-approach-in-kazakhstan/")
    )
    page = "/cgsp/analysis/beijings-wait-and-see-approach-in-kazakhstan/"
    site_server.route(site_server.url(page), status=500, body="oops")
    with pytest.raises(pipeline.IngestError, match="HTTP 500"):
        pipeline.ingest_message(svc, body)
    failed_fetches = site_server.count(page)
    site_server.unroute(site_server.url(page))
    result = pipeline.ingest_message(svc, body)  # the retry after the failure really runs
    assert result.changed and result.partner == "cgsp"
    assert site_server.count(page) == failed_fetches + 1


def feed_ids(svc: Services) -> set[str]:
    return {item["id"] for item in walk_feed(svc)}


def test_two_publishes_at_once_lose_no_item(make_services, demo_registry, site_server):
    """A reads the pending marks; meanwhile A's lease runs out (A stalled), B ingests a new
    record and publishes; then A writes. A's conditional pointer write fails and A rebuilds
    from the newer state, so B's record stays. (The lease normally keeps B out entirely:
    test_publish_lease_keeps_a_second_publish_out.)"""
    registry = load_registry(demo_registry)
    a = make_services(registry)
    b = make_services(registry)
    pipeline.poll_once(a)
    bodies = queued_bodies(a)
    for body in bodies[:-2]:
        pipeline.ingest_message(a, body)
    pipeline.publish_pending(a)
    mine = pipeline.ingest_message(a, bodies[-2]).record_id  # A has something new to publish too
    late: list[str] = []

    class RaceOnce:
        def __init__(self, inner):
            self.inner = inner

        def __getattr__(self, name):
            return getattr(self.inner, name)

        def query(self, pk):
            result = self.inner.query(pk)
            if pk == "pending" and not late:
                b.db.leases.delete("publish")  # A's lease expired while A stalled
                late.append(pipeline.ingest_message(b, bodies[-1]).record_id)
                pipeline.publish_pending(b)  # B reaches the pointer files first
                assert late[0] in feed_ids(b)
            return result

    a.state = RaceOnce(a.state)
    report = pipeline.publish_pending(a)
    assert late and report is not None  # (B already published everything A had: A may find nothing left to do)
    assert late[0] in feed_ids(a), "B's record survived A's publish"
    assert mine in feed_ids(a)
    assert feed_ids(a) == {rid for rid, _ in a.db.records.all()}, "every indexed record is published"


def test_crash_between_record_and_publish_is_repaired(make_services, demo_registry, site_server):
    svc = make_services(load_registry(demo_registry))
    pipeline.run(svc)
    before = feed_ids(svc)
    record_id = sorted(before)[0]
    # A record written and indexed whose pending mark never landed (the ingest crashed there)
    # and whose publish never ran: the feed no longer shows it.
    raw = json.loads(svc.store.get(f"records/{record_id}.json"))
    raw["id"] = "crashed0000000000000000000000000"
    raw["url"] = raw["url"] + "crashed/"
    svc.store.put("records/crashed0000000000000000000000000.json", json.dumps(raw).encode())
    svc.db.records.put("crashed0000000000000000000000000", RecordMeta("lse-blogs", fingerprint="f"))
    assert not svc.db.pending.all()
    assert not pipeline.publish_pending(svc).published, "a publish reads the pending marks, not the whole index"
    report = pipeline.publish_pending(svc, reconcile=True)  # what the hourly backstop runs
    assert report.published and "crashed0000000000000000000000000" in feed_ids(svc)
    assert not pipeline.publish_pending(svc).published, "and then it is quiet again"


def test_publish_lease_keeps_a_second_publish_out(make_services, demo_registry, site_server):
    """While one publish holds the lease another reports busy and leaves the work pending."""
    svc = make_services(load_registry(demo_registry))
    pipeline.poll_once(svc)
    for body in queued_bodies(svc):
        pipeline.ingest_message(svc, body)
    pending = {rid for rid, _ in svc.db.pending.all()}
    token = svc.db.leases.acquire("publish", 60)
    assert token is not None
    busy = pipeline.publish_pending(svc, wait_seconds=0.3)
    assert busy.busy and not busy.published and svc.store.get("feed.json") is None
    assert {rid for rid, _ in svc.db.pending.all()} == pending, "the work stays pending"
    svc.db.leases.release("publish", token)
    done = pipeline.publish_pending(svc)
    assert done.published and not done.busy and not svc.db.pending.all()
    assert feed_ids(svc) == {rid for rid, _ in svc.db.records.all()}
    assert svc.db.leases.get("publish") is None, "the lease is given back"
