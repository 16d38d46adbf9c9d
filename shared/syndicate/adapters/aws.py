"""AWS adapters: S3 as the object store, DynamoDB as the state table, SQS as the queue.

The only core module that imports boto3 (the Lambda handlers are the only other place).
Every client is created by `make_client`, which passes an explicit `endpoint_url` through and
otherwise lets botocore apply the standard `AWS_ENDPOINT_URL` / `AWS_ENDPOINT_URL_<SERVICE>`
variables, so the same code talks to AWS, to moto's server in tests, or to anything else
speaking the protocol. Every AWS error is re-raised as `StorageError` naming the bucket, table
or queue, because a bare "AccessDenied" does not say which of the three is misconfigured.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from ..ports import (
    UNCHANGED,
    ObjectMeta,
    ObjectStore,
    PreconditionFailed,
    Queue,
    QueueMessage,
    StateStore,
    StorageError,
    Unchanged,
)
from ..state import IDEMPOTENCY_PK
from . import (
    MAX_ITEM_BYTES,
    SET_ATTRIBUTE,
    BatchedWrites,
    WriteOp,
    decode_item,
    encode_item,
    item_size,
    validate_item_key,
    validate_key,
)

__all__ = [
    "DynamoStateStore",
    "S3ObjectStore",
    "SqsQueue",
    "create_resources",
    "make_client",
]

# SQS limits: 10 entries per SendMessageBatch and 256 KiB for the whole batch payload.
_SQS_BATCH_ENTRIES = 10
_SQS_BATCH_BYTES = 256 * 1024

# BatchGetItem takes at most 100 keys per request. Keys DynamoDB leaves unprocessed (throttling,
# or the 16 MB response limit) are asked for again after a short, doubling pause.
_BATCH_GET_KEYS = 100
# TransactWriteItems takes at most 100 actions and 4 MB; stay under the size with room for keys.
_TRANSACT_ACTIONS = 100
_TRANSACT_BYTES = 3_500_000
_BATCH_GET_ATTEMPTS = 8
_BATCH_GET_BACKOFF_S = 0.05

_CLIENT_CONFIG = Config(retries={"mode": "standard", "max_attempts": 5})


def make_client(
    service: str,
    *,
    session: Any = None,
    endpoint_url: str | None = None,
    region: str | None = None,
) -> Any:
    """A boto3 client for `service`; `endpoint_url=None` leaves the choice to AWS_ENDPOINT_URL.

    S3 uses path-style addressing when an endpoint is given explicitly or through the
    environment, because a bucket name cannot be prepended to `127.0.0.1` as a host name.
    """
    config = _CLIENT_CONFIG
    if service == "s3" and (
        endpoint_url or os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
    ):
        config = config.merge(Config(s3={"addressing_style": "path"}))
    factory = session.client if session is not None else boto3.client
    kwargs: dict[str, Any] = {"config": config}
    if endpoint_url:
        kwargs["endpoint_url"] = endpoint_url
    if region:
        kwargs["region_name"] = region
    return factory(service, **kwargs)


def _storage_error(what: str, exc: Exception) -> StorageError:
    """A StorageError whose message starts with `what` (which names the resource)."""
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        code = str(error.get("Code") or "Unknown")
        message = error.get("Message") or str(exc)
        return StorageError(f"{what}: {code}: {message}", code=code)
    return StorageError(f"{what}: {exc}")


@contextmanager
def _errors(what: str) -> Iterator[None]:
    """Turn botocore failures raised inside the block into a StorageError."""
    try:
        yield
    except (ClientError, BotoCoreError) as exc:
        raise _storage_error(what, exc) from exc


def _error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


class S3ObjectStore:
    """One bucket, optionally under a key prefix (treated as a folder: a '/' is appended)."""

    def __init__(self, bucket: str, prefix: str = "", client: Any = None) -> None:
        if prefix and not prefix.endswith("/"):
            prefix += "/"
        if prefix:
            validate_key(prefix.rstrip("/"))
        self.bucket = bucket
        self.prefix = prefix
        self.client = client if client is not None else make_client("s3")

    def __repr__(self) -> str:
        return f"S3ObjectStore({self.bucket!r}, prefix={self.prefix!r})"

    def _where(self, key: str) -> str:
        return f"S3 bucket {self.bucket!r} key {self.prefix + key!r}"

    def get(self, key: str) -> bytes | None:
        got = self.get_with_etag(key)
        return None if got is None else got[0]

    def get_with_etag(self, key: str) -> tuple[bytes, str] | None:
        validate_key(key)
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=self.prefix + key)
            return response["Body"].read(), str(response["ETag"])
        except ClientError as exc:
            if _error_code(exc) in ("NoSuchKey", "404") or self._denied_because_missing(key, exc):
                return None
            raise _storage_error(f"get {self._where(key)}", exc) from exc
        except BotoCoreError as exc:
            raise _storage_error(f"get {self._where(key)}", exc) from exc

    def _denied_because_missing(self, key: str, exc: ClientError) -> bool:
        """True when S3 answered 403 for a key that does not exist.

        S3 says 404 for a missing key only to callers allowed to list the whole bucket; the
        functions may list only their own prefixes (template.yaml), so a missing key can come
        back as AccessDenied. A listing of exactly that key (allowed by the prefix-scoped
        grant) tells the two apart; a real permission error stays an error.
        """
        if _error_code(exc) not in ("AccessDenied", "403"):
            return False
        full = self.prefix + key
        try:
            listed = self.client.list_objects_v2(Bucket=self.bucket, Prefix=full, MaxKeys=1)
        except (ClientError, BotoCoreError):
            return False
        return not any(obj.get("Key") == full for obj in listed.get("Contents", []))

    def get_if_changed(self, key: str, etag: str | None) -> tuple[bytes, str] | Unchanged | None:
        """GetObject with IfNoneMatch: S3 answers 304 Not Modified, with no body, while it matches."""
        if etag is None:
            return self.get_with_etag(key)
        validate_key(key)
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=self.prefix + key, IfNoneMatch=etag)
            return response["Body"].read(), str(response["ETag"])
        except ClientError as exc:
            code = _error_code(exc)
            if code in ("304", "NotModified"):
                return UNCHANGED
            if code in ("NoSuchKey", "404") or self._denied_because_missing(key, exc):
                return None
            raise _storage_error(f"conditional get {self._where(key)}", exc) from exc
        except BotoCoreError as exc:
            raise _storage_error(f"conditional get {self._where(key)}", exc) from exc

    def put(
        self,
        key: str,
        body: bytes,
        content_type: str = "application/json",
        *,
        if_match: str | None = None,
        if_none_match: bool = False,
        cache_control: str | None = None,
        content_encoding: str | None = None,
    ) -> None:
        """PutObject replaces the object whole: S3 never exposes a partially written object.
        S3's conditional writes (If-Match / If-None-Match) make the pointer files race-safe."""
        validate_key(key)
        extra: dict[str, str] = {}
        if if_match is not None:
            extra["IfMatch"] = if_match
        if if_none_match:
            extra["IfNoneMatch"] = "*"
        if cache_control is not None:
            extra["CacheControl"] = cache_control
        if content_encoding is not None:
            extra["ContentEncoding"] = content_encoding
        try:
            self.client.put_object(
                Bucket=self.bucket, Key=self.prefix + key, Body=bytes(body), ContentType=content_type, **extra
            )
        except ClientError as exc:
            if _error_code(exc) in ("PreconditionFailed", "412", "ConditionalRequestConflict", "NoSuchKey"):
                raise PreconditionFailed(key, "If-Match" if if_match else "If-None-Match") from exc
            raise _storage_error(f"put {self._where(key)}", exc) from exc
        except BotoCoreError as exc:
            raise _storage_error(f"put {self._where(key)}", exc) from exc

    def metadata(self, key: str) -> ObjectMeta | None:
        """The headers stored with the object (HeadObject), or None when there is no such key."""
        validate_key(key)
        try:
            head = self.client.head_object(Bucket=self.bucket, Key=self.prefix + key)
        except ClientError as exc:
            if _error_code(exc) in ("NoSuchKey", "404", "NotFound") or self._denied_because_missing(key, exc):
                return None
            raise _storage_error(f"head {self._where(key)}", exc) from exc
        except BotoCoreError as exc:
            raise _storage_error(f"head {self._where(key)}", exc) from exc
        return ObjectMeta(
            content_type=str(head.get("ContentType") or ""),
            cache_control=head.get("CacheControl"),
            content_encoding=head.get("ContentEncoding"),
        )

    def list_keys(self, prefix: str = "") -> list[str]:
        keys: list[str] = []
        with _errors(f"list S3 bucket {self.bucket!r} prefix {self.prefix + prefix!r}"):
            paginator = self.client.get_paginator("list_objects_v2")
            for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix + prefix):
                keys.extend(obj["Key"][len(self.prefix) :] for obj in page.get("Contents", []))
        keys.sort()
        return keys

    def delete(self, key: str) -> None:
        validate_key(key)
        with _errors(f"delete {self._where(key)}"):
            self.client.delete_object(Bucket=self.bucket, Key=self.prefix + key)


