"""Leases (`lock` / name): a short exclusive claim, by a conditional create in the table.

A merge takes the lease on each record id it writes and on each copy it files (names
`copy/<id>`), so two ingests merging copies of one article cannot overwrite each other.
A lease expires: a holder that died blocks the others for at most its duration, after which
the next taker deletes it and claims it anew.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from ..ports import StateStore
from ._partition import Partition, to_item

LOCK_PK = "lock"


@dataclass
class Lease:
    token: str
    expires: float  # epoch seconds


class Leases(Partition[Lease]):
    pk = LOCK_PK
    shape = Lease

    def __init__(self, table: StateStore, clock: Callable[[], float] = time.time) -> None:
        super().__init__(table)
        self.clock = clock

    def acquire(self, name: str, seconds: float, token: str | None = None) -> str | None:
        """A token when this call now holds the lease on `name`, None when someone else does.

        `token`: the caller's own, so that after a write whose answer was lost (a timeout
        after the item was created) it can read the lease back and see it holds it."""
        token = token or uuid.uuid4().hex
        now = self.clock()
        item = to_item(Lease(token, now + seconds))
        if self.table.put_if_absent(LOCK_PK, name, item):
            return token
        held = self.get(name)
        if held is not None and held.expires < now:  # its holder died: take it over
            self.table.delete(LOCK_PK, name)
            if self.table.put_if_absent(LOCK_PK, name, item):
                return token
        return None

    def release(self, name: str, token: str) -> None:
        """Give the lease back, if this token still holds it (an expired one may have moved on)."""
        held = self.get(name)
        if held is not None and held.token == token:
            self.table.delete(LOCK_PK, name)
