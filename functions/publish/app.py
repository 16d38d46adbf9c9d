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
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from syndicate import pipeline
from syndicate.runtime import services_from_env
from syndicate.services import Services

logger = Logger()
metrics = Metrics()


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
    report = pipeline.publish_pending(
        services(),
        reconcile=trigger == "schedule",
        wait_seconds=float(os.environ.get("PUBLISH_LEASE_WAIT", "0") or 0),
    )
    metrics.add_metric(name="PublishBusy", unit=MetricUnit.Count, value=int(report.busy))
    metrics.add_metric(name="Published", unit=MetricUnit.Count, value=int(report.published))
    metrics.add_metric(name="PublishedItems", unit=MetricUnit.Count, value=report.items)
    metrics.add_metric(name="ObjectsWritten", unit=MetricUnit.Count, value=report.objects_written)
    result = report.as_dict()
    logger.info("publish done", extra={"trigger": trigger, "report": result})
    return result
