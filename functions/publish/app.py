"""Lambda handler for the publish step (PublishQueue batch, plus a schedule backstop).

The trigger carries no data: whatever woke us (a debounced batch of ingest nudges or the
hourly schedule), `syndicate.pipeline.publish_pending` reads the pending marks from the
state table and rewrites the pages that changed. The publish lease in the state table keeps
it to one writer: a second invocation waits up to PUBLISH_LEASE_WAIT seconds for it, then
reports busy and leaves the work pending (the next nudge or the hourly backstop takes it).
The schedule also reconciles: it publishes records whose pending mark never landed.
"""

from __future__ import annotations

import functools
import os
import time
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from syndicate import pipeline
from syndicate.clock import parse_iso
from syndicate.config import RegistryNotFound
from syndicate.runtime import services_from_env
from syndicate.services import Services

logger = Logger()
metrics = Metrics()


@functools.cache
def search_url() -> str | None:
    """The search API's URL for the embed's config: SEARCH_API_URL, else the Function URL of
    SEARCH_FUNCTION_NAME (looked up once per container). A failed lookup is logged and the embed
    is deployed without search, never a failed publish."""
    configured = os.environ.get("SEARCH_API_URL")
    name = os.environ.get("SEARCH_FUNCTION_NAME")
    if configured or not name:
        return configured or None
    from syndicate.adapters.aws import function_url

    try:
        return function_url(name)
    except Exception:
        logger.exception("could not look up the search function's URL; the embed goes without search")
        return None


def no_registry_yet(exc: RegistryNotFound) -> dict[str, Any]:
    """A fresh deployment before `syndicate config push`: nothing to do, and not an error
    (an Errors alarm on day one would teach people to ignore it)."""
    logger.warning("no partner registry uploaded yet; nothing to do", extra={"reason": str(exc)})
    metrics.add_metric(name="RegistryMissing", unit=MetricUnit.Count, value=1)
    return {"skipped": str(exc)}


@functools.cache
def services() -> Services:
    """Build the adapters on first use, not at import, so importing needs no environment."""
    return services_from_env()


def trigger_of(event: dict[str, Any]) -> str:
    """Name what woke us, for the log: an SQS batch, a schedule, or a direct call."""
    records = event.get("Records")
    if isinstance(records, list) and records:
        return f"sqs:{len(records)}"
    if event.get("source") == "aws.events" or event.get("detail-type") == "Scheduled Event":
        return "schedule"
    return "direct"


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Publish pending records; the same work whatever the trigger."""
    trigger = trigger_of(event)
    try:
        svc = services()
    except RegistryNotFound as exc:
        return no_registry_yet(exc)
    if svc.settings.search_url is None:
        svc.settings.search_url = search_url()
    oldest = parse_iso(min((mark.at for _, mark in svc.db.pending.all()), default=None))
    started = time.monotonic()
    report = pipeline.publish_pending(
        svc,
        reconcile=trigger == "schedule",
        wait_seconds=float(os.environ.get("PUBLISH_LEASE_WAIT", "0") or 0),
    )
    metrics.add_metric(name="PublishDuration", unit=MetricUnit.Milliseconds, value=(time.monotonic() - started) * 1000)
    metrics.add_metric(name="PublishBusy", unit=MetricUnit.Count, value=int(report.busy))
    if report.published and oldest:
        # how long the oldest change waited for readers to see it: the latency that matters
        waited = (svc.now() - oldest).total_seconds()
        metrics.add_metric(name="PublishLatency", unit=MetricUnit.Seconds, value=max(0.0, waited))
    metrics.add_metric(name="Published", unit=MetricUnit.Count, value=int(report.published))
    metrics.add_metric(name="PublishedItems", unit=MetricUnit.Count, value=report.items)
    metrics.add_metric(name="ObjectsWritten", unit=MetricUnit.Count, value=report.objects_written)
    result = report.as_dict()
    logger.info("publish done", extra={"trigger": trigger, "report": result})
    return result
