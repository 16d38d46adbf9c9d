"""MinHash fingerprints and the LSH index in the state table, on SQLite and on DynamoDB (moto).

Also runs `bench/dedup_bench.py --quick` and holds it to the issue's targets, so a change that
costs precision or recall fails here and not only when someone reruns the benchmark.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest

from syndicate.adapters.aws import DynamoStateStore
from syndicate.adapters.local import SqliteStateStore
from syndicate.dedup.index import LAYOUT, IndexConfigError, LshIndex, Match
from syndicate.dedup.minhash import DEFAULT_CONFIG, Fingerprint, MinHashConfig, decode_u32, encode_u32, fingerprint
from syndicate.ports import StateStore
from syndicate.state import LshTable

from fixtures.counting import CountingStateStore
from fixtures.moto import AwsResources

ROOT = Path(__file__).resolve().parents[2]
BANDS = DEFAULT_CONFIG.bands

# The seed article, abridged: the LSE copy (British spelling, cross-post notice, disclaimer,
# image credit) and the China Global South Project copy (American spelling, byline).
BODY_GB = """When protests over a sudden rise in fuel prices broke out in the oil town of Zhanaozen on 2 January and
spread within days to Almaty and other cities, Beijing said remarkably little. Kazakhstan is China's largest trading
partner in Central Asia, the country where Xi Jinping first announced the Silk Road Economic Belt in 2013, and a
neighbour that shares a long border with Xinjiang. Yet for the first days of the unrest, official Chinese statements
went no further than hoping that order would soon be restored.

That silence should not be mistaken for indifference. It reflects a familiar pattern in Chinese foreign policy: wait
until the outcome is clearer, avoid being seen to take sides in a neighbour's domestic politics, and then stand behind
whoever holds power. Only after President Tokayev had asked the Russia-led Collective Security Treaty Organization for
help did Xi send a message praising Tokayev's "decisive measures" and describing the violence as an attempted colour
revolution encouraged from outside.

