"""What the last publish wrote (`publish` / `last`): the digest of the index it published and
the page keys it wrote, so the next publish knows when nothing changed and which old page
generation readers may still be walking."""

from __future__ import annotations

from dataclasses import dataclass, field

from ._partition import Partition

PUBLISH_PK = "publish"
LAST_SK = "last"


@dataclass
class PublishMark:
    digest: str
    keys: list[str] = field(default_factory=list)
    at: str = ""


class PublishMarks(Partition[PublishMark]):
    pk = PUBLISH_PK
    shape = PublishMark

    def last(self) -> PublishMark | None:
        return self.get(LAST_SK)

    def put_last(self, mark: PublishMark) -> None:
        self.put(LAST_SK, mark)
