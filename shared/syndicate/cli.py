"""`syndicate run | status | extract | invoke | backfill | redrive | config | demo | schema`: the pipeline, by hand.

The CLI is another thin edge, like the Lambda handlers: it parses arguments, builds the
Services bundle with `syndicate.runtime` and calls `syndicate.pipeline`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

from . import pipeline
from .invoke import InvokeError
from .model import Licence
from .ports import ObjectStore, StorageError
from .registry import Partner, Registry, RegistryError, load_registry, parse_registry
from .runtime import STATE_DIR, build_aws, build_local
from .services import Services

EXIT_OK, EXIT_FAILURES, EXIT_USAGE = 0, 1, 2


def _err(message: str) -> None:
    print(f"syndicate: {message}", file=sys.stderr)


#: A local output folder keeps a copy of the registry it was last run with, so commands that
#: look at the folder later (`status`, `redrive`) read the same partners and feeds.
REMEMBERED_REGISTRY = "registry.yaml"
DEFAULT_REGISTRY = "partners.yaml"


def _remembered(args: argparse.Namespace) -> Path | None:
    if getattr(args, "aws", False):
        return None
    path = Path(args.out) / STATE_DIR / REMEMBERED_REGISTRY
    return path if path.is_file() else None


def _registry_path(args: argparse.Namespace, *, prefer_remembered: bool) -> str:
    """`--config` if given; else the folder's remembered registry (first for commands that look
    at a folder, or when ./partners.yaml is missing); else ./partners.yaml."""
    if args.config:
        return str(args.config)
    remembered = _remembered(args)
    if remembered is not None and (prefer_remembered or not Path(DEFAULT_REGISTRY).is_file()):
        return str(remembered)
    return DEFAULT_REGISTRY


def _remember_registry(args: argparse.Namespace, path: str | Path) -> None:
    """Keep the registry a local run used beside its state (not for --aws: S3 holds its own)."""
    if getattr(args, "aws", False):
        return
    target = Path(args.out) / STATE_DIR / REMEMBERED_REGISTRY
    source = Path(path)
    if source.resolve() == target.resolve():
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(source.read_bytes())


def _services(args: argparse.Namespace, registry: Registry) -> Services:
    if args.aws:
        missing = [n for n in ("bucket", "table", "queue_url") if not getattr(args, n)]
        if missing and not args.create:
            flags = ", ".join("--" + n.replace("_", "-") for n in missing)
            raise RegistryError(f"--aws needs {flags} (or the env vars BUCKET_NAME, TABLE_NAME, ARTICLE_QUEUE_URL)")
        if args.create:
            from .adapters import aws

            args.bucket = args.bucket or "syndicate-local"
            args.table = args.table or "syndicate-state"
            urls = aws.create_resources(args.bucket, args.table, ["syndicate-articles"], endpoint_url=args.endpoint_url)
            args.queue_url = args.queue_url or urls["syndicate-articles"]
        return build_aws(
            registry,
            bucket=args.bucket,
            table=args.table,
            queue_url=args.queue_url,
            dead_letter_queue_url=args.dlq_url,
            endpoint_url=args.endpoint_url,
            allow_loopback=args.allow_loopback,
            base_url=args.base_url,
        )
    return build_local(Path(args.out), registry, allow_loopback=args.allow_loopback, base_url=args.base_url)


def print_base_url_notice(svc: Services, out: Any = None) -> None:
    """One line when the feeds link to a file: URL: neither `--base-url` nor the registry's
    `publish.base_url` said where they will be served, so a reader elsewhere cannot follow them."""
    base = svc.settings.public_base_url
    if base.startswith("file:"):
        message = f"feed links point at {base}: set publish.base_url in the registry or pass --base-url"
        print(message, file=out or sys.stdout)


def print_report(report: pipeline.RunReport, out: Any = sys.stdout) -> None:
    poll = report.poll
    changed = sum(1 for r in report.ingested if r.changed)
    print(
        f"polled {poll.feeds_polled} feed(s) ({poll.feeds_not_modified} not modified), "
        f"{poll.entries_seen} entries seen, {poll.enqueued} queued",
        file=out,
    )
    for skipped in poll.skipped:
        print(f"skipped {skipped.partner} {skipped.url}: {skipped.reason}", file=out)
    print(f"ingested {len(report.ingested)} article(s), {changed} new or changed", file=out)
    if report.publish.published:
        print(
            f"published {report.publish.items} item(s); {report.publish.objects_written} object(s) written",
            file=out,
        )
    else:
        print("nothing new to publish", file=out)
    for failure in report.failures:
        print(f"FAILED {failure}", file=out)
    ingest_failures = [f for f in report.failures if f.stage == "ingest"]
    if ingest_failures:
        permanent = sum(1 for f in ingest_failures if f.permanent)
        print(
            f"{len(ingest_failures)} page(s) failed: {permanent} permanent (dead-lettered, not retried), "
            f"{len(ingest_failures) - permanent} will retry or were dead-lettered after retries",
            file=out,
        )


def cmd_run(args: argparse.Namespace) -> int:
    from .progress import RunProgress

    path = _registry_path(args, prefer_remembered=False)
    registry = load_registry(path)
    svc = _services(args, registry)
    _remember_registry(args, path)
    try:
        with RunProgress("run") as progress:
            report = pipeline.run(
                svc, force=args.force, on_item=progress.item, expect=progress.expect, workers=args.workers
            )
    finally:
        svc.http.close()
    if args.json:
        print(json.dumps(report.as_dict(), indent=2))
        print_base_url_notice(svc, sys.stderr)  # stdout stays one JSON document
    else:
        print_report(report)
        print_base_url_notice(svc)
    return EXIT_OK if report.ok else EXIT_FAILURES


PREVIEW_PARTNER = Partner(
    id="preview",
    name="(no partner)",
    homepage="https://example.invalid/",
    feeds=(),
    profile="generic",
    licence=Licence(spdx="LicenseRef-Unknown", republish="link"),
)


def preview_record(
    registry: Registry,
    partner: Partner,
    body: bytes,
    url: str,
    record_id: str | None = None,
    content_type: str | None = None,
) -> dict[str, Any]:
    """The record a page would become in a run (the same code as ingest: `pipeline.page_record`),
    with the full extracted text whatever the republishing decision."""
    from .attribution.sources import attribution_sources
    from .clock import iso_z, utcnow

    message = pipeline.ingest.message_for_page(registry, partner, url)
    record, article = pipeline.page_record(
        registry, partner, message, body, url, fetched_at=iso_z(utcnow()), content_type=content_type
    )
    from .dedup.merge import Copy, merge_copies

    item = merge_copies([Copy(record, partner.name, partner.rank)]).to_item()  # as published: attribution in
    if record_id:
        item["id"] = record_id
    item["content_text"] = article.text
    item["sources"] = attribution_sources(item, article)  # why each credit: extract's output only
    return item


def cmd_extract(args: argparse.Namespace) -> int:
    """One JSON line per input, in input order; a failed input gives an `error` line."""
    from .extract import ExtractError
    from .fetch import FetchError
    from .runtime import http_client

    if args.partner:
        registry = load_registry(args.config)
        partner = registry.partner(args.partner)
    else:
        registry, partner = Registry(source="(no registry)", partners=[PREVIEW_PARTNER]), PREVIEW_PARTNER
    client = http_client(args.allow_loopback)
    status = EXIT_OK
    try:
        for source in args.inputs:
            try:
                if source.startswith(("http://", "https://")):
                    page = client.get(source)
                    line = preview_record(
                        registry, partner, page.body, page.url, content_type=page.headers.get("content-type")
                    )
                else:
                    path = Path(source)
                    url = args.url or path.resolve().as_uri()
                    line = preview_record(registry, partner, path.read_bytes(), url, None if args.url else path.stem)
            except (ExtractError, FetchError, OSError) as exc:
                line = {"input": source, "error": str(exc)}
                status = EXIT_FAILURES
            print(json.dumps(line, ensure_ascii=False), flush=True)
    finally:
        client.close()
    return status


def cmd_invoke(args: argparse.Namespace) -> int:
    from .invoke import invoke_function

    overrides: dict[str, str] = {}
    if not args.aws:
        overrides = {
            "SYNDICATE_BACKEND": "local",
            "SYNDICATE_OUT": str(Path(args.out).resolve()),
            "REGISTRY_URI": str(Path(_registry_path(args, prefer_remembered=False)).resolve()),
        }
        if args.allow_loopback:
            overrides["SYNDICATE_ALLOW_LOOPBACK"] = "1"
    elif args.endpoint_url:
        overrides["AWS_ENDPOINT_URL"] = args.endpoint_url
    for pair in args.env or []:
        key, _, value = pair.partition("=")
        overrides[key] = value
    # Locally, deploy-time values (!Ref Bucket...) have no meaning: leave them unset.
    result = invoke_function(
        args.function, Path(args.event), Path(args.template), overrides, unresolved="error" if args.aws else "unset"
    )
    print(json.dumps(result, indent=2, default=str))
    return EXIT_OK


def cmd_search(args: argparse.Namespace) -> int:
    """The search API's answers from the local index (`OUT/.state/search/`), best first."""
    from dataclasses import replace

    from .runtime import local_search
    from .search.api import BadRequest, hit_json, parse_params

    params = {k: v for k, v in {"q": args.query, "partner": args.partner, "author": args.author}.items() if v}
    try:
        query, _page, _echo = parse_params(params)
    except BadRequest as exc:
        _err(str(exc))
        return EXIT_USAGE
    if not 1 <= args.limit <= MAX_SEARCH_LIMIT:
        _err(f"--limit must be from 1 to {MAX_SEARCH_LIMIT}")
        return EXIT_USAGE
    if args.partner and Path(args.config).exists():
        known = [p.id for p in load_registry(args.config).partners]
        if args.partner not in known:
            _err(f"no partner {args.partner!r} in {args.config} (known: {', '.join(known)})")
            return EXIT_USAGE
    index = local_search(Path(args.out) / STATE_DIR)
    if not index.exists():
        _err(f"no search index in {args.out}: `syndicate run --out {args.out}` builds it when it publishes")
        return EXIT_USAGE
    results = index.search(replace(query, limit=args.limit, offset=0))
    if args.json:
        for hit in results.hits:
            print(json.dumps(hit_json(hit), ensure_ascii=False))
        return EXIT_OK
    bold = sys.stdout.isatty()
    for rank, hit in enumerate(results.hits, 1):
        where = ", ".join(x for x in (hit.partner, (hit.date or "")[:10], hit.decision) if x)
        print(f"{rank}. {hit.title}  [{where}]  score {hit.score:.2f}")
        if hit.authors:
            print(f"   by {', '.join(hit.authors)}")
        print(f"   {hit.url}")
        if hit.snippet:
            print(f"   {_marked(hit.snippet, hit.highlights, bold)}")
    shown = len(results.hits)
    print(f"{results.total} hit(s)" + (f", the best {shown} shown" if shown < results.total else ""))
    return EXIT_OK


