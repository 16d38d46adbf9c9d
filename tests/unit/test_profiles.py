"""Partners as plug-ins: profiles are found on disk, the registry takes exactly those, and
every profile is well-formed (its patterns have the groups the readers use, its XPaths compile).

A new profile module is picked up by all of this (and by the saved-case, hostile-page and
fuzz tests) without editing any test.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import lxml.etree
import pytest

import syndicate
from syndicate.attribution.page import PageFacts, read_page_facts
from syndicate.extract.profiles import GENERIC, Profile, get_profile, profile_names
from syndicate.registry import RegistryError, parse_registry

ROOT = Path(__file__).resolve().parents[2]
MODULES = ROOT / "shared" / "syndicate" / "extract" / "profiles"

ONE_PARTNER = """
partners:
  - id: example
    name: Example
    homepage: https://example.org/
    feeds: [{{url: https://example.org/feed/}}]
    profile: {profile}
    licence: {{spdx: CC-BY-4.0, republish: full}}
"""


def test_profiles_are_the_modules_on_disk():
    modules = {p.stem for p in MODULES.glob("*.py") if not p.name.startswith("_")}
    assert set(profile_names()) == {"generic", *modules}
    assert {"lse_blogs", "cgsp", "the_conversation"} <= set(profile_names())


@pytest.mark.parametrize("name", profile_names())
def test_registry_accepts_every_discovered_profile(name: str):
    registry = parse_registry(ONE_PARTNER.format(profile=name))
    assert registry.partners[0].profile == name


def test_registry_rejects_an_unknown_profile_and_names_the_choices():
    with pytest.raises(RegistryError) as info:
        parse_registry(ONE_PARTNER.format(profile="the_convo"), source="conf/partners.yaml")
    message = str(info.value)
    assert message.startswith("conf/partners.yaml: partner 'example': key 'profile' must be one of")
    assert message.endswith("got 'the_convo'")
    for name in profile_names():
        assert name in message


@pytest.mark.parametrize("name", ["_rules", "../model", "profiles", "os"])
def test_only_profile_modules_load_by_name(name: str):
    with pytest.raises(ValueError, match="unknown profile"):
        get_profile(name)


@pytest.mark.parametrize("name", profile_names())
def test_each_profile_is_well_formed(name: str):
    profile = get_profile(name)
    assert isinstance(profile, Profile) and profile.name == name
    for pattern in profile.byline_patterns:
        assert "names" in pattern.groupindex, pattern.pattern
    for pattern in profile.crosspost_patterns:
        assert {"pub", "date"} <= set(pattern.groupindex), pattern.pattern
    xpaths = [*profile.prune_xpath, *profile.paywall_xpath, *profile.licence_xpath, profile.author_box_xpath]
    xpaths += [profile.image_credit_xpath] if profile.image_credit_xpath else []
    xpaths += [x for x in (profile.article_xpath, profile.byline_region_xpath) if x]
    for xpath in xpaths:
        lxml.etree.XPath(xpath)  # raises XPathSyntaxError on a typo


def test_generic_profile_holds_only_generic_knowledge():
    assert GENERIC.prune_xpath == () and GENERIC.paywall_text == () and GENERIC.paywall_xpath == ()
    assert GENERIC.image_credit_xpath is None and GENERIC.read_author_box is None and not GENERIC.strip_facts


def test_importing_the_registry_stays_cheap():
    """The registry validates `profile:` against the modules on disk without importing them,
    nor trafilatura and lxml (a handler that only reads the registry should not pay for them)."""
    code = (
        "import sys, syndicate.registry\n"
        "heavy = [m for m in ('trafilatura', 'lxml', 'syndicate.extract.article') if m in sys.modules]\n"
        "profiles = [m for m in sys.modules if m.startswith('syndicate.extract.profiles.')]\n"
        "print(heavy, profiles)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(syndicate.__file__).parents[1])}  # this copy of the package
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env).stdout
    assert out.strip() == "[] []"


# --- partner wording applies to that partner only ------------------------------------------------

PARA = "<p>" + "An ordinary sentence of article text that goes on for a while. " * 6 + "</p>"


def facts(body: str, name: str) -> PageFacts:
    return read_page_facts(f"<html><body><article>{body}{PARA}</article></body></html>", URL, get_profile(name))


URL = "https://example.org/2022/01/14/a-post/"


def test_a_sites_own_cross_post_wording_is_read_only_with_its_profile():
    lse_notice = "<p>This was published by the China Global South Project on 14 January 2022.</p>"
    found = facts(lse_notice, "lse_blogs").original
    assert found is not None and (found.name, found.date_published) == ("China Global South Project", "2022-01-14")
    assert facts(lse_notice, "generic").original is None


@pytest.mark.parametrize("name", profile_names())
def test_the_common_cross_post_wording_is_read_with_every_profile(name: str):
    notice = "<p>This article was first published by The Diplomat on 14 January 2022.</p>"
    found = facts(notice, name).original
    assert found is not None and (found.name, found.date_published) == ("Diplomat", "2022-01-14")  # "the" dropped


@pytest.mark.parametrize(
    "teaser",
    [
        '<div class="memberful-global-teaser-content"><p>The opening.</p></div>',
        "<p>Subscribe or log in to read the rest of this content.</p>",
    ],
    ids=["memberful class", "memberful text"],
)
def test_memberful_paywall_markers_are_cgsps(teaser: str):
    assert facts(teaser, "cgsp").paywalled
    assert not facts(teaser, "generic").paywalled and not facts(teaser, "lse_blogs").paywalled


@pytest.mark.parametrize("name", profile_names())
def test_json_ld_paywall_flag_is_read_with_every_profile(name: str):
    head = '<script type="application/ld+json">{"@type": "NewsArticle", "isAccessibleForFree": false}</script>'
    assert read_page_facts(f"<html><head>{head}</head><body>{PARA}</body></html>", URL, get_profile(name)).paywalled


def test_the_conversation_reads_authors_roles_and_figure_credits():
    body = (
        '<div class="content-authors-group"><ul class="author-list"><li><a class="author-name" href="/profiles/a-1">'
        '<span class="fn author-name">Ana Li</span></a><p class="role">Professor of Law, University of California,'
        ' Berkeley</p></li><li><a href="/profiles/b-2"><span class="author-name">Bo Chen</span></a>'
        '<p class="role">Research Fellow</p></li></ul></div>'
        '<figure><img src="/files/1/a.jpg"><figcaption><span class="caption">A caption.</span>'
        '<span class="attribution"><a class="source" href="https://example.com/x">Photographer/Agency</a>, '
        '<a class="license" href="http://creativecommons.org/licenses/by-sa/4.0/">CC BY-SA</a></span></figcaption>'
        "</figure>"
    )
    got = facts(body, "the_conversation")
    assert [(a.name, a.url, a.affiliation) for a in got.author_boxes] == [
        ("Ana Li", "https://example.org/profiles/a-1", "University of California, Berkeley"),
        ("Bo Chen", "https://example.org/profiles/b-2", None),
    ]
    assert [(i.url, i.credit, i.licence) for i in got.images] == [
        (
            "https://example.org/files/1/a.jpg",
            "Photographer/Agency",
            {"spdx": "CC-BY-SA-4.0", "url": "https://creativecommons.org/licenses/by-sa/4.0/"},
        )
    ]
    assert facts(body, "generic").images == []  # the generic rule wants "Image credit: ..." wording
