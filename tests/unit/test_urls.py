from syndicate.dedup.urls import canonicalize_url, record_id


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