MAX_SEARCH_LIMIT = 100


def _marked(text: str, ranges: tuple[tuple[int, int], ...], bold: bool) -> str:
    """The snippet with its matched words in bold on a terminal (unchanged when piped)."""
    if not bold:
        return text
    out, at = [], 0
    for start, end in ranges:
        out += [text[at:start], "\033[1m", text[start:end], "\033[0m"]
        at = end
    return "".join(out) + text[at:]


def _parked_fields(
    by_feed: dict[tuple[str, str], list[pipeline.ParkedMessage]], partner: str, feed: str
) -> dict[str, Any]:
    """A status row's dead letters: how many failed permanently, and each one."""
    mine = by_feed.get((partner, feed), [])
    return {"permanent_failures": sum(1 for p in mine if p.permanent), "dead_letters": [asdict(p) for p in mine]}


def _feed_state(row: dict[str, Any]) -> str:
    if "last_poll" not in row:
        return "never polled"
    if row.get("blocked"):
        return "BLOCKED"
    return "failing" if row.get("failures") else "ok"


def print_status(rows: list[dict[str, Any]], out: Any = None) -> None:
    """Each feed's health as a table (rich), then what needs a person: errors and failed pages."""
    from rich.console import Console
    from rich.table import Table

    console = Console(file=out or sys.stdout, width=None if (out or sys.stdout).isatty() else 200)
    table = Table(title="feed health", show_lines=False)
    for column in ("partner", "feed", "state", "last poll", "result", "failures", "items seen", "next poll",
                   "backoff until", "blocked"):
        table.add_column(column, overflow="fold")
    for row in rows:
        state = _feed_state(row)
        style = {"ok": "green", "failing": "yellow", "BLOCKED": "bold red"}.get(state, "dim")
        table.add_row(
            row["partner"],
            row["feed"],
            f"[{style}]{state}[/]",
            row.get("last_poll") or "-",
            str(row.get("last_status") or "-"),
            str(row.get("failures", 0)),
            str(row.get("items_seen", "-")),
            row.get("next_poll") or "-",
            row.get("backoff_until") or "-",
            "yes" if row.get("blocked") else "no",
        )
    console.print(table)
    for row in rows:
        letters = row["dead_letters"]
        if not row.get("last_error") and not letters:
            continue
        console.print(f"{row['partner']} {row['feed']}", markup=False, highlight=False)
        if row.get("last_error"):
            console.print(f"    last error: {row['last_error']}", markup=False, highlight=False)
        if letters:
            console.print(
                f"    pages failed: {row['permanent_failures']} permanent, "
                f"{len(letters) - row['permanent_failures']} dead-lettered after retries "
                "(`syndicate redrive` retries them after a fix)",
                markup=False,
                highlight=False,
            )
        for letter in letters:
            kind = "permanent" if letter["permanent"] else f"after {letter['receives']} receives"
            console.print(f"      {letter['url']} ({kind}): {letter['reason']}", markup=False, highlight=False,
                          soft_wrap=True)


