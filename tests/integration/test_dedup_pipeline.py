"""Deduplication in the pipeline: cross-posts merge whatever the arrival order, exact
duplicates collapse, changed articles become versions, concurrent ingests make one record."""

from __future__ import annotations

import itertools
import json
import re
import threading
import urllib.request
from typing import Any

import pytest

from syndicate import pipeline
from syndicate.dedup.urls import record_id
from syndicate.registry import load_registry
from syndicate.services import Services

from fixtures.backends import walk_feed

LSE_SEED = "/lse/cff/2022/01/14/beijings-wait-and-see-approach-in-kazakhstan/"
CGSP_SEED = "/cgsp/analysis/beijings-wait-and-see-approach-in-kazakhstan/"


def messages(svc: Services) -> dict[str, str]:
    """Queued bodies by the path of the article they announce."""
    pipeline.poll_once(svc, force=True)
    out: dict[str, str] = {}
    while batch := svc.queue.receive(10):
        for m in batch:
            svc.queue.delete(m.receipt)
            url = json.loads(m.body)["canonical_url"]
            out["/" + url.split("/", 3)[3]] = m.body
    return out


def published(svc: Services) -> list[dict[str, Any]]:
    return walk_feed(svc)


def comparable(item: dict[str, Any]) -> dict[str, Any]:
    """The record without what says when we fetched it."""
    out = json.loads(json.dumps(item))
    out.pop("date_modified", None)
    out["_syndicate"].pop("fetched_at")
    return out


def seed_record(svc: Services) -> dict[str, Any]:
    pipeline.publish_pending(svc)
    seeds = [i for i in published(svc) if "wait-and-see" in i["url"]]
    assert len(seeds) == 1, "one record for the two copies"
    return seeds[0]


def ingest_as_sqs_would(svc: Services, body: str, errors: list[BaseException]) -> None:
    """Ingest `body`, again after a pause while it fails as busy (a merge lease taken, or
    powertools' already-in-progress), as SQS would redeliver it; other errors go to `errors`."""
    for _attempt in range(20):
        try:
            pipeline.ingest_message(svc, body)
            return
        except Exception as exc:
            if "progress" not in type(exc).__name__.lower() and not isinstance(exc, pipeline.Busy):
                errors.append(exc)
                return
            threading.Event().wait(0.2)
    errors.append(RuntimeError(f"{body[:80]} never got through"))


def ingest_in_thread(
    svc: Services, who: threading.local, side: str, body: str, errors: list[BaseException]
) -> threading.Thread:
    """`ingest_as_sqs_would` in a thread of its own, started, with `who.side` set in it for a
    test's pause hooks to tell the two ingests apart."""

    def work() -> None:
        who.side = side
        ingest_as_sqs_would(svc, body, errors)

    thread = threading.Thread(target=work)
    thread.start()
    return thread


def test_cross_post_merges_the_same_in_both_arrival_orders(make_services, demo_registry, site_server):
    registry = load_registry(demo_registry)
    first = make_services(registry, "lse-first")
    bodies = messages(first)
    pipeline.ingest_message(first, bodies[LSE_SEED])
    pipeline.ingest_message(first, bodies[CGSP_SEED])
    lse_first = seed_record(first)

    second = make_services(registry, "cgsp-first")
    bodies = messages(second)
    pipeline.ingest_message(second, bodies[CGSP_SEED])
    alone = published_after(second)
    assert alone["_syndicate"]["licence"]["republish"] == "excerpt", "CGSP alone: all rights reserved"
    pipeline.ingest_message(second, bodies[LSE_SEED])
    cgsp_first = seed_record(second)

    assert comparable(lse_first) == comparable(cgsp_first)
    ext = lse_first["_syndicate"]
    assert lse_first["url"] == site_server.url(CGSP_SEED)
    assert [(p["partner"], p["url"]) for p in ext["also_published_at"]] == [("lse-blogs", site_server.url(LSE_SEED))]
    assert ext["licence"]["spdx"] == "CC-BY-4.0" and ext["licence"]["republish"] == "full"
    assert "colour revolution" in lse_first["content_html"], "the text the CC BY licence covers: the LSE copy"
    assert "originally published on China Global South Project" in ext["attribution"]
    assert "LSE Blogs" in ext["attribution"]


