"""One behaviour suite for the three ports, run against every adapter.

"local" is a folder and SQLite in tmp_path; "aws" is S3, DynamoDB and SQS on moto's server
over HTTP (see tests/fixtures/moto.py). A behaviour the pipeline relies on belongs in the
shared part; the few tests that only make sense for one backend say so in their name.
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import os
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from syndicate.adapters import MAX_ITEM_BYTES
from syndicate.adapters.aws import DynamoStateStore, S3ObjectStore, SqsQueue, create_resources
from syndicate.adapters.local import LocalObjectStore, SqliteQueue, SqliteStateStore
from syndicate.ports import UNCHANGED, ObjectMeta, ObjectStore, Queue, QueueMessage, StateStore, StorageError

VISIBILITY_S = 1  # short visibility timeout for the redelivery tests, on both backends

# ---------------------------------------------------------------------------- fixtures


@pytest.fixture(params=["local", "aws", "aws-prefixed"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> ObjectStore:
    if request.param == "local":
        return LocalObjectStore(tmp_path / "bucket")
    res = request.getfixturevalue("aws_resources")
    prefix = "tenant/one" if request.param == "aws-prefixed" else ""
    return S3ObjectStore(res.bucket, prefix=prefix, client=res.client("s3"))


@pytest.fixture(params=["local", "aws"])
def queue(request: pytest.FixtureRequest, tmp_path: Path) -> SqliteQueue | SqsQueue:
    """A queue whose messages reappear VISIBILITY_S seconds after an undeleted receive."""
    if request.param == "local":
        return SqliteQueue(tmp_path / "queue.sqlite", visibility_timeout=VISIBILITY_S)
    res = request.getfixturevalue("aws_resources")
    sqs = res.client("sqs")
    sqs.set_queue_attributes(QueueUrl=res.article_queue_url, Attributes={"VisibilityTimeout": str(VISIBILITY_S)})
    return SqsQueue(res.article_queue_url, client=sqs, wait_seconds=0)


def receive_all(queue: Queue, expected: int, timeout_s: float = 5.0) -> list[QueueMessage]:
    """Receive until `expected` messages arrived (SQS may hand them out a few at a time)."""
    got: list[QueueMessage] = []
    deadline = time.monotonic() + timeout_s
    while len(got) < expected and time.monotonic() < deadline:
        got.extend(queue.receive(10))
    return got


# ------------------------------------------------------------------------ object store


def test_object_get_missing_is_none(store: ObjectStore) -> None:
    assert store.get("feeds/nothing-here.json") is None


def test_object_put_get_round_trips_binary_and_empty_bodies(store: ObjectStore) -> None:
    binary = bytes(range(256)) * 3 + "é中🚀".encode()
    store.put("blobs/all-bytes.bin", binary, content_type="application/octet-stream")
    store.put("blobs/empty", b"")
    assert store.get("blobs/all-bytes.bin") == binary
    assert store.get("blobs/empty") == b""


def test_object_put_overwrites_whole_object(store: ObjectStore) -> None:
    store.put("feed.json", b'{"version": 1, "items": ["a", "b", "c"]}')
    store.put("feed.json", b"{}")
    assert store.get("feed.json") == b"{}"
    assert store.list_keys() == ["feed.json"]


def test_object_list_keys_by_prefix_sorted(store: ObjectStore) -> None:
    keys = [
        "public/feeds/z.json",
        "public/feeds/é.json",
        "public/feeds/a.json",
        "public/feeds/b/c.json",
        "public/feedsx.json",
        "public/feed.json",
        "config/partners.yaml",
    ]
    for key in keys:
        store.put(key, key.encode())
    # Plain string prefixes, as in S3, sorted by code point (= UTF-8 byte order).
    assert store.list_keys("public/feeds/") == [
        "public/feeds/a.json",
        "public/feeds/b/c.json",
        "public/feeds/z.json",
        "public/feeds/é.json",
    ]
    assert store.list_keys("public/feeds") == [
        "public/feeds/a.json",
        "public/feeds/b/c.json",
        "public/feeds/z.json",
        "public/feeds/é.json",
        "public/feedsx.json",
    ]
    assert store.list_keys("public/feeds/b") == ["public/feeds/b/c.json"]
    assert store.list_keys("public/f") == sorted(k for k in keys if k.startswith("public/f"))
    assert store.list_keys() == sorted(keys)
    assert store.list_keys("nothing/") == []
    assert all(store.get(k) == k.encode() for k in keys)


def test_object_conditional_writes(store: ObjectStore) -> None:
    from syndicate.ports import PreconditionFailed

    store.put("feed.json", b"v1", if_none_match=True)
    with pytest.raises(PreconditionFailed):
        store.put("feed.json", b"other", if_none_match=True)
    got = store.get_with_etag("feed.json")
    assert got is not None
    body, etag = got
    assert body == b"v1" and etag.strip('"')
    store.put("feed.json", b"v2", if_match=etag)
    with pytest.raises(PreconditionFailed):  # the etag read before v2 is stale now
        store.put("feed.json", b"lost update", if_match=etag)
    assert store.get("feed.json") == b"v2"
    with pytest.raises(PreconditionFailed):
        store.put("missing.json", b"x", if_match=etag)
    assert store.get("missing.json") is None
    assert store.get_with_etag("missing.json") is None


def test_object_get_if_changed_is_a_conditional_get(store: ObjectStore) -> None:
    assert store.get_if_changed("config/partners.yaml", None) is None
    assert store.get_if_changed("config/partners.yaml", '"0123456789abcdef0123456789abcdef"') is None
    store.put("config/partners.yaml", b"v1", content_type="application/yaml")
    first = store.get_if_changed("config/partners.yaml", None)  # no copy yet: always fetched
    assert first == store.get_with_etag("config/partners.yaml")
    assert isinstance(first, tuple) and first[0] == b"v1"
    etag = first[1]
    assert store.get_if_changed("config/partners.yaml", etag) is UNCHANGED
    assert store.get_if_changed("config/partners.yaml", etag) is UNCHANGED  # asking again changes nothing
    assert store.get_if_changed("config/partners.yaml", '"stale"') == (b"v1", etag)
    store.put("config/partners.yaml", b"v2")
    changed = store.get_if_changed("config/partners.yaml", etag)
    assert isinstance(changed, tuple) and changed[0] == b"v2" and changed[1] != etag
    assert store.get_if_changed("config/partners.yaml", changed[1]) is UNCHANGED
    store.delete("config/partners.yaml")
    assert store.get_if_changed("config/partners.yaml", changed[1]) is None


def test_object_etags_agree_between_backends(store: ObjectStore) -> None:
    store.put("a.json", b"same bytes")
    got = store.get_with_etag("a.json")
    import hashlib

    assert got is not None and got[1].strip('"') == hashlib.md5(b"same bytes").hexdigest()


def test_object_delete_removes_and_missing_delete_is_fine(store: ObjectStore) -> None:
    store.put("records/a.json", b"a")
    store.put("records/b.json", b"b")
    store.delete("records/a.json")
    store.delete("records/a.json")
    store.delete("never/existed.json")
    assert store.get("records/a.json") is None
    assert store.list_keys("records/") == ["records/b.json"]


def test_object_folder_like_key_is_not_an_object(store: ObjectStore) -> None:
    store.put("search/manifest.json", b"{}")
    assert store.get("search") is None
    store.delete("search")  # nothing to delete; the object below must survive
    assert store.get("search/manifest.json") == b"{}"


@pytest.mark.parametrize("key", ["", "/etc/passwd", "../outside", "a/../../outside", "a//b", "./a", "a\\b", "a/.."])
def test_object_bad_keys_refused(store: ObjectStore, key: str) -> None:
    with pytest.raises(ValueError):
        store.put(key, b"x")
    with pytest.raises(ValueError):
        store.get(key)
    with pytest.raises(ValueError):
        store.delete(key)
    assert store.list_keys() == []


def test_local_store_writes_nothing_outside_root_and_leaves_no_temp_files(tmp_path: Path) -> None:
    store = LocalObjectStore(tmp_path / "bucket")
    with pytest.raises(ValueError):
        store.put("../escaped", b"x")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "bucket" / "link").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(ValueError, match="escapes"):
        store.put("link/x.json", b"x")
    assert not (tmp_path / "escaped").exists()
    assert list((tmp_path / "elsewhere").iterdir()) == []

    store.put("public/feed.json", b"{}")
    files = sorted(p.relative_to(tmp_path / "bucket").as_posix() for p in (tmp_path / "bucket").rglob("*"))
    assert files == ["link", "public", "public/feed.json"]
    assert (tmp_path / "bucket" / "public" / "feed.json").stat().st_mode & 0o777 == 0o644


def test_local_store_readers_never_see_a_partial_object(tmp_path: Path) -> None:
    store = LocalObjectStore(tmp_path)
    bodies = [bytes([i]) * 2_000_000 for i in range(1, 4)]
    store.put("big.bin", bodies[0])
    stop = threading.Event()
    seen: set[bytes] = set()

    def read() -> None:
        while not stop.is_set():
            body = store.get("big.bin")
            assert body is not None
            seen.add(body[:1] + body[-1:] + len(body).to_bytes(4, "big"))

    reader = threading.Thread(target=read)
    reader.start()
    for _ in range(5):
        for body in bodies:
            store.put("big.bin", body)
    stop.set()
    reader.join()
    whole = {b[:1] + b[-1:] + len(b).to_bytes(4, "big") for b in bodies}
    assert seen and seen <= whole


def test_s3_stores_content_type_and_prefix_isolates(aws_resources: Any) -> None:
    s3 = aws_resources.client("s3")
    inside = S3ObjectStore(aws_resources.bucket, prefix="public", client=s3)
    outside = S3ObjectStore(aws_resources.bucket, client=s3)
    inside.put("feed.json", b"{}", content_type="application/feed+json")
    outside.put("config/partners.yaml", b"partners: []", content_type="application/yaml")
    head = s3.head_object(Bucket=aws_resources.bucket, Key="public/feed.json")
    assert head["ContentType"] == "application/feed+json"
    assert inside.list_keys() == ["feed.json"]
    assert outside.list_keys() == ["config/partners.yaml", "public/feed.json"]


# ------------------------------------------------------------------------- state store


def test_state_get_missing_is_none(state: StateStore) -> None:
    assert state.get("feed#lse", "health") is None


def test_state_put_get_overwrite(state: StateStore) -> None:
    state.put("feed#lse", "health", {"status": 200, "failures": 0})
    assert state.get("feed#lse", "health") == {"status": 200, "failures": 0}
    state.put("feed#lse", "health", {"status": 503})
    assert state.get("feed#lse", "health") == {"status": 503}


def test_state_put_if_absent_creates_once(state: StateStore) -> None:
    assert state.put_if_absent("seen", "https://example.org/a", {"first": True}) is True
    assert state.put_if_absent("seen", "https://example.org/a", {"first": False}) is False
    assert state.get("seen", "https://example.org/a") == {"first": True}
    # A different sort key in the same partition is a different item.
    assert state.put_if_absent("seen", "https://example.org/b", {"first": True}) is True


def test_state_delete(state: StateStore) -> None:
    state.put("pending", "r1", {"x": 1})
    state.put("pending", "r2", {"x": 2})
    state.delete("pending", "r1")
    state.delete("pending", "r1")
    state.delete("pending", "never")
    assert state.get("pending", "r1") is None
    assert state.query("pending") == [("r2", {"x": 2})]
    assert state.put_if_absent("pending", "r1", {"x": 3}) is True


def test_state_query_sorted_by_sk_and_isolated_per_partition(state: StateStore) -> None:
    sort_keys = ["b9", "é", "a", "B", "b10", "z", "a#2", "A"]
    for i, sk in enumerate(sort_keys):
        state.put("feed", sk, {"i": i})
    state.put("feed2", "a", {"other": True})
    state.put("fee", "a", {"other": True})
    state.put("FEED", "a", {"other": True})
    result = state.query("feed")
    # Byte order (code point order): uppercase before lowercase, 'b10' before 'b9', 'é' last.
    assert [sk for sk, _ in result] == ["A", "B", "a", "a#2", "b10", "b9", "z", "é"]
    assert dict(result) == {sk: {"i": i} for i, sk in enumerate(sort_keys)}
    assert state.query("feed2") == [("a", {"other": True})]
    assert state.query("nobody") == []


def test_state_unicode_and_nested_json_round_trip(state: StateStore) -> None:
    data: dict[str, Any] = {
        "title": "Ünïcødé — 中文 — عربى — 🚀",
        "nested": {"list": [1, 2.5, None, True, False, {"deep": [[], {}]}], "empty": {}},
        "big": 2**53 + 1,
        "small": -0.1,
        "quote": 'she said "hi"\n\tand left\\',
        "ключ": "значение",
    }
    state.put("partner#中文", "entry#🚀", data)
    assert state.get("partner#中文", "entry#🚀") == data
    assert state.query("partner#中文") == [("entry#🚀", data)]


def test_state_large_partition_is_returned_whole(state: StateStore, request: pytest.FixtureRequest) -> None:
    """40 items of 30 KB: 1.2 MB, past DynamoDB's 1 MB query page, so the store must paginate."""
    filler = "x" * 30_000
    for i in range(40):
        state.put("big", f"item{i:03d}", {"i": i, "filler": filler})
    result = state.query("big")
    assert [sk for sk, _ in result] == [f"item{i:03d}" for i in range(40)]
    assert all(item == {"i": i, "filler": filler} for i, (_, item) in enumerate(result))
    if isinstance(state, DynamoStateStore):
        # Prove the test exercises pagination: one raw Query does not return everything.
        first = state.client.query(
            TableName=state.table_name,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": "big"}},
        )
        assert "LastEvaluatedKey" in first and len(first["Items"]) < 40


