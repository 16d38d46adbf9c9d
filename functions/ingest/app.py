"""Lambda handler for the ingest step (SQS ArticleQueue, partial batch failures).

Each record body is an `ArticleMessage`; `syndicate.pipeline.ingest_article` does the work
and raises on a page it cannot use. Powertools' batch processor reports only the failed
message ids back to SQS, so one bad page is retried (and eventually dead-lettered) alone
instead of dragging its batch-mates with it.

What is a batch item failure and what is not:
- a transient failure (timeout, 5xx, 429, a politeness wait that would outlast the
  invocation) raises: SQS redelivers the message, and after maxReceiveCount the DLQ has it;
- a permanent failure (404, robots.txt, an invalid or refused URL, no article on the page)
  is processed-with-failure: the message is recorded in the state table's `dead` items
  with `permanent:` in its reason (`syndicate status` counts them, `syndicate redrive`
  puts them back after a fix) and counted in the `PermanentFailures` metric, and it is
  not reported failed, so it is not retried four more times;
- a message reached with less than RESERVE_SECONDS of the invocation left is not started:
  it is reported failed untouched, so SQS hands it to a later invocation. With a partner's
  Crawl-delay the batch then ends in time instead of being killed at the timeout.

Powertools' Idempotency wraps each message as its documentation shows (`idempotent_function`
on the record's work, the Lambda context registered in the handler), so a redelivered
message is not fetched again. When anything
succeeded, one small message goes to the PublishQueue; its batching window and the
publisher's reserved concurrency of 1 turn a burst of ingests into a single publish.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit, single_metric
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.idempotency import idempotent_function
from aws_lambda_powertools.utilities.typing import LambdaContext

from syndicate import pipeline
from syndicate.adapters.idempotency import idempotency_config
from syndicate.clock import iso_z, utcnow
from syndicate.model import ArticleMessage
from syndicate.runtime import services_from_env
from syndicate.services import Deadline, Services

logger = Logger()
metrics = Metrics()
# Returning every id as failed (rather than raising) when the whole batch fails makes SQS
# retry the same messages either way, and lets a local invoke show the per-message outcome.
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
config = idempotency_config()

#: A message is not started with less time than this left in the invocation (seconds): one
#: page fetch (the client's 30 s total timeout, itself ending `deadline_margin` before the
#: deadline) plus extracting and merging must fit.
RESERVE_SECONDS = 45.0


class NotStarted(Exception):
    """Too little of the invocation is left to start this message; SQS redelivers it."""


@dataclass
class _BatchCounts:
    permanent: int = 0
    not_started: int = 0


_counts = _BatchCounts()


@functools.cache
def services() -> Services:
    """Build the adapters on first use, not at import, so importing needs no environment."""
    return services_from_env()


@functools.cache
def ingest_once() -> Callable[..., dict[str, Any]]:
    """`ingest(message=<dict>, deadline=...)` under powertools Idempotency (built on first use:
    the persistence layer needs the environment)."""

    @idempotent_function(data_keyword_argument="message", config=config, persistence_store=services().idempotency)
    def ingest(message: dict[str, Any], deadline: Deadline) -> dict[str, Any]:
        article = ArticleMessage.model_validate(message)
        return pipeline.ingest_article(services(), article, deadline).as_dict()

    return ingest


def record_handler(record: SQSRecord, lambda_context: LambdaContext | None = None) -> dict[str, Any]:
    """Ingest one message; an exception marks just this message as failed (and retried).

    Permanent failures do not raise: they are parked in the state table and counted, and the
    message is done with. A message reached when time is short is returned unstarted.
    """
    deadline = _deadline(lambda_context)
    left = deadline()
    if left < RESERVE_SECONDS:
        _counts.not_started += 1
        logger.info("not started: the invocation is nearly over", extra={"message_id": record.message_id, "left": left})
        raise NotStarted(f"{left:.1f} s left, {RESERVE_SECONDS:g} s needed to start a message")
    try:
        message = pipeline.ingest.parse_message(record.body)
        result: dict[str, Any] = ingest_once()(message=message.model_dump(mode="json"), deadline=deadline)
    except pipeline.IngestError as exc:
        count_failure(exc.kind)
        if not exc.permanent:
            logger.warning("ingest failed", extra={"partner": exc.partner, "url": exc.url, "reason": exc.reason})
            raise
        return _park_permanent(record, exc)
    count_success(result)
    logger.info("ingested", extra={"result": result, "message_id": record.message_id})
    return result


#: Failure kinds after which the page had been fetched (see IngestError.kind).
_FETCHED_KINDS = {"extract", "busy", "merge"}


def count_success(result: dict[str, Any]) -> None:
    """The dashboard's Fetched, Extracted and DuplicatesMerged for one ingested message."""
    metrics.add_metric(name="Fetched", unit=MetricUnit.Count, value=1)
    metrics.add_metric(name="Extracted", unit=MetricUnit.Count, value=1)
    if result.get("kind") == "duplicate":
        metrics.add_metric(name="DuplicatesMerged", unit=MetricUnit.Count, value=1)


