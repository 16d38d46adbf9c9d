"""Near-duplicate detection benchmark: quality, state-table cost and time, on a generated corpus.

Nothing is downloaded: a small generator writes article-like texts (300-1,200 words) on a
handful of topics from word lists and sentence templates, so that different articles on one
topic share vocabulary and phrasing the way real analysis pieces do. The corpus:

- base articles, British spelling, some carrying their partner's footer boilerplate;
- cross-posted variants of some bases, each with a random mix of what partners.md describes
  for the seed article: boilerplate paragraphs added or removed at top and bottom (a
  cross-post notice, a disclaimer, an image credit, author bios, a newsletter blurb),
  British spelling turned American, title punctuation and case changed, a byline
  paragraph, and small edits (a sentence dropped, a sentence reworded); some bases get two
  variants, so three copies must all pair up;
- partial copies (issue 14): excerpts carrying the first 20-60% of a base's paragraphs, and
  rewrites with a new headline and a new first paragraph, each then put through the same
  cross-post changes as the variants (boilerplate, spelling, edits);
- different articles on the same topics as some bases, a third of them quoting a paragraph
  of that base (as two reports of one statement do), which must not be merged;
- same-event pairs: a different article whose headline repeats the base's headline words and
  which quotes one of its paragraphs; never to be merged;
- the same kinds built from real article text (../shared/data/extraction-dev ground truth,
  English pages, when that folder is present): each page's text as a base, an excerpt and a
  rewrite of it, and a same-event partner (another page quoting one of its paragraphs under
  a headline with its words).

Everything is ingested in a shuffled order into an `LshIndex` on the local SQLite state
table, each article looked up before it is added, and the printed figures are:

- precision and recall over duplicate pairs, overall and per kind of copy, and the false
  merges (per kind of negative: same-topic, same-event);
- the share of the smaller text contained in the larger for true partial copies and for the
  negatives, and the margin between them around the index's `min_containment`;
- state reads and writes per lookup and per add, counted by `CountingStateStore`
  (tests/fixtures/counting.py; requests: a lookup's batched read of all band sets counts one);
- time per article (fingerprint + lookup + add) relative to trafilatura's extraction of a
  demo page measured in the same run (a machine-independent ratio);
- reads per lookup for the same probe articles against 1,000 and 20,000 stored articles.

    .venv/bin/python bench/dedup_bench.py            # full run, about a minute or two on 2 cores
    .venv/bin/python bench/dedup_bench.py --quick    # a few seconds; used by the test suite

The last line is a JSON summary for scripts and tests. Exit status 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path

from syndicate.adapters.local import SqliteStateStore
from syndicate.dedup.groups import Link, best_containers, groups, smaller, title_similarity
from syndicate.dedup.index import DEFAULT_MIN_CONTAINMENT, LshIndex
from syndicate.dedup.minhash import Fingerprint
from syndicate.dedup.text import common_shingles, normalize_text, shingles

ROOT = Path(__file__).resolve().parents[1]
# The request counter is a test helper (tests/fixtures/counting.py), not part of the package.
sys.path.insert(0, str(ROOT / "tests"))
from fixtures.counting import CountingStateStore  # noqa: E402

DEMO_PAGE = (
    ROOT / "demo/syndicate_demo/site/lse/cff/2022/01/14/beijings-wait-and-see-approach-in-kazakhstan/index.html"
)

TARGET_PRECISION = 0.99
TARGET_RECALL = 0.98
# Issue 14: every kind of cross-post (full, excerpt, rewrite; generated and real text).
TARGET_KIND_RECALL = 0.95
EXTRACTION_DEV = ROOT.parent / "shared" / "data" / "extraction-dev"
# "Flat": reads per lookup at 20,000 articles may exceed those at 1,000 by at most this factor.
TARGET_FLATNESS = 1.10

# ------------------------------------------------------------------------------ word lists
# fmt: off

TOPICS: dict[str, dict[str, list[str]]] = {
    "central-asia": {
        "actor": ["Beijing", "Astana", "Moscow", "the Kazakh government", "President Tokayev", "the CSTO",
                  "Chinese diplomats", "the foreign ministry", "regional elites", "the security services",
                  "Kremlin officials", "local governors", "the ruling party", "opposition figures"],
        "place": ["Kazakhstan", "Almaty", "Aqtobe", "Central Asia", "Xinjiang", "Kyrgyzstan", "Uzbekistan",
                  "the steppe", "Nur-Sultan", "the border region", "Mangystau", "the Caspian coast"],
        "noun": ["unrest", "protests", "fuel prices", "stability", "the transition", "security cooperation",
                 "the pipeline", "energy exports", "the crackdown", "non-interference", "elite rivalry",
                 "the state of emergency", "gas subsidies", "the succession", "peacekeepers", "the colour revolution",
                 "internet shutdowns", "labour migration", "the neighbouring states", "public anger"],
        "adj": ["cautious", "muted", "spiralling", "fragile", "authoritarian", "strategic", "volatile",
                "neighbouring", "unprecedented", "restrained", "opaque", "contested"],
    },
    "infrastructure-finance": {
        "actor": ["Chinese lenders", "the China Development Bank", "China Exim", "Zambia's treasury",
                  "the IMF", "Western creditors", "the Paris Club", "borrowing governments", "state-owned contractors",
                  "policy banks", "the finance ministry", "bondholders", "rating agencies", "the World Bank"],
        "place": ["Zambia", "Kenya", "Sri Lanka", "Laos", "Ecuador", "Pakistan", "Angola", "Ethiopia",
                  "the Horn of Africa", "Southeast Asia", "Lusaka", "Nairobi"],
        "noun": ["debt restructuring", "loan terms", "collateral", "the railway", "the port concession",
                 "repayment schedules", "sovereign guarantees", "project finance", "the programme", "arrears",
                 "grace periods", "currency risk", "the Belt and Road", "commodity-backed loans",
                 "the debt ceiling", "co-financing", "fibre networks", "the harbour expansion",
                 "the defence budget", "the licence fees"],
        "adj": ["concessional", "opaque", "unsustainable", "bilateral", "syndicated", "distressed",
                "favourable", "commercial", "collateralised", "multilateral", "risky", "ambitious"],
    },
    "trade": {
        "actor": ["exporters", "the commerce ministry", "customs officials", "the WTO", "trading partners",
                  "Brussels", "Washington", "ASEAN members", "manufacturers", "logistics firms",
                  "Beijing's planners", "foreign investors", "importers", "the central bank"],
        "place": ["the Pearl River Delta", "Vietnam", "Mexico", "the Gulf", "Brazil", "Indonesia",
                  "the European market", "Shenzhen", "Rotterdam", "Malaysia", "Chile", "the Mekong region"],
        "noun": ["dual circulation", "tariffs", "supply chains", "export controls", "the trade surplus",
                 "domestic demand", "the yuan", "rules of origin", "market access", "dumping duties",
                 "free trade agreements", "semiconductors", "soybean imports", "shipping costs",
                 "the centre of gravity", "critical minerals", "consumer spending", "the catalogue of restrictions",
                 "industrial policy", "manufacturing capacity"],
        "adj": ["protectionist", "resilient", "self-reliant", "diversified", "global", "regional", "domestic",
                "competitive", "strategic", "subsidised", "liberalised", "fragmented"],
    },
    "olympics-diplomacy": {
        "actor": ["the organising committee", "Western governments", "athletes", "sponsors", "the IOC",
                  "human rights groups", "state media", "Chinese officials", "broadcasters",
                  "visiting leaders", "diplomats", "the propaganda department", "activists", "fans"],
        "place": ["Beijing", "Zhangjiakou", "the Bird's Nest", "Washington", "Canberra", "London", "Ottawa",
                  "the Olympic village", "Yanqing", "Tokyo", "Moscow", "Paris"],
        "noun": ["the diplomatic boycott", "soft power", "the opening ceremony", "the games", "national image",
                 "the closed loop", "zero-COVID rules", "medal tables", "public diplomacy", "the torch relay",
                 "sportswashing", "the honour of hosting", "the colour of the ceremony", "nationalism",
                 "broadcast rights", "visa policy", "the athletes' behaviour", "censorship", "the spectacle",
                 "the programme of events"],
        "adj": ["symbolic", "carefully choreographed", "high-profile", "muted", "nationalist", "global",
                "controversial", "diplomatic", "spectacular", "sanitised", "restrictive", "memorable"],
    },
    "climate-energy": {
        "actor": ["Chinese developers", "utilities", "the energy ministry", "climate negotiators",
                  "solar manufacturers", "coal provinces", "grid operators", "development banks",
                  "environmental groups", "the planning commission", "oil majors", "local communities",
                  "battery makers", "carbon traders"],
        "place": ["Inner Mongolia", "Indonesia", "South Africa", "Glasgow", "the Sahel", "Egypt",
                  "the Mekong basin", "Shandong", "Morocco", "Argentina", "the Andes", "Bangladesh"],
        "noun": ["coal power", "renewables", "the energy transition", "carbon neutrality", "hydropower dams",
                 "green finance", "emissions", "the power grid", "lithium mining", "solar parks",
                 "climate pledges", "the carbon market", "wind farms", "energy security", "electric vehicles",
                 "methane leaks", "the metres of new transmission line", "adaptation funding",
                 "the grey zone of disclosure", "the fibre-optic cables"],
        "adj": ["green", "coal-fired", "low-carbon", "renewable", "ambitious", "intermittent", "clean",
                "extractive", "sustainable", "subsidised", "decentralised", "carbon-intensive"],
    },
    "tech-governance": {
        "actor": ["Huawei", "regulators", "platform companies", "the cyberspace administration", "start-ups",
                  "telecom operators", "data protection authorities", "engineers", "app developers",
                  "security agencies", "standard-setting bodies", "venture capitalists", "the courts", "users"],
        "place": ["Silicon Valley", "Hangzhou", "Nigeria", "Serbia", "Ecuador", "Kenya", "Geneva",
                  "the European Union", "Singapore", "Brussels", "Lagos", "Belgrade"],
        "noun": ["surveillance", "5G networks", "data localisation", "smart cities", "facial recognition",
                 "algorithms", "digital sovereignty", "cybersecurity", "the Digital Silk Road", "cloud services",
                 "export licences", "standards", "the app stores", "privacy rules", "cross-border data flows",
                 "AI governance", "the undersea cables", "the chip embargo", "content moderation",
                 "the organisation of the internet"],
        "adj": ["digital", "authoritarian", "open", "interoperable", "proprietary", "secure", "invasive",
                "cutting-edge", "centralised", "fragmented", "regulated", "experimental"],
    },
    "health-diplomacy": {
        "actor": ["Sinovac", "Sinopharm", "health ministries", "the WHO", "COVAX", "African regulators",
                  "hospital staff", "Chinese medical teams", "public health experts", "donor governments",
                  "pharmaceutical firms", "the Africa CDC", "vaccine sceptics", "clinicians"],
        "place": ["Brazil", "Turkey", "Indonesia", "Senegal", "Chile", "Hungary", "Zimbabwe", "Peru",
                  "the Philippines", "Egypt", "Algeria", "Cambodia"],
        "noun": ["vaccine diplomacy", "donations", "efficacy data", "local production", "cold chains",
                 "the pandemic", "booster shots", "mask exports", "trust", "the rollout", "clinical trials",
                 "health aid", "emergency approval", "the Health Silk Road", "supply delays",
                 "the licence to manufacture", "pandemic preparedness", "medical equipment", "public trust",
                 "the paediatric doses"],
        "adj": ["inactivated", "effective", "delayed", "transparent", "bilateral", "emergency", "affordable",
                "sceptical", "generous", "uneven", "strategic", "conditional"],
    },
    "maritime-security": {
        "actor": ["the PLA Navy", "coast guards", "fishing fleets", "the Philippine government",
                  "naval planners", "ASEAN diplomats", "the US Navy", "port authorities", "maritime militias",
                  "defence ministers", "shipping insurers", "Vietnamese officials", "the tribunal", "analysts"],
        "place": ["the South China Sea", "Djibouti", "Gwadar", "the Spratly Islands", "Hambantota",
                  "the Indian Ocean", "Ream", "the Strait of Malacca", "Scarborough Shoal", "the Pacific",
                  "Solomon Islands", "the Red Sea"],
        "noun": ["naval bases", "freedom of navigation", "island building", "the code of conduct",
                 "grey-zone tactics", "patrols", "port calls", "the arbitration ruling", "fishing rights",
                 "military access", "deterrence", "the defence pact", "sea lanes", "coast guard law",
                 "the harbour", "maritime claims", "joint exercises", "the manoeuvres", "blockades",
                 "the naval centre"],
        "adj": ["assertive", "militarised", "contested", "strategic", "coercive", "defensive", "maritime",
                "escalatory", "routine", "provocative", "deterrent", "legal"],
    },
}

VERBS = ["criticised", "welcomed", "analysed", "prioritised", "emphasised", "recognised", "stabilised",
         "mobilised", "signalled", "cancelled", "travelled to", "modelled", "favoured", "honoured",
         "questioned", "supported", "expanded", "delayed", "financed", "negotiated", "reviewed", "downplayed",
         "organised", "realised", "scrutinised", "publicised", "labelled", "tested", "monitored", "promoted"]
ADVERBS = ["quietly", "openly", "gradually", "repeatedly", "reluctantly", "carefully", "sharply", "largely",
           "increasingly", "publicly", "privately", "swiftly"]
CONNECTORS = ["Meanwhile,", "However,", "In practice,", "At the same time,", "Still,", "By contrast,",
              "For now,", "Crucially,", "In turn,", "Even so,", "Above all,", "In the meantime,"]
SOURCES = ["official statements", "local reporting", "interviews with officials", "court filings",
           "leaked documents", "company reports", "satellite imagery", "budget documents", "survey data",
           "diplomatic cables", "trade statistics", "press briefings"]
TIMES = ["last year", "in January", "this month", "since 2013", "over the past decade", "in recent weeks",
         "before the pandemic", "after the summit", "in the spring", "by the end of the year"]
FIRST = ["Lukas", "Hugo", "Amina", "Wei", "Priya", "Tomás", "Zhanar", "Chen", "Grace", "Olusegun", "Mei",
         "Daniel", "Sofia", "Aidos", "Ruth", "Kwame"]
LAST = ["Fiala", "Jones", "Okafor", "Zhang", "Raman", "García", "Nurpeisova", "Li", "Mensah", "Adeyemi",
        "Wong", "Kim", "Rossi", "Seitkali", "Banda", "Haddad"]
ORGS = ["China Foresight LSE IDEAS", "the China Global South Project", "SOAS", "Chatham House",
        "the University of Nairobi", "Carnegie", "the Lowy Institute", "Tsinghua University"]

TEMPLATES = [
    "{actor} {adv} {verb} {noun} in {place}, according to {source}.",
    "{Conn} {actor} have {verb} {noun} {time}.",
    "The {adj} approach to {noun} reflects how {actor} see {place}.",
    "{source_c} suggest that {noun} in {place} is more {adj} than {actor} admit.",
    "Few expected {actor} to have {verb} {noun} so {adv}.",
    "{Conn} the question of {noun} remains {adj} for {actor}.",
    "In {place}, {noun} and {noun2} are {adv} linked.",
    "{actor} {adv} {verb} what they call {adj} {noun}.",
    "What matters for {place} is whether {actor} treat {noun} as {adj}.",
    "{Conn} {noun} in {place} {time} was {adj} by most measures.",
    "Critics argue that {actor} {verb} {noun} while ignoring {noun2}.",
    "{actor} and {actor2} {adv} disagree over {noun}.",
    "The debate over {noun} in {place} has become {adj} {time}.",
    "{Conn} {actor} {verb} {noun}, a move {actor2} {verb2}.",
    "This {adj} turn in {noun} shapes how {place} deals with {noun2}.",
    "{source_c} show {actor} {verb} {noun} {time}.",
    "Observers in {place} describe {noun} as {adj} and {adj2}.",
    "{actor} {adv} {verb} {noun}, and {actor2} followed {time}.",
    "For {actor}, {noun} in {place} is a {adj} test of {noun2}.",
    "{Conn} nobody in {place} {adv} {verb} {noun} {time}.",
    "The record on {noun} suggests {actor} prefer {adj} options.",
    "{actor} {verb} {noun} because {noun2} in {place} looked {adj}.",
    "When {actor} {verb} {noun}, {actor2} {adv} {verb2} {noun2}.",
    "{Conn} {adj} {noun} will test {actor} in {place} {time}.",
]
TITLES = [
    "{Actor}'s '{Adj}' Approach to {Noun} in {Place}",
    "Why {Actor} Are Rethinking {Noun}",
    "What {Noun} Means for {Place}",
    "{Place} and the Politics of {Noun}: A {Adj} Turn",
    "How {Actor} Learned to Live with {Noun}",
    "The Limits of {Noun} in {Place}",
]

# Partner boilerplate, as extraction sometimes leaves it (partners.md).
LSE_TOP = [
    "This was published by the China Global South Project on {date}. China Foresight is affiliated with "
    "the China Global South Project. Click here to subscribe to the newsletter.",
    "Estimated reading time: {minutes} minutes. {n_comments} comments.",
]
LSE_BOTTOM = [
    "This article gives the views of the author, and not the position of the China Foresight Forum, LSE "
    "IDEAS, nor The London School of Economics and Political Science.",
    "The blog image, \u201c{place} scene, {date}\u201d, is licensed under CC BY-SA 4.0.",
    "About the author. {author} is a PhD candidate in International Relations at The London School of "
    "Economics and the Project Coordinator of China Foresight at LSE IDEAS.",
    "Posted In: China Global South Project. Leave a Reply. Your email address will not be published. "
    "Required fields are marked.",
]
CGSP_TOP = ["By {authors}, {org}"]
CGSP_BOTTOM = [
    "Get a daily email packed with the latest news and analysis about China's engagement in the Global South, "
    "delivered to your inbox every morning.",
    "Subscribe or log in to read the rest of this content and join thousands of readers who follow the China "
    "Global South Project every day.",
    "SUGGESTED READING: more analysis on {noun} from our team of correspondents across the Global South.",
]

# British -> American, used only to make variants: independent of the index's own spelling
# table, so the benchmark checks that table instead of mirroring it.
BRITISH_TO_AMERICAN = {
    "colour": "color", "labour": "labor", "neighbouring": "neighboring", "spiralling": "spiraling",
    "programme": "program", "defence": "defense", "licence": "license", "licences": "licenses",
    "favourable": "favorable", "honour": "honor", "behaviour": "behavior", "harbour": "harbor",
    "centre": "center", "fibre": "fiber", "metres": "meters", "catalogue": "catalog", "grey": "gray",
    "manoeuvres": "maneuvers", "paediatric": "pediatric", "sceptics": "skeptics", "sceptical": "skeptical",
    "organisation": "organization", "organising": "organizing", "localisation": "localization",
    "collateralised": "collateralized", "subsidised": "subsidized", "liberalised": "liberalized",
    "sanitised": "sanitized", "decentralised": "decentralized", "centralised": "centralized",
    "militarised": "militarized", "criticised": "criticized", "analysed": "analyzed",
    "prioritised": "prioritized", "emphasised": "emphasized", "recognised": "recognized",
    "stabilised": "stabilized", "mobilised": "mobilized", "organised": "organized", "realised": "realized",
    "scrutinised": "scrutinized", "publicised": "publicized", "signalled": "signaled", "cancelled": "canceled",
    "travelled": "traveled", "modelled": "modeled", "labelled": "labeled", "favoured": "favored",
    "honoured": "honored",
}
REWORD = {"quietly": "discreetly", "openly": "publicly", "largely": "mostly", "sharply": "strongly",
          "remains": "is still", "suggests": "indicates", "argue": "contend", "Few": "Not many",
          "expected": "anticipated", "describe": "characterize", "test": "trial"}

# fmt: on

# ------------------------------------------------------------------------------ generation


@dataclass
class Article:
    doc_id: str
    title: str
    paragraphs: list[list[str]]  # sentences per paragraph
    top: list[str] = field(default_factory=list)  # boilerplate paragraphs before the title...
    bottom: list[str] = field(default_factory=list)  # ... and after the body
    topic: str = ""
    partner: str = "lse"

    def text(self) -> str:
        """What extraction would hand the index: title, boilerplate left over, body."""
        body = "\n\n".join(" ".join(p) for p in self.paragraphs if p)
        return "\n\n".join([*self.top, self.title, body, *self.bottom])

    def words(self) -> int:
        return len(self.text().split())


def _cap(s: str) -> str:
    return s[:1].upper() + s[1:]


def _fill(rng: random.Random, template: str, vocab: dict[str, list[str]]) -> str:
    def pick(name: str) -> str:
        return rng.choice(vocab[name])

    values = {
        "actor": pick("actor"),
        "actor2": pick("actor"),
        "place": pick("place"),
        "noun": pick("noun"),
        "noun2": pick("noun"),
        "adj": pick("adj"),
        "adj2": pick("adj"),
        "verb": rng.choice(VERBS),
        "verb2": rng.choice(VERBS),
        "adv": rng.choice(ADVERBS),
        "source": rng.choice(SOURCES),
        "time": rng.choice(TIMES),
        "Conn": rng.choice(CONNECTORS),
    }
    values["source_c"] = _cap(rng.choice(SOURCES))
    return _cap(template.format(**values))


def _authors(rng: random.Random) -> list[str]:
    return [f"{rng.choice(FIRST)} {rng.choice(LAST)}" for _ in range(rng.choice((1, 1, 2)))]


def _boiler(rng: random.Random, template: str, topic: str, authors: list[str]) -> str:
    vocab = TOPICS[topic]
    return template.format(
        date=f"{rng.randint(1, 28)} January 2022",
        minutes=rng.randint(2, 9),
        n_comments=rng.randint(0, 3),
        place=rng.choice(vocab["place"]),
        author=authors[0],
        authors=" and ".join(authors),
        org=rng.choice(ORGS),
        noun=rng.choice(vocab["noun"]),
    )


def make_article(rng: random.Random, doc_id: str, topic: str | None = None) -> Article:
    """A base article: 300-1,200 words of topical sentences, British spelling."""
    topic = topic or rng.choice(sorted(TOPICS))
    vocab = TOPICS[topic]
    target = rng.randint(300, 1200)
    title_vals = {
        "Actor": _cap(rng.choice(vocab["actor"])),
        "Adj": rng.choice(vocab["adj"]).title(),
        "Noun": rng.choice(vocab["noun"]).title(),
        "Place": rng.choice(vocab["place"]),
    }
    title = rng.choice(TITLES).format(**title_vals)
    paragraphs: list[list[str]] = []
    words = len(title.split())
    while words < target:
        para = []
        for _ in range(rng.randint(2, 6)):
            sentence = _fill(rng, rng.choice(TEMPLATES), vocab)
            para.append(sentence)
            words += len(sentence.split())
        paragraphs.append(para)
    partner = rng.choice(("lse", "cgsp"))
    art = Article(doc_id, title, paragraphs, topic=topic, partner=partner)
    if rng.random() < 0.2:  # extraction left the partner's footer in
        authors = _authors(rng)
        art.bottom.append(_boiler(rng, rng.choice(LSE_BOTTOM if partner == "lse" else CGSP_BOTTOM), topic, authors))
    return art


def _americanize(text: str) -> str:
    return " ".join(BRITISH_TO_AMERICAN.get(w, w) for w in text.split(" "))


def _retitle(rng: random.Random, title: str) -> str:
    """Title punctuation and case as another CMS would render them."""
    choice = rng.randrange(4)
    if choice == 0:
        return title.replace("'", "\u2018", 1).replace("'", "\u2019")
    if choice == 1:
        return title.replace(": ", " \u2014 ").replace("'", "")
    if choice == 2:
        return _cap(title.lower())
    return title.replace(" ", "-", 1) + "?"


def make_variant(rng: random.Random, base: Article, doc_id: str) -> tuple[Article, list[str]]:
    """A cross-posted copy of `base` on the other partner, and the list of changes applied."""
    changes: list[str] = []
    authors = _authors(rng)
    partner = "cgsp" if base.partner == "lse" else "lse"
    paragraphs = [list(p) for p in base.paragraphs]
    bottom = [] if rng.random() < 0.5 else list(base.bottom)
    if base.bottom and not bottom:
        changes.append("footer removed")
    top: list[str] = []
    tops, bottoms = (LSE_TOP, LSE_BOTTOM) if partner == "lse" else (CGSP_TOP, CGSP_BOTTOM)
    if rng.random() < 0.7:
        top = [_boiler(rng, t, base.topic, authors) for t in rng.sample(tops, rng.randint(1, len(tops)))]
        changes.append(f"{len(top)} top boilerplate")
    if rng.random() < 0.7:
        extra = [_boiler(rng, t, base.topic, authors) for t in rng.sample(bottoms, rng.randint(1, len(bottoms)))]
        bottom += extra
        changes.append(f"{len(extra)} bottom boilerplate")
    if rng.random() < 0.5:
        paragraphs.insert(0, [f"By {' and '.join(authors)}, {rng.choice(ORGS)}"])
        changes.append("byline")
    title = base.title
    if rng.random() < 0.8:
        title = _retitle(rng, title)
        changes.append("title")
    for _ in range(rng.randint(0, 2)):  # drop a sentence
        para = rng.choice([p for p in paragraphs if p])
        para.pop(rng.randrange(len(para)))
        changes.append("sentence dropped")
    for _ in range(rng.randint(0, 2)):  # reword a sentence
        para = rng.choice([p for p in paragraphs if p])
        i = rng.randrange(len(para))
        para[i] = " ".join(REWORD.get(w, w) for w in para[i].split(" ")).replace(" the ", " this ", 1)
        changes.append("sentence reworded")
    variant = Article(doc_id, title, paragraphs, top=top, bottom=bottom, topic=base.topic, partner=partner)
    if rng.random() < 0.75:
        variant.title = _americanize(variant.title)
        variant.paragraphs = [[_americanize(s) for s in p] for p in variant.paragraphs]
        variant.bottom = [_americanize(s) for s in variant.bottom]
        changes.append("American spelling")
    return variant, changes


def make_same_topic(rng: random.Random, base: Article, doc_id: str) -> Article:
    """A different article on `base`'s topic; a third of them quote one of its paragraphs."""
    other = make_article(rng, doc_id, base.topic)
    if rng.random() < 1 / 3:
        quoted = list(rng.choice(base.paragraphs))
        other.paragraphs.insert(rng.randrange(len(other.paragraphs) + 1), quoted)
    return other


