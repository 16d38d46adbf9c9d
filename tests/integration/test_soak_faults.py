"""Fault-injection soak: 1,000 entries through the whole pipeline against moto's server while
a fraction of S3, DynamoDB, SQS and HTTP calls fail or time out and some messages arrive
twice. At the end every entry is published exactly once and nothing sits in the DLQ.

The driver plays the part of Lambda and SQS: it polls until every feed was read, receives
and ingests batches (a failed message is not deleted, so SQS redelivers it after the
visibility timeout, and dead-letters it after maxReceiveCount), and publishes until a
publish succeeds. Faults are injected at the adapters' and the HTTP client's boundary, half
before the call (nothing happened) and half after it (it happened, the caller was told it
failed): the second kind is what makes "exactly once" hard.
"""

from __future__ import annotations

import json
import os
import random
from collections import Counter
from typing import Any

import pytest
from botocore.exceptions import EndpointConnectionError, ReadTimeoutError
from botocore.retries.standard import ExponentialBackoff

from syndicate import pipeline
from syndicate.adapters.aws import SqsQueue
from syndicate.fetch import FetchError
from syndicate.ports import StorageError
from syndicate.publish.jsonfeed import loads_page
from syndicate.registry import parse_registry
from syndicate.runtime import build_aws

ENTRIES = int(os.environ.get("SOAK_ENTRIES", "1000"))
FAULT_RATE = float(os.environ.get("SOAK_FAULT_RATE", "0.10"))
RESIDUAL_RATE = 0.005
DUPLICATE_RATE = 0.05
PARTNERS = 4
WORDS = [
    "trade",
    "loan",
    "port",
    "railway",
    "ministry",
    "election",
    "currency",
    "harbour",
    "pipeline",
    "summit",
    "tariff",
    "delegation",
    "investment",
    "corridor",
    "bank",
    "contract",
    "minister",
    "parliament",
    "protest",
    "border",
    "grain",
    "energy",
    "treaty",
]


class Injected(Exception):
    pass


class Flaky:
    """Proxy that makes a fraction of method calls fail, before or after the real call."""

    def __init__(self, inner: Any, rng: random.Random, rate: float, error: Any, counts: Counter[str], name: str):
        self._inner, self._rng, self._rate, self._error, self._counts, self._name = (
            inner,
            rng,
            rate,
            error,
            counts,
            name,
        )

    def __getattr__(self, attr: str) -> Any:
        value = getattr(self._inner, attr)
        if not callable(value) or attr.startswith("_"):
            return value

        def call(*args: Any, **kwargs: Any) -> Any:
            roll = self._rng.random()
            if roll < self._rate / 2:
                self._counts[f"{self._name}.{attr} failed before"] += 1
                raise self._error(f"injected fault before {self._name}.{attr}")
            result = value(*args, **kwargs)
            if roll < self._rate:
                self._counts[f"{self._name}.{attr} failed after"] += 1
                raise self._error(f"injected timeout after {self._name}.{attr}")
            return result

        return call


def fail_on_the_wire(client: Any, rng: random.Random, rate: float, counts: Counter[str], name: str) -> None:
    """A fraction of the HTTP requests botocore sends time out or drop the connection.
    botocore's standard retry mode retries them, as it would in production."""

    def hook(request: Any, **_: Any) -> None:
        roll = rng.random()
        if roll < rate / 2:
            counts[f"{name} wire: read timeout"] += 1
            raise ReadTimeoutError(endpoint_url=request.url)
        if roll < rate:
            counts[f"{name} wire: connection dropped"] += 1
            raise EndpointConnectionError(endpoint_url=request.url)

    client.meta.events.register("before-send", hook)


