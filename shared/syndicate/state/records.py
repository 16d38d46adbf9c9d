"""The record index (`record` / record id) and the pending marks (`pending` / record id).

The index is what publish reads instead of listing the bucket: one small item per published
record. A pending mark says "this record changed (or was retired) since the last publish".
"""

from __future__ import annotations

from dataclasses import dataclass

from ..ports import StateStore
from ._item import from_item, to_item

RECORD_PK = "record"
PENDING_PK = "pending"


@dataclass
class RecordMeta:
    """`fingerprint`: a digest of what a reader sees, so an unchanged re-ingest writes nothing."""

    partner: str
    date_published: str | None = None
    version: int = 1
    fingerprint: str = ""


class RecordIndex:
    def __init__(self, table: StateStore) -> None:
        self.table = table

    def get(self, record_id: str) -> RecordMeta | None:
        item = self.table.get(RECORD_PK, record_id)
        return None if item is None else from_item(RecordMeta, item)

    def put(self, record_id: str, meta: RecordMeta) -> None:
        self.table.put(RECORD_PK, record_id, to_item(meta))

    def delete(self, record_id: str) -> None:
        self.table.delete(RECORD_PK, record_id)

    def all(self) -> list[tuple[str, RecordMeta]]:
        """Every indexed record, by id."""
        return [(rid, from_item(RecordMeta, item)) for rid, item in self.table.query(RECORD_PK)]


@dataclass
class PendingMark:
    at: str
    retired: bool = False


class PendingMarks:
    def __init__(self, table: StateStore) -> None:
        self.table = table

    def mark(self, record_id: str, at: str, *, retired: bool = False) -> None:
        self.table.put(PENDING_PK, record_id, to_item(PendingMark(at, retired)))

    def all(self) -> list[tuple[str, PendingMark]]:
        return [(rid, from_item(PendingMark, item)) for rid, item in self.table.query(PENDING_PK)]

    def clear(self, record_id: str) -> None:
        self.table.delete(PENDING_PK, record_id)