def cmd_status(args: argparse.Namespace) -> int:
    registry = load_registry(_registry_path(args, prefer_remembered=True))
    svc = _services(args, registry)
    rows = []
    feeds = {(partner.id, feed.url) for partner in registry.partners for feed in partner.feeds}
    first_feed = {partner.id: partner.feeds[0].url for partner in registry.partners if partner.feeds}
    by_feed: dict[tuple[str, str], list[pipeline.ParkedMessage]] = {}
    for parked in pipeline.parked_messages(svc):
        # a backfill page's feed URL (?paged=N) or a renamed feed counts under the partner's first feed
        key = (parked.partner, parked.feed_url)
        if key not in feeds:
            key = (parked.partner, first_feed[parked.partner]) if parked.partner in first_feed else ("(other)", "-")
        by_feed.setdefault(key, []).append(parked)
    for partner in registry.partners:
        for feed in partner.feeds:
            health = svc.db.feeds.get(feed.url)
            known = {k: v for k, v in asdict(health).items() if k != "partner"} if health else {}
            parked_here = _parked_fields(by_feed, partner.id, feed.url)
            rows.append({"partner": partner.id, "feed": feed.url, **known, **parked_here})
    if ("(other)", "-") in by_feed:  # a partner since removed from the registry, or an unreadable body
        rows.append({"partner": "(other)", "feed": "-", **_parked_fields(by_feed, "(other)", "-")})
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        print_status(rows)
    return EXIT_OK


