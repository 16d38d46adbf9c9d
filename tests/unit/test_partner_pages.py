"""Saved pages in, exact records out: one case per tests/fixtures/pages/<profile>/<name>.json.

A case runs with its partner from `tests/fixtures/pages/registry.yaml` (the demo partners,
served as https://demo.test/...) or, failing that, from the repo's `partners.yaml`, so a new
partner's cases run against its real registry entry. Every discovered profile must have a case.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from syndicate.attribution.record import build_record
from syndicate.extract import extract_article
from syndicate.extract.profiles import profile_names
from syndicate.model import ArticleMessage, FeedEntry
from syndicate.registry import Partner, RegistryError, load_registry

ROOT = Path(__file__).resolve().parents[2]
PAGES = ROOT / "tests" / "fixtures" / "pages"
DEMO = ROOT / "demo" / "syndicate_demo" / "site"
DEMO_BASE = "https://demo.test"
REGISTRY = load_registry(PAGES / "registry.yaml")
REPO_REGISTRY = load_registry(ROOT / "partners.yaml")
CASES = sorted(PAGES.glob("*/*.json"))


def partner_of(spec: dict[str, Any]) -> Partner:
    try:
        return REGISTRY.partner(spec["partner"])
    except RegistryError:
        return REPO_REGISTRY.partner(spec["partner"])


def page_path(case: Path, spec: dict[str, Any]) -> Path:
    page = spec.get("page")
    if page and page.startswith("demo:"):
        return DEMO / page.removeprefix("demo:")
    return case.with_suffix(".html")


def load_page(case: Path, spec: dict[str, Any]) -> bytes:
    path = page_path(case, spec)
    if spec.get("page", "").startswith("demo:"):
        return path.read_text(encoding="utf-8").replace("{{BASE}}", DEMO_BASE).encode("utf-8")
    return path.read_bytes()


def record_for(case: Path) -> tuple[dict[str, Any], dict[str, Any], str]:
    spec = json.loads(case.read_text(encoding="utf-8"))
    partner = partner_of(spec)
    entry = FeedEntry(url=spec["url"], **spec.get("feed", {}))
    message = ArticleMessage(
        partner=partner.id, feed_url=partner.feeds[0].url, canonical_url=spec["url"], entry=entry, entry_hash="x"
    )
    article = extract_article(load_page(case, spec), spec["url"], partner.profile)
    item = build_record(partner, message, article, fetched_at="2026-11-28T00:00:00Z").to_item()
    return spec["expected"], item, article.text


def test_there_are_cases_for_every_profile():
    """Each discovered profile has a saved page with its expected record, and no case folder
    names a profile that does not exist (a renamed module would leave its cases unrun)."""
    with_a_page = {c.parent.name for c in CASES if page_path(c, json.loads(c.read_text(encoding="utf-8"))).is_file()}
    assert set(profile_names()) <= with_a_page, f"profiles without a saved case: {set(profile_names()) - with_a_page}"
    assert {c.parent.name for c in CASES} <= set(profile_names())
    assert len(CASES) >= 8


@pytest.mark.parametrize("case", CASES, ids=[f"{c.parent.name}/{c.stem}" for c in CASES])
def test_case_runs_with_the_profile_it_is_filed_under(case: Path):
    spec = json.loads(case.read_text(encoding="utf-8"))
    assert partner_of(spec).profile == case.parent.name
    assert page_path(case, spec).is_file()


@pytest.mark.parametrize("case", CASES, ids=[f"{c.parent.name}/{c.stem}" for c in CASES])
def test_saved_page_gives_expected_record(case: Path):
    expected, item, text = record_for(case)
    ext = item["_syndicate"]
    for key in ("authors", "licence", "claimed_licence", "images", "original_publisher", "paywalled"):
        if key in expected:
            assert ext.get(key) == expected[key], key  # null: the key is absent
    for key in ("title", "date_published", "summary", "tags"):
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
    for phrase in expected.get("content_html_includes", []):
        assert phrase in item.get("content_html", ""), f"not in content_html as it should be: {phrase!r}"
    for phrase in expected.get("text_includes", []):
        assert text.count(phrase) == 1, f"{phrase!r} should appear exactly once"
    for phrase in expected.get("never_published", []):
        assert phrase not in json.dumps(item, ensure_ascii=False), f"republished: {phrase!r}"