def test_state_oversized_item_refused(state: StateStore) -> None:
    with pytest.raises(StorageError):
        state.put("big", "too-big", {"filler": "x" * MAX_ITEM_BYTES})
    assert state.get("big", "too-big") is None


@pytest.mark.parametrize(("pk", "sk"), [("", "a"), ("a", "")])
def test_state_empty_keys_refused(state: StateStore, pk: str, sk: str) -> None:
    with pytest.raises(ValueError):
        state.put(pk, sk, {})
    with pytest.raises(ValueError):
        state.get(pk, sk)


def test_state_non_json_values_refused(state: StateStore) -> None:
    with pytest.raises(ValueError):
        state.put("p", "nan", {"x": float("nan")})
    with pytest.raises(TypeError):
        state.put("p", "set", {"x": {1, 2}})
    assert state.query("p") == []


# ---------------------------------------------------------------------------- state sets


def test_state_sets_add_remove_get(state: StateStore) -> None:
    state.add_to_set("lsh#b00#ab", "ids", "doc-1")
    state.add_to_set("lsh#b00#ab", "ids", "doc-2")
    state.add_to_set("lsh#b00#ab", "ids", "doc-1")  # idempotent
    state.add_to_set("lsh#b01#cd", "ids", "doc-3")
    state.add_to_set("lsh#b00#ab", "other", "doc-9")  # another sort key is another set
    keys = [("lsh#b00#ab", "ids"), ("lsh#b01#cd", "ids"), ("never", "ids")]
    assert state.get_sets(keys) == {
        ("lsh#b00#ab", "ids"): {"doc-1", "doc-2"},
        ("lsh#b01#cd", "ids"): {"doc-3"},
        ("never", "ids"): set(),  # every requested key is present; missing means empty
    }
    state.remove_from_set("lsh#b00#ab", "ids", "doc-1")
    state.remove_from_set("lsh#b00#ab", "ids", "doc-1")  # already gone: fine
    state.remove_from_set("lsh#b01#cd", "ids", "doc-3")  # empties the set
    state.remove_from_set("never", "ids", "doc-3")  # no such set: fine, and nothing is created
    assert state.get_sets(keys) == {
        ("lsh#b00#ab", "ids"): {"doc-2"},
        ("lsh#b01#cd", "ids"): set(),
        ("never", "ids"): set(),
    }
    state.add_to_set("lsh#b01#cd", "ids", "doc-4")  # an emptied set can grow again
    assert state.get_sets([("lsh#b01#cd", "ids")]) == {("lsh#b01#cd", "ids"): {"doc-4"}}
    assert state.get_sets([]) == {}


