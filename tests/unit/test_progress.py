"""The terminal progress bar redraws per article and runs no thread of its own, so a run with
workers can fork its extraction processes (issue 13)."""

import io
import threading

from syndicate.pipeline import Failure
from syndicate.progress import RunProgress


def test_terminal_bar_starts_no_thread_and_redraws_per_article() -> None:
    stream = io.StringIO()
    before = threading.active_count()
    with RunProgress("run", stream, force_terminal=True) as progress:
        assert threading.active_count() == before, "no refresh thread: the extraction pool may fork"
        progress.expect(2)
        progress.item(Failure(stage="ingest", partner="lse", url="https://x.example/a", reason="HTTP 500"))
        drawn = stream.getvalue()
        assert "failed 1" in drawn and "1/2" in drawn, "the bar is redrawn when an article is counted"
    assert threading.active_count() == before
    assert progress.summary() == "new 0, updated 0, duplicate 0, unchanged 0, failed 1"
