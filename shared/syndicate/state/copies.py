"""Each partner's copy of an article (`copy` / copy id) and which merged record it is part of
(`members#<record id>` / copy id).

A copy is stored under its own id, whatever record it ends up published as, so a later copy
of the same article can be merged with it in any arrival order; the membership partition
lists a merged record's copies so a merge re-reads all of them under its lease.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..ports import StateStore
from ._item import from_item, to_item

COPY_PK = "copy"
MEMBERS_PREFIX = "members#"


@dataclass
class StoredCopy:
    """One copy: its partner, its own record (as JSON), and the merged record it is part of."""

    partner: str
    record: dict[str, Any] = field(default_factory=dict)
    published_as: str | None = None


@dataclass
class Membership:
    at: str


class CopyTable:
    def __init__(self, table: StateStore) -> None:
        self.table = table

    def get(self, copy_id: str) -> StoredCopy | None:
        item = self.table.get(COPY_PK, copy_id)
        return None if item is None else from_item(StoredCopy, item)

    def put(self, copy_id: str, copy: StoredCopy) -> None:
        self.table.put(COPY_PK, copy_id, to_item(copy))

    def members(self, record_id: str) -> list[str]:
        """The copy ids merged into `record_id`, sorted."""
        return [sk for sk, _ in self.table.query(MEMBERS_PREFIX + record_id)]

    def add_member(self, record_id: str, copy_id: str, at: str) -> None:
        self.table.put(MEMBERS_PREFIX + record_id, copy_id, to_item(Membership(at)))

    def clear_members(self, record_id: str) -> None:
        for copy_id in self.members(record_id):
            self.table.delete(MEMBERS_PREFIX + record_id, copy_id)
