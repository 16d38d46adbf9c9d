"""The three things the pipeline needs from the outside world, as protocols, and their errors.

The core talks only to these; `adapters/local.py` (folder, SQLite) and `adapters/aws.py`
(S3, DynamoDB, SQS) implement them, and one contract test suite runs against both so the
local default and the cloud cannot drift apart.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass
from enum import Enum
from typing import Any, Literal, Protocol


class StorageError(RuntimeError):
    """A backend refused or failed an operation.

    The message always names the bucket, table or queue involved, because "AccessDenied"
    alone does not tell an operator which of three resources is misconfigured. `code` carries
    the backend's error code (such as "NoSuchBucket") when there is one, for callers that
    decide whether to retry.
    """

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code


class PreconditionFailed(Exception):
    """A conditional write lost a race: the object changed (or appeared) since it was read."""

    def __init__(self, key: str, condition: str) -> None:
        super().__init__(f"{key}: precondition {condition} failed (another writer got there first)")
        self.key = key


class Unchanged(Enum):
    """The answer of `ObjectStore.get_if_changed` when the caller's copy is current."""

    UNCHANGED = "unchanged"


UNCHANGED: Literal[Unchanged.UNCHANGED] = Unchanged.UNCHANGED


@dataclass(frozen=True)
class ObjectMeta:
    """The HTTP headers stored with an object (what a CDN in front of the bucket sends on)."""

    content_type: str
    cache_control: str | None = None
    content_encoding: str | None = None


class ObjectStore(Protocol):
    """A bucket: keys are '/'-separated paths such as `feeds/cgsp.json`."""

    def get(self, key: str) -> bytes | None:
        """The object's bytes, or None when there is no such key."""
        ...

    def get_with_etag(self, key: str) -> tuple[bytes, str] | None:
        """The object's bytes and its ETag (the token a conditional put compares), or None."""
        ...

    def get_if_changed(self, key: str, etag: str | None) -> tuple[bytes, str] | Unchanged | None:
        """A conditional GET: `UNCHANGED` while the object's ETag is still `etag`, else its
        bytes and new ETag (as `get_with_etag`), or None when there is no such key.

        For callers that keep a parsed copy of a small object (the partner registry) and
        check it often: S3 answers an unchanged object with a bodiless 304. `etag` None
        means "no copy yet" and always fetches.
        """
        ...

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
        """Write the object whole (readers never see a partial object).

        `if_match`: write only if the object's ETag is still this one; `if_none_match`: only
        if there is no such object yet. Otherwise PreconditionFailed, and nothing is written.
        `cache_control` and `content_encoding` are stored with the object and sent to readers
        as those HTTP headers (`content_encoding="gzip"`: `body` is already gzip-compressed;
        `get` returns it as stored, compressed).
        """
        ...

    def list_keys(self, prefix: str = "") -> list[str]:
        """Every key starting with `prefix`, sorted."""
        ...

    def delete(self, key: str) -> None:
        """Remove the key; removing a missing key is not an error."""
        ...


class StateStore(Protocol):
    """A table of JSON items addressed by (partition key, sort key).

    Items are plain JSON-compatible dicts. `query` returns one partition sorted by sort key.

    A key may instead hold a *set* of strings, changed one member at a time with
    `add_to_set` / `remove_from_set` and read many keys at once with `get_sets`. Sets exist
    so that many writers can add to one item without a read-modify-write race, and so that
    a reader can fetch dozens of them in one request (the near-duplicate index keeps one set
    of document ids per LSH band bucket). A key holds either a JSON item or a set, never
    both: `get` and `query` do not see sets, and mixing the two on one key is undefined
    (DynamoDB keeps them in one item, SQLite in separate tables).
    """

    def get(self, pk: str, sk: str) -> dict[str, Any] | None: ...

    def put(self, pk: str, sk: str, data: dict[str, Any]) -> None: ...

    def put_if_absent(self, pk: str, sk: str, data: dict[str, Any]) -> bool:
        """Create the item only if it does not exist; True when this call created it."""
        ...

    def delete(self, pk: str, sk: str) -> None: ...

    def query(self, pk: str) -> list[tuple[str, dict[str, Any]]]:
        """All (sort key, item) pairs of one partition, in sort-key order."""
        ...

    def add_to_set(self, pk: str, sk: str, member: str) -> None:
        """Add `member` (a non-empty string) to the set at (pk, sk), creating it if needed.

        Atomic and idempotent: concurrent adders never lose each other's members, and adding
        a present member changes nothing. A set is an item, so DynamoDB's 400 KB item limit
        applies to the sum of its members (StorageError beyond it, on both backends).
        """
        ...

    def remove_from_set(self, pk: str, sk: str, member: str) -> None:
        """Remove `member` from the set at (pk, sk); a missing member or set is not an error."""
        ...

    def get_sets(self, keys: list[tuple[str, str]]) -> dict[tuple[str, str], set[str]]:
        """The sets at many keys in as few requests as the backend allows (strongly consistent).

        Every requested key is in the result; a key with no set (never added to, or emptied)
        maps to an empty set. Duplicate keys are allowed and read once.
        """
        ...

    def batch(self) -> AbstractContextManager[None]:
        """`with state.batch():` the block's `put`, `delete`, `add_to_set` and
        `remove_from_set` calls (on this thread) are applied together when it ends.

        One article's writes (its copy, its 32 LSH bands, its record, its pending mark) cost
        one SQLite transaction, or DynamoDB TransactWriteItems of up to 100 writes each,
        instead of one request apiece. Locally the whole batch is one transaction; DynamoDB
        applies each chunk of 100 atomically (and a set removal on its own, since a
        transaction cannot skip a missing set). If the block raises, nothing of it is written.
        Reads and `put_if_absent` inside the block are not held: they see the table as it was
        before the block. A nested `batch()` joins the outer one; writes to one key apply in
        the order they were made.
        """
        ...


@dataclass(frozen=True)
class QueueMessage:
    message_id: str
    body: str
    receipt: str
    receive_count: int = 1


class Queue(Protocol):
    """At-least-once delivery: a received message comes back unless deleted in time."""

    def send(self, bodies: list[str]) -> None: ...

    def receive(self, max_messages: int = 10) -> list[QueueMessage]: ...

    def delete(self, receipt: str) -> None: ...
