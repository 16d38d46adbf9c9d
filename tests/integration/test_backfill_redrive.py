"""Backfill walks ?paged=N; a message that keeps failing is dead-lettered and redriven after a fix."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from syndicate import pipeline
from syndicate.publish.jsonfeed import loads_page
from syndicate.registry import load_registry
from syndicate.runtime import build_aws, build_local

OLDER_FEED = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>China Foresight</title>
<item><title>An Older Post on the Belt and Road</title><link>{{BASE}}/lse/cff/2021/12/01/an-older-post/</link>
<dc:creator>Grace Whitfield</dc:creator><pubDate>Wed, 01 Dec 2021 09:00:00 +0000</pubDate></item>
</channel></rss>"""

OLDER_PAGE = (
    "<html><head><title>An Older Post</title></head><body><article><h1>An Older Post</h1>"
    + "".join(
        f"<p>Paragraph {i} of an older analysis of Belt and Road lending, written before the unrest began, "
        "which looks at how loans were negotiated and how they were repaid over the decade.</p>"
        for i in range(8)
    )
    + "</article></body></html>"
)

ROOT = Path(__file__).resolve().parents[2]


def test_backfill_walks_pages_until_404(tmp_path, demo_registry, site_server):
    site_server.route("/lse/cff/feed/?paged=2", body=OLDER_FEED, content_type="application/rss+xml")
    site_server.route("/lse/cff/2021/12/01/an-older-post/", body=OLDER_PAGE, content_type="text/html")
    out = tmp_path / "out"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "syndicate.cli",
            "backfill",
            "lse-blogs",
            "--pages",
            "4",
            "--config",
            str(demo_registry),
            "--out",
            str(out),
            "--allow-loopback",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert site_server.count("/lse/cff/feed/?paged=2") == 1
    assert site_server.count("/lse/cff/feed/?paged=3") == 1, "page 3 answered 404: the walk stopped there"
    assert site_server.count("/lse/cff/feed/?paged=4") == 0
    items = loads_page((out / "feed.json").read_bytes())["items"]
    assert [i["title"] for i in items] == ["An Older Post on the Belt and Road"]
    assert items[0]["authors"] == [{"name": "Grace Whitfield"}]


def test_failing_message_is_dead_lettered_then_redriven(tmp_path, demo_registry, site_server):
    registry = load_registry(demo_registry)
    svc = build_local(tmp_path / "out", registry, allow_loopback=True)
    svc.queue.visibility_timeout = 0  # every drain loop sees the failed message again at once
    page = "/cgsp/analysis/beijings-wait-and-see-approach-in-kazakhstan/"
    site_server.route(page, status=500, body="broken")
    report = pipeline.run(svc)
    failures = [f for f in report.failures if f.url.endswith(page)]
    assert len(failures) == pipeline.MAX_RECEIVES, "retried, then parked"
    dead = svc.db.dead.all()
    assert len(dead) == 1 and "HTTP 500" in dead[0][1].reason
    assert svc.queue.receive(10) == []

    site_server.unroute(page)  # the fix
    assert pipeline.redrive(svc) == 1
    assert svc.db.dead.all() == []
    again = pipeline.run(svc)
    assert again.ok
    items = loads_page(svc.store.get("feed.json") or b"{}")["items"]
    seed = next(i for i in items if i["url"] == site_server.url(page))
    assert [p["partner"] for p in seed["_syndicate"]["also_published_at"]] == ["lse-blogs"], "merged once it arrived"
    svc.http.close()


def test_redrive_from_the_sqs_dead_letter_queue(aws_resources, demo_registry):
    sqs = aws_resources.client("sqs")
    dlq_url = sqs.create_queue(QueueName=aws_resources.bucket[:60] + "-dlq")["QueueUrl"]
    sqs.send_message(QueueUrl=dlq_url, MessageBody='{"partner": "cgsp"}')
    sqs.send_message(QueueUrl=dlq_url, MessageBody='{"partner": "lse-blogs"}')
    svc = build_aws(
        load_registry(demo_registry),
        bucket=aws_resources.bucket,
        table=aws_resources.table,
        queue_url=aws_resources.article_queue_url,
        dead_letter_queue_url=dlq_url,
        endpoint_url=aws_resources.endpoint,
    )
    assert pipeline.redrive(svc) == 2
    bodies = sorted(m.body for m in svc.queue.receive(10))
    assert bodies == ['{"partner": "cgsp"}', '{"partner": "lse-blogs"}']
    assert svc.dead_letter_queue is not None and svc.dead_letter_queue.receive(10) == []
    svc.http.close()
