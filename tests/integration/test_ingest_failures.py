"""Ingest failures, on both adapter sets: permanent ones fail at once, transient ones retry,
nothing a feed entry's link contains stops the run, and a Crawl-delay never runs the ingest
Lambda past its timeout (the unstarted messages go back to SQS, nothing is lost).

The Lambda handler runs in-process: functions/ingest/app.py imported afresh for each test,
its `services()` pointed at the test's Services bundle, and a stand-in Lambda context whose
remaining time is what the test says.
"""

from __future__ import annotations

import importlib.util
import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from syndicate import pipeline
from syndicate.fetch import AddressPolicy, HostLimiter, HttpClient
from syndicate.invoke import FakeLambdaContext
from syndicate.model import ArticleMessage, FeedEntry
from syndicate.publish.jsonfeed import loads_page
from syndicate.registry import load_registry
from syndicate_demo import site_root

ROOT = Path(__file__).resolve().parents[2]
LSE_FEED = "/lse/cff/feed/"
LSE_PAGES = [
    "/lse/cff/2022/01/14/beijings-wait-and-see-approach-in-kazakhstan/",
    "/lse/cff/2022/01/20/what-dual-circulation-means-for-chinas-trading-partners/",
    "/lse/cff/2022/01/27/the-beijing-winter-olympics-as-a-stage-for-chinas-diplomacy/",
]
BAD_LINKS = ["http://0177.0.0.1/x", "http://xn--zz.com/", "http://①.com/", "http://2130706433/"]


def message(url: str, partner: str = "lse-blogs", feed_url: str = "") -> str:
    entry = FeedEntry(url=url, title="A title")
    return ArticleMessage(
        partner=partner, feed_url=feed_url or url, canonical_url=url, entry=entry, entry_hash="h"
    ).model_dump_json()


# -- locally (the `syndicate run` worker) ------------------------------------------------------


def test_bad_links_in_a_feed_never_stop_the_run(make_services, demo_registry, site_server):
    feed = (site_root() / "lse/cff/feed/index.xml").read_text(encoding="utf-8")
    items = "".join(
        f"<item><title>Bad {i}</title><link>{link}</link><guid>bad-{i}</guid>"
        "<pubDate>Fri, 28 Jan 2022 09:00:00 +0000</pubDate></item>"
        for i, link in enumerate(BAD_LINKS)
    )
    site_server.route(LSE_FEED, body=feed.replace("<item>", items + "<item>", 1), content_type="application/rss+xml")
    svc = make_services(load_registry(demo_registry))
    report = pipeline.run(svc)  # no exception, whatever the links are
    published = loads_page(svc.store.get("feed.json") or b"{}")["items"]
    assert len(published) == 5, "every good entry of both partners is still published"
    assert {f.url for f in report.failures} >= set(BAD_LINKS), "each bad link is a named failure"
    # Whether poll already refuses such links or ingest does, none is retried: nothing of them
    # waits in the queue, and an ingest failure of one is permanent.
    for failure in report.failures:
        assert failure.stage != "ingest" or (failure.permanent and failure.outcome == "permanent"), failure
    assert svc.queue.receive(10) == []


def test_permanent_failures_are_dead_lettered_on_the_first_receive(make_services, demo_registry, site_server):
    svc = make_services(load_registry(demo_registry))
    if hasattr(svc.queue, "visibility_timeout"):
        svc.queue.visibility_timeout = 0  # a message left in the queue would be seen again at once
    site_server.route(LSE_PAGES[0], status=404, body="gone")
    site_server.route(LSE_PAGES[1], status=410, body="gone for good")
    site_server.route("/robots.txt", body="User-agent: *\nDisallow: /lse/cff/2022/01/27/\n", content_type="text/plain")
    bodies = [message(site_server.url(p)) for p in LSE_PAGES] + [message(u) for u in BAD_LINKS]
    svc.queue.send(bodies)

    results, failures = pipeline.drain_queue(svc)

    assert results == []
    assert len(failures) == len(bodies) and all(f.permanent for f in failures), failures
    reasons = {f.url: f.reason for f in failures}
    assert reasons[site_server.url(LSE_PAGES[0])] == "HTTP 404"
    assert reasons[site_server.url(LSE_PAGES[1])] == "HTTP 410"
    assert "robots.txt disallows" in reasons[site_server.url(LSE_PAGES[2])]
    assert "dotted-quad" in reasons["http://0177.0.0.1/x"] and "dotted-quad" in reasons["http://2130706433/"]
    assert "not a valid URL" in reasons["http://xn--zz.com/"] and "not a valid URL" in reasons["http://①.com/"]
    for page in LSE_PAGES[:2]:
        assert site_server.count(page) == 1, "fetched once: a permanent failure is not retried"
    parked = pipeline.parked_messages(svc)
    assert len(parked) == len(bodies) and all(p.permanent and p.receives == 1 for p in parked)
    assert {p.url for p in parked} == {f.url for f in failures}
    assert svc.queue.receive(10) == []
    assert "(permanent)" in str(failures[0])


