"""Build the Services bundle: local adapters (folder + SQLite) or AWS ones (S3, DynamoDB, SQS).

Local and cloud run the same pipeline code; only this module knows which adapters exist.
The AWS adapters are imported lazily so the local default never needs boto3.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from .config import REGISTRY_KEY, RegistryNotFound, RegistrySource
from .registry import Registry
from .search import SearchIndex
from .services import Services, Settings

if TYPE_CHECKING:
    from .fetch import HttpClient

STATE_DIR = ".state"
PUBLIC_PREFIX = "public/"
#: Objects the pipeline keeps for itself (each copy's own record, each fetched page): never served.
PRIVATE_PREFIX = "private/"
#: The search index's objects (tantivy segments and their pointer): read by the search API,
#: not served as feeds, so neither under public/ nor private/.
SEARCH_PREFIX = "search/"


def _settings(registry: Registry, base_url: str | None, default_base_url: str | None = None) -> Settings:
    """Where the feeds say they live: `--base-url`, else the registry's `publish.base_url`, else
    `default_base_url` (a local run's folder as a file: URL; a Lambda's PUBLIC_BASE_URL)."""
    return Settings(
        public_base_url=base_url or registry.publish.base_url or default_base_url or Settings.public_base_url,
        page_size=registry.publish.page_size,
        feed_title=registry.publish.title,
        search_url=os.environ.get("SEARCH_API_URL") or None,
    )


def http_client(
    allow_loopback: bool = False, contact_url: str | None = None, allow_networks: str = ""
) -> HttpClient:
    """The one client for feeds, pages and robots.txt: address guard, caps, per-host politeness.

    The User-Agent names the project and a contact URL (SYNDICATE_CONTACT_URL), so a partner's
    webmaster who sees us in their logs knows whom to ask. `allow_networks` (the environment's
    SYNDICATE_ALLOW_NETWORKS, empty in a deployed stack) opens private networks for a test
    site, e.g. "172.17.0.1/32" for one on Docker's bridge under `sam local invoke`.
    """
    from .fetch import AddressPolicy, HttpClient
    from .fetch.guard import allowed_networks

    return HttpClient(
        policy=AddressPolicy(allow_loopback=allow_loopback, allow_networks=allowed_networks(allow_networks)),
        contact_url=contact_url or os.environ.get("SYNDICATE_CONTACT_URL") or None,
        per_host_delay=float(os.environ.get("SYNDICATE_PER_HOST_DELAY", "1.0")),
        per_host_concurrency=2,
    )


class _LazyHttpClient:
    """`http_client(...)`, built on first use: the publish handler never fetches, and building
    the client imports httpx (issue 13, cold starts). Safe to share between fetch threads."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._args, self._kwargs = args, kwargs
        self._client: HttpClient | None = None
        self._lock = threading.Lock()

    def _get(self) -> HttpClient:
        if self._client is None:
            with self._lock:
                if self._client is None:
                    self._client = http_client(*self._args, **self._kwargs)
        return self._client

    def __getattr__(self, name: str) -> Any:
        return getattr(self._get(), name)


def lazy_http_client(allow_loopback: bool = False, allow_networks: str = "") -> HttpClient:
    """An HttpClient (as `http_client`) that imports and builds itself when first used."""
    return cast("HttpClient", _LazyHttpClient(allow_loopback, allow_networks=allow_networks))


def build_local(
    out_dir: Path,
    registry: Registry,
    *,
    allow_loopback: bool = False,
    base_url: str | None = None,
    state_dir: Path | None = None,
    allow_networks: str = "",
    default_base_url: str | None = None,
) -> Services:
    """The embedded default: `out_dir` is the bucket, SQLite under `out_dir/.state` the table and queue."""
    from .adapters.idempotency import StateStorePersistenceLayer, ingest_guard
    from .adapters.local import LocalObjectStore, SqliteQueue, SqliteStateStore

    out_dir.mkdir(parents=True, exist_ok=True)
    state_dir = state_dir or out_dir / STATE_DIR
    state_dir.mkdir(parents=True, exist_ok=True)
    db = state_dir / "syndicate.sqlite"
    settings = _settings(registry, base_url, default_base_url or out_dir.resolve().as_uri() + "/")
    state = SqliteStateStore(db)
    persistence = StateStorePersistenceLayer(state)
    return Services(
        registry=registry,
        store=LocalObjectStore(out_dir, reserved=(STATE_DIR,)),
        private=LocalObjectStore(state_dir / PRIVATE_PREFIX.rstrip("/")),
        state=state,
        idempotency=persistence,
        ingest_guard=ingest_guard(persistence),
        queue=SqliteQueue(db, name="articles"),
        http=lazy_http_client(allow_loopback, allow_networks=allow_networks),
        settings=settings,
        search=local_search(state_dir),
    )


