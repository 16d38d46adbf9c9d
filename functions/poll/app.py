"""Lambda handler for the poll step (EventBridge schedule).

Thin on purpose: all the work is `syndicate.pipeline.poll_once`, which the CLI runs too, so
what is tested locally is what runs here. The handler only builds the services (once per
container), turns the report into metrics, and returns it.
"""

from __future__ import annotations

import functools
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from syndicate import pipeline
from syndicate.config import RegistryNotFound
from syndicate.runtime import services_from_env
from syndicate.services import Services

logger = Logger()
metrics = Metrics()


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


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Poll every due feed once; one broken feed is a failure in the report, not an error."""
    logger.info("poll triggered", extra={"source": event.get("source"), "time": event.get("time")})
    try:
        svc = services()
    except RegistryNotFound as exc:
        return no_registry_yet(exc)
    report = pipeline.poll_once(svc, respect_schedule=True)
    metrics.add_metric(name="FeedsPolled", unit=MetricUnit.Count, value=report.feeds_polled)
    metrics.add_metric(name="FeedsNotModified", unit=MetricUnit.Count, value=report.feeds_not_modified)
    metrics.add_metric(name="Enqueued", unit=MetricUnit.Count, value=report.enqueued)
    metrics.add_metric(name="Failures", unit=MetricUnit.Count, value=len(report.failures))
    for failure in report.failures:
        logger.warning(str(failure), extra={"partner": failure.partner, "url": failure.url})
    result = report.as_dict()
    logger.info("poll done", extra={"report": result})
    return result