def _intro(rng: random.Random, base: Article) -> list[str]:
    """A new opening paragraph, written for the other partner's readers."""
    if base.topic in TOPICS and not base.doc_id.startswith("real-"):
        return [_fill(rng, rng.choice(TEMPLATES), TOPICS[base.topic]) for _ in range(rng.randint(2, 4))]
    words = [w for p in base.paragraphs for s in p for w in s.split()]
    pick = lambda n: " ".join(rng.sample(words, n))  # noqa: E731
    return [f"Our editors picked this piece on {pick(3)} for its take on {pick(2)}.",
            f"It asks what {' '.join(rng.sample(words, 2))} means for readers following {rng.choice(words)} this week."]


def make_excerpt(rng: random.Random, base: Article, doc_id: str) -> tuple[Article, list[str]]:
    """The other partner's copy of the first 20-60% of `base`'s paragraphs, then the usual
    cross-post changes, and a line sending readers to the rest."""
    share = rng.uniform(0.2, 0.6)
    keep = max(1, round(share * len(base.paragraphs)))
    cut = Article(base.doc_id, base.title, [list(p) for p in base.paragraphs[:keep]], list(base.top),
                  list(base.bottom), base.topic, base.partner)
    variant, changes = make_variant(rng, cut, doc_id)
    variant.bottom.insert(0, rng.choice(CONTINUE_READING))
    return variant, [f"excerpt {keep}/{len(base.paragraphs)} paragraphs", *changes]


