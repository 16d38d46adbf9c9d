"""Lambda handler of the search API, behind a Function URL (GET only, CORS set on the URL).

Thin on purpose: `syndicate.search.api.answer` validates the parameters and shapes the JSON;
this only adapts the Function URL event to it. The index is opened once per container and
re-checked (a conditional GET of its pointer) at most every SEARCH_REFRESH_SECONDS.
"""

from __future__ import annotations

import functools
import json
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from syndicate.runtime import search_from_env
from syndicate.search import SearchIndex
from syndicate.search.api import answer

logger = Logger()
metrics = Metrics()

#: Browsers and CloudFront may keep an answer this long; the index changes at most per publish.
CACHE_SECONDS = 60


@functools.cache
def index() -> SearchIndex:
    """Built on first use, not at import, so importing needs no environment."""
    return search_from_env()


def _response(status: int, body: dict[str, Any], *, cache: bool) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {
            "content-type": "application/json; charset=utf-8",
            "cache-control": f"public, max-age={CACHE_SECONDS}" if cache else "no-store",
            "x-content-type-options": "nosniff",
        },
        "body": json.dumps(body, ensure_ascii=False),
    }


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    method = ((event.get("requestContext") or {}).get("http") or {}).get("method", "GET")
    if method not in ("GET", "HEAD"):
        response = _response(405, {"error": "only GET"}, cache=False)
        response["headers"]["allow"] = "GET"
        return response
    params = event.get("queryStringParameters") or {}
    status, body = answer(index(), params)
    metrics.add_metric(name="SearchRequests" if status == 200 else "SearchBadRequests", unit=MetricUnit.Count, value=1)
    logger.info("search", extra={"status": status, "params": params, "total": body.get("total")})
    return _response(status, body, cache=status == 200)
