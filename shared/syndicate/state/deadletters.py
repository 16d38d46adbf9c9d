"""Dead letters of the local queue (`dead` / message id): messages that kept failing.

In the cloud they are messages of the ArticleQueue's DLQ instead; locally the worker parks
them here with the reason, and `syndicate redrive` puts them back after a fix.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..ports import StateStore
from ._item import from_item, to_item

DEAD_PK = "dead"


@dataclass
class DeadLetter:
    body: str
    reason: str
    receives: int


class DeadLetters:
    def __init__(self, table: StateStore) -> None:
        self.table = table

    def put(self, message_id: str, letter: DeadLetter) -> None:
        self.table.put(DEAD_PK, message_id, to_item(letter))

    def all(self) -> list[tuple[str, DeadLetter]]:
        return [(mid, from_item(DeadLetter, item)) for mid, item in self.table.query(DEAD_PK)]

    def delete(self, message_id: str) -> None:
        self.table.delete(DEAD_PK, message_id)