def count_failure(kind: str) -> None:
    """`Failures` with a `kind` dimension (fetch, extract, busy, merge, registry, message): its
    own EMF line, because the batch's other metrics do not carry that dimension."""
    if kind in _FETCHED_KINDS:
        metrics.add_metric(name="Fetched", unit=MetricUnit.Count, value=1)
    with single_metric(
        name="Failures", unit=MetricUnit.Count, value=1, default_dimensions=metrics.default_dimensions
    ) as metric:
        metric.add_dimension(name="kind", value=kind)


def _park_permanent(record: SQSRecord, exc: pipeline.IngestError) -> dict[str, Any]:
    """Record a permanent failure where `syndicate status` and `redrive` find it; count it."""
    receives = int(record.attributes.approximate_receive_count or 1)
    services().db.dead.put(record.message_id, pipeline.dead_letter_for(record.body, exc, receives))
    _counts.permanent += 1
    metrics.add_metric(name="PermanentFailures", unit=MetricUnit.Count, value=1)
    logger.warning(
        "ingest failed permanently; recorded, not retried",
        extra={"partner": exc.partner, "url": exc.url, "reason": exc.reason, "message_id": record.message_id},
    )
    return {"failed": exc.reason, "permanent": True, "partner": exc.partner, "url": exc.url}


def _deadline(context: LambdaContext | None) -> Deadline:
    """The invocation's remaining time, as the only thing of the context the core sees."""
    if context is None:
        return pipeline.worker_deadline()
    return lambda: context.get_remaining_time_in_millis() / 1000


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Process the batch, report failed message ids, and nudge the publisher if anything landed."""
    received = len(event.get("Records", []))
    config.register_lambda_context(context)  # idempotency claims last as long as this invocation
    _counts.permanent = _counts.not_started = 0
    response = process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
    failed = len(response.get("batchItemFailures", []))
    succeeded = received - failed - _counts.permanent
    metrics.add_metric(name="Ingested", unit=MetricUnit.Count, value=succeeded)
    metrics.add_metric(name="IngestFailures", unit=MetricUnit.Count, value=failed - _counts.not_started)
    metrics.add_metric(name="NotStarted", unit=MetricUnit.Count, value=_counts.not_started)
    publish_queue = services().publish_queue
    if succeeded and publish_queue is not None:
        trigger = {"reason": "ingest", "records": succeeded, "at": iso_z(utcnow())}
        try:
            publish_queue.send([json.dumps(trigger)])
        except Exception:
            # The records are stored; failing the batch now would only re-ingest them. The
            # publisher's schedule backstop picks them up instead.
            logger.exception("could not trigger publish; the schedule backstop will")
            metrics.add_metric(name="PublishTriggerFailures", unit=MetricUnit.Count, value=1)
        else:
            logger.info("publish triggered", extra=trigger)
    return dict(response)
