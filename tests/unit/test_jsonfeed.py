"""Records -> JSON Feed pages: order, pagination, next_url chain covers every item once."""

import json

from syndicate.publish.jsonfeed import build_feed_pages


def item(i, date):
    return {"id": f"id{i}", "url": f"https://x/{i}", "summary": "s", "content_text": "t", "date_published": date}


def test_pages_newest_first_with_next_url_chain():
    items = [item(i, f"2022-01-{i + 1:02d}T00:00:00Z") for i in range(5)] + [item(9, None)]
    pages = build_feed_pages(items, title="t", first_key="feed.json", base_url="https://f.example/", page_size=2)
    assert len(pages) == 3 and list(pages)[-1] == "feed.json", "the pointer comes last"
    assert all(k.startswith("feed/p") for k in list(pages)[:-1])
    seen, key = [], "feed.json"
    while key:
        doc = json.loads(pages[key])
        assert doc["version"] == "https://jsonfeed.org/version/1.1"
        assert doc["feed_url"] == "https://f.example/feed.json"
        seen += [i["id"] for i in doc["items"]]
        key = doc.get("next_url", "").removeprefix("https://f.example/") or None
    assert seen == ["id4", "id3", "id2", "id1", "id0", "id9"]


def test_empty_feed_is_one_valid_page():
    pages = build_feed_pages([], title="t", first_key="feeds/cgsp.json", base_url="https://f/", page_size=10)
    assert list(pages) == ["feeds/cgsp.json"]
    doc = json.loads(pages["feeds/cgsp.json"])
    assert doc["items"] == [] and "next_url" not in doc


def test_pages_are_content_addressed():
    items = [item(i, f"2022-01-{i + 1:02d}T00:00:00Z") for i in range(5)]
    args = {"title": "t", "first_key": "feed.json", "base_url": "https://f/", "page_size": 2}
    same = build_feed_pages(list(reversed(items)), **args)
    assert build_feed_pages(items, **args) == same, "same items, same keys and bytes"
    changed = build_feed_pages([*items, item(7, "2022-01-03T12:00:00Z")], **args)
    old_tail = set(same) - {"feed.json"}
    new_tail = set(changed) - {"feed.json"}
    assert old_tail.isdisjoint(new_tail), "a changed page gets a new key, old readers keep theirs"