class DuplicatingQueue:
    """SQS may deliver a message twice: send a fraction of the messages twice."""

    def __init__(self, inner: Any, rng: random.Random, counts: Counter[str]):
        self._inner, self._rng, self._counts = inner, rng, counts

    def __getattr__(self, attr: str) -> Any:
        return getattr(self._inner, attr)

    def send(self, bodies: list[str]) -> None:
        twice = [b for b in bodies if self._rng.random() < DUPLICATE_RATE]
        self._counts["messages sent twice"] += len(twice)
        self._inner.send(bodies + twice)


def page(i: int, rng: random.Random) -> str:
    paras = "".join(
        "<p>" + " ".join(rng.choice(WORDS) for _ in range(40)) + f" (article {i}, part {n}).</p>" for n in range(4)
    )
    head = f"<html><head><title>Article {i}</title></head>"
    return f"{head}<body><article><h1>Article {i}</h1>{paras}</article></body></html>"


def feed(partner: int, items: list[int]) -> str:
    entries = "".join(
        f"<item><title>Article {i}</title><link>{{{{BASE}}}}/soak/p{partner}/a/{i}/</link>"
        f"<pubDate>Mon, {1 + i % 28:02d} Feb 2021 {i % 24:02d}:{i % 60:02d}:00 +0000</pubDate></item>"
        for i in items
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>p{partner}</title>{entries}</channel></rss>'


@pytest.fixture
def soak_site(site_server):
    rng = random.Random(1)
    per = ENTRIES // PARTNERS
    for p in range(PARTNERS):
        items = list(range(p * per, (p + 1) * per))
        site_server.route(f"/soak/p{p}/feed/", body=feed(p, items), content_type="application/rss+xml")
        for i in items:
            site_server.route(f"/soak/p{p}/a/{i}/", body=page(i, rng), content_type="text/html")
    partners = "".join(
        f"  - id: p{p}\n    name: Partner {p}\n    homepage: {site_server.base_url}/soak/p{p}/\n"
        f"    feeds: [{{url: {site_server.base_url}/soak/p{p}/feed/}}]\n"
        f"    licence: {{spdx: CC-BY-4.0, republish: full}}\n"
        for p in range(PARTNERS)
    )
    return parse_registry("partners:\n" + partners + "publish: {page_size: 100}\n", source="soak.yaml")


def test_soak_with_faults_and_duplicates(aws_resources, soak_site, monkeypatch):
    # botocore's retry backoff sleeps ~0.5 s per wire fault; compress that time (the retry
    # decisions themselves are unchanged) so a thousand entries fit in a test run.
    monkeypatch.setattr(ExponentialBackoff, "delay_amount", lambda self, context: 0.001)
    sqs = aws_resources.client("sqs")
    name = aws_resources.bucket[:40]
    dlq_url = sqs.create_queue(QueueName=f"{name}-soak-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    queue_url = sqs.create_queue(
        QueueName=f"{name}-soak",
        Attributes={
            "VisibilityTimeout": "1",
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "20"}),
        },
    )["QueueUrl"]
    clean = build_aws(
        soak_site,
        bucket=aws_resources.bucket,
        table=aws_resources.table,
        queue_url=queue_url,
        endpoint_url=aws_resources.endpoint,
        allow_loopback=True,
    )
    clean.queue = SqsQueue(queue_url, client=sqs, wait_seconds=0)
    rng = random.Random(42)
    counts: Counter[str] = Counter()
    svc = build_aws(
        soak_site,
        bucket=aws_resources.bucket,
        table=aws_resources.table,
        queue_url=queue_url,
        endpoint_url=aws_resources.endpoint,
        allow_loopback=True,
    )
    flaky_sqs = aws_resources.client("sqs")
    for client, label in (
        (svc.store.client, "s3"),
        (svc.state.client, "dynamodb"),
        (flaky_sqs, "sqs"),
        (svc.idempotency.client, "idempotency"),
    ):
        fail_on_the_wire(client, rng, FAULT_RATE, counts, label)
    # Calls that fail even after botocore's retries, or succeed but are reported as failed.
    svc.index_workers = 1  # one driver thread plays one Lambda at a time
    svc.store = Flaky(svc.store, rng, RESIDUAL_RATE, StorageError, counts, "s3")
    svc.state = Flaky(svc.state, rng, RESIDUAL_RATE, StorageError, counts, "dynamodb")
    queue = Flaky(
        SqsQueue(queue_url, client=flaky_sqs, wait_seconds=0), rng, RESIDUAL_RATE, StorageError, counts, "sqs"
    )
    svc.queue = DuplicatingQueue(queue, rng, counts)
    svc.http = Flaky(svc.http, rng, FAULT_RATE, lambda m: FetchError("http://soak", m), counts, "http")

    polled = 0
    for _ in range(50):  # the schedule fires again until every feed has been read
        try:
            report = pipeline.poll_once(svc, force=True)
        except StorageError:
            counts["poll invocations failed"] += 1
            continue
        polled += report.feeds_polled - len(report.failures)
        if polled >= PARTNERS and not report.failures:
            break
    deliveries = Counter[str]()
    idle = 0
    while idle < 3:
        try:
            batch = svc.queue.receive(10)
        except StorageError:
            continue
        if not batch:
            idle += 1
            if clean.queue.approximate_count():
                idle = 0
                import time

                time.sleep(0.5)  # in flight: wait for the visibility timeout
            continue
        idle = 0
        for message in batch:
            deliveries[message.message_id] += 1
            # Each delivery is a Lambda invocation with a short timeout: an idempotency claim
            # left behind by a crashed attempt expires with it, as it would in Lambda.
            try:
                pipeline.ingest_message(svc, message.body, deadline=pipeline.worker_deadline(3.0))
                svc.queue.delete(message.receipt)
            except (pipeline.IngestError, StorageError, FetchError) as exc:
                counts[f"ingest failed: {type(exc).__name__}"] += 1
            except Exception as exc:  # powertools wraps persistence errors
                counts[f"ingest failed: {type(exc).__name__}"] += 1
    for _ in range(50):
        try:
            if pipeline.publish_pending(svc).busy:  # a failed attempt's lease not given back
                counts["publish found the lease held"] += 1
                import time

                time.sleep(1)
                continue
            break
        except (StorageError, pipeline.PublishConflict):
            counts["publish invocations failed"] += 1

    ids: list[str] = []
    key: str | None = "feed.json"
    while key:
        doc = loads_page(clean.store.get(key) or b"{}")
        ids += [item["id"] for item in doc["items"]]
        key = doc["next_url"].removeprefix(clean.settings.public_base_url) if doc.get("next_url") else None
    urls = Counter(json.loads(clean.store.get(f"records/{i}.json") or b"{}")["url"] for i in set(ids))
    dead = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["ApproximateNumberOfMessages"])
    in_dlq = int(dead["Attributes"]["ApproximateNumberOfMessages"])
    injected = sum(v for k, v in counts.items() if "failed " in k or "wire:" in k)
    print(
        f"\nsoak: {ENTRIES} entries, {injected} injected faults, {counts['messages sent twice']} messages sent twice, "
        f"{sum(deliveries.values())} deliveries of {len(deliveries)} messages, "
        f"{sum(v for k, v in counts.items() if k.startswith('ingest failed'))} failed ingests retried, "
        f"{len(ids)} items published, {len(set(ids))} unique, {in_dlq} in the DLQ"
    )
    for k, v in sorted(counts.items()):
        print(f"  {k}: {v}")
    assert injected > ENTRIES * FAULT_RATE, "faults were really injected"
    assert counts["messages sent twice"] > 0
    assert len(ids) == len(set(ids)) == ENTRIES, "every entry published exactly once"
    assert all(n == 1 for n in urls.values()) and len(urls) == ENTRIES
    assert in_dlq == 0, "nothing in the DLQ: every failure was transient and retried"
    svc.http._inner.close()
    clean.http.close()
