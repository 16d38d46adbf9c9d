"""Saved pages in, exact records out: one case per tests/fixtures/pages/<profile>/<name>.json."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from syndicate.attribution.record import build_record
from syndicate.extract import extract_article
from syndicate.model import ArticleMessage, FeedEntry
from syndicate.registry import load_registry

ROOT = Path(__file__).resolve().parents[2]
PAGES = ROOT / "tests" / "fixtures" / "pages"
DEMO = ROOT / "demo" / "syndicate_demo" / "site"
DEMO_BASE = "https://demo.test"
REGISTRY = load_registry(PAGES / "registry.yaml")
CASES = sorted(PAGES.glob("*/*.json"))


def load_page(case: Path, spec: dict[str, Any]) -> bytes:
    page = spec.get("page")
    if page and page.startswith("demo:"):
        text = (DEMO / page.removeprefix("demo:")).read_text(encoding="utf-8")
        return text.replace("{{BASE}}", DEMO_BASE).encode("utf-8")
    return case.with_suffix(".html").read_bytes()


def record_for(case: Path) -> tuple[dict[str, Any], dict[str, Any], str]:
    spec = json.loads(case.read_text(encoding="utf-8"))
    partner = REGISTRY.partner(spec["partner"])
    entry = FeedEntry(url=spec["url"], **spec.get("feed", {}))
    message = ArticleMessage(
        partner=partner.id, feed_url=partner.feeds[0].url, canonical_url=spec["url"], entry=entry, entry_hash="x"
    )
    article = extract_article(load_page(case, spec), spec["url"], partner.profile)
    item = build_record(partner, message, article, fetched_at="2026-11-28T00:00:00Z").to_item()
    return spec["expected"], item, article.text


def test_there_are_cases_for_every_profile():
    assert {c.parent.name for c in CASES} == {"lse_blogs", "cgsp", "generic"}
    assert len(CASES) >= 6


@pytest.mark.parametrize("case", CASES, ids=[f"{c.parent.name}/{c.stem}" for c in CASES])
def test_saved_page_gives_expected_record(case: Path):
    expected, item, text = record_for(case)
    ext = item["_syndicate"]
    for key in ("authors", "licence", "images", "original_publisher", "paywalled"):
        if key in expected:
            assert ext[key] == expected[key], key
    for key in ("title", "date_published", "summary"):
        if key in expected:
            assert item[key] == expected[key], key
    if "republish" in expected:
        assert ext["licence"]["republish"] == expected["republish"]
        assert ("content_html" in item) == (expected["republish"] == "full")
    if "attribution" in expected:
        assert ext["attribution"] == expected["attribution"]
    exact = case.with_suffix(".txt")
    if exact.exists():
        assert text == exact.read_text(encoding="utf-8").strip()
    if "text_starts" in expected:
        assert text.startswith(expected["text_starts"])
    if "text_ends" in expected:
        assert text.endswith(expected["text_ends"])
    for phrase in expected.get("text_excludes", []):
        assert phrase not in text, f"boilerplate left in the text: {phrase!r}"
        if "content_html" in item:
            assert phrase not in item["content_html"], f"boilerplate left in content_html: {phrase!r}"
    for phrase in expected.get("text_includes", []):
        assert text.count(phrase) == 1, f"{phrase!r} should appear exactly once"
    for phrase in expected.get("never_published", []):
        assert phrase not in json.dumps(item, ensure_ascii=False), f"republished: {phrase!r}"