class DynamoStateStore(BatchedWrites):
    """A DynamoDB table with string keys `pk` (hash) and `sk` (range); the item's JSON text in `data`.

    Storing the item as one JSON string rather than as DynamoDB attributes keeps the encoding
    identical to the SQLite store (floats, nesting and unicode round-trip the same way) at the
    cost of server-side updates of single fields, which the pipeline does not use. All reads
    are strongly consistent: the pipeline reads what it just wrote (feed health, pending marks).

    Sets (`add_to_set` and friends) are a String Set attribute `members` instead of `data`,
    changed in place by UpdateItem's ADD and DELETE actions, so concurrent adders never race
    and no schema change is needed. `get` and `query` skip items without `data`, as the SQLite
    store, which keeps sets in another table, never shows them either.
    """

    def __init__(self, table_name: str, client: Any = None) -> None:
        self.table_name = table_name
        self.client = client if client is not None else make_client("dynamodb")

    def __repr__(self) -> str:
        return f"DynamoStateStore({self.table_name!r})"

    def _where(self, pk: str, sk: str) -> str:
        return f"DynamoDB table {self.table_name!r} item ({pk!r}, {sk!r})"

    @staticmethod
    def _key(pk: str, sk: str) -> dict[str, Any]:
        return {"pk": {"S": pk}, "sk": {"S": sk}}

    def _item(self, pk: str, sk: str, data: dict[str, Any]) -> dict[str, Any]:
        validate_item_key(pk, sk)
        return {**self._key(pk, sk), "data": {"S": encode_item(data)}}

    def get(self, pk: str, sk: str) -> dict[str, Any] | None:
        validate_item_key(pk, sk)
        with _errors(f"get {self._where(pk, sk)}"):
            response = self.client.get_item(TableName=self.table_name, Key=self._key(pk, sk), ConsistentRead=True)
        item = response.get("Item")
        return None if item is None or "data" not in item else decode_item(item["data"]["S"])

    def put(self, pk: str, sk: str, data: dict[str, Any]) -> None:
        item = self._item(pk, sk, data)
        text = item["data"]["S"]
        if self._held() is not None and item_size(pk, sk, text) > MAX_ITEM_BYTES:
            # refused where it is written, as put_item would, not when the batch is applied
            raise StorageError(f"put {self._where(pk, sk)}: item over the {MAX_ITEM_BYTES}-byte limit",
                               code="ValidationException")
        if self._hold(WriteOp("put", pk, sk, text=text)):
            return
        with _errors(f"put {self._where(pk, sk)}"):
            self.client.put_item(TableName=self.table_name, Item=item)

    def put_if_absent(self, pk: str, sk: str, data: dict[str, Any]) -> bool:
        """A conditional PutItem: DynamoDB guarantees exactly one of racing writers succeeds."""
        item = self._item(pk, sk, data)
        try:
            self.client.put_item(TableName=self.table_name, Item=item, ConditionExpression="attribute_not_exists(pk)")
        except ClientError as exc:
            if _error_code(exc) == "ConditionalCheckFailedException":
                return False
            raise _storage_error(f"put_if_absent {self._where(pk, sk)}", exc) from exc
        except BotoCoreError as exc:
            raise _storage_error(f"put_if_absent {self._where(pk, sk)}", exc) from exc
        return True

    def delete(self, pk: str, sk: str) -> None:
        validate_item_key(pk, sk)
        if self._hold(WriteOp("delete", pk, sk)):
            return
        with _errors(f"delete {self._where(pk, sk)}"):
            self.client.delete_item(TableName=self.table_name, Key=self._key(pk, sk))

    def query(self, pk: str) -> list[tuple[str, dict[str, Any]]]:
        """The whole partition, following LastEvaluatedKey past DynamoDB's 1 MB page limit."""
        if not isinstance(pk, str) or not pk:
            raise ValueError(f"state pk must be a non-empty string, got {pk!r}")
        results: list[tuple[str, dict[str, Any]]] = []
        request: dict[str, Any] = {
            "TableName": self.table_name,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": {"S": pk}},
            "ConsistentRead": True,
        }
        with _errors(f"query DynamoDB table {self.table_name!r} partition {pk!r}"):
            while True:
                response = self.client.query(**request)
                results.extend(
                    (item["sk"]["S"], decode_item(item["data"]["S"]))
                    for item in response.get("Items", [])
                    if "data" in item  # set items are not JSON items
                )
                last = response.get("LastEvaluatedKey")
                if not last:
                    break
                request["ExclusiveStartKey"] = last
        return results

    def _update_set(self, action: str, pk: str, sk: str, member: str, *, hold: bool = True) -> None:
        validate_item_key(pk, sk)
        if not isinstance(member, str) or not member:
            raise ValueError(f"set member must be a non-empty string, got {member!r}")
        if hold and self._hold(WriteOp("add" if action == "ADD" else "remove", pk, sk, member=member)):
            return
        request: dict[str, Any] = {
            "TableName": self.table_name,
            "Key": self._key(pk, sk),
            "UpdateExpression": f"{action} #m :v",
            "ExpressionAttributeNames": {"#m": SET_ATTRIBUTE},
            "ExpressionAttributeValues": {":v": {"SS": [member]}},
        }
        if action == "DELETE":
            # UpdateItem creates missing items; a removal must not leave an empty item behind.
            request["ConditionExpression"] = "attribute_exists(pk)"
        try:
            self.client.update_item(**request)
        except ClientError as exc:
            if action == "DELETE" and _error_code(exc) == "ConditionalCheckFailedException":
                return
            raise _storage_error(f"{action.lower()} set member of {self._where(pk, sk)}", exc) from exc
        except BotoCoreError as exc:
            raise _storage_error(f"{action.lower()} set member of {self._where(pk, sk)}", exc) from exc

    def add_to_set(self, pk: str, sk: str, member: str) -> None:
        """One UpdateItem `ADD members :v`: atomic on the server, idempotent, creates the item."""
        self._update_set("ADD", pk, sk, member)

    def remove_from_set(self, pk: str, sk: str, member: str) -> None:
        """One UpdateItem `DELETE members :v` (DynamoDB drops the attribute when it empties)."""
        self._update_set("DELETE", pk, sk, member)

    def _apply_batch(self, ops: list[WriteOp]) -> None:
        """TransactWriteItems of up to 100 writes (and 3.5 MB) each, in the order written.

        A transaction may not name one key twice, so a second write to a key starts the next
        transaction. A set removal runs on its own (UpdateItem with its condition, between the
        transactions): inside a transaction its "the set exists" condition would cancel every
        other write whenever the set is already gone.
        """
        actions: list[dict[str, Any]] = []
        keys: set[tuple[str, str]] = set()
        size = 0

        def flush() -> None:
            nonlocal size
            if actions:
                with _errors(f"transact write of {len(actions)} items to DynamoDB table {self.table_name!r}"):
                    self.client.transact_write_items(TransactItems=list(actions))
            actions.clear()
            keys.clear()
            size = 0

        for op in ops:
            if op.kind == "remove":
                flush()
                self._update_set("DELETE", op.pk, op.sk, op.member, hold=False)
                continue
            cost = len(op.text.encode("utf-8")) + len(op.member.encode("utf-8")) + len(op.pk) + len(op.sk) + 64
            if (op.pk, op.sk) in keys or len(actions) >= _TRANSACT_ACTIONS or size + cost > _TRANSACT_BYTES:
                flush()
            keys.add((op.pk, op.sk))
            size += cost
            key = self._key(op.pk, op.sk)
            if op.kind == "put":
                actions.append({"Put": {"TableName": self.table_name, "Item": {**key, "data": {"S": op.text}}}})
            elif op.kind == "delete":
                actions.append({"Delete": {"TableName": self.table_name, "Key": key}})
            else:
                actions.append({
                    "Update": {
                        "TableName": self.table_name,
                        "Key": key,
                        "UpdateExpression": "ADD #m :v",
                        "ExpressionAttributeNames": {"#m": SET_ATTRIBUTE},
                        "ExpressionAttributeValues": {":v": {"SS": [op.member]}},
                    }
                })
        flush()

    def get_sets(self, keys: list[tuple[str, str]]) -> dict[tuple[str, str], set[str]]:
        """BatchGetItem, 100 keys per request, strongly consistent, projecting only the set.

        UnprocessedKeys are requested again after a short doubling backoff; after
        `_BATCH_GET_ATTEMPTS` rounds without progress on them a StorageError says so.
        """
        result: dict[tuple[str, str], set[str]] = {}
        for pk, sk in keys:
            validate_item_key(pk, sk)
            result[(pk, sk)] = set()
        unique = list(result)  # DynamoDB refuses a batch that names one key twice
        where = f"batch get from DynamoDB table {self.table_name!r}"
        for start in range(0, len(unique), _BATCH_GET_KEYS):
            pending = [self._key(pk, sk) for pk, sk in unique[start : start + _BATCH_GET_KEYS]]
            for attempt in range(_BATCH_GET_ATTEMPTS):
                if attempt:
                    time.sleep(_BATCH_GET_BACKOFF_S * 2 ** (attempt - 1))
                request = {
                    self.table_name: {
                        "Keys": pending,
                        "ConsistentRead": True,
                        "ProjectionExpression": "pk, sk, #m",
                        "ExpressionAttributeNames": {"#m": SET_ATTRIBUTE},
                    }
                }
                with _errors(where):
                    response = self.client.batch_get_item(RequestItems=request)
                for item in response.get("Responses", {}).get(self.table_name, []):
                    members = item.get(SET_ATTRIBUTE, {}).get("SS", [])
                    result[(item["pk"]["S"], item["sk"]["S"])].update(members)
                pending = (response.get("UnprocessedKeys") or {}).get(self.table_name, {}).get("Keys", [])
                if not pending:
                    break
            else:
                raise StorageError(
                    f"{where}: {len(pending)} keys still unprocessed after {_BATCH_GET_ATTEMPTS} attempts (throttled?)",
                    code="UnprocessedKeys",
                )
        return result


