"""Progress of `syndicate run`, `backfill` and `reprocess` for the person at the terminal.

On a terminal: a rich progress bar with the counts so far (new, updated, duplicate,
unchanged, failed). Anywhere else (a pipe, a log file, CI): one plain line per article, so a
log keeps every outcome and no control characters. Both write to stderr: stdout stays the
command's report (and `--json` stays parseable). rich is imported only when a bar is drawn,
so the Lambda handlers, which never show progress, do not pay for it.

The bar redraws when an article is counted, not from a refresh thread (rich's
`auto_refresh=False`): with no thread running, `syndicate run --workers N` can fork its
extraction processes with the code already imported instead of spawning them (issue 13;
pipeline/worker.py `_extraction_pool`). The elapsed time moves with each article.
"""

from __future__ import annotations

import sys
from collections import Counter
from types import TracebackType
from typing import IO, Any

from .pipeline import Failure, IngestResult, ReprocessOutcome

Outcome = IngestResult | Failure | ReprocessOutcome

#: The counts shown, in this order.
KINDS = ("new", "updated", "duplicate", "unchanged", "failed")


def outcome_kind(outcome: Outcome) -> str:
    """new, updated, duplicate, unchanged or failed (a reprocessed page that changed is `updated`)."""
    if isinstance(outcome, Failure):
        return "failed"
    if isinstance(outcome, ReprocessOutcome):
        return {"changed": "updated", "unchanged": "unchanged"}.get(outcome.status, "failed")
    return outcome.kind if outcome.changed else "unchanged"


class RunProgress:
    """Counts outcomes and shows them: a bar on a terminal, plain lines otherwise.

    Use as a context manager; pass `expect` and `item` to `pipeline.run` (or call them from
    any loop over articles). `force_terminal` overrides the terminal check (tests use it
    to say "no").
    """

    def __init__(self, label: str, stream: IO[str] | None = None, *, force_terminal: bool | None = None) -> None:
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        isatty = getattr(self.stream, "isatty", None)
        self.terminal = force_terminal if force_terminal is not None else bool(isatty and isatty())
        self.counts: Counter[str] = Counter()
        self._progress: Any = None
        self._task: Any = None

    def __enter__(self) -> RunProgress:
        if self.terminal:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            console = Console(file=self.stream, force_terminal=True)
            self._progress = Progress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[counts]}"),
                TimeElapsedColumn(),
                console=console,
                transient=False,
                auto_refresh=False,  # no refresh thread: see the module docstring
            )
            self._progress.start()
            self._task = self._progress.add_task(self.label, total=None, counts=self.summary())
            self._progress.refresh()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._progress is not None:
            self._progress.stop()
        else:
            print(f"{self.label}: {self.summary()}", file=self.stream, flush=True)

    def expect(self, total: int) -> None:
        """How many articles are coming (unknown until the poll has run)."""
        if self._progress is not None:
            self._progress.update(self._task, total=max(total, sum(self.counts.values())), refresh=True)

    def item(self, outcome: Outcome) -> None:
        """One article's outcome."""
        kind = outcome_kind(outcome)
        self.counts[kind] += 1
        if self._progress is not None:
            task = self._progress.tasks[0]
            if task.total is not None and task.completed + 1 > task.total:
                self._progress.update(self._task, total=task.completed + 1)
            self._progress.update(self._task, advance=1, counts=self.summary(), refresh=True)
            return
        reason = f": {outcome.reason}" if isinstance(outcome, Failure) else ""
        if isinstance(outcome, ReprocessOutcome) and outcome.error:
            reason = f": {outcome.error}"
        print(f"{kind:<9} {outcome.partner} {outcome.url}{reason}", file=self.stream, flush=True)

    def summary(self) -> str:
        """`new 3, updated 0, duplicate 1, unchanged 0, failed 0`."""
        return ", ".join(f"{kind} {self.counts[kind]}" for kind in KINDS)

    @property
    def failed(self) -> int:
        return self.counts["failed"]