def published_after(svc: Services) -> dict[str, Any]:
    pipeline.publish_pending(svc)
    return next(i for i in published(svc) if "wait-and-see" in i["url"])


def test_exact_duplicate_under_another_url_collapses(make_services, demo_registry, site_server):
    """The partner moved the post (new slug, same text): one record, the old URL listed."""
    svc = make_services(load_registry(demo_registry))
    bodies = messages(svc)
    pipeline.ingest_message(svc, bodies["/lse/cff/2022/01/20/what-dual-circulation-means-for-chinas-trading-partners/"])
    moved = "/lse/cff/2022/01/20/dual-circulation-and-chinas-trading-partners/"
    page = site_server.url("/lse/cff/2022/01/20/what-dual-circulation-means-for-chinas-trading-partners/")
    with urllib.request.urlopen(page, timeout=10) as response:  # loopback
        html = response.read().decode()
    # the same text under a new slug, without a rel=canonical pointing back (that case: the AMP test)
    html = re.sub(r'<link rel="canonical"[^>]*>|<meta property="og:url"[^>]*>', "", html)
    site_server.route(moved, body=html, content_type="text/html")
    body = json.loads(bodies["/lse/cff/2022/01/20/what-dual-circulation-means-for-chinas-trading-partners/"])
    body["entry"]["url"] = body["canonical_url"] = site_server.url(moved)
    pipeline.ingest_message(svc, json.dumps(body))
    pipeline.publish_pending(svc)
    dual = [i for i in published(svc) if "circulation" in i["url"]]
    assert len(dual) == 1
    assert len(dual[0]["_syndicate"]["also_published_at"]) == 1


def test_changed_article_becomes_a_new_version(make_services, demo_registry, site_server):
    svc = make_services(load_registry(demo_registry))
    path = "/lse/cff/2022/01/20/what-dual-circulation-means-for-chinas-trading-partners/"
    bodies = messages(svc)
    first = pipeline.ingest_message(svc, bodies[path])
    pipeline.publish_pending(svc)
    v1 = next(i for i in published(svc) if i["id"] == first.record_id)
    assert v1["_syndicate"]["version"] == 1 and "date_modified" not in v1
    with urllib.request.urlopen(site_server.url(path), timeout=10) as response:  # loopback
        html = response.read().decode()
    site_server.route(path, body=html.replace("<p>", "<p>Update: a correction was made. ", 1), content_type="text/html")
    body = json.loads(bodies[path])
    body["entry_hash"] = "changed"  # the feed announced the update
    second = pipeline.ingest_message(svc, json.dumps(body))
    pipeline.publish_pending(svc)
    assert second.record_id == first.record_id and second.changed
    v2 = next(i for i in published(svc) if i["id"] == first.record_id)
    assert v2["_syndicate"]["version"] == 2 and v2["date_modified"]
    assert "a correction was made" in v2["content_html"]
    assert len(published(svc)) == 1