def test_state_sets_are_invisible_to_get_and_query(state: StateStore) -> None:
    """JSON items and sets do not mix: `get`/`query` never return a set (nor choke on one)."""
    state.put("p", "item", {"x": 1})
    state.add_to_set("p", "set", "member")
    state.add_to_set("q", "set", "member")
    assert state.query("p") == [("item", {"x": 1})]
    assert state.get("p", "set") is None and state.get("q", "set") is None
    assert state.get_sets([("p", "set")]) == {("p", "set"): {"member"}}


def test_state_get_sets_many_keys_duplicates_and_unicode(state: StateStore) -> None:
    """250 keys: past one BatchGetItem's 100-key limit, with a key repeated and non-ASCII ids."""
    keys = [(f"bucket#{i:03d}", "ids") for i in range(250)]
    for i, (pk, sk) in enumerate(keys):
        if i % 3 == 0:
            state.add_to_set(pk, sk, f"doc-{i}")
            state.add_to_set(pk, sk, f"dóc-🚀-{i}")
    result = state.get_sets(keys + keys[:5])
    assert set(result) == set(keys)
    for i, key in enumerate(keys):
        assert result[key] == ({f"doc-{i}", f"dóc-🚀-{i}"} if i % 3 == 0 else set())


def test_state_sets_refuse_empty_members_and_keys(state: StateStore) -> None:
    with pytest.raises(ValueError):
        state.add_to_set("p", "s", "")
    with pytest.raises(ValueError):
        state.add_to_set("", "s", "m")
    with pytest.raises(ValueError):
        state.remove_from_set("p", "", "m")
    with pytest.raises(ValueError):
        state.get_sets([("p", "")])


