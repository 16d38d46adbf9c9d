"""The SearchIndex on tantivy, kept in the object store the way Quickwit keeps its splits.

Layout (keys relative to the store, e.g. `search/` in the bucket):

    segments/<segment>.<ext>           tantivy's files, immutable: a name is never rewritten
    segments/<segment>.<opstamp>.del   a segment's deletions as of one commit (a new name each time)
    index.json                         the pointer: tantivy's meta.json, the files it needs with
                                       their sizes, the generation, the files it retired

A commit reads the pointer (with its ETag), links the files it names into a fresh working
folder from a local cache (downloading only what the cache lacks), lets tantivy add the queued
documents as one new segment (and delete the replaced ones), uploads the files that are new,
and writes the pointer last with If-Match on the ETag it read (If-None-Match for the first).
A writer that lost that race deletes what it uploaded and starts again from the newer
pointer, so two commits at once never lose a document. Files a commit retires (merged or
superseded segments, old delete files) stay in the store for one more generation, for readers
that are still loading the previous pointer, and are deleted by the commit after.

Merges: tantivy's log merge policy runs inside the commit (we wait for it), merging segments
of similar size once eight of them have accumulated; the merged segment is uploaded like any
new one. So the segment count stays bounded without a separate compaction job.

Readers (the search API, `syndicate search`) check the pointer with a conditional GET (at most
every `refresh_seconds`) and open the same files from their own cache.

tantivy is imported on first use: the poll and ingest functions build the same Services but
never search, and their Lambda layer does not carry tantivy.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from ..ports import UNCHANGED, ObjectStore, PreconditionFailed
from ..text.cut import cut_at_word
from . import CommitReport, SearchDoc, SearchHit, SearchQuery, SearchResults

if TYPE_CHECKING:
    import tantivy

log = logging.getLogger("syndicate.search")

POINTER_KEY = "index.json"
SEGMENTS_PREFIX = "segments/"
#: Bumped when the schema below changes: an index of another format is rebuilt, not read.
FORMAT = 1
SEGMENT_CONTENT_TYPE = "application/octet-stream"
SNIPPET_CHARS = 240
#: The widest date range tantivy stores (nanoseconds in an i64): open ends of a date filter.
EARLIEST = datetime(1678, 1, 1, tzinfo=UTC)
LATEST = datetime(2262, 1, 1, tzinfo=UTC)
#: Working folders older than this are left-overs of a crashed process.
STALE_WORK_SECONDS = 3600.0


class SearchConflict(RuntimeError):
    """Other writers kept moving the pointer; the queued changes are kept for the next commit."""


class _MissingSegment(Exception):
    """A file the pointer names is gone: the pointer moved on twice while we were loading it."""


def _tantivy() -> Any:
    import tantivy

    return tantivy


def build_schema() -> tantivy.Schema:
    """The fields: searchable text (title, authors, text), filters (partners, licence, date),
    and `meta`, stored only, with what a hit shows."""
    tv = _tantivy()
    sb = tv.SchemaBuilder()
    sb.add_text_field("id", stored=True, tokenizer_name="raw")
    sb.add_text_field("title", stored=True, tokenizer_name="en_stem")
    sb.add_text_field("authors", stored=True, tokenizer_name="default")
    sb.add_text_field("text", stored=True, tokenizer_name="en_stem")
    sb.add_text_field("partners", tokenizer_name="raw")
    sb.add_text_field("licence", tokenizer_name="raw")
    sb.add_date_field("date", indexed=True, fast=True)
    sb.add_bytes_field("meta", stored=True)
    return sb.build()


def parse_date(value: str | None) -> datetime | None:
    """An ISO 8601 timestamp (or day) as an aware UTC datetime; None when absent or unreadable."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        try:
            parsed = datetime.combine(date.fromisoformat(value[:10]), datetime.min.time())
        except ValueError:
            return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def char_ranges(text: str, byte_ranges: Sequence[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    """tantivy reports UTF-8 byte offsets; the API promises character offsets."""
    raw = text.encode("utf-8")

    def chars(n: int) -> int:
        return len(raw[:n].decode("utf-8", errors="ignore"))

    return tuple((chars(start), chars(end)) for start, end in byte_ranges if end > start)


def name_tokens(name: str) -> list[str]:
    """An author name as the `default` tokenizer splits it: alphanumeric runs, lower-cased."""
    out: list[str] = []
    word = ""
    for ch in name:
        if ch.isalnum():
            word += ch.lower()
        elif word:
            out.append(word)
            word = ""
    if word:
        out.append(word)
    return [w for w in out if len(w) < 40]


@dataclass
class _View:
    etag: str
    generation: int
    index: Any
    folder: Path


class TantivySearchIndex:
    """See the module docstring. `store` is the search prefix of the bucket (or a folder);
    `cache_dir` a local folder this process may fill (Lambda: under /tmp)."""

    def __init__(
        self,
        store: ObjectStore,
        cache_dir: Path | str,
        *,
        refresh_seconds: float = 0.0,
        heap_bytes: int = 50_000_000,
        attempts: int = 5,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.cache_dir = Path(cache_dir)
        self.refresh_seconds = refresh_seconds
        self.heap_bytes = heap_bytes
        self.attempts = attempts
        self._monotonic = monotonic
        self._upserts: dict[str, SearchDoc] = {}
        self._deletes: set[str] = set()
        self._lock = threading.RLock()
        self._view: _View | None = None
        self._checked_at = float("-inf")
        self._schema: Any = None

    def __repr__(self) -> str:
        return f"TantivySearchIndex({self.store!r}, cache={str(self.cache_dir)!r})"

    # ------------------------------------------------------------------ writing
    def upsert(self, docs: Sequence[SearchDoc]) -> None:
        with self._lock:
            for doc in docs:
                self._deletes.discard(doc.id)
                self._upserts[doc.id] = doc

    def delete(self, ids: Sequence[str]) -> None:
        with self._lock:
            for record_id in ids:
                self._upserts.pop(record_id, None)
                self._deletes.add(record_id)

    def exists(self) -> bool:
        return self.store.get(POINTER_KEY) is not None

    def pointer(self) -> dict[str, Any] | None:
        """The committed pointer as stored (for tests, the bench and `syndicate search --stats`)."""
        raw = self.store.get(POINTER_KEY)
        return json.loads(raw) if raw is not None else None

    def commit(self) -> CommitReport:
        with self._lock:
            if not self._upserts and not self._deletes:
                return CommitReport()
            for attempt in range(1, self.attempts + 1):
                current = self.store.get_with_etag(POINTER_KEY)
                pointer = json.loads(current[0]) if current else None
                if pointer is not None and pointer.get("format") != FORMAT:
                    raise SearchConflict(
                        f"the index in {self.store!r} has format {pointer.get('format')}, this code writes {FORMAT}: "
                        "rebuild it (syndicate.search.update.rebuild)"
                    )
                try:
                    report = self._commit_on(pointer, current[1] if current else None)
                except (PreconditionFailed, _MissingSegment) as exc:
                    log.info("search commit lost a race (%s); retrying from the newer index", exc)
                    continue
                report.attempts = attempt
                self._upserts.clear()
                self._deletes.clear()
                return report
            raise SearchConflict(f"gave up after {self.attempts} attempts: the search pointer kept changing")

    def _commit_on(self, pointer: dict[str, Any] | None, etag: str | None) -> CommitReport:
        tv = _tantivy()
        report = CommitReport(upserted=len(self._upserts), deleted=len(self._deletes))
        self._prune_stale_folders()
        work = self._checkout(pointer, "work-")
        uploaded: list[str] = []
        try:
            index = tv.Index.open(str(work)) if pointer else tv.Index(self._get_schema(), path=str(work))
            writer = index.writer(heap_size=self.heap_bytes, num_threads=1)
            for record_id in [*self._deletes, *self._upserts]:
                writer.delete_documents_by_term("id", record_id)
            for doc in self._upserts.values():
                writer.add_document(self._document(doc))
            writer.commit()
            writer.wait_merging_threads()  # merges triggered by this commit land in its meta.json
            meta = json.loads((work / "meta.json").read_text())
            live = _live_files(work, meta)
            before: dict[str, int] = dict(pointer["files"]) if pointer else {}
            for name in sorted(set(live) - set(before)):
                body = (work / name).read_bytes()
                self.store.put(SEGMENTS_PREFIX + name, body, SEGMENT_CONTENT_TYPE)
                uploaded.append(name)
                report.objects_written += 1
                report.bytes_written += len(body)
                self._add_to_pool(work / name, name)
            new_pointer = {
                "format": FORMAT,
                "generation": (pointer["generation"] + 1) if pointer else 1,
                "committed_at": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
                "meta": meta,
                "files": live,
                "retired": sorted(set(before) - set(live)),
            }
            body = json.dumps(new_pointer, sort_keys=True).encode()
            self.store.put(POINTER_KEY, body, "application/json", if_match=etag, if_none_match=etag is None)
            report.objects_written += 1
            report.bytes_written += len(body)
        except BaseException:
            for name in uploaded:  # never referenced by a pointer: nobody can be reading them
                self.store.delete(SEGMENTS_PREFIX + name)
            raise
        finally:
            shutil.rmtree(work, ignore_errors=True)
        # Files the previous commit retired have been unreferenced for a whole generation now.
        for name in (pointer or {}).get("retired", []):
            self.store.delete(SEGMENTS_PREFIX + name)
            report.objects_deleted += 1
        self._prune_pool(set(live) | set(new_pointer["retired"]))
        report.segments = len(meta["segments"])
        report.docs = sum(
            s["max_doc"] - ((s.get("deletes") or {}).get("num_deleted_docs") or 0) for s in meta["segments"]
        )
        return report

    def _get_schema(self) -> Any:
        if self._schema is None:
            self._schema = build_schema()
        return self._schema

    def _document(self, doc: SearchDoc) -> Any:
        tv = _tantivy()
        out = tv.Document()
        out.add_text("id", doc.id)
        out.add_text("title", doc.title)
        for name in doc.authors:
            out.add_text("authors", name)
        if doc.text:
            out.add_text("text", doc.text)
        for partner in doc.partners or ((doc.partner,) if doc.partner else ()):
            out.add_text("partners", partner)
        if doc.licence:
            out.add_text("licence", doc.licence)
        when = parse_date(doc.date)
        if when is not None:
            out.add_date("date", when)
        meta = {
            "url": doc.url,
            "date": doc.date,
            "partner": doc.partner,
            "licence": doc.licence,
            "decision": doc.decision,
        }
        out.add_bytes("meta", json.dumps(meta).encode())
        return out

    # ------------------------------------------------------------------ local files
    @property
    def _pool(self) -> Path:
        return self.cache_dir / "files"

    def _fetch(self, name: str, size: int) -> Path:
        """The cached copy of one immutable file, downloaded when missing (or truncated)."""
        path = self._pool / name
        if path.exists() and path.stat().st_size == size:
            return path
        body = self.store.get(SEGMENTS_PREFIX + name)
        if body is None:
            raise _MissingSegment(name)
        self._pool.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{name}.{os.getpid()}.{threading.get_ident()}.tmp")
        tmp.write_bytes(body)
        os.replace(tmp, path)
        return path

    def _add_to_pool(self, src: Path, name: str) -> None:
        self._pool.mkdir(parents=True, exist_ok=True)
        target = self._pool / name
        if not target.exists():
            _link_or_copy(src, target)

    def _checkout(self, pointer: dict[str, Any] | None, prefix: str) -> Path:
        """A fresh folder holding the pointer's files (hard links into the pool) and meta.json."""
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        folder = Path(tempfile.mkdtemp(prefix=prefix, dir=self.cache_dir))
        if pointer is None:
            return folder
        try:
            for name, size in pointer["files"].items():
                for _ in range(2):  # another process may prune the pool between fetch and link
                    try:
                        _link_or_copy(self._fetch(name, size), folder / name)
                        break
                    except FileNotFoundError:
                        continue
                else:
                    raise _MissingSegment(name)
            (folder / "meta.json").write_text(json.dumps(pointer["meta"]))
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        return folder

    def _prune_pool(self, keep: set[str]) -> None:
        if not self._pool.exists():
            return
        for path in self._pool.iterdir():
            if path.name not in keep and not path.name.startswith("."):
                path.unlink(missing_ok=True)

    def _prune_stale_folders(self) -> None:
        if not self.cache_dir.exists():
            return
        cutoff = time.time() - STALE_WORK_SECONDS
        current = self._view.folder if self._view else None
        for path in self.cache_dir.iterdir():
            if path.name.startswith(("work-", "view-")) and path != current and path.stat().st_mtime < cutoff:
                shutil.rmtree(path, ignore_errors=True)

    # ------------------------------------------------------------------ reading
    def segment_count(self) -> int:
        pointer = self.pointer()
        return len(pointer["meta"]["segments"]) if pointer else 0

    def _reader(self) -> Any:
        """The index as of the newest pointer (re-checked at most every `refresh_seconds`)."""
        now = self._monotonic()
        if self._view is not None and now - self._checked_at < self.refresh_seconds:
            return self._view.index
        got = self.store.get_if_changed(POINTER_KEY, self._view.etag if self._view else None)
        self._checked_at = now
        if got is UNCHANGED and self._view is not None:
            return self._view.index
        for _ in range(3):
            if got is None or got is UNCHANGED:
                self._drop_view()
                return None
            body, etag = got
            pointer = json.loads(body)
            if pointer.get("format") != FORMAT:
                log.warning("search index format %s is not %s: answering nothing", pointer.get("format"), FORMAT)
                self._drop_view()
                return None
            try:
                folder = self._checkout(pointer, "view-")
            except _MissingSegment:
                got = self.store.get_with_etag(POINTER_KEY)  # it moved on meanwhile: read the newer one
                continue
            old = self._view
            self._view = _View(etag, pointer["generation"], _tantivy().Index.open(str(folder)), folder)
            if old is not None:
                shutil.rmtree(old.folder, ignore_errors=True)
            return self._view.index
        raise SearchConflict("the search pointer kept changing while it was loaded")

    def _drop_view(self) -> None:
        if self._view is not None:
            shutil.rmtree(self._view.folder, ignore_errors=True)
            self._view = None

    def search(self, query: SearchQuery) -> SearchResults:
        tv = _tantivy()
        with self._lock:
            index = self._reader()
        if index is None:
            return SearchResults(total=0)
        schema = index.schema
        clauses: list[tuple[Any, Any]] = []
        text_query = None
        if query.text.strip():
            text_query, _errors = index.parse_query_lenient(
                query.text,
                ["title", "authors", "text"],
                field_boosts={"title": 3.0, "authors": 2.0},
                conjunction_by_default=True,
            )
            clauses.append((tv.Occur.Must, text_query))
        for flt in self._filters(schema, query):
            clauses.append((tv.Occur.Must, tv.Query.const_score_query(flt, 0.0)))
        if not clauses:
            combined = tv.Query.all_query()
        elif len(clauses) == 1 and text_query is not None:
            combined = text_query
        else:
            combined = tv.Query.boolean_query(clauses)
        searcher = index.searcher()
        limit = max(1, query.limit)
        if text_query is None:  # filters only: newest first
            result = searcher.search(combined, limit, count=True, offset=query.offset, order_by_field="date")
        else:
            result = searcher.search(combined, limit, count=True, offset=query.offset)
        snippets = tv.SnippetGenerator.create(searcher, text_query, schema, "text") if text_query is not None else None
        if snippets is not None:
            snippets.set_max_num_chars(SNIPPET_CHARS)
        hits = [self._hit(searcher.doc(addr), score, snippets, text_query is not None) for score, addr in result.hits]
        return SearchResults(total=int(result.count or 0), hits=hits)

    def _filters(self, schema: Any, query: SearchQuery) -> list[Any]:
        tv = _tantivy()
        out: list[Any] = []
        if query.partner:
            out.append(tv.Query.term_query(schema, "partners", query.partner))
        if query.licence:
            out.append(tv.Query.term_query(schema, "licence", query.licence))
        if query.author:
            words = name_tokens(query.author)
            if not words:
                out.append(tv.Query.empty_query())
            elif len(words) == 1:
                out.append(tv.Query.term_query(schema, "authors", words[0]))
            else:
                out.append(tv.Query.phrase_query(schema, "authors", words))
        if query.date_from or query.date_to:
            low = datetime.combine(query.date_from, datetime.min.time(), UTC) if query.date_from else None
            high = (
                datetime.combine(query.date_to + timedelta(days=1), datetime.min.time(), UTC) if query.date_to else None
            )
            out.append(
                tv.Query.range_query(
                    schema,
                    "date",
                    tv.FieldType.Date,
                    max(low, EARLIEST) if low else EARLIEST,
                    min(high, LATEST) if high else LATEST,
                    include_lower=True,
                    include_upper=False,
                )
            )
        return out

    @staticmethod
    def _hit(doc: Any, score: Any, snippets: Any, scored: bool) -> SearchHit:
        meta = json.loads(bytes(doc.get_first("meta") or b"{}"))
        text = doc.get_first("text") or ""
        snippet, highlights = "", cast(tuple[tuple[int, int], ...], ())
        if snippets is not None and text:
            found = snippets.snippet_from_doc(doc)
            fragment = found.fragment()
            if fragment:
                snippet = fragment
                highlights = char_ranges(fragment, [(r.start, r.end) for r in found.highlighted()])
        if not snippet and text:  # no word matched in the text (title or author did): its start
            snippet = cut_at_word(text, SNIPPET_CHARS)
        return SearchHit(
            id=doc.get_first("id"),
            title=doc.get_first("title") or "",
            url=meta.get("url") or "",
            authors=tuple(doc.get_all("authors")),
            date=meta.get("date"),
            partner=meta.get("partner") or "",
            licence=meta.get("licence") or "",
            decision=meta.get("decision") or "link",
            score=float(score) if scored else 0.0,
            snippet=snippet,
            highlights=highlights,
        )


def _live_files(folder: Path, meta: dict[str, Any]) -> dict[str, int]:
    """The files the meta's segments need: each segment's component files and its current
    delete file (older delete files of the same segment are superseded)."""
    segments = {s["segment_id"].replace("-", ""): s for s in meta["segments"]}
    files: dict[str, int] = {}
    for path in folder.iterdir():
        stem, _, rest = path.name.partition(".")
        segment = segments.get(stem)
        if segment is None or not rest:
            continue
        if rest.endswith("del"):
            deletes = segment.get("deletes")
            if not deletes or rest != f"{deletes['opstamp']}.del":
                continue
        files[path.name] = path.stat().st_size
    return dict(sorted(files.items()))


def _link_or_copy(src: Path, dst: Path) -> None:
    try:
        os.link(src, dst)
    except FileExistsError:
        pass
    except OSError as exc:
        if isinstance(exc, FileNotFoundError):
            raise
        shutil.copyfile(src, dst)