The CSTO deployment suited Beijing. China is not a member of the organisation and has little appetite for sending
forces abroad, but it shares Moscow's interest in keeping instability from spiralling across Central Asia. A short,
Russian-led operation that restored the government's control without any Chinese involvement let Beijing keep its
distance while still benefiting from the result. Kazakhstan is a transit hub for the Belt and Road Initiative: much of
the rail freight between China and Europe crosses its territory, and pipelines carry Kazakh oil and Central Asian gas
eastwards. Should unrest return to a neighbouring state at a moment when Moscow is distracted, Beijing may find that
waiting is no longer an option."""

LSE_COPY = (
    "This was published by the China Global South Project on 14 January 2022. China Foresight is affiliated with "
    "the China Global South Project. Click here to subscribe to the newsletter.\n\n"
    "Beijing\u2019s \u2018Wait and See\u2019 Approach in Kazakhstan\n\n"
    + BODY_GB.replace("'", "\u2019")
    + "\n\nThis article gives the views of the author, and not the position of the China Foresight Forum, LSE IDEAS, "
    "nor The London School of Economics and Political Science.\n\nThe blog image, \u201c2022 Kazakhstan protests "
    "\u2014 Aqtobe, January 4\u201d, is licensed under CC BY-SA 4.0."
)
_US = {
    "neighbour": "neighbor",
    "colour": "color",
    "organisation": "organization",
    "spiralling": "spiraling",
    "eastwards": "eastward",
    "neighbouring": "neighboring",
    "2 January": "January 2",
}
_body_us = BODY_GB
for _gb, _us in _US.items():
    _body_us = _body_us.replace(_gb, _us)
CGSP_COPY = (
    "Beijing's Wait-and-See Approach in Kazakhstan\n\nBy Lukas Fiala and Hugo Jones, China Foresight LSE IDEAS\n\n"
    + _body_us
)

SAME_TOPIC = """Chinese firms operating in Kazakhstan are counting the cost of January's unrest. Several
construction sites near Almaty were closed for a week, a copper smelter lost power during the internet shutdown, and
rail freight to Europe was held at the Khorgos border crossing while the state of emergency lasted. Managers interviewed
by local media said insurance would cover only part of the losses, and some are now asking whether projects in Central
Asia need the kind of political-risk cover long bought for investments in Africa. Beijing's embassy advised Chinese
citizens to stay indoors, and a chartered flight brought back workers whose contracts had ended. Trade figures for the
first quarter show the disruption was brief, but firms say the episode changed how they plan for the region."""


def _store(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> StateStore:
    if kind == "sqlite":
        return SqliteStateStore(tmp_path / "state.sqlite")
    res = request.getfixturevalue("aws_resources")
    return DynamoStateStore(res.table, client=res.client("dynamodb"))


# ---------------------------------------------------------------------------- fingerprints


def test_the_two_copies_of_the_seed_article_are_near_duplicates() -> None:
    lse, cgsp, other = fingerprint(LSE_COPY), fingerprint(CGSP_COPY), fingerprint(SAME_TOPIC)
    assert lse.jaccard(cgsp) >= 0.6
    assert abs(lse.estimated_jaccard(cgsp) - lse.jaccard(cgsp)) < 0.15
    assert lse.jaccard(other) < 0.05
    assert fingerprint(_body_us) == fingerprint(BODY_GB)  # spelling and date order alone change nothing


def test_fingerprints_are_stable_across_processes() -> None:
    """Stored fingerprints are compared with ones computed later, in other Lambda instances."""
    code = (
        "from syndicate.dedup.minhash import fingerprint; import sys; "
        "fp = fingerprint(sys.stdin.read()); print(list(fp.signature)); print(sorted(fp.shingle_hashes))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        input=LSE_COPY,
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONHASHSEED": "12345", "PATH": ""},
    ).stdout.splitlines()
    here = fingerprint(LSE_COPY)
    assert json.loads(out[0]) == list(here.signature)
    assert json.loads(out[1]) == sorted(here.shingle_hashes)


def test_fingerprint_item_round_trip_and_size() -> None:
    fp = fingerprint(LSE_COPY)
    item = fp.to_item()
    assert Fingerprint.from_item(json.loads(json.dumps(item))) == fp
    assert len(json.dumps(item)) < 8 * len(fp.shingle_hashes) + 1000  # compact: ~5.3 bytes per shingle
    assert decode_u32(encode_u32([0, 1, 2**32 - 1])) == [0, 1, 2**32 - 1]
    with pytest.raises(ValueError):
        Fingerprint.from_item({"sig": 1})


def test_empty_text_has_an_empty_fingerprint_without_bands() -> None:
    fp = fingerprint(" \n ... \u2014 ")
    assert fp.empty and fp.band_keys() == [] and fp.jaccard(fp) == 0.0


def test_ignored_shingles_are_left_out() -> None:
    from syndicate.dedup.text import shingles, tokens

    disclaimer = LSE_COPY.split("\n\n")[-2]
    ignore = frozenset(shingles(tokens(disclaimer)))
    with_ignore = fingerprint(LSE_COPY, ignore_shingles=ignore)
    assert len(with_ignore.shingle_hashes) < len(fingerprint(LSE_COPY).shingle_hashes)
    assert with_ignore.jaccard(fingerprint(CGSP_COPY)) > fingerprint(LSE_COPY).jaccard(fingerprint(CGSP_COPY))


def test_config_validation() -> None:
    with pytest.raises(ValueError, match="multiple of bands"):
        MinHashConfig(num_perm=100, bands=32)
    assert MinHashConfig().rows == 4


# ---------------------------------------------------------------------------- the index


def _exercise_index(state: StateStore, workers: int = 1) -> None:
    """The behaviour the pipeline relies on, with the state traffic it costs."""
    counting = CountingStateStore(state)
    index = LshIndex(counting, workers=workers)
    lse, cgsp, other = index.fingerprint(LSE_COPY), index.fingerprint(CGSP_COPY), index.fingerprint(SAME_TOPIC)

    assert index.find_duplicates("lse-1", lse) == []
    counting.reset()
    index.add("lse-1", lse)
    # previous fingerprint, one read of its containment keys (to leave hot ones alone); one
    # set add per band and per containment key + the fingerprint
    keys = len(lse.containment_keys)
    assert 20 <= keys <= DEFAULT_CONFIG.max_containment_keys
    assert counting.counts == {
        "get": 1, "get_sets": 1, "set_keys": keys, "members": 0, "add_to_set": BANDS + keys, "put": 1
    }
    index.add("other-1", other)

    # The cross-posted copy finds the original, verified by exact Jaccard; all bands and
    # containment keys in one read.
    counting.reset()
    matches = index.find_duplicates("cgsp-1", CGSP_COPY)
    assert [m.doc_id for m in matches] == ["lse-1"]
    assert isinstance(matches[0], Match) and matches[0].jaccard == pytest.approx(lse.jaccard(cgsp))
    assert counting.counts["get_sets"] == 1 and counting.counts["set_keys"] == BANDS + len(cgsp.containment_keys)
    assert matches[0].containment == pytest.approx(lse.contained_share(cgsp))
    assert "query" not in counting.counts
    assert counting.counts["get"] == len(index.candidates(cgsp) - {"cgsp-1"})
    assert counting.writes == 0
    assert index.find_duplicates("x", cgsp, min_jaccard=0.99, min_containment=0.99) == []  # thresholds per call
    assert [m.doc_id for m in index.find_duplicates("x", cgsp, min_jaccard=0.99)] == ["lse-1"]  # contained
    assert index.find_duplicates("lse-1", lse) == []  # never its own duplicate

    # Adding the same fingerprint again (a redelivered message) writes nothing.
    counting.reset()
    index.add("lse-1", lse)
    assert counting.writes == 0 and counting.reads == 1

    # A changed article replaces its old bands: it stops matching what it no longer resembles.
    index.add("cgsp-1", cgsp)
    assert [m.doc_id for m in index.find_duplicates("new", LSE_COPY)] == ["lse-1", "cgsp-1"]  # best first
    counting.reset()
    note = index.fingerprint("An entirely different short note about tariffs on soybeans.")
    index.add("cgsp-1", note)
    # every band moved, every containment key left
    assert counting.counts["remove_from_set"] == BANDS + len(cgsp.containment_keys - note.containment_keys)
    assert [m.doc_id for m in index.find_duplicates("new", LSE_COPY)] == ["lse-1"]
    assert "cgsp-1" not in index.candidates(cgsp)

    # Removing forgets it entirely.
    index.remove("lse-1")
    assert index.find_duplicates("new", LSE_COPY) == []
    assert index.get("lse-1") is None
    index.remove("lse-1")  # removing twice is fine


def test_index_on_sqlite(tmp_path: Path) -> None:
    _exercise_index(SqliteStateStore(tmp_path / "state.sqlite"))


def test_index_on_dynamodb(aws_resources: AwsResources) -> None:
    """Over moto's server (one BatchGetItem per lookup), with concurrent candidate reads."""
    _exercise_index(DynamoStateStore(aws_resources.table, client=aws_resources.client("dynamodb")), workers=8)