def make_rewrite(rng: random.Random, base: Article, doc_id: str) -> tuple[Article, list[str]]:
    """The whole piece under a new headline with a new first paragraph, then the usual changes."""
    paragraphs = [list(p) for p in base.paragraphs]
    paragraphs[0] = _intro(rng, base)
    new = Article(base.doc_id, _headline(rng, base), paragraphs, list(base.top), list(base.bottom), base.topic,
                  base.partner)
    variant, changes = make_variant(rng, new, doc_id)
    return variant, ["new headline and intro", *changes]


def _headline(rng: random.Random, base: Article) -> str:
    """Another headline on the same subject: the base's key words in a new frame."""
    words = [w for w in base.title.replace(":", "").split() if len(w) > 3][:4]
    frame = rng.choice(["What {} tells us", "Inside {}", "{}: the view from the ground", "Explainer: {}"])
    return frame.format(" ".join(words))


def make_same_event(rng: random.Random, base: Article, doc_id: str, donor: Article | None = None) -> Article:
    """Another report of the same event: the base's headline words, and one of its paragraphs
    quoted. With a `donor` (a real article used nowhere else) its text, else generated on the
    base's topic."""
    if donor is not None:
        other = Article(doc_id, "", [list(p) for p in donor.paragraphs], topic=donor.topic, partner=donor.partner)
    else:
        other = make_article(rng, doc_id, base.topic)
    other.title = _headline(rng, base)
    quoted = list(rng.choice(base.paragraphs))
    other.paragraphs.insert(rng.randrange(1, len(other.paragraphs) + 1), quoted)
    return other