def cmd_backfill(args: argparse.Namespace) -> int:
    from .progress import RunProgress

    path = _registry_path(args, prefer_remembered=False)
    registry = load_registry(path)
    svc = _services(args, registry)
    _remember_registry(args, path)
    try:
        poll = pipeline.backfill(svc, args.partner, args.pages)
        ingested: list[pipeline.IngestResult] = []
        failures: list[pipeline.Failure] = []
        if not args.aws:  # with --aws, the deployed ingest function drains the queue
            with RunProgress(f"backfill {args.partner}") as progress:
                progress.expect(poll.enqueued)
                ingested, failures = pipeline.drain_queue(svc, progress.item)
        publish = pipeline.publish_pending(svc)
    finally:
        svc.http.close()
    report = pipeline.RunReport(poll=poll, ingested=ingested, publish=publish, failures=poll.failures + failures)
    print_report(report)
    print_base_url_notice(svc)
    return EXIT_OK if report.ok else EXIT_FAILURES


def cmd_redrive(args: argparse.Namespace) -> int:
    svc = _services(args, load_registry(_registry_path(args, prefer_remembered=True)))
    for message_id, letter in svc.db.dead.all():
        print(f"redriving {message_id}: it failed with: {letter.reason}")
    moved = pipeline.redrive(svc)
    svc.http.close()
    print(f"{moved} message(s) put back on the queue")
    return EXIT_OK


