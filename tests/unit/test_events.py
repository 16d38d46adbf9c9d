"""The sample events in events/ read as what SQS and EventBridge send, so they cannot drift.

`sam local invoke --event events/X.json` and `syndicate invoke` feed these files to the
handlers; a field renamed or dropped here would test a shape Lambda never delivers. Each file
is read with powertools' event source data classes (the handlers' own library), and what the
handler needs from it is checked: an ArticleMessage in the ingest body, a publish trigger in
the publish body, a scheduled event for poll.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from aws_lambda_powertools.utilities.data_classes import EventBridgeEvent, LambdaFunctionUrlEvent, SQSEvent

from syndicate import pipeline
from syndicate.model import ArticleMessage

EVENTS = Path(__file__).resolve().parents[2] / "events"
QUEUE_ARN = re.compile(r"arn:aws:sqs:[a-z0-9-]+:\d{12}:[\w-]+")
# Which function each sample is for, and so which source sends it (template.yaml's Events).
KINDS = {"poll.json": "eventbridge", "ingest.json": "sqs", "publish.json": "sqs", "search.json": "function_url"}


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EVENTS / name).read_text(encoding="utf-8"))
    return data


def test_every_event_file_has_a_known_source() -> None:
    assert sorted(p.name for p in EVENTS.glob("*.json")) == sorted(KINDS)


@pytest.mark.parametrize("name", [n for n, kind in KINDS.items() if kind == "sqs"])
def test_sqs_events_read_as_sqs_sends_them(name: str) -> None:
    event = SQSEvent(load(name))
    records = list(event.records)
    assert records, name
    for record in records:
        assert record.event_source == "aws:sqs"
        assert QUEUE_ARN.fullmatch(record.event_source_arn), record.event_source_arn
        assert record.queue_url.startswith("https://sqs.")  # derived from the ARN by powertools
        assert record.message_id and record.receipt_handle and record.aws_region
        # SQS sends the body's MD5; a body edited by hand without it is not what SQS delivers.
        assert record.md5_of_body == hashlib.md5(record.body.encode("utf-8")).hexdigest()
        assert int(record.attributes.approximate_receive_count) >= 1
        assert int(record.attributes.sent_timestamp) > 0
        assert record.attributes.sender_id
        assert record.json_body is not None


def test_ingest_event_carries_an_article_message() -> None:
    (record,) = SQSEvent(load("ingest.json")).records
    message = pipeline.ingest.parse_message(record.body)
    assert isinstance(message, ArticleMessage)
    assert message.partner and message.canonical_url.startswith("https://")
    assert message.entry.url == message.canonical_url
    assert "ArticleQueue" in record.event_source_arn


def test_publish_event_carries_an_ingest_trigger() -> None:
    (record,) = SQSEvent(load("publish.json")).records
    trigger = record.json_body
    assert trigger["reason"] == "ingest" and trigger["records"] >= 1
    datetime.fromisoformat(trigger["at"])
    assert "PublishQueue" in record.event_source_arn


def test_poll_event_reads_as_an_eventbridge_schedule() -> None:
    event = EventBridgeEvent(load("poll.json"))
    assert event.detail_type == "Scheduled Event"
    assert event.source == "aws.events"
    assert event.detail == {}
    assert re.fullmatch(r"\d{12}", event.account)
    datetime.fromisoformat(event.time.replace("Z", "+00:00"))
    (rule,) = event.resources
    assert rule.startswith(f"arn:aws:events:{event.region}:{event.account}:rule/")


def test_search_event_reads_as_a_function_url_request() -> None:
    """Function URLs send API Gateway's payload 2.0; the handler reads the method and the params."""
    event = LambdaFunctionUrlEvent(load("search.json"))
    assert event.version == "2.0"
    assert event.request_context.http.method == "GET"
    assert event.query_string_parameters["q"] == "Kazakhstan protests China"
    assert event.raw_query_string.startswith("q=Kazakhstan%20protests%20China")
    assert event.request_context.domain_name.endswith(".lambda-url.us-east-1.on.aws")