# ---------------------------------------------------------------------------- state batches


def test_state_batch_applies_its_writes_together_at_the_end(state: StateStore) -> None:
    """One article's writes in one batch: 150 of them (past one TransactWriteItems' 100),
    items, deletes, set adds and removals, a key written twice; none visible until the end."""
    state.put("copy", "gone", {"v": 0})
    state.add_to_set("lsh#b00#old", "ids", "doc-1")
    state.add_to_set("lsh#b00#old", "ids", "doc-2")
    bands = [(f"lsh#b{i % 32:02d}#{i:03d}", "ids") for i in range(120)]
    with state.batch():
        for pk, sk in bands:
            state.add_to_set(pk, sk, "doc-1")
        for i in range(25):
            state.put("record", f"r{i:02d}", {"i": i, "text": "ünïcode 🚀"})
        state.put("record", "r00", {"i": "again"})  # a second write to one key: the last one wins
        state.delete("copy", "gone")
        state.remove_from_set("lsh#b00#old", "ids", "doc-1")
        state.remove_from_set("never", "ids", "doc-1")  # no such set: fine, as outside a batch
        # reads inside the block see the table as it was before it, on every backend
        assert state.get("record", "r01") is None
        assert state.get("copy", "gone") == {"v": 0}
        assert state.get_sets([bands[0]]) == {bands[0]: set()}
    assert state.get("record", "r00") == {"i": "again"}
    assert [sk for sk, _ in state.query("record")] == [f"r{i:02d}" for i in range(25)]
    assert state.get("record", "r24") == {"i": 24, "text": "ünïcode 🚀"}
    assert state.get("copy", "gone") is None
    sets = state.get_sets([*bands, ("lsh#b00#old", "ids"), ("never", "ids")])
    assert all(sets[key] == {"doc-1"} for key in bands)
    assert sets[("lsh#b00#old", "ids")] == {"doc-2"} and sets[("never", "ids")] == set()


def test_state_batch_that_raises_writes_nothing(state: StateStore) -> None:
    state.put("p", "kept", {"v": 1})
    with pytest.raises(RuntimeError, match="midway"), state.batch():
        state.put("p", "new", {"v": 2})
        state.delete("p", "kept")
        state.add_to_set("s", "ids", "doc-1")
        raise RuntimeError("midway")
    assert state.query("p") == [("kept", {"v": 1})]
    assert state.get_sets([("s", "ids")]) == {("s", "ids"): set()}
    state.put("p", "after", {"v": 3})  # the batch is over: writes go straight through again
    assert state.get("p", "after") == {"v": 3}