def build_aws(
    registry: Registry,
    *,
    bucket: str,
    table: str,
    queue_url: str,
    publish_queue_url: str | None = None,
    dead_letter_queue_url: str | None = None,
    endpoint_url: str | None = None,
    allow_loopback: bool = False,
    base_url: str | None = None,
    allow_networks: str = "",
    default_base_url: str | None = None,
) -> Services:
    """S3 (published objects under `public/`), DynamoDB and SQS, optionally at `endpoint_url`."""
    from .adapters import aws
    from .adapters.idempotency import ingest_guard

    s3 = aws.make_client("s3", endpoint_url=endpoint_url)
    dynamodb = aws.make_client("dynamodb", endpoint_url=endpoint_url)
    sqs = aws.make_client("sqs", endpoint_url=endpoint_url)
    persistence = aws.idempotency_layer(table, client=dynamodb)
    return Services(
        registry=registry,
        store=aws.S3ObjectStore(bucket, prefix=PUBLIC_PREFIX, client=s3),
        private=aws.S3ObjectStore(bucket, prefix=PRIVATE_PREFIX, client=s3),
        state=aws.DynamoStateStore(table, client=dynamodb),
        idempotency=persistence,
        ingest_guard=ingest_guard(persistence),
        queue=aws.SqsQueue(queue_url, client=sqs),
        publish_queue=aws.SqsQueue(publish_queue_url, client=sqs) if publish_queue_url else None,
        dead_letter_queue=aws.SqsQueue(dead_letter_queue_url, client=sqs) if dead_letter_queue_url else None,
        http=lazy_http_client(allow_loopback, allow_networks=allow_networks),
        settings=_settings(registry, base_url, default_base_url),
        index_workers=8,  # 32 band queries per lookup: concurrently against DynamoDB
        search=aws_search(bucket, client=s3),
    )


def local_search(state_dir: Path) -> SearchIndex:
    """The search index of a local run: its objects under `.state/search/` (like the bucket's
    `search/` prefix, not among the published files), its working cache beside them."""
    from .adapters.local import LocalObjectStore
    from .search.tantivy_index import TantivySearchIndex

    return TantivySearchIndex(LocalObjectStore(state_dir / SEARCH_PREFIX.rstrip("/")), state_dir / "search-cache")


def aws_search(
    bucket: str, *, client: Any = None, endpoint_url: str | None = None, refresh_seconds: float = 0.0
) -> SearchIndex:
    """The search index in the bucket's `search/` prefix, cached under the temp folder (/tmp in
    Lambda). tantivy itself is imported only when the index is used."""
    import tempfile

    from .adapters import aws
    from .search.tantivy_index import TantivySearchIndex

    client = client or aws.make_client("s3", endpoint_url=endpoint_url)
    store = aws.S3ObjectStore(bucket, prefix=SEARCH_PREFIX, client=client)
    cache = Path(tempfile.gettempdir()) / f"syndicate-search-{bucket}"
    return TantivySearchIndex(store, cache, refresh_seconds=refresh_seconds)


def registry_source(uri: str, endpoint_url: str | None = None) -> RegistrySource:
    """The registry at a file path or `s3://bucket/key`, reloaded when it changes (see RegistrySource)."""
    if not uri.startswith("s3://"):
        return RegistrySource.from_file(uri)
    from .adapters import aws

    bucket, _, key = uri.removeprefix("s3://").partition("/")
    store = aws.S3ObjectStore(bucket, client=aws.make_client("s3", endpoint_url=endpoint_url))
    return RegistrySource.from_store(store, key, where=uri)


