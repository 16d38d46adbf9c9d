from pathlib import Path

from syndicate.dedup.urls import UrlRules, canonicalize_url, record_id
from syndicate.registry import load_registry


def test_tracking_fragment_scheme_and_host_case():
    url = "HTTP://Blogs.LSE.ac.uk:80/cff/2022/01/14/slug/?utm_source=rss&utm_medium=rss&b=2&a=1#comments"
    assert canonicalize_url(url) == "https://blogs.lse.ac.uk/cff/2022/01/14/slug/?a=1&b=2"


def test_https_upgrade_only_for_listed_hosts():
    assert canonicalize_url("http://127.0.0.1:8080/x/", https_hosts={"blogs.lse.ac.uk"}) == "http://127.0.0.1:8080/x/"
    assert canonicalize_url("http://blogs.lse.ac.uk/x/", https_hosts={"blogs.lse.ac.uk"}) == "https://blogs.lse.ac.uk/x/"


def test_record_id_is_stable_and_file_safe():
    a = record_id("https://chinaglobalsouth.com/analysis/x/")
    assert a == record_id("https://chinaglobalsouth.com/analysis/x/")
    assert a != record_id("https://chinaglobalsouth.com/analysis/y/")
    assert len(a) == 32 and a.isalnum()


def test_staging_host_http_and_missing_slash_map_to_the_same_url():
    rules = load_registry(Path(__file__).resolve().parents[2] / "partners.yaml").url_rules()
    want = "https://blogs.lse.ac.uk/cff/2022/01/14/beijings-wait-and-see-approach-in-kazakhstan/"
    for variant in (
        "http://blogstest.lse.ac.uk/cff/2022/01/14/beijings-wait-and-see-approach-in-kazakhstan",
        "http://blogs.lse.ac.uk/cff/2022/01/14/beijings-wait-and-see-approach-in-kazakhstan/?utm_campaign=x#respond",
        want,
    ):
        assert canonicalize_url(variant, rules) == want


def test_files_keep_their_path_and_aliases_apply_only_to_listed_hosts():
    rules = UrlRules(https_hosts=frozenset(), host_aliases={"staging.example": "example"})
    assert canonicalize_url("http://other.example/feed.xml", rules) == "http://other.example/feed.xml"
    assert canonicalize_url("http://staging.example/a", rules) == "http://example/a/"


def test_partner_for_url_takes_the_longest_homepage():
    reg = load_registry(Path(__file__).resolve().parents[2] / "partners.yaml")
    assert reg.partner_for_url("http://blogstest.lse.ac.uk/cff/x/").id == "lse-blogs"
    assert reg.partner_for_url("https://chinaglobalsouth.com/analysis/x/").id == "cgsp"
    assert reg.partner_for_url("https://example.org/") is None