def test_concurrent_ingests_make_one_record(make_services, demo_registry, site_server):
    """The same message twice at once, and the other copy at the same time: one record."""
    svc = make_services(load_registry(demo_registry))
    bodies = messages(svc)
    jobs = [bodies[LSE_SEED], bodies[LSE_SEED], bodies[CGSP_SEED]]
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(jobs))

    def work(body: str) -> None:
        barrier.wait()
        ingest_as_sqs_would(svc, body, errors)

    threads = [threading.Thread(target=work, args=(b,)) for b in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    record = seed_record(svc)
    assert [p["partner"] for p in record["_syndicate"]["also_published_at"]] == ["lse-blogs"]
    assert len(svc.db.records.all()) == 1


def test_page_rel_canonical_decides_the_url_on_the_same_partner_only(make_services, demo_registry, site_server):
    svc = make_services(load_registry(demo_registry))
    bodies = messages(svc)
    path = "/lse/cff/2022/01/20/what-dual-circulation-means-for-chinas-trading-partners/"
    amp = path + "amp/"
    with urllib.request.urlopen(site_server.url(path), timeout=10) as response:  # loopback
        html = response.read()
    site_server.route(amp, body=html, content_type="text/html")  # its rel=canonical names `path`
    body = json.loads(bodies[path])
    body["entry"]["url"] = body["canonical_url"] = site_server.url(amp)
    result = pipeline.ingest_message(svc, json.dumps(body))
    pipeline.publish_pending(svc)
    assert [i["url"] for i in published(svc)] == [site_server.url(path)]
    # a page claiming another partner's URL as its canonical is not believed
    hijack = html.replace(path.encode(), CGSP_SEED.encode())
    site_server.route(amp, body=hijack, content_type="text/html")
    body["entry_hash"] = "x"
    hijacked = pipeline.ingest_message(svc, json.dumps(body))
    pipeline.publish_pending(svc)
    assert hijacked.record_id == result.record_id, "same text: it merges with the article it copies"
    assert [i["url"] for i in published(svc)] == [site_server.url(path)], "and claims no CGSP URL"


def excerpt_of(html: str) -> str:
    """The CGSP page cut to its byline and first two paragraphs, the rest of the body gone (as a
    partner publishing the opening of an article with a link to the rest)."""
    start = html.index('<div class="entry-content">')
    end = html.index("</div>", start)
    body = html[start:end]
    paragraphs = re.findall(r"<p>.*?</p>", body, flags=re.S)
    assert len(paragraphs) >= 6, "the demo page changed: pick the excerpt again"
    cut = '<div class="entry-content">\n' + "\n".join(paragraphs[:3]) + "\n<p>Read the full article on LSE Blogs.</p>\n"
    return html[:start] + cut + html[end:]


def test_an_excerpt_and_its_full_text_make_one_record_in_both_orders(make_services, demo_registry, site_server):
    """Issue 14: the CGSP copy carries only the first paragraphs. Whichever copy comes first,
    the record has the LSE full text, its CC BY licence and URL, and the excerpt under
    also_published_at with "excerpt": true; arriving second, the full text replaces the excerpt."""
    with urllib.request.urlopen(site_server.url(CGSP_SEED), timeout=10) as response:  # loopback
        html = response.read().decode()
    site_server.route(CGSP_SEED, body=excerpt_of(html), content_type="text/html")
    registry = load_registry(demo_registry)

    excerpt_first = make_services(registry, "excerpt-first")
    bodies = messages(excerpt_first)
    pipeline.ingest_message(excerpt_first, bodies[CGSP_SEED])
    alone = published_after(excerpt_first)
    assert alone["url"] == site_server.url(CGSP_SEED), "alone, the excerpt is a record of its own"
    assert not alone["_syndicate"].get("also_published_at")
    pipeline.ingest_message(excerpt_first, bodies[LSE_SEED])
    a = seed_record(excerpt_first)

    full_first = make_services(registry, "full-first")
    bodies = messages(full_first)
    pipeline.ingest_message(full_first, bodies[LSE_SEED])
    pipeline.ingest_message(full_first, bodies[CGSP_SEED])
    b = seed_record(full_first)

    assert comparable(a) == comparable(b)
    ext = a["_syndicate"]
    assert a["url"] == ext["canonical_url"] == site_server.url(LSE_SEED), "the complete copy's URL"
    assert ext["licence"]["spdx"] == "CC-BY-4.0" and ext["licence"]["republish"] == "full"
    assert "colour revolution" in a["content_html"], "the LSE copy's text (British spelling)"
    assert "waiting and seeing has worked" in a["content_html"], "the whole of it, to the last paragraph"
    (placement,) = ext["also_published_at"]
    assert placement == {"partner": "cgsp", "url": site_server.url(CGSP_SEED),
                         "date_published": placement["date_published"], "excerpt": True}
    assert ext["version"] == 2, "the full text replaced the excerpt's record as a new version"
    assert [i["url"] for i in published(excerpt_first) if "wait-and-see" in i["url"]] == [site_server.url(LSE_SEED)]


EVENT = "/cgsp/2022/01/20/chinese-firms-in-kazakhstan-count-the-cost-of-unrest/"


def paragraphs_of(html: str) -> tuple[int, int, list[str]]:
    """Where the page's entry content starts and ends, and its paragraphs."""
    start = html.index('<div class="entry-content">')
    end = html.index("</div>", start)
    return start, end, re.findall(r"<p>.*?</p>", html[start:end], flags=re.S)


def test_an_excerpt_that_another_article_quotes_never_joins_the_two(make_services, demo_registry, site_server):
    """Issue 14 follow-up: the CGSP copy of the seed article carries one paragraph only, and a
    different CGSP report of the same events quotes exactly that paragraph. The excerpt is
    contained in both; it joins its original (whose headline it has), and the quoting report
    stays its own record, in every arrival order (also when the excerpt comes first and the
    quoting report before the original: the excerpt then moves to the original)."""
    pages: dict[str, str] = {}
    for path in (CGSP_SEED, EVENT):
        with urllib.request.urlopen(site_server.url(path), timeout=10) as response:  # loopback
            pages[path] = response.read().decode()
    start, end, seed_paragraphs = paragraphs_of(pages[CGSP_SEED])
    quoted = next(p for p in seed_paragraphs if p.startswith("<p>What China has built is considerable"))
    excerpt = pages[CGSP_SEED][:start] + '<div class="entry-content">\n' + quoted + "\n" + pages[CGSP_SEED][end:]
    e_start, e_end, event_paragraphs = paragraphs_of(pages[EVENT])
    assert len(event_paragraphs) >= 3, "the demo page changed: pick the quoting report again"
    body = "\n".join([*event_paragraphs[:2], quoted, *event_paragraphs[2:]])
    quoting = pages[EVENT][:e_start] + '<div class="entry-content">\n' + body + "\n" + pages[EVENT][e_end:]
    site_server.route(CGSP_SEED, body=excerpt, content_type="text/html")
    site_server.route(EVENT, body=quoting, content_type="text/html")
    registry = load_registry(demo_registry)
    original, quote, part = site_server.url(LSE_SEED), site_server.url(EVENT), site_server.url(CGSP_SEED)

    outcomes = {}
    for order in itertools.permutations((LSE_SEED, EVENT, CGSP_SEED)):
        name = "-".join(p.strip("/").split("/")[0] + str(len(p)) for p in order)
        svc = make_services(registry, name)
        bodies = messages(svc)
        for path in order:
            pipeline.ingest_message(svc, bodies[path])
        pipeline.publish_pending(svc)
        items = {i["url"]: i for i in published(svc) if i["url"] in (original, quote, part)}
        outcome = {
            url: sorted((p["url"], bool(p.get("excerpt"))) for p in item["_syndicate"].get("also_published_at") or [])
            for url, item in items.items()
        }
        assert outcome == {original: [(part, True)], quote: []}, order
        fps = {url: svc.index.get(record_id(url)) for url in (original, quote, part)}
        assert all(fps.values())
        for container in (original, quote):  # the case: the excerpt is a duplicate of both
            assert svc.index.is_duplicate(fps[part], fps[container]) is not None, container  # type: ignore[arg-type]
        outcomes[order] = outcome
        assert len(svc.db.copies.members(items[quote]["id"])) == 1, "the quoting report's record has it alone"
    assert len({json.dumps(o, sort_keys=True) for o in outcomes.values()}) == 1


@pytest.mark.parametrize("finishes_first", ["lse", "cgsp"])
def test_two_copies_planned_apart_still_make_one_record(make_services, demo_registry, site_server, finishes_first):
    """The race behind a CI failure, made deterministic: the LSE copy plans a record of its
    own (the CGSP copy is not indexed yet), then the CGSP copy plans the merged record (it sees
    the LSE copy, not yet published). Both reach their merge leases before either writes; one
    finishes, then the other. Whichever order, one record remains, listing both copies."""
    svc = make_services(load_registry(demo_registry))
    bodies = messages(svc)
    original = svc.db.leases.acquire
    at_lease = {"lse": threading.Event(), "cgsp": threading.Event()}
    go = {"lse": threading.Event(), "cgsp": threading.Event()}
    who = threading.local()

    def acquire(name: str, seconds: float, token: str | None = None) -> str | None:
        side = getattr(who, "side", None)
        if side and not at_lease[side].is_set():  # the first lease this ingest asks for
            at_lease[side].set()
            assert go[side].wait(60), f"{side} never let go"
        return original(name, seconds, token)

    svc.db.leases.acquire = acquire  # type: ignore[method-assign]  # a pause, not a fake: the real lease follows
    errors: list[BaseException] = []

    lse = ingest_in_thread(svc, who, "lse", bodies[LSE_SEED], errors)
    assert at_lease["lse"].wait(60), "the LSE ingest never reached its lease"
    cgsp = ingest_in_thread(svc, who, "cgsp", bodies[CGSP_SEED], errors)
    assert at_lease["cgsp"].wait(60), "the CGSP ingest never reached its lease"
    first, second = (lse, cgsp) if finishes_first == "lse" else (cgsp, lse)
    go[finishes_first].set()
    first.join(60)
    go["cgsp" if finishes_first == "lse" else "lse"].set()
    second.join(60)
    assert not errors, errors
    record = seed_record(svc)
    assert [p["partner"] for p in record["_syndicate"]["also_published_at"]] == ["lse-blogs"]
    assert len(svc.db.records.all()) == 1


def test_a_merge_ready_to_write_keeps_the_other_copy_out(make_services, demo_registry, site_server):
    """The same two plans as above, but the LSE copy's merge has taken its leases and re-read
    its state and is about to write when the CGSP copy's merge starts. The second must not
    write a record holding the LSE copy meanwhile (the copy's own lease refuses it), and
    after both, one record remains."""
    svc = make_services(load_registry(demo_registry))
    bodies = messages(svc)
    batches, acquire = svc.db.batch, svc.db.leases.acquire
    ready, go, refused = threading.Event(), threading.Event(), threading.Event()
    seen_batches: dict[str, int] = {}
    who = threading.local()

    def batch() -> Any:
        side = getattr(who, "side", "")
        seen_batches[side] = seen_batches.get(side, 0) + 1
        if side == "lse" and seen_batches[side] == 2:  # 1st: the copy's index entry; 2nd: the merge's writes
            ready.set()
            assert go.wait(60), "never let go"
        return batches()

    def try_lease(name: str, seconds: float, token: str | None = None) -> str | None:
        got = acquire(name, seconds, token)
        if got is None and getattr(who, "side", "") == "cgsp":
            refused.set()
        return got

    svc.db.batch = batch  # type: ignore[method-assign]  # pauses around the real calls, no fakes
    svc.db.leases.acquire = try_lease  # type: ignore[method-assign]
    errors: list[BaseException] = []

    lse = ingest_in_thread(svc, who, "lse", bodies[LSE_SEED], errors)
    assert ready.wait(60), "the LSE merge never got ready to write"
    cgsp = ingest_in_thread(svc, who, "cgsp", bodies[CGSP_SEED], errors)
    for _ in range(300):  # until the CGSP merge is refused a lease, or has (wrongly) finished
        if refused.wait(0.1) or not cgsp.is_alive():
            break
    go.set()
    lse.join(60)
    cgsp.join(60)
    assert not errors, errors
    record = seed_record(svc)
    assert [p["partner"] for p in record["_syndicate"]["also_published_at"]] == ["lse-blogs"]
    assert len(svc.db.records.all()) == 1
    assert refused.is_set(), "the CGSP merge was never refused a lease the LSE merge held"
