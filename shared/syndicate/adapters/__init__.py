"""Implementations of the ports in `syndicate.ports`.

`local` (a folder and SQLite; standard library only) and `aws` (S3, DynamoDB, SQS; the only
core module that imports boto3) are imported explicitly by whoever needs them, so importing
this package never pays for boto3.

The rules both backends share live here, so the local default cannot accept what the cloud
would refuse (or the other way round): which object keys are valid, how a state item is
encoded as JSON text, and how large an item may be.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal

from ..ports import StorageError

__all__ = [
    "MAX_ITEM_BYTES",
    "SET_ATTRIBUTE",
    "BatchedWrites",
    "StorageError",
    "WriteOp",
    "decode_item",
    "encode_item",
    "item_size",
    "validate_item_key",
    "validate_key",
]

# DynamoDB refuses items over 400 KB (attribute names and values, UTF-8); the local store
# enforces the same ceiling so an oversized record fails on a laptop, not first in the cloud.
MAX_ITEM_BYTES = 400 * 1024

# The DynamoDB attribute holding a set's members (a String Set); the SQLite store counts its
# name in a set's size just as DynamoDB does.
SET_ATTRIBUTE = "members"


def validate_key(key: str) -> str:
    """Return `key` unchanged if it is a clean '/'-separated relative path, else raise ValueError.

    Refused: empty keys, absolute keys, backslashes, NUL, and empty, '.' or '..' segments.
    S3 would accept most of these, but a folder cannot represent them faithfully (or, for
    '..', safely), and both backends apply the same rule so they cannot drift apart.
    """
    if not isinstance(key, str) or not key:
        raise ValueError(f"object key must be a non-empty string, got {key!r}")
    if key.startswith("/"):
        raise ValueError(f"object key must be relative, got {key!r}")
    if "\\" in key or "\x00" in key:
        raise ValueError(f"object key may not contain a backslash or NUL: {key!r}")
    for part in key.split("/"):
        if part in ("", ".", ".."):
            raise ValueError(f"object key has an empty, '.' or '..' segment: {key!r}")
    return key


def validate_item_key(pk: str, sk: str) -> None:
    """Both parts of a state key must be non-empty strings (DynamoDB refuses empty key values)."""
    for name, value in (("pk", pk), ("sk", sk)):
        if not isinstance(value, str) or not value:
            raise ValueError(f"state {name} must be a non-empty string, got {value!r}")


def encode_item(data: dict[str, Any]) -> str:
    """The JSON text stored for an item, identical in SQLite and DynamoDB.

    NaN and Infinity are refused (they are not JSON, and a reader in another language would
    choke on them); non-ASCII text is stored as is rather than escaped, which keeps items small.
    """
    if not isinstance(data, dict):
        raise TypeError(f"state item must be a dict, got {type(data).__name__}")
    return json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def decode_item(text: str) -> dict[str, Any]:
    value = json.loads(text)
    if not isinstance(value, dict):
        raise StorageError(f"stored state item is not a JSON object: {text[:80]!r}")
    return value


def item_size(pk: str, sk: str, text: str) -> int:
    """Bytes DynamoDB would count for an item (pk, sk, data): names plus UTF-8 values."""
    return sum(len(s.encode("utf-8")) for s in ("pk", pk, "sk", sk, "data", text))


@dataclass(frozen=True)
class WriteOp:
    """One write held by `StateStore.batch` until the block ends: `text` is a put's encoded
    item, `member` a set change's member."""

    kind: Literal["put", "delete", "add", "remove"]
    pk: str
    sk: str
    text: str = ""
    member: str = ""


class BatchedWrites:
    """`batch()` for both state stores: writes inside `with store.batch():` are held per
    thread and handed to `_apply_batch` together when the block ends (dropped if it raises).

    Holding them on both backends, rather than opening a SQLite transaction locally, keeps one
    rule for readers: a read inside the block sees the table as it was before the block,
    whichever backend runs. Each write is still validated (key, JSON, size) when it is made,
    so a bad item fails where it is written, not at the end of the block.
    """

    def _held(self) -> list[WriteOp] | None:
        """The current thread's held writes, or None outside a batch."""
        local = self.__dict__.get("_batch_local")
        return None if local is None else getattr(local, "ops", None)

    def _hold(self, op: WriteOp) -> bool:
        """Hold `op` when a batch is open on this thread (True), else let the caller write now."""
        held = self._held()
        if held is None:
            return False
        held.append(op)
        return True

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Apply the block's writes together at its end; a nested block joins the outer one."""
        local = self.__dict__.setdefault("_batch_local", threading.local())
        if getattr(local, "ops", None) is not None:
            yield
            return
        local.ops = []
        try:
            yield
            ops: list[WriteOp] = local.ops
        finally:
            local.ops = None
        if ops:
            self._apply_batch(ops)

    def _apply_batch(self, ops: list[WriteOp]) -> None:
        raise NotImplementedError