def cmd_reprocess(args: argparse.Namespace) -> int:
    """Extract the stored pages again with the current registry and profiles; publish what changed."""
    from .progress import RunProgress

    registry = load_registry(_registry_path(args, prefer_remembered=True))
    if args.partner:
        registry.partner(args.partner)  # an unknown id is a usage error, not "0 pages"
    try:
        since = pipeline.parse_since(args.since) if args.since else None
    except ValueError as exc:
        _err(str(exc))
        return EXIT_USAGE
    svc = _services(args, registry)

    try:
        with RunProgress("reprocess") as progress:

            def show(outcome: pipeline.ReprocessOutcome) -> None:
                progress.item(outcome)
                if args.json:
                    print(json.dumps(asdict(outcome), ensure_ascii=False), flush=True)
                elif outcome.status == "failed":
                    print(f"FAILED {outcome}", flush=True)

            report = pipeline.reprocess(svc, partner=args.partner, since=since, on_item=show)
    finally:
        svc.http.close()
    counts = {k: getattr(report, k) for k in ("reprocessed", "changed", "unchanged", "failed")}
    if args.json:
        print(json.dumps({"summary": counts, "changed_records": report.changed_records,
                          "publish": report.publish.as_dict()}))
    else:
        print(
            f"reprocessed {report.reprocessed} stored page(s): {report.changed} changed, "
            f"{report.unchanged} unchanged, {report.failed} failed"
        )
        if report.publish.published:
            print(f"published {report.publish.items} item(s); {report.publish.objects_written} object(s) written")
        else:
            print("nothing new to publish")
    return EXIT_OK if report.ok else EXIT_FAILURES


def _config_store(args: argparse.Namespace, *, create: bool) -> tuple[ObjectStore, str]:
    """The store the deployed registry lives in, and how to name its location in messages.

    `--aws`: the bucket's root (not the `public/` prefix CloudFront serves), as template.yaml's
    REGISTRY_URI says. Otherwise the local deployment's state folder, `<out>/.state`, which
    is only created when pushing (`create`): reading never leaves folders behind.
    """
    from . import config

    if args.aws:
        if not args.bucket:
            raise RegistryError("--aws needs --bucket (or the env var BUCKET_NAME)")
        from .adapters import aws

        client = aws.make_client("s3", endpoint_url=args.endpoint_url)
        return aws.S3ObjectStore(args.bucket, client=client), f"s3://{args.bucket}/{config.REGISTRY_KEY}"
    from .adapters.local import LocalObjectStore

    state_dir = Path(args.out) / STATE_DIR
    where = str(state_dir / config.REGISTRY_KEY)
    if not create and not state_dir.is_dir():
        raise config.RegistryNotFound(f"{where}: no registry stored (upload one with `syndicate config push`)")
    return LocalObjectStore(state_dir), where


def cmd_config(args: argparse.Namespace) -> int:
    """push: validate, then upload; pull: download as stored; show: validate and summarize."""
    from . import config

    try:
        if args.action == "push":
            path = Path(args.file)
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise RegistryError(f"{path}: cannot read registry: {exc}") from exc
            parse_registry(text, source=str(path))  # refuse before touching any store
            store, where = _config_store(args, create=True)
            registry = config.push(store, text, source=str(path))
            print(f"pushed {path} to {where}: {len(registry.partners)} partner(s)")
            return EXIT_OK
        store, where = _config_store(args, create=False)
        if args.action == "pull":
            text = config.pull(store, where=where)
            if args.output:
                Path(args.output).write_text(text, encoding="utf-8")
            else:
                sys.stdout.write(text)
            # Given back whatever is stored, so a bad upload can be fixed; but say it is bad.
            parse_registry(text, source=where)
            return EXIT_OK
        print(config.show(store, where=where, raw=args.raw), end="" if args.raw else "\n")
        return EXIT_OK
    except StorageError as exc:
        _err(str(exc))
        return EXIT_FAILURES