def test_state_batch_nested_joins_and_bad_items_fail_where_written(state: StateStore) -> None:
    with state.batch():
        state.put("p", "outer", {"v": 1})
        with state.batch():
            state.put("p", "inner", {"v": 2})
        assert state.get("p", "inner") is None  # the inner block's end applies nothing yet
        with pytest.raises(StorageError):
            state.put("p", "huge", {"blob": "x" * (MAX_ITEM_BYTES + 1)})
        with pytest.raises(ValueError):
            state.add_to_set("p", "s", "")
    assert state.query("p") == [("inner", {"v": 2}), ("outer", {"v": 1})]


def test_state_batch_is_per_thread(state: StateStore) -> None:
    """Another thread's writes are not swept into this thread's batch."""
    with state.batch():
        state.put("p", "mine", {"v": 1})
        worker = threading.Thread(target=state.put, args=("p", "theirs", {"v": 2}))
        worker.start()
        worker.join()
        assert state.get("p", "theirs") == {"v": 2} and state.get("p", "mine") is None
    assert state.get("p", "mine") == {"v": 1}


def test_local_state_set_over_the_item_limit_refused(tmp_path: Path) -> None:
    """A set is one DynamoDB item, which DynamoDB refuses to grow past 400 KB (UpdateItem fails
    with ValidationException, surfacing as StorageError). moto does not enforce that limit on
    UpdateItem, so only the local half of the parity is tested: SQLite refuses the same add."""
    state = SqliteStateStore(tmp_path / "state.sqlite")
    big = "x" * 100_000
    for i in range(3):
        state.add_to_set("big", "ids", f"{i}{big}")
    with pytest.raises(StorageError):
        state.add_to_set("big", "ids", f"3{big}{big}")
    assert len(state.get_sets([("big", "ids")])[("big", "ids")]) == 3


def test_local_state_batched_set_adds_check_each_changed_set(tmp_path: Path) -> None:
    """A batch's set additions are checked together (one grouped size query): the set that
    would pass the limit is refused, the whole batch with it, and re-adding a member of a set
    already at its size changes nothing, so it is not refused."""
    state = SqliteStateStore(tmp_path / "state.sqlite")
    big = "x" * 100_000
    for i in range(3):
        state.add_to_set("big", "ids", f"{i}{big}")
    with pytest.raises(StorageError, match="'big', 'ids'"), state.batch():
        for band in range(40):
            state.add_to_set("lsh", f"band-{band}", "doc-1")
        state.add_to_set("big", "ids", f"3{big}{big}")
    assert state.get_sets([("lsh", "band-0")])[("lsh", "band-0")] == set()
    with state.batch():
        state.add_to_set("big", "ids", f"0{big}")  # already there
        for band in range(40):
            state.add_to_set("lsh", f"band-{band}", "doc-1")
    sets = state.get_sets([("big", "ids"), ("lsh", "band-39")])
    assert len(sets[("big", "ids")]) == 3 and sets[("lsh", "band-39")] == {"doc-1"}


def _race_add_to_set(args: tuple[str, int]) -> None:
    path, worker = args
    store = SqliteStateStore(path)
    for i in range(50):
        store.add_to_set("race", "ids", f"w{worker}-{i}")
        store.add_to_set("race", "ids", f"shared-{i}")


def test_state_concurrent_set_adds_lose_nothing(state: StateStore, tmp_path: Path) -> None:
    """Adders racing on one set (threads here; processes for SQLite below) keep every member.

    On DynamoDB each add must also be exactly one UpdateItem with an ADD action: a read
    followed by a write would lose members to concurrent adders, however rarely the race
    happens to show in a run (moto's server is made to apply each request atomically, as
    DynamoDB does: tests/fixtures/moto.py)."""
    requests: list[tuple[str, str]] = []
    if isinstance(state, DynamoStateStore):

        def record(model: Any, params: dict[str, Any], **_: Any) -> None:
            requests.append((model.name, params.get("UpdateExpression", "")))

        state.client.meta.events.register("before-parameter-build.dynamodb", record)

    def add(worker: int) -> None:
        for i in range(25):
            state.add_to_set("race", "ids", f"w{worker}-{i}")
            state.add_to_set("race", "ids", f"shared-{i}")

    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(add, range(4)))
    if isinstance(state, DynamoStateStore):
        assert requests == [("UpdateItem", "ADD #m :v")] * 200
    expected = {f"w{w}-{i}" for w in range(4) for i in range(25)} | {f"shared-{i}" for i in range(25)}
    assert state.get_sets([("race", "ids")])[("race", "ids")] == expected


def test_local_state_set_adds_are_atomic_across_processes(tmp_path: Path) -> None:
    path = str(tmp_path / "state.sqlite")
    SqliteStateStore(path)  # create the schema before the race
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(4) as pool:
        pool.map(_race_add_to_set, [(path, w) for w in range(4)])
    members = SqliteStateStore(path).get_sets([("race", "ids")])[("race", "ids")]
    assert members == {f"w{w}-{i}" for w in range(4) for i in range(50)} | {f"shared-{i}" for i in range(50)}


