// syndicate's reference embed: the latest partner articles from a JSON Feed, and search.
//
// Rules that keep it safe and honest:
// - Feed and search text is only ever set as text (textContent), never parsed as markup. The one
//   exception is an item's content_html, which syndicate sanitized before publishing; it is parsed
//   into an inert document and filtered again here against a small allow-list (defence in depth).
// - Links are followed only to http(s) URLs.
// - What an item shows follows its licence decision (_syndicate.licence.republish): `full` shows the
//   article, `excerpt` only the excerpt and "Read at the source", `link` only the link. Every item
//   carries its authors, original publisher, licence and attribution line.
"use strict";

(function () {
  const root = document.getElementById("syndicate");
  if (!root) return;
  const $ = (id) => document.getElementById(id);
  const list = $("items"), more = $("more"), status = $("status"), form = $("search");
  let nextUrl = null;
  let config = { feed_url: root.dataset.feed || "../feed.json", search_url: root.dataset.search || "", partners: [] };

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value !== undefined && value !== null && value !== "") node.setAttribute(name, value);
    }
    for (const child of children) {
      if (child === null || child === undefined || child === "") continue;
      node.append(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return node;
  }

  function safeHref(value, base) {
    if (typeof value !== "string" || !value) return null;
    try {
      const url = new URL(value, base || document.baseURI);
      return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
    } catch (_) {
      return null;
    }
  }

  function link(text, href) {
    const safe = safeHref(href);
    return safe ? el("a", { href: safe, rel: "noopener noreferrer" }, text) : el("span", {}, text);
  }

  function text(value) {
    return typeof value === "string" ? value : "";
  }

  // ---- content_html: already sanitized by syndicate; filtered again against an allow-list
  const ALLOWED = new Set(["P", "A", "EM", "STRONG", "B", "I", "U", "S", "UL", "OL", "LI", "BLOCKQUOTE", "Q",
    "H2", "H3", "H4", "H5", "H6", "FIGURE", "FIGCAPTION", "IMG", "BR", "HR", "CODE", "PRE", "TABLE", "THEAD",
    "TBODY", "TR", "TH", "TD", "SUP", "SUB", "SMALL", "SPAN", "CITE", "ABBR", "DIV"]);
  const DROP = new Set(["SCRIPT", "STYLE", "IFRAME", "OBJECT", "EMBED", "FORM", "INPUT", "BUTTON", "TEXTAREA",
    "SELECT", "SVG", "MATH", "TEMPLATE", "NOSCRIPT", "LINK", "META", "BASE", "FRAME", "FRAMESET", "VIDEO", "AUDIO"]);
  const ATTRIBUTES = { A: ["href", "title"], IMG: ["src", "alt", "width", "height"], ABBR: ["title"],
    TD: ["colspan", "rowspan"], TH: ["colspan", "rowspan"] };

  function cleanInto(target, source) {
    for (const node of Array.from(source.childNodes)) {
      if (node.nodeType === Node.TEXT_NODE) {
        target.append(document.createTextNode(node.data));
      } else if (node.nodeType === Node.ELEMENT_NODE) {
        const tag = node.tagName.toUpperCase();
        if (DROP.has(tag)) continue;
        if (!ALLOWED.has(tag)) { cleanInto(target, node); continue; }
        const copy = document.createElement(tag.toLowerCase());
        for (const name of ATTRIBUTES[tag] || []) {
          const value = node.getAttribute(name);
          if (value === null) continue;
          if (name === "href" || name === "src") {
            const safe = safeHref(value, "about:blank");  // absolute http(s) only, as syndicate writes them
            if (safe) copy.setAttribute(name, safe);
          } else {
            copy.setAttribute(name, value);
          }
        }
        if (tag === "A") copy.setAttribute("rel", "noopener noreferrer");
        if (tag === "IMG") copy.setAttribute("loading", "lazy");
        cleanInto(copy, node);
        target.append(copy);
      }
    }
  }

  function sanitizedContent(html) {
    // A document with no browsing context is inert: nothing in it loads, runs or fires events,
    // and only cleanInto's copies of allowed elements ever reach the page.
    const inert = document.implementation.createHTMLDocument("");
    inert.body.innerHTML = html;
    const box = el("div", { class: "content" });
    cleanInto(box, inert.body);
    return box;
  }

  // ---- one item
  function licenceBadge(licence) {
    const spdx = text(licence && licence.spdx) || "unknown licence";
    const label = spdx.replace(/^LicenseRef-/, "").replace(/^CC-/, "CC ").replace(/-(\d)/, " $1").replace(/-/g, " ");
    const open = /^CC-BY|^CC0/.test(spdx);
    const badge = link(label, licence && licence.url);
    badge.className = "licence" + (open ? "" : " restricted");
    badge.title = "Licence: " + spdx;
    return badge;
  }

  function authorsOf(item) {
    const authors = Array.isArray(item.authors) ? item.authors : [];
    const out = el("span", { class: "authors" });
    authors.forEach((a, i) => {
      if (i) out.append(document.createTextNode(i === authors.length - 1 ? " and " : ", "));
      out.append(link(text(a && a.name) || "unknown", a && a.url));
    });
    return authors.length ? out : null;
  }

  function renderItem(item) {
    const ext = item._syndicate || {};
    const licence = ext.licence || {};
    const decision = licence.republish === "full" || licence.republish === "excerpt" ? licence.republish : "link";
    const source = safeHref(ext.canonical_url) || safeHref(item.url);
    const publisher = ext.original_publisher || {};
    const li = el("li", { class: "item", "data-decision": decision, "data-id": text(item.id) });
    li.append(el("h2", {}, link(text(item.title) || "(untitled)", source)));
    const date = text(item.date_published).slice(0, 10);
    const by = authorsOf(item);
    const meta = el("p", { class: "meta" });
    if (by) meta.append("By ", by, " · ");
    meta.append("Originally published by ", link(text(publisher.name) || text(ext.partner), publisher.url || source));
    if (date) meta.append(" · ", el("time", { datetime: date }, date));
    meta.append(" ", licenceBadge(licence));
    li.append(meta);
    if (decision === "full" && typeof item.content_html === "string") {
      const details = el("details", {}, el("summary", {}, "Read the article"));
      details.append(sanitizedContent(item.content_html));
      li.append(details);
    } else if (decision === "excerpt") {
      li.append(el("p", { class: "excerpt" }, text(item.content_text) || text(item.summary)));
    }
    if (decision !== "full") {
      li.append(el("p", {}, link("Read at the source", source)));
      li.lastChild.firstChild.classList.add("read-source");
    }
    if (ext.attribution) li.append(el("p", { class: "attribution" }, text(ext.attribution)));
    return li;
  }

  // ---- the feed, page by page
  async function getJson(url) {
    const response = await fetch(url, { headers: { Accept: "application/feed+json, application/json" } });
    if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
    return response.json();
  }

  async function loadPage(url) {
    const page = await getJson(url);
    if (page.title && !list.childElementCount) $("feed-title").textContent = text(page.title);
    for (const item of Array.isArray(page.items) ? page.items : []) list.append(renderItem(item));
    nextUrl = safeHref(page.next_url, url);
    more.hidden = !nextUrl;
  }

  async function showLatest() {
    list.replaceChildren();
    status.textContent = "";
    $("clear").hidden = true;
    try {
      await loadPage(new URL(config.feed_url, document.baseURI).href);
      if (!list.childElementCount) status.textContent = "No articles yet.";
    } catch (err) {
      status.textContent = "Could not load the feed (" + err.message + ").";
    }
  }

  // ---- search
  function snippetOf(hit) {
    const snippet = text(hit.snippet);
    const p = el("p", { class: "snippet" });
    let at = 0;
    const spans = Array.isArray(hit.snippet_highlights) ? hit.snippet_highlights : [];
    for (const [start, end] of spans) {
      if (!(Number.isInteger(start) && Number.isInteger(end)) || start < at || end > snippet.length) continue;
      p.append(snippet.slice(at, start), el("mark", {}, snippet.slice(start, end)));
      at = end;
    }
    p.append(snippet.slice(at));
    return snippet ? p : null;
  }

  function renderHit(hit) {
    const li = el("li", { class: "item hit", "data-decision": text(hit.decision), "data-id": text(hit.id) });
    li.append(el("h2", {}, link(text(hit.title) || "(untitled)", hit.url)));
    const meta = el("p", { class: "meta" });
    const names = (Array.isArray(hit.authors) ? hit.authors : []).map((a) => text(typeof a === "string" ? a : a && a.name));
    if (names.length) meta.append("By " + names.join(", ") + " · ");
    meta.append(text(hit.partner));
    if (hit.date) meta.append(" · ", el("time", { datetime: text(hit.date).slice(0, 10) }, text(hit.date).slice(0, 10)));
    meta.append(" ", licenceBadge({ spdx: text(hit.licence) }));
    li.append(meta);
    const snippet = snippetOf(hit);
    if (snippet) li.append(snippet);
    return li;
  }

  async function search(event) {
    event.preventDefault();
    const params = new URLSearchParams();
    for (const name of ["q", "partner", "author"]) {
      const value = $(name).value.trim();
      if (value) params.set(name, value);
    }
    more.hidden = true;
    list.replaceChildren();
    status.textContent = "Searching…";
    try {
      const answer = await getJson(config.search_url + (config.search_url.includes("?") ? "&" : "?") + params);
      const hits = Array.isArray(answer.hits) ? answer.hits : [];
      for (const hit of hits) list.append(renderHit(hit));
      status.textContent = hits.length ? `${answer.total ?? hits.length} result(s)` : "Nothing found.";
    } catch (err) {
      status.textContent = "Search failed (" + err.message + ").";
    }
    $("clear").hidden = false;
  }

  async function start() {
    // A copy embedded elsewhere says where things are with data-feed / data-search on #syndicate;
    // the copy `syndicate publish` deploys beside the feed reads its config.json.
    if (!root.dataset.feed) {
      try {
        config = Object.assign(config, await getJson("config.json"));
      } catch (err) {
        status.textContent = "No config.json (" + err.message + "); trying ../feed.json.";
      }
    }
    if (config.search_url && safeHref(config.search_url)) {
      const select = $("partner");
      for (const p of Array.isArray(config.partners) ? config.partners : []) {
        select.append(el("option", { value: text(p.id) }, text(p.name) || text(p.id)));
      }
      form.hidden = false;
      form.addEventListener("submit", search);
      $("clear").addEventListener("click", showLatest);
    }
    more.addEventListener("click", async () => {
      if (!nextUrl) return;
      more.disabled = true;
      try { await loadPage(nextUrl); } catch (err) { status.textContent = "Could not load more (" + err.message + ")."; }
      more.disabled = false;
    });
    await showLatest();
  }

  start();
})();