def cmd_demo(args: argparse.Namespace) -> int:
    # The demo is its own package (the repository's demo/ folder), so the Lambda layer built
    # from shared/ never carries it; a bare `pip install` of the layer's content lacks it.
    try:
        from syndicate_demo import DemoServer, render_registry
    except ModuleNotFoundError as exc:
        if exc.name != "syndicate_demo":
            raise
        _err(
            "the demo is not installed (no module syndicate_demo): install syndicate from a clone of its repository "
            "(`make install`, or `pip install -e .` at the repository root), which installs "
            "the syndicate_demo package from demo/ as well"
        )
        return EXIT_USAGE

    from .progress import RunProgress

    out = Path(args.out)
    with DemoServer() as server:
        config = render_registry(server.base_url, out / ".state" / "demo-partners.yaml")
        print(f"serving the bundled sample site at {server.base_url} (loopback only)")
        registry = load_registry(config)
        svc = build_local(out, registry, allow_loopback=True, base_url=args.base_url)
        args.aws = False
        _remember_registry(args, config)
        try:
            with RunProgress("demo") as progress:
                report = pipeline.run(svc, on_item=progress.item, expect=progress.expect)
        finally:
            svc.http.close()
    print_report(report)
    print_base_url_notice(svc)
    print(f"JSON Feed: {(out / 'feed.json').resolve()}  Atom: {(out / 'feed.atom').resolve()}")
    print(
        "  (pages are stored gzip-encoded, as the bucket serves them: read one with "
        f"`zcat {out / 'feed.json'}`, or browse them, and the embed at /site/, with "
        f"`python -m syndicate_demo --root {out}`)"
    )
    return EXIT_OK if report.ok else EXIT_FAILURES


def cmd_schema(args: argparse.Namespace) -> int:
    from .schema import record_schema

    text = json.dumps(record_schema(), indent=2) + "\n"
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return EXIT_OK


