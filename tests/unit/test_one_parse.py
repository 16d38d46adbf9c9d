"""One parse per page (issue 13): the page-facts reader reads the tree the trafilatura passes
parsed, after them. That is only right while the facts equal those of the reader's own
parse (lxml.html keeps comments and processing instructions; trafilatura's parser drops them
and repairs some markup first) and while trafilatura leaves a tree it is given as it was.
Checked on every saved page: the cases under tests/fixtures/pages, the demo site's posts and,
when ../shared is beside the repo, the extraction and attribution dev sets."""

from __future__ import annotations

import dataclasses
import gzip
from pathlib import Path

import pytest

from syndicate.attribution.page import read_page_facts
from syndicate.extract.article import _trafilatura_passes, decode_page
from syndicate.extract.profiles import get_profile, profile_names

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "data"
IN_REPO = sorted((ROOT / "tests" / "fixtures" / "pages").glob("*/*.html")) + sorted(
    (ROOT / "demo" / "syndicate_demo" / "site").rglob("*.html")
)
DEV_SETS = [SHARED / "extraction-dev" / "html", SHARED / "attribution-dev" / "html"]


def facts_both_ways(path: Path, profile: str) -> tuple[dict[str, object], dict[str, object]]:
    raw = path.read_bytes()
    if path.suffix == ".gz":
        raw = gzip.decompress(raw)
    url = f"https://example.org/{path.name.split('.')[0]}/"
    content = decode_page(raw, url, None)
    prof = get_profile(profile)
    own = read_page_facts(content, url, prof)
    _doc, _rich, tree = _trafilatura_passes(content, url, list(prof.prune_xpath) or None, with_html=True, precise=False)
    assert tree is not None, f"{path}: trafilatura could not parse it"
    shared = read_page_facts(content, url, prof, tree=tree)
    return dataclasses.asdict(own), dataclasses.asdict(shared)


@pytest.mark.parametrize("path", IN_REPO, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_facts_from_the_passes_tree_equal_the_readers_own_parse(path: Path) -> None:
    profiles = {"generic", path.parent.name} & set(profile_names())
    for profile in sorted(profiles):
        own, shared = facts_both_ways(path, profile)
        assert shared == own, f"{path} ({profile}): {[k for k in own if own[k] != shared[k]]} differ"


@pytest.mark.heavy
def test_facts_from_the_passes_tree_on_the_dev_sets() -> None:
    if not all(d.is_dir() for d in DEV_SETS):
        pytest.skip("../shared/data (the extraction and attribution dev sets) is not beside this clone")
    pages = [p for d in DEV_SETS for p in sorted(d.iterdir())]
    differ = []
    for path in pages:
        own, shared = facts_both_ways(path, "generic")
        if shared != own:
            differ.append(f"{path.name}: {[k for k in own if own[k] != shared[k]]}")
    assert len(pages) > 300
    assert not differ, differ
