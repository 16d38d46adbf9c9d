"""Sanitized content_html in a real browser: no hostile fragment may run a script.

Every fragment goes through `syndicate.extract.sanitize_html` with a partner page as base URL,
the results are rendered together by headless Chromium (see conftest.py for the harness),
and the page must show no alert/confirm/prompt, no native dialog and no request off loopback.
Positive controls put ONE fragment back unsanitized on the same page and must be caught, so
a silent harness cannot pass for a safe sanitizer.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import lxml.html
import pytest

from syndicate.extract import sanitize_html

BASE_URL = "https://blogs.lse.ac.uk/cff/post/"

# Each payload names its own case, so a hit says which fragment got through.
HOSTILE = [
    ("script", "<script>alert('script')</script>"),
    ("script-src", "<script src=\"/xss.js\"></script>"),
    ("script-case", "<ScRiPt>alert('script-case')</sCrIpT>"),
    ("script-split", "<scr<script>ipt>alert('script-split')</scr</script>ipt>"),
    ("img-onerror", "<img src=x onerror=\"alert('img-onerror')\">"),
    ("img-onerror-eval", "<img src=x:alert(alt) onerror=eval(src) alt=img-onerror-eval>"),
    ("img-js-src", "<img src=\"javascript:alert('img-js-src')\">"),
    ("img-quote-break", "<img \"\"\"><script>alert('img-quote-break')</script>\">"),
    ("svg-onload", "<svg onload=\"alert('svg-onload')\"></svg>"),
    ("svg-script", "<svg><script>alert('svg-script')</script></svg>"),
    ("svg-animate", "<svg><animate onbegin=\"alert('svg-animate')\" attributeName=x dur=1s></animate></svg>"),
    ("svg-xlink", "<svg><a xlink:href=\"javascript:alert('svg-xlink')\"><text x=20 y=20>svg link</text></a></svg>"),
    ("svg-style-mxss", "<div><svg><style><img src=x onerror=\"alert('svg-style-mxss')\"></style></svg></div>"),
    ("body-onload", "<body onload=\"alert('body-onload')\">body</body>"),
    ("details-ontoggle", "<details open ontoggle=\"alert('details-ontoggle')\"><summary>s</summary>d</details>"),
    ("p-onmouseover", "<p onmouseover=\"alert('p-onmouseover')\">hover me</p>"),
    ("a-onclick", "<a href=\"https://blogs.lse.ac.uk/\" onclick=\"alert('a-onclick')\">link</a>"),
    ("input-autofocus", "<input autofocus onfocus=\"alert('input-autofocus')\">"),
    ("marquee-onstart", "<marquee onstart=\"alert('marquee-onstart')\">m</marquee>"),
    ("video-source-onerror", "<video><source onerror=\"alert('video-source-onerror')\"></video>"),
    ("a-js", "<a href=\"javascript:alert('a-js')\">js link</a>"),
    ("a-js-case", "<a href=\"JaVaScRiPt:alert('a-js-case')\">js link</a>"),
    ("a-js-space", "<a href=\"  javascript:alert('a-js-space')\">js link</a>"),
    ("a-js-tab", "<a href=\"jav&#x09;ascript:alert('a-js-tab')\">js link</a>"),
    ("a-js-entities",
     "<a href=\"&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert('a-js-entities')\">js</a>"),
    ("a-js-hex-entities",
     "<a href=\"&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;alert('a-js-hex-entities')\">js</a>"),
    ("a-js-colon-entity", "<a href=\"javascript&colon;alert('a-js-colon-entity')\">js</a>"),
    ("a-vbscript", "<a href=\"vbscript:msgbox('a-vbscript')\">vb</a>"),
    ("a-data-html", "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgnYS1kYXRhLWh0bWwnKTwvc2NyaXB0Pg==\">data</a>"),
    ("form-formaction", "<form><button formaction=\"javascript:alert('form-formaction')\">go</button></form>"),
    ("form-action", "<form action=\"javascript:alert('form-action')\"><input type=submit value=go></form>"),
    ("iframe-js", "<iframe src=\"javascript:alert('iframe-js')\"></iframe>"),
    ("iframe-srcdoc", "<iframe srcdoc=\"<script>alert('iframe-srcdoc')</script>\"></iframe>"),
    ("iframe-data", "<iframe src=\"data:text/html,<script>alert('iframe-data')</script>\"></iframe>"),
    ("object-js", "<object data=\"javascript:alert('object-js')\"></object>"),
    ("object-data", "<object data=\"data:text/html,<script>alert('object-data')</script>\"></object>"),
    ("embed-js", "<embed src=\"javascript:alert('embed-js')\">"),
    ("style-expression", "<div style=\"width:expression(alert('style-expression'))\">expr</div>"),
    ("style-url-js", "<div style=\"background:url(javascript:alert('style-url-js'))\">bg</div>"),
    ("style-tag-import", "<style>@import 'javascript:alert(1)';</style><p>styled</p>"),
    ("link-stylesheet", "<link rel=stylesheet href=\"javascript:alert('link-stylesheet')\">"),
    ("meta-refresh", "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert('meta-refresh')\">"),
    ("base-href", "<base href=\"javascript:alert('base-href')//\"><a href=\"rel\">relative</a>"),
    ("table-background", "<table background=\"javascript:alert('table-background')\"><tr><td>t</td></tr></table>"),
    ("math-mxss",
     "<math><mtext><table><mglyph><style><img src=x onerror=\"alert('math-mxss')\">"
     "</style></mglyph></table></mtext></math>"),
    ("noscript-mxss", "<noscript><p title=\"</noscript><img src=x onerror=alert('noscript-mxss')>\"></p></noscript>"),
    ("xmp-mxss", "<xmp><p title=\"</xmp><img src=x onerror=alert('xmp-mxss')>\"></p></xmp>"),
    ("comment-break", "<!--<img src=\"--><img src=x onerror=alert('comment-break')//\">"),
    ("comment-bang", "<!--!><img src=x onerror=alert('comment-bang')>-->"),
    ("template-mxss",
     "<select><template><style><!--</style><a rel=\"--></style></template></select>"
     "<img src=x onerror=alert('template-mxss')>\">"),
    ("title-break", "<title><img src=x onerror=alert('title-break')></title>"),
    ("textarea-break", "<textarea></textarea><img src=x onerror=alert('textarea-break')></textarea>"),
    ("a-title-break", "<a title=\"&quot;><img src=x onerror=alert('a-title-break')>\" href=\"/ok\">t</a>"),
    ("direct-push", "<img src=x onerror=\"window.__xss.push('direct-push')\">"),
    # Escaped markup is text and must stay text: at the very start of the fragment (where the
    # link pass once joined the leading text back unescaped), in a tag the sanitizer strips,
    # after a comment. A live <img> here would ask tracker.test for its pixel.
    ("escaped-leading",
     "&lt;a href=\"javascript:alert('escaped-leading')\"&gt;&lt;img src=https://tracker.test/lead.gif "
     "onerror=alert('escaped-leading')&gt;&lt;/a&gt; is text<p>after</p>"),
    ("escaped-in-stripped-div",
     "<div>&lt;img src=https://tracker.test/div.gif onerror=alert('escaped-in-stripped-div')&gt;</div><p>p</p>"),
    ("escaped-after-comment",
     "<!-- c -->&lt;img src=https://tracker.test/comment.gif onerror=alert('escaped-after-comment')&gt;"),
    ("escaped-double", "&amp;lt;img src=https://tracker.test/double.gif onerror=alert('escaped-double')&amp;gt;"),
]
NAMES = [name for name, _ in HOSTILE]
#: Fragments whose markup is escaped: after sanitizing, their text still says what they said.
ESCAPED = {
    "escaped-leading": "<a href=\"javascript:alert('escaped-leading')\"><img src=https://tracker.test/lead.gif",
    "escaped-in-stripped-div": "<img src=https://tracker.test/div.gif onerror=",
    "escaped-after-comment": "<img src=https://tracker.test/comment.gif onerror=",
    "escaped-double": "&lt;img src=https://tracker.test/double.gif",
}

#: Raw fragments for the positive controls, one per way a script gets triggered.
CONTROLS = {
    "img-onerror": "on load (an image that fails)",
    "p-onmouseover": "on hover",
    "a-js": "on click (javascript: URL)",
}
#: Raw fragments the all-raw page must catch too: focus, a cross-origin frame, an external script.
ALSO_CAUGHT_RAW = {"input-autofocus", "iframe-data", "script-src", "svg-onload", "details-ontoggle", "a-js-entities"}

DANGEROUS_TAGS = {"script", "iframe", "object", "embed", "style", "link", "meta", "base", "form", "svg", "math",
                  "frame", "frameset", "applet", "template", "noscript", "input", "button", "textarea", "select"}
URL_ATTRS = {"href", "src", "action", "formaction", "data", "background", "poster", "xlink:href", "srcdoc"}
_CONTROL_CHARS = re.compile(r"[\x00-\x20]+")


@pytest.fixture(scope="module")
def sanitized() -> list[tuple[str, str]]:
    return [(name, sanitize_html(html, BASE_URL)) for name, html in HOSTILE]


def test_the_list_covers_every_family_of_attack():
    assert len(HOSTILE) >= 25
    assert len(set(NAMES)) == len(NAMES)
    joined = " ".join(html.lower() for _, html in HOSTILE)
    for needle in ("<script", "onerror", "onload", "ontoggle", "javascript:", "vbscript:", "data:text/html",
                   "formaction", "<iframe", "<object", "<embed", "expression(", "url(javascript", "http-equiv",
                   "<base", "<svg", "<math", "<!--", "&#106;"):
        assert needle in joined, needle


def test_sanitized_markup_has_nothing_active(sanitized):
    """The static half: what the browser will be given holds no active element, handler or URL."""
    for name, html in sanitized:
        if not html.strip():
            continue
        root = lxml.html.fragment_fromstring(html, create_parent="div")
        for el in root.iter():
            if not isinstance(el.tag, str):
                continue
            assert el.tag not in DANGEROUS_TAGS, (name, html)
            for attr, value in el.attrib.items():
                assert not attr.lower().startswith("on"), (name, html)
                assert attr.lower() != "style", (name, html)
                if attr.lower() in URL_ATTRS:
                    scheme = urlsplit(_CONTROL_CHARS.sub("", value)).scheme.lower()
                    assert scheme in ("", "http", "https", "mailto"), (name, attr, value)


def test_escaped_markup_stays_escaped(sanitized):
    """Escaped markup comes out as the same text, not as elements: no <a>, no <img>."""
    out = dict(sanitized)
    for name, text in ESCAPED.items():
        root = lxml.html.fragment_fromstring(out[name], create_parent="div")
        assert [el.tag for el in root.iter() if el.tag in ("a", "img")] == [], (name, out[name])
        assert text in root.text_content(), (name, out[name])


def test_no_hostile_fragment_runs_a_script_in_chromium(harness, sanitized):
    outcome = harness.run(sanitized)
    assert outcome.elements > 0
    assert outcome.hits == [], f"script ran: {outcome.hits}"
    assert outcome.dialogs == [], f"dialog opened: {outcome.dialogs}"
    assert outcome.final_url == outcome.page_url, "the page navigated away (meta refresh, base, form?)"
    _assert_nothing_left_loopback(outcome)


@pytest.mark.parametrize("name", sorted(CONTROLS))
def test_positive_control_one_raw_fragment_is_caught(harness, sanitized, name):
    """The same page with one fragment left unsanitized must trigger, or the harness is blind."""
    raw = dict(HOSTILE)[name]
    page = [(n, raw if n == name else html) for n, html in sanitized]
    outcome = harness.run(page)
    seen = _names(outcome)
    assert name in seen, f"{name} ({CONTROLS[name]}) was not detected; saw {outcome.hits + outcome.dialogs}"
    assert seen == {name}, f"sanitized fragments ran next to the raw {name}: {sorted(seen - {name})}"
    _assert_nothing_left_loopback(outcome)


def test_harness_catches_most_raw_fragments(harness):
    """Unsanitized, the list is dangerous: the harness must see most of it run, by every trigger."""
    outcome = harness.run(HOSTILE)
    caught = _names(outcome) & set(NAMES)
    assert caught >= ALSO_CAUGHT_RAW, sorted(ALSO_CAUGHT_RAW - caught)
    assert len(caught) >= 30, f"only {len(caught)} of {len(NAMES)} raw fragments detected: {sorted(caught)}"
    _assert_nothing_left_loopback(outcome)


def _names(outcome) -> set[str]:
    """The case names the payloads reported: every hit ends with ':<the alert's argument>'."""
    return {message.rsplit(":", 1)[-1] for message in outcome.hits + outcome.dialogs}


def _assert_nothing_left_loopback(outcome):
    """No request reached past loopback.

    Sanitizing makes relative image URLs absolute against the partner page, so Chromium does
    ask for those images; the route aborts them. Those are the only off-loopback requests we
    accept to see attempted, and none of them may have finished.
    """
    assert outcome.finished_elsewhere == [], outcome.finished_elsewhere
    base_host = urlsplit(BASE_URL).hostname
    for url, kind in outcome.blocked:
        assert kind == "image" and urlsplit(url).hostname == base_host, (url, kind)