def real_articles(limit: int, data: Path = EXTRACTION_DEV) -> list[Article]:
    """English articles from the extraction dev set's ground truth as bases (none if absent)."""
    truth_file = data / "ground-truth.json"
    if not truth_file.is_file():
        return []
    truth = json.loads(truth_file.read_text(encoding="utf-8"))
    out: list[Article] = []
    for page_id in sorted(truth):
        body, url = truth[page_id]["articleBody"], truth[page_id]["url"]
        paras = [p.strip() for p in body.split("\n") if p.strip()]
        if len(body.split()) < 250 or len(paras) < 5 or sum(c.isascii() for c in body) < 0.95 * len(body):
            continue
        slug = [w for w in url.rstrip("/").rsplit("/", 1)[-1].split(".")[0].split("-") if w.isalpha()]
        title = _cap(" ".join(slug[:10])) or paras[0][:60]
        sentences = [[s for s in _SENTENCE.split(p) if s] for p in paras]
        out.append(Article(f"real-{page_id[:10]}", title, sentences, topic=sorted(TOPICS)[len(out) % len(TOPICS)],
                           partner=("lse", "cgsp")[len(out) % 2]))
        if len(out) == limit:
            break
    return out


_SENTENCE = re.compile(r"(?<=[.!?])\s+")

