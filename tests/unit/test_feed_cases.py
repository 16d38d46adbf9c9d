"""Saved feeds (tests/fixtures/feeds/<name>.xml) give the entries, or the refusal, their
<name>.json expects: one regression case per way a legitimate feed was refused or garbled."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from syndicate.feeds.parse import FeedError, parse_feed

CASES = Path(__file__).resolve().parents[1] / "fixtures" / "feeds"
NAMES = sorted(p.stem for p in CASES.glob("*.json"))


def test_every_case_has_its_feed() -> None:
    assert len(NAMES) >= 10
    assert sorted(p.stem for p in CASES.glob("*.xml")) == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_saved_feed(name: str) -> None:
    spec: dict[str, Any] = json.loads((CASES / f"{name}.json").read_text(encoding="utf-8"))
    body = (CASES / f"{name}.xml").read_bytes()
    url, content_type = spec["feed_url"], spec.get("content_type")
    if "error" in spec:
        with pytest.raises(FeedError) as info:
            parse_feed(body, url, content_type)
        assert spec["error"] in info.value.reason
        return
    entries = parse_feed(body, url, content_type)
    assert len(entries) == len(spec["entries"]), [e.url for e in entries]
    got = [{key: getattr(e, key) for key in expected} for e, expected in zip(entries, spec["entries"], strict=True)]
    assert got == spec["entries"]
