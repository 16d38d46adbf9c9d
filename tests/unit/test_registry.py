"""The registry: the real partners.yaml loads; every mistake names file, partner and key."""

from pathlib import Path

import pytest

from syndicate.registry import RegistryError, load_registry, parse_registry

ROOT = Path(__file__).resolve().parents[2]

GOOD = """
partners:
  - id: lse-blogs
    name: LSE Blogs
    homepage: https://blogs.lse.ac.uk/
    feeds: [{url: https://blogs.lse.ac.uk/cff/feed/}]
    profile: lse_blogs
    licence: {spdx: CC-BY-4.0, url: https://creativecommons.org/licenses/by/4.0/, republish: full}
"""


def test_repo_registry_has_the_partners():
    reg = load_registry(ROOT / "partners.yaml")
    assert [p.id for p in reg.partners][:3] == ["lse-blogs", "cgsp", "the-conversation"]  # more may follow
    lse, cgsp, conversation = reg.partners[:3]
    assert lse.feeds[0].url == "https://blogs.lse.ac.uk/cff/feed/"
    assert lse.licence.spdx == "CC-BY-4.0" and lse.licence.republish == "full"
    assert cgsp.feeds[0].url == "https://chinaglobalsouth.com/feed/"
    assert cgsp.licence.spdx == "LicenseRef-All-Rights-Reserved" and cgsp.licence.republish == "excerpt"
    assert cgsp.profile == "cgsp" and cgsp.rank == 1
    assert conversation.profile == "the_conversation" and conversation.rank == 2
    assert conversation.feeds[0].url == "https://theconversation.com/global/articles.atom"
    assert conversation.licence.spdx == "CC-BY-ND-4.0" and conversation.licence.republish == "full"
    assert reg.partner_for_url("https://theconversation.com/some-article-123456") is conversation


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (GOOD.replace("feeds:", "feed:"), "partner 'lse-blogs': unknown key 'feed' (did you mean 'feeds'?)"),
        (GOOD.replace("republish: full", "republish: everything"), "licence: key 'republish' must be one of"),
        (GOOD.replace("spdx: CC-BY-4.0", "spdx: CC BY 4.0"), "key 'spdx' is not an SPDX id"),
        (GOOD.replace("profile: lse_blogs", "profile: lse"), "key 'profile' must be one of"),
        (GOOD.replace("homepage: https://blogs.lse.ac.uk/", "homepage: blogs.lse.ac.uk"), "key 'homepage' must be"),
        (GOOD.replace("https://blogs.lse.ac.uk/cff/feed/", "ftp://x/feed"), "feeds[0]: key 'url' must be an http(s)"),
        (GOOD.replace("    name: LSE Blogs\n", ""), "partner 'lse-blogs': missing key 'name'"),
        (GOOD.replace("partners:", "partner:"), "unknown key 'partner'"),
        (GOOD + GOOD.replace("partners:\n", ""), "partner 'lse-blogs': duplicate id"),
        ("partners: [", "not valid YAML"),
        (GOOD + "    page_licence: yes\n", "partner 'lse-blogs': key 'page_licence' must be one of narrow, trusted"),
    ],
)
def test_errors_name_file_partner_and_key(text, expected):
    with pytest.raises(RegistryError) as info:
        parse_registry(text, source="conf/partners.yaml")
    message = str(info.value)
    assert message.startswith("conf/partners.yaml")
    assert expected in message


def test_page_licence_is_narrow_unless_the_registry_trusts_the_partners_pages():
    """Only LSE states each post's licence ("CC BY 4.0 unless otherwise stated"): its pages may
    widen the registry's licence; everyone else's may only narrow it. The demo registry agrees."""
    reg = load_registry(ROOT / "partners.yaml")
    assert {p.id: p.page_licence for p in reg.partners[:3]} == {
        "lse-blogs": "trusted", "cgsp": "narrow", "the-conversation": "narrow"}
    assert reg.partner("lse-blogs").pages_state_licence and not reg.partner("cgsp").pages_state_licence
    assert parse_registry(GOOD).partners[0].page_licence == "narrow"  # the default
    trusted = parse_registry(GOOD + "    page_licence: trusted\n").partners[0]
    assert trusted.pages_state_licence
    template = (ROOT / "demo" / "syndicate_demo" / "site" / "partners.yaml.template").read_text()
    demo = parse_registry(template.replace("{{BASE}}", "http://127.0.0.1:8000"))
    assert {p.id: p.page_licence for p in demo.partners} == {"lse-blogs": "trusted", "cgsp": "narrow"}


def test_publish_section_validated():
    with pytest.raises(RegistryError, match="publish: key 'page_size'"):
        parse_registry(GOOD + "publish: {page_size: 0}\n")
    reg = parse_registry(GOOD + "publish: {page_size: 2, base_url: https://feeds.example.org/}\n")
    assert reg.publish.page_size == 2 and reg.publish.base_url == "https://feeds.example.org/"


def test_missing_file_is_a_registry_error(tmp_path):
    with pytest.raises(RegistryError, match="cannot read registry"):
        load_registry(tmp_path / "nope.yaml")
