"""Redelivered messages change nothing (powertools Idempotency), on both adapter sets."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from syndicate import pipeline
from syndicate.registry import Registry, load_registry
from syndicate.runtime import build_aws, build_local
from syndicate.services import Services


@pytest.fixture(params=["local", "aws"])
def make_services(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[Registry], Services]]:
    made: list[Services] = []

    def make(registry: Registry) -> Services:
        if request.param == "local":
            svc = build_local(tmp_path / "out", registry, allow_loopback=True)
        else:
            res = request.getfixturevalue("aws_resources")
            svc = build_aws(
                registry,
                bucket=res.bucket,
                table=res.table,
                queue_url=res.article_queue_url,
                endpoint_url=res.endpoint,
                allow_loopback=True,
            )
        made.append(svc)
        return svc

    yield make
    for svc in made:
        svc.http.close()


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
    assert [sk for sk, _ in svc.state.query("pending")] == [first.record_id]
    assert svc.state.get("record", first.record_id)["version"] == 1


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