def test_transient_failures_stay_queued_and_say_they_will_retry(make_services, demo_registry, site_server):
    svc = make_services(load_registry(demo_registry))
    site_server.route(LSE_PAGES[0], status=503, body="busy")
    svc.queue.send([message(site_server.url(LSE_PAGES[0]))])
    _results, failures = pipeline.drain_queue(svc)
    assert [(f.reason, f.permanent, f.outcome) for f in failures] == [("HTTP 503", False, "will retry")]
    assert pipeline.parked_messages(svc) == [], "not dead-lettered on its first receive"


def test_status_counts_permanent_failures_per_feed(tmp_path, demo_registry, site_server):
    import subprocess

    site_server.route(LSE_PAGES[0], status=404, body="gone")
    out = str(tmp_path / "out")
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "syndicate.cli",
            "run",
            "--config",
            str(demo_registry),
            "--out",
            out,
            "--allow-loopback",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert run.returncode == 1
    page = site_server.url(LSE_PAGES[0]) + "?utm_source=rss&utm_medium=rss"  # as the feed links it
    assert f"FAILED ingest failed for lse-blogs {page}: HTTP 404 (permanent)" in run.stdout
    assert "1 page(s) failed: 1 permanent" in run.stdout
    status = subprocess.run(
        [sys.executable, "-m", "syndicate.cli", "status", "--config", str(demo_registry), "--out", out, "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    rows = {r["partner"]: r for r in json.loads(status.stdout)}
    assert rows["lse-blogs"]["permanent_failures"] == 1 and rows["cgsp"]["permanent_failures"] == 0
    [letter] = rows["lse-blogs"]["dead_letters"]
    assert letter["url"] == page and letter["reason"].endswith("HTTP 404") and letter["permanent"]
    text = subprocess.run(
        [sys.executable, "-m", "syndicate.cli", "status", "--config", str(demo_registry), "--out", out],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    ).stdout
    assert "pages failed: 1 permanent, 0 dead-lettered after retries" in text
    assert f"{page} (permanent)" in text


# -- in Lambda (functions/ingest/app.py) -------------------------------------------------------


@pytest.fixture
def ingest_app(monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    """The ingest handler module, imported afresh (its caches start empty)."""
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "syndicate-test")
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "ingest")
    name = "_test_ingest_app"
    spec = importlib.util.spec_from_file_location(name, ROOT / "functions" / "ingest" / "app.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop(name, None)


def sqs_event(bodies: list[str]) -> dict[str, Any]:
    return {
        "Records": [
            {
                "messageId": f"m{i}",
                "receiptHandle": f"r{i}",
                "body": body,
                "attributes": {"ApproximateReceiveCount": "1"},
                "messageAttributes": {},
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:q",
                "awsRegion": "us-east-1",
            }
            for i, body in enumerate(bodies)
        ]
    }


def context(seconds: float) -> FakeLambdaContext:
    return FakeLambdaContext(
        function_name="IngestFunction",
        memory_limit_in_mb=512,
        invoked_function_arn="arn:aws:lambda:us-east-1:123456789012:function:IngestFunction",
        timeout_s=seconds,
    )


def test_lambda_records_permanent_failures_and_retries_only_transient_ones(
    ingest_app, make_services, demo_registry, site_server, capsys
):
    svc = make_services(load_registry(demo_registry))
    ingest_app.services = lambda: svc
    site_server.route(LSE_PAGES[1], status=404, body="gone")
    site_server.route(LSE_PAGES[2], status=500, body="broken")
    bodies = [message(site_server.url(p)) for p in LSE_PAGES] + [message("http://0177.0.0.1/x")]

    response = ingest_app.handler(sqs_event(bodies), context(120))

    assert response == {"batchItemFailures": [{"itemIdentifier": "m2"}]}, "only the 500 is retried"
    parked = {p.message_id: p for p in pipeline.parked_messages(svc)}
    assert set(parked) == {"m1", "m3"} and all(p.permanent for p in parked.values())
    assert parked["m1"].reason.endswith("HTTP 404") and "dotted-quad" in parked["m3"].reason
    published = loads_page(svc.store.get("feed.json") or b'{"items": []}')["items"]
    assert published == [], "ingest does not publish; the one good page is stored for the publisher"
    metrics = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    totals: dict[str, float] = {}
    for emitted in metrics:
        for name in ("Ingested", "IngestFailures", "PermanentFailures", "NotStarted"):
            value = emitted.get(name, 0.0)
            totals[name] = totals.get(name, 0.0) + (sum(value) if isinstance(value, list) else value)
    assert totals == {"Ingested": 1.0, "IngestFailures": 1.0, "PermanentFailures": 2.0, "NotStarted": 0.0}
    # the dashboard's metrics: one page fetched and extracted, three failures by kind
    by_kind: dict[str, float] = {}
    for emitted in metrics:
        if "kind" in emitted:
            value = emitted["Failures"]
            by_kind[emitted["kind"]] = by_kind.get(emitted["kind"], 0.0) + (
                sum(value) if isinstance(value, list) else value
            )
        for name in ("Fetched", "Extracted"):
            value = emitted.get(name, 0.0)
            totals[name] = totals.get(name, 0.0) + (sum(value) if isinstance(value, list) else value)
    assert by_kind == {"fetch": 3.0}, "404, 500 and the refused address all failed fetching"
    assert totals["Fetched"] == 1.0 and totals["Extracted"] == 1.0


@pytest.mark.parametrize(("reserve", "not_started"), [(1.0, 0), (4.0, 3)])
def test_crawl_delay_never_runs_a_batch_past_its_timeout(
    ingest_app, make_services, demo_registry, site_server, monkeypatch, reserve, not_started
):
    """Crawl-delay 3 s, 6 s of the invocation left, a 1 s margin. The first page goes at once
    (after robots.txt), the second waits 3 s. The third would have to wait 3 s more with
    under 2 s to spare: with a 1 s reserve it is started and its fetch says NoTimeLeft
    without sleeping; with a 4 s reserve it and the rest are not started at all. Either way
    everything not ingested is reported failed, so SQS delivers it again; nothing is parked,
    and on redelivery it is ingested."""
    svc = make_services(load_registry(demo_registry))
    svc.http.close()
    svc.http = HttpClient(
        policy=AddressPolicy(allow_loopback=True),
        limiter=HostLimiter(max_per_host=2, min_delay=0.0, exempt_hosts=frozenset()),  # loopback is not exempt
        deadline_margin=1.0,
    )
    ingest_app.services = lambda: svc
    monkeypatch.setattr(ingest_app, "RESERVE_SECONDS", reserve)
    site_server.route("/robots.txt", body="User-agent: *\nCrawl-delay: 3\n", content_type="text/plain")
    cgsp = [
        "/cgsp/analysis/beijings-wait-and-see-approach-in-kazakhstan/",
        "/cgsp/2022/01/20/chinese-firms-in-kazakhstan-count-the-cost-of-unrest/",
    ]
    bodies = [message(site_server.url(p)) for p in LSE_PAGES] + [
        message(site_server.url(p), partner="cgsp") for p in cgsp
    ]

    started = time.monotonic()
    response = ingest_app.handler(sqs_event(bodies), context(6.0))
    elapsed = time.monotonic() - started

    # The property is the invocation's timeout (6 s), not a speed: honouring the third page's
    # Crawl-delay would have slept past it; ingesting two pages on a loaded machine may not.
    assert elapsed < 6.0, f"the batch returned before the invocation's timeout ({elapsed:.1f} s of 6)"
    failed = [f["itemIdentifier"] for f in response["batchItemFailures"]]
    assert failed == ["m2", "m3", "m4"], "two ingested, the rest go back to the queue"
    assert ingest_app._counts.not_started == not_started
    assert site_server.count(LSE_PAGES[2]) == 0 and site_server.count(cgsp[0]) == 0, "nothing sent for them"
    assert pipeline.parked_messages(svc) == [], "nothing is parked: SQS redelivers them"

    # SQS redelivers them to a later invocation (the Crawl-delay gone meanwhile): all ingested.
    site_server.route("/robots.txt", body="User-agent: *\nAllow: /\n", content_type="text/plain")
    svc.http.robots.forget()
    svc.http.limiter.set_crawl_delay("127.0.0.1", None)
    again = sqs_event(bodies)
    again["Records"] = [r for r in again["Records"] if r["messageId"] in failed]
    assert ingest_app.handler(again, context(60.0)) == {"batchItemFailures": []}
    assert site_server.count(LSE_PAGES[2]) == 1 and site_server.count(cgsp[1]) == 1
    svc.http.close()