def test_dynamo_get_sets_retries_unprocessed_keys(aws_resources: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """DynamoDB may leave keys unprocessed (throttling): they are asked for again, and a store
    that never gets them says so instead of returning a silently incomplete answer."""
    client = aws_resources.client("dynamodb")
    state = DynamoStateStore(aws_resources.table, client=client)
    keys = [(f"b#{i}", "ids") for i in range(10)]
    for pk, sk in keys:
        state.add_to_set(pk, sk, f"doc-{pk}")
    real = client.batch_get_item
    calls: list[int] = []

    def throttled(RequestItems: dict[str, Any]) -> dict[str, Any]:  # boto3's parameter name
        asked = RequestItems[aws_resources.table]["Keys"]
        calls.append(len(asked))
        served, held = asked[:3], asked[3:]  # serve three keys per call, leave the rest
        response = real(RequestItems={aws_resources.table: {**RequestItems[aws_resources.table], "Keys": served}})
        if held:
            response["UnprocessedKeys"] = {aws_resources.table: {"Keys": held}}
        return dict(response)

    monkeypatch.setattr(client, "batch_get_item", throttled)
    monkeypatch.setattr("syndicate.adapters.aws._BATCH_GET_BACKOFF_S", 0.001)
    assert state.get_sets(keys) == {(pk, sk): {f"doc-{pk}"} for pk, sk in keys}
    assert calls == [10, 7, 4, 1]

    def never(RequestItems: dict[str, Any]) -> dict[str, Any]:
        return {"Responses": {}, "UnprocessedKeys": RequestItems}

    monkeypatch.setattr(client, "batch_get_item", never)
    with pytest.raises(StorageError, match="unprocessed"):
        state.get_sets(keys)


_FORKED_STORE: SqliteStateStore | None = None


def _race_put_if_absent(worker: int) -> tuple[list[str], bool]:
    # Uses the store object the parent created and used before forking. SQLite forbids using
    # an inherited connection in the child, so the adapter must have opened its own (SQLite
    # would often not complain, hence the explicit check of whose connection was used).
    assert _FORKED_STORE is not None
    won = [f"k{i}" for i in range(30) if _FORKED_STORE.put_if_absent("race", f"k{i}", {"worker": worker})]
    return won, _FORKED_STORE._local.pid == os.getpid()


def test_local_state_put_if_absent_is_atomic_across_processes(tmp_path: Path) -> None:
    global _FORKED_STORE
    _FORKED_STORE = SqliteStateStore(tmp_path / "state.sqlite")
    assert _FORKED_STORE.get("race", "k0") is None  # the parent's connection is open before fork
    try:
        ctx = multiprocessing.get_context("fork")
        with concurrent.futures.ProcessPoolExecutor(4, mp_context=ctx) as pool:
            results = list(pool.map(_race_put_if_absent, range(4)))
    finally:
        _FORKED_STORE = None
    assert all(own_connection for _, own_connection in results)
    wins = [keys for keys, _ in results]
    won = sorted(k for keys in wins for k in keys)
    assert won == sorted(f"k{i}" for i in range(30))  # every key created exactly once
    store = SqliteStateStore(tmp_path / "state.sqlite")
    for worker, keys in enumerate(wins):
        assert all(store.get("race", k) == {"worker": worker} for k in keys)


def test_local_state_and_queue_shared_between_threads(tmp_path: Path) -> None:
    state = SqliteStateStore(tmp_path / "shared.sqlite")
    queue = SqliteQueue(tmp_path / "shared.sqlite", visibility_timeout=60)
    queue.send([f"m{i}" for i in range(100)])

    def work(_: int) -> list[str]:
        bodies = []
        for _round in range(100):
            batch = queue.receive(2)
            if not batch:
                break
            for m in batch:
                state.put_if_absent("seen", m.body, {})
                queue.delete(m.receipt)
                bodies.append(m.body)
        return bodies

    with concurrent.futures.ThreadPoolExecutor(6) as pool:
        results = list(pool.map(work, range(6)))
    assert sorted(b for r in results for b in r) == sorted(f"m{i}" for i in range(100))
    assert len(state.query("seen")) == 100
    assert queue.approximate_count() == 0


# ------------------------------------------------------------------------------- queue


def test_queue_send_receive_delete(queue: SqliteQueue | SqsQueue) -> None:
    queue.send(["alpha", "beta", '{"url": "https://example.org/é"}'])
    got = receive_all(queue, 3)
    assert sorted(m.body for m in got) == sorted(["alpha", "beta", '{"url": "https://example.org/é"}'])
    assert all(m.receive_count == 1 for m in got)
    assert len({m.message_id for m in got}) == 3
    assert len({m.receipt for m in got}) == 3
    assert queue.receive(10) == []  # all in flight
    for m in got:
        queue.delete(m.receipt)
    assert queue.approximate_count() == 0


def test_queue_redelivers_undeleted_message_after_visibility_timeout(queue: SqliteQueue | SqsQueue) -> None:
    queue.send(["only once, at least"])
    (first,) = receive_all(queue, 1)
    assert first.receive_count == 1
    assert queue.receive(10) == []  # hidden while in flight
    time.sleep(VISIBILITY_S + 0.2)
    (second,) = receive_all(queue, 1)
    assert second.message_id == first.message_id
    assert second.body == first.body
    assert second.receive_count == 2
    assert second.receipt != first.receipt
    queue.delete(second.receipt)
    assert queue.approximate_count() == 0


def test_queue_send_more_than_one_batch(queue: SqliteQueue | SqsQueue) -> None:
    # 25 bodies: more than 10 entries, and three 100 KB bodies so one batch would exceed 256 KiB.
    bodies = [f"message {i} — ü" for i in range(22)] + [f"{i}" * 100_000 for i in range(3)]
    queue.send(bodies)
    got = receive_all(queue, len(bodies))
    assert sorted(m.body for m in got) == sorted(bodies)
    for m in got:
        queue.delete(m.receipt)
    assert queue.approximate_count() == 0


def test_queue_send_nothing_and_receive_limits(queue: SqliteQueue | SqsQueue) -> None:
    queue.send([])
    assert queue.receive(10) == []
    queue.send([f"m{i}" for i in range(5)])
    assert queue.receive(0) == []
    assert 1 <= len(queue.receive(2)) <= 2


def test_local_queue_stale_receipt_does_not_delete(tmp_path: Path) -> None:
    now = [1000.0]
    queue = SqliteQueue(tmp_path / "q.sqlite", visibility_timeout=30, clock=lambda: now[0])
    queue.send(["slow consumer"])
    (first,) = queue.receive()
    now[0] += 31
    (second,) = queue.receive()
    assert second.receive_count == 2
    queue.delete(first.receipt)  # stale: the message now belongs to the second delivery
    assert queue.approximate_count() == 1
    now[0] += 31
    (third,) = queue.receive()
    assert (third.message_id, third.receive_count) == (first.message_id, 3)
    queue.delete(third.receipt)
    assert queue.approximate_count() == 0
    queue.delete("no-such-receipt")


def test_local_queues_sharing_a_file_are_separate(tmp_path: Path) -> None:
    path = tmp_path / "local.sqlite"
    articles = SqliteQueue(path, "articles")
    publish = SqliteQueue(path, "publish")
    SqliteStateStore(path).put("p", "s", {"shared": "file"})
    articles.send(["a1", "a2"])
    publish.send(["p1"])
    assert [m.body for m in publish.receive()] == ["p1"]
    got = articles.receive()
    assert [m.body for m in got] == ["a1", "a2"]
    publish.delete(got[0].receipt)  # another queue's receipt deletes nothing here
    assert articles.approximate_count() == 2
    assert SqliteStateStore(path).get("p", "s") == {"shared": "file"}


def _receive_some(path: str) -> list[str]:
    queue = SqliteQueue(Path(path), visibility_timeout=60)
    bodies: list[str] = []
    # Bounded, so a queue that fails to hide messages fails the test instead of hanging it.
    for _ in range(100):
        batch = queue.receive(3)
        if not batch:
            break
        bodies.extend(m.body for m in batch)
    return bodies


def test_local_queue_concurrent_consumers_never_share_a_message(tmp_path: Path) -> None:
    path = str(tmp_path / "q.sqlite")
    SqliteQueue(Path(path)).send([f"m{i}" for i in range(200)])
    ctx = multiprocessing.get_context("fork")
    with concurrent.futures.ProcessPoolExecutor(4, mp_context=ctx) as pool:
        results = list(pool.map(_receive_some, [path] * 4))
    everything = [b for bodies in results for b in bodies]
    assert sorted(everything) == sorted(f"m{i}" for i in range(200))


# --------------------------------------------------------------- AWS-specific behaviour


def test_aws_errors_name_the_resource(aws_resources: Any) -> None:
    missing = f"missing-{uuid.uuid4().hex[:8]}"
    with pytest.raises(StorageError, match=missing) as s3_error:
        S3ObjectStore(missing, client=aws_resources.client("s3")).put("a.json", b"{}")
    assert s3_error.value.code == "NoSuchBucket"
    with pytest.raises(StorageError, match=missing):
        DynamoStateStore(missing, client=aws_resources.client("dynamodb")).get("p", "s")
    url = aws_resources.article_queue_url.rsplit("/", 1)[0] + "/" + missing
    with pytest.raises(StorageError, match=missing):
        SqsQueue(url, client=aws_resources.client("sqs"), wait_seconds=0).send(["x"])


def test_sqs_failed_batch_entry_raises(aws_resources: Any) -> None:
    class RefusingClient:
        def send_message_batch(self, QueueUrl: str, Entries: list[dict[str, str]]) -> dict[str, Any]:
            return {
                "Successful": [{"Id": e["Id"]} for e in Entries[1:]],
                "Failed": [{"Id": Entries[0]["Id"], "Code": "InvalidMessageContents", "Message": "bad"}],
            }

    queue = SqsQueue(aws_resources.article_queue_url, client=RefusingClient())
    with pytest.raises(StorageError, match="InvalidMessageContents") as error:
        queue.send(["a", "b"])
    assert aws_resources.article_queue_url in str(error.value)


def test_sqs_send_splits_batches_by_count_and_size(aws_resources: Any) -> None:
    """At most 10 entries and 256 KiB per SendMessageBatch (moto allows more than AWS once did)."""
    batches: list[list[str]] = []

    class RecordingClient:
        def send_message_batch(self, QueueUrl: str, Entries: list[dict[str, str]]) -> dict[str, Any]:
            batches.append([e["MessageBody"] for e in Entries])
            return {"Successful": [{"Id": e["Id"]} for e in Entries], "Failed": []}

    bodies = ["s"] * 13 + ["L" * 100_000] * 5 + ["t"] * 3
    SqsQueue(aws_resources.article_queue_url, client=RecordingClient()).send(bodies)
    assert [b for batch in batches for b in batch] == bodies
    assert all(len(batch) <= 10 for batch in batches)
    assert all(sum(len(b.encode()) for b in batch) <= 256 * 1024 for batch in batches)
    assert len(batches) == 4  # [10 small], [3 small + 2 large], [2 large], [1 large + 3 small]


def test_create_resources_is_idempotent_and_applies_queue_attributes(aws_resources: Any) -> None:
    names = [url.rsplit("/", 1)[1] for url in aws_resources.queue_urls.values()]
    urls = create_resources(
        aws_resources.bucket,
        aws_resources.table,
        names,
        endpoint_url=aws_resources.endpoint,
        queue_attributes={"VisibilityTimeout": "7"},
    )
    assert sorted(urls.values()) == sorted(aws_resources.queue_urls.values())
    sqs = aws_resources.client("sqs")
    for url in urls.values():
        attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["VisibilityTimeout"])["Attributes"]
        assert attrs["VisibilityTimeout"] == "7"
    # The resources are usable through the adapters.
    S3ObjectStore(aws_resources.bucket, client=aws_resources.client("s3")).put("k", b"v")
    assert DynamoStateStore(aws_resources.table, client=aws_resources.client("dynamodb")).put_if_absent("p", "s", {})


