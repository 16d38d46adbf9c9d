"""The record index (`record` / record id) and the pending marks (`pending` / record id).

The index is what publish reads instead of listing the bucket: one small item per published
record. A pending mark says "this record changed (or was retired) since the last publish".
"""

from __future__ import annotations

from dataclasses import dataclass

from ._partition import Partition

RECORD_PK = "record"
PENDING_PK = "pending"


@dataclass
class RecordMeta:
    """`fingerprint`: a digest of what a reader sees, so an unchanged re-ingest writes nothing."""

    partner: str
    date_published: str | None = None
    version: int = 1
    fingerprint: str = ""


class RecordIndex(Partition[RecordMeta]):
    pk = RECORD_PK
    shape = RecordMeta


@dataclass
class PendingMark:
    at: str
    retired: bool = False


class PendingMarks(Partition[PendingMark]):
    pk = PENDING_PK
    shape = PendingMark

    def mark(self, record_id: str, at: str, *, retired: bool = False) -> None:
        self.put(record_id, PendingMark(at, retired))

    def clear(self, record_id: str) -> None:
        self.delete(record_id)