def _add_backend(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--config",
        default=None,
        help="the partner registry (default: partners.yaml; for status and redrive, the registry "
        "the --out folder was last run with)",
    )
    p.add_argument("--out", default="out", help="local bucket folder (default: out)")
    p.add_argument("--allow-loopback", action="store_true", help="allow feeds and pages on 127.0.0.1 (tests, demo)")
    p.add_argument("--base-url", default=None, help="public URL the feeds are served from")
    p.add_argument("--aws", action="store_true", help="use S3, DynamoDB and SQS instead of the local adapters")
    p.add_argument("--endpoint-url", default=os.environ.get("AWS_ENDPOINT_URL"), help="AWS endpoint (e.g. moto)")
    p.add_argument("--bucket", default=os.environ.get("BUCKET_NAME"))
    p.add_argument("--table", default=os.environ.get("TABLE_NAME"))
    p.add_argument("--queue-url", default=os.environ.get("ARTICLE_QUEUE_URL"))
    p.add_argument("--dlq-url", default=os.environ.get("ARTICLE_DLQ_URL"), help="the ArticleQueue's dead-letter queue")
    p.add_argument("--create", action="store_true", help="with --aws: create bucket, table and queue if missing")


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {number}")
    return number


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="syndicate", description=__doc__.splitlines()[0] if __doc__ else None)
    sub = ap.add_subparsers(dest="command", required=True)

    p = sub.add_parser("run", help="poll every feed, ingest new articles, publish the JSON Feeds")
    _add_backend(p)
    p.add_argument("--json", action="store_true", help="print the run report as JSON")
    p.add_argument("--force", action="store_true", help="poll feeds even while they are backing off")
    p.add_argument(
        "--workers", type=_positive, default=os.cpu_count() or 1,
        help="extraction processes; pages are fetched meanwhile (default: CPU count; 1 = one page at a time)",
    )
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("backfill", help="walk a partner's older feed pages (?paged=N) and ingest what is new")
    p.add_argument("partner", help="partner id from the registry")
    p.add_argument("--pages", type=int, default=5, help="walk ?paged=2..N (default 5)")
    _add_backend(p)
    p.set_defaults(func=cmd_backfill)

    p = sub.add_parser("redrive", help="put dead-lettered ingest messages back on the queue after a fix")
    _add_backend(p)
    p.set_defaults(func=cmd_redrive)

    p = sub.add_parser(
        "reprocess", help="extract the stored source pages again (after a profile or policy change), publish changes"
    )
    p.add_argument("--partner", help="only this partner's pages")
    p.add_argument("--since", help="only pages fetched at or after this date (YYYY-MM-DD or ISO 8601, UTC)")
    _add_backend(p)
    p.add_argument("--json", action="store_true", help="one JSON line per page, then a summary line")
    p.set_defaults(func=cmd_reprocess)

    p = sub.add_parser("extract", help="preview extraction of pages or URLs as JSON Lines")
    p.add_argument("inputs", nargs="+", metavar="PATH_OR_URL")
    p.add_argument("--url", help="the page's URL, for a file input")
    p.add_argument("--partner", help="use this partner's extraction profile")
    p.add_argument("--config", default="partners.yaml")
    p.add_argument("--allow-loopback", action="store_true")
    p.set_defaults(func=cmd_extract)

    p = sub.add_parser("invoke", help="run a Lambda handler in-process with a sample event (no Docker)")
    p.add_argument("function", help="poll, ingest, publish or search")
    p.add_argument("--event", required=True, help="event JSON file, e.g. events/poll.json")
    p.add_argument("--template", default="template.yaml")
    p.add_argument("--env", action="append", metavar="KEY=VALUE", help="extra environment for the handler")
    _add_backend(p)
    p.set_defaults(func=cmd_invoke)

    p = sub.add_parser("search", help="search the published records (the local index in --out)")
    p.add_argument("query", help='words to find, "a phrase", -excluded')
    p.add_argument("--partner", help="only records this partner published (also as a copy)")
    p.add_argument("--author", help="only records by this author (a name or part of one)")
    p.add_argument("--limit", type=int, default=10, help=f"at most this many hits (default 10, max {MAX_SEARCH_LIMIT})")
    p.add_argument("--config", default="partners.yaml", help="the registry, to check --partner (if the file exists)")
    p.add_argument("--out", default="out", help="the local deployment folder (default: out)")
    p.add_argument("--json", action="store_true", help="one JSON object per hit, best first")
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("status", help="show each feed's health")
    _add_backend(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_status)

    where = argparse.ArgumentParser(add_help=False)
    where.add_argument("--out", default="out", help="local deployment folder: registry in OUT/.state/config/")
    where.add_argument("--aws", action="store_true", help="the registry in S3: s3://BUCKET/config/partners.yaml")
    where.add_argument("--bucket", default=os.environ.get("BUCKET_NAME"), help="with --aws (default: BUCKET_NAME)")
    where.add_argument("--endpoint-url", default=os.environ.get("AWS_ENDPOINT_URL"), help="AWS endpoint (e.g. moto)")
    p = sub.add_parser("config", help="the deployed partner registry: push (validated first), pull, show")
    config_sub = p.add_subparsers(dest="action", required=True)
    c = config_sub.add_parser("push", parents=[where], help="validate a registry file, then upload it")
    c.add_argument("file", nargs="?", default="partners.yaml", help="the registry to upload (default: partners.yaml)")
    c.set_defaults(func=cmd_config)
    c = config_sub.add_parser("pull", parents=[where], help="download the stored registry as it is")
    c.add_argument("--output", help="write to this file instead of stdout")
    c.set_defaults(func=cmd_config)
    c = config_sub.add_parser("show", parents=[where], help="validate the stored registry and summarize it")
    c.add_argument("--raw", action="store_true", help="print its YAML instead of a summary")
    c.set_defaults(func=cmd_config)

    p = sub.add_parser("demo", help="run the pipeline on the bundled sample site over loopback")
    p.add_argument("--out", default="out")
    p.add_argument("--base-url", default=None)
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("schema", help="print the record JSON Schema")
    p.add_argument("--output", help="write to this file instead of stdout")
    p.set_defaults(func=cmd_schema)
    return ap


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        code: int = args.func(args)
    except RegistryError as exc:
        _err(str(exc))
        return EXIT_USAGE
    except InvokeError as exc:
        _err(str(exc))
        return EXIT_USAGE
    return code


if __name__ == "__main__":
    sys.exit(main())
