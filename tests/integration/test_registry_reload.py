"""A warm Lambda container picks up a partner added with `syndicate config push`, without a
redeploy: the handlers' services read the registry through a RegistrySource that re-checks the
stored object's ETag (at most once a minute), instead of caching it for the container's life."""

from __future__ import annotations

from pathlib import Path

from syndicate import pipeline
from syndicate.config import RegistrySource, push
from syndicate.registry import load_registry
from syndicate.runtime import services_from_env

from fixtures.moto import AwsResources


def test_a_partner_pushed_later_reaches_a_warm_container(
    aws_resources: AwsResources, demo_registry: Path, site_server: object, tmp_path: Path
) -> None:
    from syndicate.adapters.aws import S3ObjectStore

    both = demo_registry.read_text()
    lse_only = both[: both.index("  - id: cgsp")]
    bucket = S3ObjectStore(aws_resources.bucket, client=aws_resources.client("s3"))
    push(bucket, lse_only, "lse-only.yaml")
    env = {
        "SYNDICATE_BACKEND": "aws",
        "BUCKET_NAME": aws_resources.bucket,
        "TABLE_NAME": aws_resources.table,
        "ARTICLE_QUEUE_URL": aws_resources.article_queue_url,
        "REGISTRY_URI": f"s3://{aws_resources.bucket}/config/partners.yaml",
        "AWS_ENDPOINT_URL": aws_resources.endpoint,
        "SYNDICATE_ALLOW_LOOPBACK": "1",
    }
    svc = services_from_env(env)  # the container starts
    try:
        first = pipeline.poll_once(svc)
        assert first.feeds_polled == 1 and not first.failures

        push(bucket, both, str(demo_registry))  # a partner added, no redeploy
        source = getattr(svc.registry_source, "__self__", None)
        assert isinstance(source, RegistrySource), "the services re-read the registry through a RegistrySource"
        within_the_minute = pipeline.poll_once(svc)
        assert within_the_minute.feeds_polled == 1, "not re-read more than once a minute"

        source.min_interval = 0  # the minute has passed
        later = pipeline.poll_once(svc)
        assert later.feeds_polled == 2 and later.enqueued == 3, "the new partner's feed is polled"
        ingested, failures = pipeline.drain_queue(svc)
        assert not failures, failures
        assert {r.partner for r in ingested} == {"lse-blogs", "cgsp"}, "its messages are not dead-lettered"
        assert [p.id for p in svc.current_registry().partners] == [p.id for p in load_registry(demo_registry).partners]
    finally:
        svc.http.close()
