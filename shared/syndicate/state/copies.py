"""Each partner's copy of an article (`copy` / copy id) and which merged record it is part of
(`members#<record id>` / copy id).

A copy is stored under its own id, whatever record it ends up published as, so a later copy
of the same article can be merged with it in any arrival order; the membership partition
lists a merged record's copies so a merge re-reads all of them under its lease.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ._partition import Partition, to_item

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


class CopyTable(Partition[StoredCopy]):
    """Copies by copy id, and the members of each merged record (one partition per record)."""

    pk = COPY_PK
    shape = StoredCopy

    def members(self, record_id: str) -> list[str]:
        """The copy ids merged into `record_id`, sorted."""
        return [sk for sk, _ in self.table.query(MEMBERS_PREFIX + record_id)]

    def add_member(self, record_id: str, copy_id: str, at: str) -> None:
        self.table.put(MEMBERS_PREFIX + record_id, copy_id, to_item(Membership(at)))

    def clear_members(self, record_id: str) -> None:
        for copy_id in self.members(record_id):
            self.table.delete(MEMBERS_PREFIX + record_id, copy_id)
