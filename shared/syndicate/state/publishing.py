"""What the last publish wrote (`publish` / `last`): the digest of the index it published and
the page keys it wrote, so the next publish knows when nothing changed and which old page
generation readers may still be walking."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..ports import StateStore
from ._item import from_item, to_item

PUBLISH_PK = "publish"
LAST_SK = "last"


@dataclass
class PublishMark:
    digest: str
    keys: list[str] = field(default_factory=list)
    at: str = ""


class PublishMarks:
    def __init__(self, table: StateStore) -> None:
        self.table = table

    def last(self) -> PublishMark | None:
        item = self.table.get(PUBLISH_PK, LAST_SK)
        return None if item is None else from_item(PublishMark, item)

    def put_last(self, mark: PublishMark) -> None:
        self.table.put(PUBLISH_PK, LAST_SK, to_item(mark))
