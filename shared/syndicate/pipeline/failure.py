"""A failure of one feed or page, as data: every stage reports them instead of raising, so one
broken feed or page never stops the others."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Failure:
    """`permanent`: retrying cannot help (a 404, robots.txt, an invalid or refused URL, a page
    with no article), so the entry failed at once and is parked as a dead letter with its
    reason. `dead_lettered`: a transient failure that was retried until the receive limit and
    then parked. Otherwise the message goes back to the queue and is retried."""

    stage: str
    partner: str
    url: str
    reason: str
    permanent: bool = False
    dead_lettered: bool = False
    kind: str = ""  # where it failed (IngestError.kind for ingest); metrics count failures by it

    @property
    def outcome(self) -> str:
        """What happens next, in the words `syndicate run` prints."""
        if self.permanent:
            return "permanent"
        return "dead-lettered after retries" if self.dead_lettered else "will retry"

    def __str__(self) -> str:
        return f"{self.stage} failed for {self.partner} {self.url}: {self.reason} ({self.outcome})"