def test_create_resources_refuses_table_with_other_key_schema(aws_resources: Any) -> None:
    other = f"syn-{uuid.uuid4().hex[:12]}-wrong"
    dynamodb = aws_resources.client("dynamodb")
    dynamodb.create_table(
        TableName=other,
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )
    try:
        with pytest.raises(StorageError, match=other):
            create_resources(aws_resources.bucket, other, [], endpoint_url=aws_resources.endpoint)
    finally:
        dynamodb.delete_table(TableName=other)


def test_clients_honour_aws_endpoint_url_env(aws_resources: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """With no client and no endpoint given, the adapters reach the endpoint in AWS_ENDPOINT_URL."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", aws_resources.endpoint)
    store = S3ObjectStore(aws_resources.bucket)
    store.put("via-env.json", b"{}")
    assert (
        aws_resources.client("s3").get_object(Bucket=aws_resources.bucket, Key="via-env.json")["Body"].read() == b"{}"
    )
    assert DynamoStateStore(aws_resources.table).put_if_absent("env", "ok", {"v": 1})
    SqsQueue(aws_resources.publish_queue_url, wait_seconds=0).send(["ping"])
    assert SqsQueue(aws_resources.publish_queue_url).approximate_count() == 1


def test_local_store_reserved_folder_is_not_part_of_the_bucket(tmp_path):
    from syndicate.adapters.local import LocalObjectStore

    (tmp_path / ".state").mkdir()
    (tmp_path / ".state" / "db.sqlite").write_bytes(b"x")
    store = LocalObjectStore(tmp_path, reserved=(".state",))
    store.put("feed.json", b"{}")
    assert store.list_keys("") == ["feed.json"]
    assert store.list_keys(".state/") == []
    with pytest.raises(ValueError, match="reserved"):
        store.put(".state/db.sqlite", b"y")
    assert (tmp_path / ".state" / "db.sqlite").read_bytes() == b"x"


def test_headers_are_stored_with_the_object_and_bytes_come_back_as_stored(store: ObjectStore) -> None:
    """Cache-Control and Content-Encoding travel with the object (S3 metadata, or the local
    folder's sidecar); a gzip-encoded body is returned compressed, exactly as written, on
    both backends (boto3 does not decode it), and rewriting without them drops them."""
    import gzip

    body = gzip.compress(b'{"items": []}', mtime=0)
    store.put(
        "feed.json",
        body,
        "application/feed+json",
        cache_control="public, max-age=60",
        content_encoding="gzip",
    )
    assert store.get("feed.json") == body
    meta = store.metadata("feed.json")  # type: ignore[attr-defined]
    assert meta == ObjectMeta("application/feed+json", "public, max-age=60", "gzip")
    got = store.get_with_etag("feed.json")
    assert got is not None
    store.put("feed.json", b"{}", if_match=got[1])
    assert store.metadata("feed.json") == ObjectMeta("application/json")  # type: ignore[attr-defined]
    assert store.list_keys() == ["feed.json"], "the local sidecar is never a key"
    store.delete("feed.json")
    assert store.metadata("feed.json") is None  # type: ignore[attr-defined]