@pytest.mark.parametrize("kind", ["sqlite", "dynamodb"])
def test_index_persists_across_instances(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """What one Lambda adds, the next one finds: nothing lives only in memory."""
    state = _store(kind, tmp_path, request)
    LshIndex(state).add("lse-1", fingerprint(LSE_COPY))
    assert [m.doc_id for m in LshIndex(state).find_duplicates("cgsp-1", CGSP_COPY)] == ["lse-1"]


def test_lookup_reads_do_not_grow_with_the_index(tmp_path: Path) -> None:
    counting = CountingStateStore(SqliteStateStore(tmp_path / "state.sqlite"))
    index = LshIndex(counting)
    probe = index.fingerprint(SAME_TOPIC)

    def reads_per_lookup() -> int:
        counting.reset()
        index.find_duplicates("probe", probe)
        return counting.reads

    words = SAME_TOPIC.split()
    at_10 = 0
    for n in range(1, 201):
        # Different texts with the probe's vocabulary: each a different shuffle of its words.
        shuffled = list(words)
        random.Random(n).shuffle(shuffled)
        index.add(f"doc-{n}", index.fingerprint(" ".join(shuffled)))
        if n == 10:
            at_10 = reads_per_lookup()
    assert at_10 == reads_per_lookup() == 1  # one get_sets; shuffles share no band with the probe


def test_half_written_entries_are_skipped(tmp_path: Path) -> None:
    """Band members whose fingerprint was never written (a crash mid-add) are not matches."""
    state = SqliteStateStore(tmp_path / "state.sqlite")
    index = LshIndex(state)
    fp = index.fingerprint(LSE_COPY)
    index.add("lse-1", fp)
    state.add_to_set(f"lsh#b00#{fp.band_keys()[0]}", "ids", "crashed-doc")
    assert "crashed-doc" in index.candidates(fp)
    assert [m.doc_id for m in index.find_duplicates("new", fp)] == ["lse-1"]


def test_empty_texts_are_stored_but_never_match(tmp_path: Path) -> None:
    counting = CountingStateStore(SqliteStateStore(tmp_path / "state.sqlite"))
    index = LshIndex(counting)
    index.add("empty-1", index.fingerprint(""))
    counting.reset()
    assert index.find_duplicates("empty-2", "") == []
    assert counting.reads == 0


def test_an_index_built_with_another_config_is_refused(tmp_path: Path) -> None:
    state = SqliteStateStore(tmp_path / "state.sqlite")
    LshIndex(state).add("lse-1", fingerprint(LSE_COPY))
    other = LshIndex(state, config=MinHashConfig(num_perm=64, bands=16))
    with pytest.raises(IndexConfigError, match="rebuild the index"):
        other.find_duplicates("x", CGSP_COPY)
    # Another namespace is another index and may use another config.
    small = LshIndex(state, namespace="lsh64", config=MinHashConfig(num_perm=64, bands=16))
    small.add("a", small.fingerprint(LSE_COPY))
    assert [m.doc_id for m in small.find_duplicates("b", CGSP_COPY)] == ["a"]
    with pytest.raises(ValueError, match="config expects 64"):
        small.add("c", fingerprint(LSE_COPY))  # a 128-value signature cannot go into a 64-value index


def test_an_index_in_the_old_per_document_band_layout_is_refused(tmp_path: Path) -> None:
    """An index written before bands became sets (config item without a layout) would make
    every lookup miss its old articles: it is refused with the rebuild message instead."""
    state = SqliteStateStore(tmp_path / "state.sqlite")
    assert LshTable(state).create_config(DEFAULT_CONFIG.identity())  # no layout: the old one
    with pytest.raises(IndexConfigError, match="rebuild the index"):
        LshIndex(state).find_duplicates("x", CGSP_COPY)
    fresh = SqliteStateStore(tmp_path / "fresh.sqlite")
    LshIndex(fresh).add("a", fingerprint(LSE_COPY))
    assert LshTable(fresh).config() == {**DEFAULT_CONFIG.identity(), "layout": LAYOUT}


def test_index_argument_validation(tmp_path: Path) -> None:
    state = SqliteStateStore(tmp_path / "state.sqlite")
    with pytest.raises(ValueError, match="namespace"):
        LshIndex(state, namespace="a#b")
    with pytest.raises(ValueError, match="min_jaccard"):
        LshIndex(state, min_jaccard=0)
    with pytest.raises(ValueError, match="workers"):
        LshIndex(state, workers=0)
    with pytest.raises(ValueError, match="doc_id"):
        LshIndex(state).add("", fingerprint("x"))


# ---------------------------------------------------------------------------- the benchmark


@pytest.mark.heavy
def test_quick_benchmark_meets_the_targets() -> None:
    """precision >= 0.99, recall >= 0.98 and flat reads per lookup on the --quick corpus; per
    kind of copy (cross-post, excerpt, rewrite; generated and real text) recall >= 0.95, and
    no same-event pair merged (issue 14)."""
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "dedup_bench.py"), "--quick"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    summary = json.loads(proc.stdout.strip().splitlines()[-1])
    assert summary["precision"] >= 0.99, proc.stdout
    assert summary["recall"] >= 0.98, proc.stdout
    assert summary["false_merges"] == 0, proc.stdout
    assert summary["flatness"] <= 1.10, proc.stdout
    assert summary["lookup_reads"] < 3, proc.stdout  # one batched band read, few verifications
    # one set add per band and per containment key + the fingerprint
    assert BANDS + 1 < summary["add_writes"] <= BANDS + DEFAULT_CONFIG.max_containment_keys + 1, proc.stdout
    kinds = summary["kinds"]
    assert {"cross-post", "excerpt", "rewrite", "same-event"} <= set(kinds), proc.stdout
    for name, kind in kinds.items():
        if kind["pairs"]:
            assert kind["recall"] >= 0.95, (name, proc.stdout)
        if "same-event" in name:
            assert kind["false"] == 0, (name, proc.stdout)


