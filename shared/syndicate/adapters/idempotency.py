"""Nothing twice: powertools Idempotency around ingest, on any StateStore.

An adapter, because powertools' idempotency package imports boto3 (for its DynamoDB layer),
which the core never does: the Lambda handler applies `idempotent_function` as powertools
documents it, and local runs get the same wrapping through `ingest_guard`, which
`syndicate.runtime` puts into `Services`.

SQS delivers at least once, so the same ArticleQueue message can arrive twice (or be
retried by a Lambda that timed out). powertools' Idempotency utility records each message
key as IN_PROGRESS, then COMPLETED with its result; a redelivery returns the stored result
without fetching the page again, and a concurrent duplicate is refused while the first is
in progress. In the cloud the record lives in DynamoDB through powertools' own
DynamoDBPersistenceLayer (built in `adapters/aws.py`); locally the same utility runs on
`StateStorePersistenceLayer` below, over the SQLite state table, so the guarantee is the same.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from aws_lambda_powertools.utilities.idempotency.config import IdempotencyConfig
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyItemAlreadyExistsError,
    IdempotencyItemNotFoundError,
)
from aws_lambda_powertools.utilities.idempotency.idempotency import idempotent_function
from aws_lambda_powertools.utilities.idempotency.persistence.base import (
    STATUS_CONSTANTS,
    BasePersistenceLayer,
    DataRecord,
)

from ..ports import StateStore
from ..services import Deadline, IngestGuard, IngestRun
from ..state import IDEMPOTENCY_PK as PARTITION

#: How long a completed message is remembered: longer than SQS keeps a message (4 days default).
EXPIRES_AFTER_SECONDS = 5 * 24 * 3600
#: The message's identity: the article and the entry version it announces.
MESSAGE_KEY = "[partner, canonical_url, entry_hash]"


class StateStorePersistenceLayer(BasePersistenceLayer):
    """powertools idempotency records as items of our own StateStore (partition `idempotency`)."""

    def __init__(self, state: StateStore) -> None:
        super().__init__()
        self.state = state

    @staticmethod
    def _record(key: str, item: dict[str, Any]) -> DataRecord:
        return DataRecord(
            idempotency_key=key,
            status=item.get("status", ""),
            expiry_timestamp=item.get("expiration"),
            in_progress_expiry_timestamp=item.get("in_progress_expiration"),
            response_data=item.get("data", ""),
            payload_hash=item.get("validation", ""),
        )

    @staticmethod
    def _item(record: DataRecord) -> dict[str, Any]:
        return {
            "status": record.status,
            "expiration": record.expiry_timestamp,
            "in_progress_expiration": record.in_progress_expiry_timestamp,
            "data": record.response_data,
            "validation": record.payload_hash,
        }

    def _get_record(self, idempotency_key: str) -> DataRecord:
        item = self.state.get(PARTITION, idempotency_key)
        if item is None:
            raise IdempotencyItemNotFoundError
        return self._record(idempotency_key, item)

    def _put_record(self, data_record: DataRecord) -> None:
        key = data_record.idempotency_key
        item = self._item(data_record)
        if self.state.put_if_absent(PARTITION, key, item):
            return
        existing = self.state.get(PARTITION, key)
        if existing is not None and not self._replaceable(existing):
            raise IdempotencyItemAlreadyExistsError(old_data_record=self._record(key, existing))
        # Expired, or an in-progress claim whose Lambda died: take it over.
        self.state.put(PARTITION, key, item)

    @staticmethod
    def _replaceable(item: dict[str, Any]) -> bool:
        now = dt.datetime.now()
        expiry = item.get("expiration")
        if expiry is not None and int(expiry) < int(now.timestamp()):
            return True
        in_progress = item.get("in_progress_expiration")
        return (
            item.get("status") == STATUS_CONSTANTS["INPROGRESS"]
            and in_progress is not None
            and int(in_progress) < int(now.timestamp() * 1000)
        )

    def _update_record(self, data_record: DataRecord) -> None:
        self.state.put(PARTITION, data_record.idempotency_key, self._item(data_record))

    def _delete_record(self, data_record: DataRecord) -> None:
        self.state.delete(PARTITION, data_record.idempotency_key)


class RemainingTime:
    """A deadline callable seen as Lambda's context, which is what powertools asks for.

    powertools sets an IN_PROGRESS record's expiry from the remaining time of the invocation;
    without it a worker that crashed mid-ingest would block its message until the record
    expires (days).
    """

    def __init__(self, deadline: Deadline) -> None:
        self.deadline = deadline

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int(self.deadline() * 1000))


def idempotency_config() -> IdempotencyConfig:
    """The message key and expiry, as the ingest handler and the local worker both use them."""
    return IdempotencyConfig(event_key_jmespath=MESSAGE_KEY, expires_after_seconds=EXPIRES_AFTER_SECONDS)


def ingest_guard(persistence: BasePersistenceLayer) -> IngestGuard:
    """`Services.ingest_guard` for runs outside Lambda: each message key processed once."""

    def guard(run: IngestRun, deadline: Deadline) -> IngestRun:
        config = idempotency_config()
        config.register_lambda_context(RemainingTime(deadline))  # type: ignore[arg-type]  # duck-typed
        wrapped: IngestRun = idempotent_function(
            data_keyword_argument="message", persistence_store=persistence, config=config
        )(run)
        return wrapped

    return guard
