"""Each partner's copy of an article (`copy` / copy id) and which merged record it is part of
(`members#<record id>` / copy id).

A copy is stored under its own id, whatever record it ends up published as, so a later copy
of the same article can be merged with it in any arrival order; the membership partition
lists a merged record's copies so a merge re-reads all of them under its lease. The copy's
own record (its text: up to the page cap, far over DynamoDB's 400 KB item limit) is an object
in the private store, `copies/<copy id>.json` (`copy_key`); the item here stays small.
"""

from __future__ import annotations

from dataclasses import dataclass

from ._partition import Partition, to_item

COPY_PK = "copy"
MEMBERS_PREFIX = "members#"


def copy_key(copy_id: str) -> str:
    """Where a copy's own record is kept in the private object store."""
    return f"copies/{copy_id}.json"


@dataclass
class StoredCopy:
    """One copy: its partner, the digest of its record object, the merged record it is part of."""

    partner: str
    record_sha256: str = ""
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

    def remove_member(self, record_id: str, copy_id: str) -> None:
        """`copy_id` left the record (its best container arrived elsewhere: dedup/groups.py)."""
        self.table.delete(MEMBERS_PREFIX + record_id, copy_id)

    def clear_members(self, record_id: str) -> None:
        for copy_id in self.members(record_id):
            self.table.delete(MEMBERS_PREFIX + record_id, copy_id)