def test_a_long_text_keeps_a_bounded_sample_and_estimates_jaccard_closely() -> None:
    """A 100,000-word text keeps the 8,192 smallest shingle hashes: its stored item stays far
    under DynamoDB's item limit, and Jaccard against an edited copy is estimated within 0.03."""
    from syndicate.dedup.minhash import MAX_SHINGLE_HASHES, jaccard
    from syndicate.dedup.text import shingles, tokens

    rng = random.Random(5)
    words = [f"w{rng.randrange(50_000)}" for _ in range(100_000)]
    edited = list(words)
    for i in rng.sample(range(len(edited)), 8_000):  # change 8% of the words
        edited[i] = f"x{rng.randrange(50_000)}"
    big, other = fingerprint(" ".join(words)), fingerprint(" ".join(edited))
    assert big.sampled and len(big.shingle_hashes) == MAX_SHINGLE_HASHES and big.shingle_count > 90_000
    item = big.to_item()
    assert len(json.dumps(item)) < 64 * 1024
    assert Fingerprint.from_item(item) == big, "the stored sample round-trips"
    exact = jaccard(set(shingles(tokens(" ".join(words)))), set(shingles(tokens(" ".join(edited)))))
    assert abs(big.jaccard(other) - exact) < 0.03, (big.jaccard(other), exact)
    small = fingerprint(LSE_COPY)
    assert not small.sampled and small.jaccard(fingerprint(LSE_COPY)) == 1.0
