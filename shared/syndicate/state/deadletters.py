"""Dead letters of the local queue (`dead` / message id): messages that kept failing.

In the cloud they are messages of the ArticleQueue's DLQ instead; locally the worker parks
them here with the reason, and `syndicate redrive` puts them back after a fix.
"""

from __future__ import annotations

from dataclasses import dataclass

from ._partition import Partition

DEAD_PK = "dead"


@dataclass
class DeadLetter:
    body: str
    reason: str
    receives: int


class DeadLetters(Partition[DeadLetter]):
    pk = DEAD_PK
    shape = DeadLetter