class SqsQueue:
    """An SQS standard queue. SQS itself provides at-least-once delivery and visibility timeouts.

    `wait_seconds` is the long-poll wait of `receive`: 1 s by default because short polling
    (0) samples only some SQS servers and can answer "empty" while messages are waiting, which
    would end a drain loop early. `receive` returns at most 10 messages (the SQS maximum).
    A receipt from an earlier delivery may or may not delete the message on SQS (AWS documents
    it as undefined); only the latest receipt is guaranteed to work, as with `SqliteQueue`.
    """

    def __init__(self, queue_url: str, client: Any = None, *, wait_seconds: int = 1) -> None:
        if not 0 <= wait_seconds <= 20:
            raise ValueError(f"wait_seconds must be within 0..20, got {wait_seconds}")
        self.queue_url = queue_url
        self.wait_seconds = wait_seconds
        self.client = client if client is not None else make_client("sqs")

    def __repr__(self) -> str:
        return f"SqsQueue({self.queue_url!r})"

    @property
    def _where(self) -> str:
        return f"SQS queue {self.queue_url!r}"

    @staticmethod
    def _batches(bodies: list[str]) -> Iterator[list[str]]:
        """Split into SendMessageBatch-sized groups: at most 10 entries and 256 KiB in total."""
        batch: list[str] = []
        size = 0
        for body in bodies:
            body_size = len(body.encode("utf-8"))
            if batch and (len(batch) == _SQS_BATCH_ENTRIES or size + body_size > _SQS_BATCH_BYTES):
                yield batch
                batch, size = [], 0
            batch.append(body)
            size += body_size
        if batch:
            yield batch

    def send(self, bodies: list[str]) -> None:
        """Send every body, raising StorageError if SQS refuses any entry of any batch.

        Batches sent before a failing one stay sent; consumers are idempotent, so the caller
        may simply send everything again.
        """
        for body in bodies:
            if not isinstance(body, str):
                raise TypeError(f"queue message body must be str, got {type(body).__name__}")
        for batch in self._batches(bodies):
            entries = [{"Id": str(i), "MessageBody": body} for i, body in enumerate(batch)]
            with _errors(f"send to {self._where}"):
                response = self.client.send_message_batch(QueueUrl=self.queue_url, Entries=entries)
            failed = response.get("Failed") or []
            if failed:
                details = "; ".join(f"entry {f.get('Id')}: {f.get('Code')}: {f.get('Message', '')}" for f in failed)
                raise StorageError(
                    f"send to {self._where}: {len(failed)} of {len(batch)} messages refused: {details}",
                    code=str(failed[0].get("Code") or "BatchEntryFailed"),
                )

    def receive(self, max_messages: int = 10) -> list[QueueMessage]:
        if max_messages <= 0:
            return []
        with _errors(f"receive from {self._where}"):
            response = self.client.receive_message(
                QueueUrl=self.queue_url,
                MaxNumberOfMessages=min(max_messages, 10),
                WaitTimeSeconds=self.wait_seconds,
                # The older parameter name: understood by every boto3 >= 1.34 and by moto.
                AttributeNames=["ApproximateReceiveCount"],
            )
        return [
            QueueMessage(
                message_id=m["MessageId"],
                body=m["Body"],
                receipt=m["ReceiptHandle"],
                receive_count=int(m.get("Attributes", {}).get("ApproximateReceiveCount", 1)),
            )
            for m in response.get("Messages", [])
        ]

    def delete(self, receipt: str) -> None:
        with _errors(f"delete from {self._where}"):
            self.client.delete_message(QueueUrl=self.queue_url, ReceiptHandle=receipt)

    def approximate_count(self) -> int:
        """Messages waiting or in flight (SQS's approximate counts, which may lag by seconds)."""
        names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
        with _errors(f"get attributes of {self._where}"):
            response = self.client.get_queue_attributes(QueueUrl=self.queue_url, AttributeNames=names)
        attributes = response.get("Attributes", {})
        return sum(int(attributes.get(name, 0)) for name in names)


