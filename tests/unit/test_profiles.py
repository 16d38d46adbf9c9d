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