CONTINUE_READING = [
    "Read the full article on the original site.",
    "This is an excerpt. Continue reading at the publisher's website.",
    "Subscribe or log in to read the rest of this content.",
]


@dataclass
class Corpus:
    articles: list[Article]
    cluster: dict[str, str]  # doc id -> id of its group of copies
    changes: dict[str, list[str]]
    written_next_to: dict[str, str]  # same-topic or same-event article -> the base it was written beside
    kind: dict[str, str] = field(default_factory=dict)  # doc id -> base, cross-post, excerpt, rewrite, ...

    def true_pairs(self) -> set[frozenset[str]]:
        groups: dict[str, list[str]] = {}
        for doc, group in self.cluster.items():
            groups.setdefault(group, []).append(doc)
        return {frozenset(p) for docs in groups.values() for p in combinations(sorted(docs), 2)}

    def pair_kind(self, pair: frozenset[str]) -> str:
        """The kind of a pair of copies: the kinds of its non-base members, joined."""
        kinds = sorted({self.kind.get(d, "base") for d in pair} - {"base", "real-base"})
        return "+".join(kinds) or "base"


def make_corpus(
    seed: int, n_base: int, n_variants: int, n_same_topic: int, n_partial: int = 0, n_real: int = 0
) -> Corpus:
    """Bases, cross-posted variants and same-topic others (as before issue 14), then
    `n_partial` each of excerpts, rewrites and same-event pairs of further bases, and the same
    three kinds on up to `n_real` real articles."""
    rng = random.Random(seed)
    bases = [make_article(rng, f"base-{i:05d}") for i in range(n_base)]
    cluster = {a.doc_id: a.doc_id for a in bases}
    kind = {a.doc_id: "base" for a in bases}
    changes: dict[str, list[str]] = {}
    articles = list(bases)
    # Every sixth variant is a second copy of an already copied base: groups of three.
    sources: list[Article] = []
    for i in range(n_variants):
        sources.append(sources[-1] if i % 6 == 5 else bases[len(sources) - len(sources) // 6])
    for i, base in enumerate(sources):
        variant, applied = make_variant(rng, base, f"variant-{i:04d}")
        articles.append(variant)
        cluster[variant.doc_id] = base.doc_id
        changes[variant.doc_id] = applied
        kind[variant.doc_id] = "cross-post"
    beside: dict[str, str] = {}
    for i in range(n_same_topic):
        base = bases[rng.randrange(n_base)]
        other = make_same_topic(rng, base, f"other-{i:04d}")
        articles.append(other)
        cluster[other.doc_id] = other.doc_id
        beside[other.doc_id] = base.doc_id
        kind[other.doc_id] = "same-topic"
    # Partial copies and same-event pairs of bases nobody copied yet (bases are random texts,
    # so taking them from the end of the list takes them at random).
    def partial(prefix: str, sources: list[Article], donors: list[Article] | None) -> None:
        for i, base in enumerate(sources):
            for name, maker in (("excerpt", make_excerpt), ("rewrite", make_rewrite)):
                copy, applied = maker(rng, base, f"{prefix}{name}-{i:04d}")
                articles.append(copy)
                cluster[copy.doc_id] = base.doc_id
                changes[copy.doc_id] = applied
                kind[copy.doc_id] = f"{prefix}{name}"
            event = make_same_event(rng, base, f"{prefix}same-event-{i:04d}", donors[i] if donors else None)
            articles.append(event)
            cluster[event.doc_id] = event.doc_id
            beside[event.doc_id] = base.doc_id
            kind[event.doc_id] = f"{prefix}same-event"

    if n_partial:
        partial("", bases[-n_partial:], None)
    # Real pages in pairs: the first of each is a base, the second only lends its text to the
    # base's same-event partner (used once, so no two same-event articles are copies).
    pages = real_articles(2 * n_real) if n_real else []
    real, donors = pages[0::2], pages[1::2]
    real = real[: len(donors)]
    for base in real:
        articles.append(base)
        cluster[base.doc_id] = base.doc_id
        kind[base.doc_id] = "real-base"
    partial("real-", real, donors)
    return Corpus(articles, cluster, changes, beside, kind)



# ------------------------------------------------------------------------------ measurement


class ExtractionClock:
    """Times trafilatura extracting the seed article's demo page, on demand.

    The benchmark calls it between articles, so the extraction it compares against runs
    under the same load (other processes, CPU frequency) as the deduplication it measures:
    on a shared 2-core machine, timing the two minutes apart made the ratio swing by 2x.
    """

    def __init__(self) -> None:
        import trafilatura

        self._extract = trafilatura.extract
        self.html = DEMO_PAGE.read_text(encoding="utf-8")
        self._extract(self.html, include_comments=False)  # warm-up: imports, lazy tables
        self.times: list[float] = []

    def tick(self) -> None:
        start = time.perf_counter()
        self._extract(self.html, include_comments=False)
        self.times.append(time.perf_counter() - start)

    @property
    def mean(self) -> float:
        return statistics.fmean(self.times)


@dataclass
class QualityResult:
    precision: float
    recall: float
    true_pairs: int
    found_pairs: int
    false_merges: list[tuple[str, str, float]]
    missed: list[tuple[str, str, float]]
    lookup_reads: float
    lookup_writes: float
    add_reads: float
    add_writes: float
    seconds_per_article: float
    fingerprint_seconds: float
    pair_jaccard: list[float]
    pair_jaccard_no_spelling: list[float]
    negative_max_jaccard: float
    # issue 14: per kind of pair {kind: {"pairs", "found", "recall", "precision", "false"}}
    kinds: dict[str, dict[str, float]] = field(default_factory=dict)
    # share of the smaller text contained: true partial copies (excerpts, rewrites) and the
    # hardest negatives (same-topic with a quote, same-event), sorted
    partial_containment: list[float] = field(default_factory=list)
    negative_containment: list[float] = field(default_factory=list)


def partner_boilerplate(corpus: Corpus, min_share: float) -> frozenset[str]:
    """Each partner's common shingles (`text.common_shingles` over its pages in the corpus), as
    `LshIndex(ignore_shingles=...)` would get them from a partner's recent pages."""
    by_partner: dict[str, list[str]] = {}
    for art in corpus.articles:
        by_partner.setdefault(art.partner, []).append(art.text())
    return frozenset().union(*(common_shingles(texts, min_share) for texts in by_partner.values()))


def run_quality(
    corpus: Corpus, state_path: Path, seed: int, clock: ExtractionClock, ignore: frozenset[str] = frozenset()
) -> QualityResult:
    counting = CountingStateStore(SqliteStateStore(state_path))
    index = LshIndex(counting, ignore_shingles=ignore)
    order = list(corpus.articles)
    random.Random(seed + 1).shuffle(order)
    texts = {a.doc_id: a.text() for a in order}
    titles = {a.doc_id: a.title for a in order}
    found: dict[frozenset[str], float] = {}
    similar: list[tuple[str, str]] = []
    contained: list[Link] = []
    stored_fps: dict[str, Fingerprint] = {}
    lookup_reads = lookup_writes = add_reads = add_writes = 0
    fp_time = elapsed = 0.0
    for i, art in enumerate(order):
        if i % 10 == 0:
            clock.tick()
        t0 = start = time.perf_counter()
        fp = index.fingerprint(texts[art.doc_id])
        fp_time += time.perf_counter() - t0
        counting.reset()
        for match in index.find_duplicates(art.doc_id, fp):
            found[frozenset((art.doc_id, match.doc_id))] = match.jaccard
            if match.jaccard >= index.min_jaccard:
                similar.append((art.doc_id, match.doc_id))
            else:  # containment only: a link from the smaller copy to its container
                other = stored_fps[match.doc_id]
                small, large = (art.doc_id, match.doc_id) if smaller(art.doc_id, fp, match.doc_id, other) else (
                    match.doc_id, art.doc_id)
                contained.append(Link(small, large, match.containment,
                                      title_similarity(titles[small], titles[large])))
        stored_fps[art.doc_id] = fp
        lookup_reads += counting.reads
        lookup_writes += counting.writes
        counting.reset()
        index.add(art.doc_id, fp)
        add_reads += counting.reads
        add_writes += counting.writes
        elapsed += time.perf_counter() - start
    n = len(order)
    # The pipeline merges whole groups (dedup.groups: similarity links transitively, and each
    # copy's one best containment link), so a pair counts as merged when it ends in one group.
    direct = dict(found)
    found = {p: j for p, j in found.items() if j >= index.min_jaccard}  # kept only if grouped below
    for docs in groups(stored_fps, similar, contained):
        for pair in combinations(sorted(docs), 2):
            found.setdefault(frozenset(pair), direct.get(frozenset(pair), 0.0))
    # Copies contained in texts of different articles: where the choice of one container
    # decides between a merge and a false merge (the one-paragraph excerpt quoted elsewhere).
    best = best_containers(contained)
    for doc in sorted(best):
        rivals = sorted((lk for lk in contained if lk.small == doc), key=lambda lk: lk.large)
        if len({corpus.cluster[lk.large] for lk in rivals}) > 1:
            print(f"  {doc} contained in other articles: " + ", ".join(
                f"{lk.large}{' (chosen)' if best[doc] == lk else ''} share {lk.containment:.3f} "
                f"title {lk.title_similarity:.2f}" for lk in rivals))

    truth = corpus.true_pairs()
    true_found = [p for p in found if p in truth]
    fps: dict[str, Fingerprint] = {}

    def exact(pair: frozenset[str]) -> float:
        a, b = sorted(pair)
        for d in (a, b):
            if d not in fps:
                fps[d] = index.fingerprint(texts[d])
        return fps[a].jaccard(fps[b])

    def named(pair: frozenset[str], score: float) -> tuple[str, str, float]:
        a, b = sorted(pair)
        return a, b, score

    false_merges = sorted(named(p, j) for p, j in found.items() if p not in truth)
    for p, j in sorted(direct.items(), key=lambda x: sorted(x[0])):
        if p not in truth:
            a, b = sorted(p)
            exact(p)
            print(f"  direct false match {a} ~ {b}: Jaccard {j:.3f}, contained {fps[a].contained_share(fps[b]):.3f}, "
                  f"shingles {fps[a].shingle_count}/{fps[b].shingle_count}")
    missed = sorted(named(p, exact(p)) for p in truth if p not in found)
    for a, b, _j in missed[:10]:
        print(f"  missed {a} ~ {b}: smaller text {fps[a].contained_share(fps[b]):.3f} contained")
    pair_j = sorted([exact(p) for p in truth])

    def without_spelling_map(pair: frozenset[str]) -> float:
        """Jaccard with normalization but British and American spellings left apart."""
        a, b = (set(shingles(normalize_text(texts[d]).split())) for d in sorted(pair))
        return len(a & b) / len(a | b)

    pair_j_raw = sorted(without_spelling_map(p) for p in truth)
    # The hardest negatives: every same-topic article against the base it was written beside
    # (a third quote a paragraph of it), plus random pairs of articles on one topic.
    neg_scores = [exact(frozenset(pair)) for pair in corpus.written_next_to.items()]
    rng = random.Random(seed + 2)
    by_topic: dict[str, list[str]] = {}
    for art in corpus.articles:
        by_topic.setdefault(art.topic, []).append(art.doc_id)
    for _ in range(400):
        pair = frozenset(rng.sample(by_topic[rng.choice(sorted(by_topic))], 2))
        if pair not in truth:
            neg_scores.append(exact(pair))
    kinds: dict[str, dict[str, float]] = {
        name: {"pairs": 0, "found": 0, "false": 0} for name in set(corpus.kind.values()) - {"base", "real-base"}
    }
    for pair in truth:
        k = kinds.setdefault(corpus.pair_kind(pair), {"pairs": 0, "found": 0, "false": 0})
        k["pairs"] += 1
        k["found"] += pair in found
    for pair in found:
        if pair not in truth:
            for doc in pair:
                if corpus.kind.get(doc, "base") not in ("base", "real-base"):
                    kinds.setdefault(corpus.kind[doc], {"pairs": 0, "found": 0, "false": 0})["false"] += 1
    for k in kinds.values():
        k["recall"] = k["found"] / k["pairs"] if k["pairs"] else 1.0
        k["precision"] = k["found"] / (k["found"] + k["false"]) if k["found"] + k["false"] else 1.0

    def share(pair: frozenset[str]) -> float:
        exact(pair)
        a, b = sorted(pair)
        return fps[a].contained_share(fps[b])

    # Each partial copy against its base (an excerpt and a rewrite of one base may share
    # little directly: they are one record through the base).
    direct = ("excerpt", "rewrite", "real-excerpt", "real-rewrite")
    partial = sorted(share(p) for p in truth if corpus.pair_kind(p) in direct)
    negative = sorted(share(frozenset(pair)) for pair in corpus.written_next_to.items())
    return QualityResult(
        kinds=kinds,
        partial_containment=partial,
        negative_containment=negative,
        precision=len(true_found) / len(found) if found else 1.0,
        recall=len(true_found) / len(truth) if truth else 1.0,
        true_pairs=len(truth),
        found_pairs=len(found),
        false_merges=false_merges,
        missed=missed,
        lookup_reads=lookup_reads / n,
        lookup_writes=lookup_writes / n,
        add_reads=add_reads / n,
        add_writes=add_writes / n,
        seconds_per_article=elapsed / n,
        fingerprint_seconds=fp_time / n,
        pair_jaccard=pair_j,
        pair_jaccard_no_spelling=pair_j_raw,
        negative_max_jaccard=max(neg_scores, default=0.0),
    )


@dataclass
class ScaleResult:
    sizes: list[int]
    reads_per_lookup: list[float]
    candidates_per_lookup: list[float]
    rows_per_lookup: list[float]


def run_scale(sizes: list[int], n_probes: int, state_path: Path, seed: int) -> ScaleResult:
    """Reads per lookup for one fixed set of probe articles as the index grows to each size.

    Probes are fresh articles on the same topics (never added), so every candidate they find
    is an LSH false positive: exactly the cost that could grow with the corpus.
    """
    counting = CountingStateStore(SqliteStateStore(state_path))
    index = LshIndex(counting)
    probe_rng = random.Random(seed + 100)
    probes = [index.fingerprint(make_article(probe_rng, f"probe-{i}").text()) for i in range(n_probes)]
    result = ScaleResult([], [], [], [])
    added = 0
    for size in sizes:
        while added < size:
            # A new seed per article: texts differ as base articles do, none is a copy.
            art = make_article(random.Random(seed * 1_000_003 + added), f"scale-{added:06d}")
            index.add(art.doc_id, index.fingerprint(art.text()))
            added += 1
        reads = cands = rows = 0
        for i, fp in enumerate(probes):
            counting.reset()
            cands += len(index.candidates(fp))
            counting.reset()
            index.find_duplicates(f"probe-{i}", fp)
            reads += counting.reads
            rows += counting.counts.get("members", 0)
        result.sizes.append(size)
        result.reads_per_lookup.append(reads / n_probes)
        result.candidates_per_lookup.append(cands / n_probes)
        result.rows_per_lookup.append(rows / n_probes)
    return result


def _pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    return values[min(len(values) - 1, int(q * len(values)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a small corpus: a few seconds, for the test suite")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--ignore-boilerplate", type=float, metavar="SHARE", default=None,
        help="drop each partner's shingles found in at least SHARE of its pages before fingerprinting",
    )
    args = parser.parse_args(argv)
    if args.quick:
        n_base, n_var, n_other, n_partial, n_real, sizes, probes = 400, 120, 120, 60, 30, [200, 1000], 30
    else:
        n_base, n_var, n_other, n_partial, n_real, sizes, probes = 2000, 300, 300, 300, 200, [1000, 20000], 200

    t0 = time.perf_counter()
    corpus = make_corpus(args.seed, n_base, n_var, n_other, n_partial, n_real)
    words = [a.words() for a in corpus.articles]
    n_real_found = sum(1 for k in corpus.kind.values() if k == "real-base")
    print(
        f"corpus: {n_base} base + {n_var} cross-posted variants + {n_other} same-topic others "
        f"+ {n_partial} x (excerpt, rewrite, same-event) + {n_real_found} real articles x (itself, excerpt, "
        f"rewrite, same-event) = {len(corpus.articles)} articles, {min(words)}-{max(words)} words "
        f"(median {statistics.median(words):.0f}), generated in {time.perf_counter() - t0:.1f} s"
    )
    if not n_real_found:
        print(f"  (no real articles: {EXTRACTION_DEV} is absent)")
    clock = ExtractionClock()
    # The scale run only counts reads, and 20,000 adds are 660,000 SQLite commits: it runs in
    # memory-backed /dev/shm where there is one, so a busy disk cannot push it past minutes.
    shm = Path("/dev/shm")
    with (
        tempfile.TemporaryDirectory(prefix="dedup-bench-") as tmp,
        tempfile.TemporaryDirectory(prefix="dedup-bench-", dir=shm if shm.is_dir() else None) as fast_tmp,
    ):
        ignore: frozenset[str] = frozenset()
        if args.ignore_boilerplate is not None:
            ignore = partner_boilerplate(corpus, args.ignore_boilerplate)
            print(f"ignoring {len(ignore)} boilerplate shingles (in >= {args.ignore_boilerplate} of a partner's pages)")
        q = run_quality(corpus, Path(tmp) / "quality.sqlite", args.seed, clock, ignore)
        t1 = time.perf_counter()
        s = run_scale(sizes, probes, Path(fast_tmp) / "scale.sqlite", args.seed)
        scale_s = time.perf_counter() - t1

    print(f"duplicate pairs: {q.true_pairs} true, {q.found_pairs} found")
    print(f"precision {q.precision:.4f}  recall {q.recall:.4f}  false merges {len(q.false_merges)}")
    print(
        f"Jaccard of true pairs: min {q.pair_jaccard[0]:.3f}  p10 {_pct(q.pair_jaccard, 0.1):.3f}  "
        f"median {statistics.median(q.pair_jaccard):.3f}; same-topic different articles: max "
        f"{q.negative_max_jaccard:.3f} (threshold 0.5)"
    )
    raw = q.pair_jaccard_no_spelling
    print(
        f"  without the spelling table they would be: min {raw[0]:.3f}  p10 {_pct(raw, 0.1):.3f}  "
        f"median {statistics.median(raw):.3f}, {sum(j < 0.5 for j in raw)} pairs below 0.5"
    )
    for name in sorted(q.kinds):
        k = q.kinds[name]
        print(
            f"  {name:<28} pairs {int(k['pairs']):>4}  recall {k['recall']:.4f}  precision {k['precision']:.4f}"
            f"  false merges {int(k['false'])}"
        )
    pc, nc = q.partial_containment, q.negative_containment
    if pc and nc:
        print(
            f"share of the smaller text contained: partial copies min {pc[0]:.3f} p01 {_pct(pc, 0.01):.3f} "
            f"p05 {_pct(pc, 0.05):.3f} median {statistics.median(pc):.3f}; same-topic/same-event max {nc[-1]:.3f} "
            f"p99 {_pct(nc, 0.99):.3f} (threshold {DEFAULT_MIN_CONTAINMENT}: margins "
            f"{pc[0] - DEFAULT_MIN_CONTAINMENT:+.3f} / {DEFAULT_MIN_CONTAINMENT - nc[-1]:+.3f})"
        )
    for a, b, j in q.false_merges[:10]:
        print(f"  false merge {a} ~ {b}: Jaccard {j:.3f}")
    for a, b, j in q.missed[:10]:
        print(f"  missed {a} ~ {b}: Jaccard {j:.3f}; changes {corpus.changes.get(b) or corpus.changes.get(a)}")
    print(
        f"state per article: lookup {q.lookup_reads:.2f} reads / {q.lookup_writes:.2f} writes, "
        f"add {q.add_reads:.2f} reads / {q.add_writes:.2f} writes"
    )
    extract_s = clock.mean
    ratio = q.seconds_per_article / extract_s
    print(
        f"time per article (fingerprint + lookup + add on SQLite): {q.seconds_per_article * 1e3:.2f} ms "
        f"(fingerprint {q.fingerprint_seconds * 1e3:.2f} ms) = {ratio:.2f} x one trafilatura extraction "
        f"of the demo page ({extract_s * 1e3:.1f} ms, mean of {len(clock.times)} runs between articles)"
    )
    for size, reads, cands, rows in zip(
        s.sizes, s.reads_per_lookup, s.candidates_per_lookup, s.rows_per_lookup, strict=True
    ):
        print(
            f"at {size:>6} stored articles: {reads:.2f} reads per lookup "
            f"({cands:.2f} LSH candidates, {rows:.2f} band set members returned)"
        )
    flatness = s.reads_per_lookup[-1] / s.reads_per_lookup[0]
    print(f"reads per lookup {s.sizes[-1]} vs {s.sizes[0]}: x{flatness:.3f} (scale run {scale_s:.1f} s)")
    copy_kinds = {n: k for n, k in q.kinds.items() if k["pairs"]}
    ok = (
        q.precision >= TARGET_PRECISION
        and q.recall >= TARGET_RECALL
        and flatness <= TARGET_FLATNESS
        and all(k["recall"] >= TARGET_KIND_RECALL for k in copy_kinds.values())
        and not any(k["false"] for n, k in q.kinds.items() if "same-event" in n)
    )
    print(
        "targets:",
        "met" if ok else "MISSED",
        f"(precision >= {TARGET_PRECISION}, recall >= {TARGET_RECALL}, recall per kind >= {TARGET_KIND_RECALL}, "
        f"no same-event merge, reads x <= {TARGET_FLATNESS})",
    )
    summary = {
        "precision": round(q.precision, 5),
        "recall": round(q.recall, 5),
        "false_merges": len(q.false_merges),
        "true_pairs": q.true_pairs,
        "found_pairs": q.found_pairs,
        "lookup_reads": round(q.lookup_reads, 3),
        "lookup_writes": round(q.lookup_writes, 3),
        "add_reads": round(q.add_reads, 3),
        "add_writes": round(q.add_writes, 3),
        "time_vs_extraction": round(ratio, 4),
        "reads_per_lookup": {str(k): round(v, 3) for k, v in zip(s.sizes, s.reads_per_lookup, strict=True)},
        "flatness": round(flatness, 4),
        "kinds": {n: {"recall": round(k["recall"], 4), "precision": round(k["precision"], 4),
                      "pairs": int(k["pairs"]), "false": int(k["false"])} for n, k in sorted(q.kinds.items())},
        "containment_partial_min": round(pc[0], 4) if pc else None,
        "containment_negative_max": round(nc[-1], 4) if nc else None,
        "targets_met": ok,
    }
    print(json.dumps(summary, sort_keys=True))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