def create_resources(
    bucket: str,
    table: str,
    queue_names: list[str],
    *,
    session: Any = None,
    endpoint_url: str | None = None,
    region: str = "us-east-1",
    queue_attributes: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Create the bucket, the state table and the queues if missing; return {queue name: URL}.

    Idempotent, so `syndicate run --aws --create` can run against an existing setup and tests
    can call it per test. An existing table with a different key schema is an error rather
    than something to discover at the first write. `queue_attributes` (for example
    {"VisibilityTimeout": "1"}) apply to every queue, including ones that already exist.
    """
    s3 = make_client("s3", session=session, endpoint_url=endpoint_url, region=region)
    dynamodb = make_client("dynamodb", session=session, endpoint_url=endpoint_url, region=region)
    sqs = make_client("sqs", session=session, endpoint_url=endpoint_url, region=region)

    _create_bucket(s3, bucket, region)
    _create_table(dynamodb, table)
    attributes = dict(queue_attributes or {})
    urls: dict[str, str] = {}
    for name in queue_names:
        urls[name] = _create_queue(sqs, name, attributes)
    return urls


def _create_bucket(s3: Any, bucket: str, region: str) -> None:
    request: dict[str, Any] = {"Bucket": bucket}
    if region != "us-east-1":  # us-east-1 is the one region that refuses a LocationConstraint
        request["CreateBucketConfiguration"] = {"LocationConstraint": region}
    try:
        s3.create_bucket(**request)
    except ClientError as exc:
        if _error_code(exc) == "BucketAlreadyOwnedByYou":
            return
        raise _storage_error(f"create S3 bucket {bucket!r}", exc) from exc
    except BotoCoreError as exc:
        raise _storage_error(f"create S3 bucket {bucket!r}", exc) from exc


def _create_table(dynamodb: Any, table: str) -> None:
    where = f"DynamoDB table {table!r}"
    existed = False
    try:
        dynamodb.create_table(
            TableName=table,
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
            ],
            KeySchema=[
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
            BillingMode="PAY_PER_REQUEST",
        )
    except ClientError as exc:
        if _error_code(exc) != "ResourceInUseException":
            raise _storage_error(f"create {where}", exc) from exc
        existed = True
    except BotoCoreError as exc:
        raise _storage_error(f"create {where}", exc) from exc
    if existed:
        with _errors(f"describe {where}"):
            schema = dynamodb.describe_table(TableName=table)["Table"]["KeySchema"]
        keys = {(k["AttributeName"], k["KeyType"]) for k in schema}
        if keys != {("pk", "HASH"), ("sk", "RANGE")}:
            raise StorageError(f"{where} exists with key schema {sorted(keys)}, expected pk (HASH), sk (RANGE)")
    with _errors(f"wait for {where} to become active"):
        dynamodb.get_waiter("table_exists").wait(TableName=table, WaiterConfig={"Delay": 1, "MaxAttempts": 120})


def _create_queue(sqs: Any, name: str, attributes: dict[str, str]) -> str:
    where = f"SQS queue {name!r}"
    try:
        url = str(sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"])
    except ClientError as exc:
        # Exists with other attributes: look it up and bring its attributes in line.
        if _error_code(exc) not in ("QueueAlreadyExists", "QueueNameExists"):
            raise _storage_error(f"create {where}", exc) from exc
        with _errors(f"update {where}"):
            url = str(sqs.get_queue_url(QueueName=name)["QueueUrl"])
            if attributes:
                sqs.set_queue_attributes(QueueUrl=url, Attributes=attributes)
    except BotoCoreError as exc:
        raise _storage_error(f"create {where}", exc) from exc
    return url


if TYPE_CHECKING:  # mypy proves the adapters satisfy the ports; nothing runs here

    def _conforms(
        store: S3ObjectStore, state: DynamoStateStore, queue: SqsQueue
    ) -> tuple[ObjectStore, StateStore, Queue]:
        return store, state, queue


def idempotency_layer(table_name: str, client: Any = None) -> Any:
    """powertools' DynamoDB persistence for Idempotency, in our single state table.

    Records go to partition `idempotency` (sort key = the idempotency key) and expire through
    the table's TTL attribute `expires_at`, so they clean themselves up.
    """
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

    return DynamoDBPersistenceLayer(
        table_name=table_name,
        key_attr="pk",
        sort_key_attr="sk",
        static_pk_value=IDEMPOTENCY_PK,
        expiry_attr="expires_at",
        boto3_client=client or make_client("dynamodb"),
    )


def function_url(function_name: str, *, endpoint_url: str | None = None, client: Any = None) -> str | None:
    """The Lambda Function URL of `function_name` (the search API the embed calls), or None when
    the function has none. Errors (no permission, no such function) propagate to the caller."""
    client = client or make_client("lambda", endpoint_url=endpoint_url)
    try:
        answer = client.get_function_url_config(FunctionName=function_name)
    except client.exceptions.ResourceNotFoundException:
        return None
    url = answer.get("FunctionUrl")
    return str(url) if url else None