def load_registry_uri(uri: str, endpoint_url: str | None = None) -> Registry:
    """A registry from a file path or from `s3://bucket/key`, read once."""
    return _first_load(registry_source(uri, endpoint_url), uri)


def _first_load(source: RegistrySource, uri: str) -> Registry:
    """The source's registry now; a missing one is an error that says how to upload it."""
    try:
        return source.current()
    except RegistryNotFound as exc:
        if not uri.startswith("s3://"):
            raise
        bucket, _, key = uri.removeprefix("s3://").partition("/")
        hint = (
            f"upload it with `syndicate config push partners.yaml --aws --bucket {bucket}`"
            if key == REGISTRY_KEY
            else f"`syndicate config push` uploads to {REGISTRY_KEY}; point REGISTRY_URI there"
        )
        raise RegistryNotFound(f"{uri}: registry not found ({hint})") from exc


def _need(environ: Mapping[str, str], name: str) -> str:
    value = environ.get(name)
    if not value:
        raise RuntimeError(f"environment variable {name} is not set")
    return value


def services_from_env(environ: Mapping[str, str] = os.environ) -> Services:
    """What a Lambda handler (or `syndicate invoke`) runs with, from its environment."""
    backend = environ.get("SYNDICATE_BACKEND", "aws")
    allow_loopback = environ.get("SYNDICATE_ALLOW_LOOPBACK", "") in ("1", "true", "yes")
    try:
        allow_networks = environ.get("SYNDICATE_ALLOW_NETWORKS", "")
        if allow_networks.strip():  # refuse a bad list before anything is built
            from .fetch.guard import allowed_networks  # (imports httpcore: only when there is a list)

            allowed_networks(allow_networks)
    except ValueError as exc:
        raise RuntimeError(f"SYNDICATE_ALLOW_NETWORKS: {exc}") from exc
    endpoint = environ.get("AWS_ENDPOINT_URL") or None
    if backend not in ("aws", "local"):
        raise RuntimeError(f"SYNDICATE_BACKEND must be 'aws' or 'local', got {backend!r}")
    uri = _need(environ, "REGISTRY_URI")
    # A warm Lambda container lives for hours: a partner added with `syndicate config push`
    # must reach it without a redeploy, so the registry is re-checked (a conditional GET on its
    # ETag, at most once a minute) rather than read once per container.
    source = registry_source(uri, endpoint)
    registry = _first_load(source, uri)
    # The registry's publish.base_url wins; PUBLIC_BASE_URL (the stack's default) is the fallback.
    base_url = environ.get("PUBLIC_BASE_URL") or None
    if backend == "local":
        svc = build_local(
            Path(environ.get("SYNDICATE_OUT", "out")),
            registry,
            allow_loopback=allow_loopback,
            default_base_url=base_url,
            allow_networks=allow_networks,
        )
        svc.registry_source = source.current
        return svc
    svc = build_aws(
        registry,
        bucket=_need(environ, "BUCKET_NAME"),
        table=_need(environ, "TABLE_NAME"),
        queue_url=_need(environ, "ARTICLE_QUEUE_URL"),
        publish_queue_url=environ.get("PUBLISH_QUEUE_URL") or None,
        dead_letter_queue_url=environ.get("ARTICLE_DLQ_URL") or None,
        endpoint_url=endpoint,
        allow_loopback=allow_loopback,
        default_base_url=base_url,
        allow_networks=allow_networks,
    )
    svc.registry_source = source.current
    return svc


def search_from_env(environ: Mapping[str, str] = os.environ) -> SearchIndex:
    """The search index alone, for the search function: it reads `search/` and nothing else
    (no registry, no state table), so its role can be read-only on that prefix."""
    backend = environ.get("SYNDICATE_BACKEND", "aws")
    refresh = float(environ.get("SEARCH_REFRESH_SECONDS", "30"))
    if backend == "local":
        index = local_search(Path(environ.get("SYNDICATE_OUT", "out")) / STATE_DIR)
        return index
    if backend != "aws":
        raise RuntimeError(f"SYNDICATE_BACKEND must be 'aws' or 'local', got {backend!r}")
    return aws_search(
        _need(environ, "BUCKET_NAME"), endpoint_url=environ.get("AWS_ENDPOINT_URL") or None, refresh_seconds=refresh
    )
