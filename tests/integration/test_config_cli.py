"""`syndicate config push|pull|show`, as a user runs it, against moto's S3 and a local folder.

The registry goes to `s3://<bucket>/config/partners.yaml` (the bucket root, where template.yaml's
REGISTRY_URI points, not the `public/` prefix) or to `<out>/.state/config/partners.yaml`. A bad
registry is refused before anything is uploaded; what the Lambda side reads (load_registry_uri,
RegistrySource) is what push stored.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from syndicate.adapters.aws import S3ObjectStore
from syndicate.config import RegistrySource
from syndicate.registry import RegistryError, load_registry
from syndicate.runtime import load_registry_uri

from fixtures.clock import FakeClock
from fixtures.moto import AwsResources

ROOT = Path(__file__).resolve().parents[2]
KEY = "config/partners.yaml"
#: The repo's registry, pushed by these tests (it grows as partners are added).
PARTNER_IDS = [p.id for p in load_registry(ROOT / "partners.yaml").partners]


def syndicate(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "syndicate.cli", *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )


@pytest.fixture
def good(tmp_path: Path) -> Path:
    path = tmp_path / "partners.yaml"
    path.write_bytes((ROOT / "partners.yaml").read_bytes())
    return path


@pytest.fixture
def bad(tmp_path: Path) -> Path:
    path = tmp_path / "typo.yaml"
    path.write_text((ROOT / "partners.yaml").read_text().replace("    profile: cgsp", "    profiel: cgsp"))
    return path


def _aws(res: AwsResources) -> list[str]:
    return ["--aws", "--bucket", res.bucket, "--endpoint-url", res.endpoint]


def _stored(s3: Any, bucket: str) -> tuple[bytes, str]:
    obj = s3.get_object(Bucket=bucket, Key=KEY)
    return obj["Body"].read(), obj["ETag"]


def test_aws_push_pull_show_round_trip(aws_resources: AwsResources, good: Path, tmp_path: Path) -> None:
    aws = _aws(aws_resources)
    pushed = syndicate("config", "push", str(good), *aws)
    assert pushed.returncode == 0, pushed.stderr
    assert f"pushed {good} to s3://{aws_resources.bucket}/{KEY}: {len(PARTNER_IDS)} partner(s)" in pushed.stdout
    s3 = aws_resources.client("s3")
    body, _ = _stored(s3, aws_resources.bucket)
    assert body == good.read_bytes()  # at the bucket root, byte for byte
    assert s3.head_object(Bucket=aws_resources.bucket, Key=KEY)["ContentType"] == "application/yaml"
    assert "public/" + KEY not in [o["Key"] for o in s3.list_objects_v2(Bucket=aws_resources.bucket)["Contents"]]

    pulled = tmp_path / "pulled.yaml"
    proc = syndicate("config", "pull", "--output", str(pulled), *aws)
    assert proc.returncode == 0, proc.stderr
    assert pulled.read_bytes() == good.read_bytes()
    assert syndicate("config", "pull", *aws).stdout == good.read_text()

    shown = syndicate("config", "show", *aws)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith(f"s3://{aws_resources.bucket}/{KEY}: {len(PARTNER_IDS)} partner(s)\n")
    assert "  lse-blogs  LSE Blogs  <https://blogs.lse.ac.uk/>" in shown.stdout
    assert "    profile cgsp; licence LicenseRef-All-Rights-Reserved, republish excerpt" in shown.stdout
    assert syndicate("config", "show", "--raw", *aws).stdout == good.read_text()

    # What the functions read (REGISTRY_URI) is what was pushed.
    registry = load_registry_uri(f"s3://{aws_resources.bucket}/{KEY}", aws_resources.endpoint)
    assert [p.id for p in registry.partners] == PARTNER_IDS


def test_aws_push_of_a_bad_registry_is_refused_and_changes_nothing(
    aws_resources: AwsResources, good: Path, bad: Path
) -> None:
    aws = _aws(aws_resources)
    s3 = aws_resources.client("s3")
    refused = syndicate("config", "push", str(bad), *aws)
    assert refused.returncode == 2
    assert f"{bad}: partner 'cgsp': unknown key 'profiel' (did you mean 'profile'?)" in refused.stderr
    assert "Contents" not in s3.list_objects_v2(Bucket=aws_resources.bucket)  # nothing uploaded
    assert syndicate("config", "push", str(good), *aws).returncode == 0
    before = _stored(s3, aws_resources.bucket)
    assert syndicate("config", "push", str(bad), *aws).returncode == 2
    assert _stored(s3, aws_resources.bucket) == before  # same bytes, same ETag: not rewritten


def test_aws_show_and_pull_with_nothing_stored(aws_resources: AwsResources) -> None:
    where = f"s3://{aws_resources.bucket}/{KEY}"
    for action in ("show", "pull"):
        proc = syndicate("config", action, *_aws(aws_resources))
        assert proc.returncode == 2
        assert f"{where}: no registry stored (upload one with `syndicate config push`)" in proc.stderr
    with pytest.raises(RegistryError, match=f"config push partners.yaml --aws --bucket {aws_resources.bucket}"):
        load_registry_uri(where, aws_resources.endpoint)


def test_aws_needs_a_bucket(good: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "BUCKET_NAME"}
    proc = subprocess.run(
        [sys.executable, "-m", "syndicate.cli", "config", "push", str(good), "--aws"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert proc.returncode == 2
    assert "--aws needs --bucket (or the env var BUCKET_NAME)" in proc.stderr


def test_aws_pull_of_an_invalid_stored_registry_gives_it_back_and_says_so(
    aws_resources: AwsResources, bad: Path
) -> None:
    aws_resources.client("s3").put_object(Bucket=aws_resources.bucket, Key=KEY, Body=bad.read_bytes())
    proc = syndicate("config", "pull", *_aws(aws_resources))
    assert proc.returncode == 2
    assert proc.stdout == bad.read_text()
    assert "partner 'cgsp': unknown key 'profiel'" in proc.stderr
    assert syndicate("config", "show", *_aws(aws_resources)).returncode == 2


def test_registry_source_follows_pushes_on_s3(
    aws_resources: AwsResources, good: Path, bad: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    aws = _aws(aws_resources)
    assert syndicate("config", "push", str(good), *aws).returncode == 0
    clock = FakeClock()
    store = S3ObjectStore(aws_resources.bucket, client=aws_resources.client("s3"))
    source = RegistrySource.from_store(store, where=f"s3://{aws_resources.bucket}/{KEY}", clock=clock)
    first = source.current()
    assert [p.id for p in first.partners] == PARTNER_IDS

    one_partner = tmp_path / "one.yaml"
    text = good.read_text()
    one_partner.write_text(text[: text.index("  - id: cgsp")] + text[text.index("\npublish:") + 1 :])
    assert syndicate("config", "push", str(one_partner), *aws).returncode == 0
    assert source.current() is first  # within the minute
    clock.now += 60
    assert [p.id for p in source.current().partners] == ["lse-blogs"]

    # An upload that bypassed `config push` and is invalid: ingest keeps the last good one.
    aws_resources.client("s3").put_object(Bucket=aws_resources.bucket, Key=KEY, Body=bad.read_bytes())
    caplog.set_level(logging.ERROR, logger="syndicate.config")
    clock.now += 60
    assert [p.id for p in source.current().partners] == ["lse-blogs"]
    assert any("unknown key 'profiel'" in r.getMessage() for r in caplog.records)


def test_local_push_pull_show(good: Path, bad: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    stored = out / ".state" / KEY
    for action in ("show", "pull"):
        proc = syndicate("config", action, "--out", str(out))
        assert proc.returncode == 2
        assert f"{stored}: no registry stored" in proc.stderr
    assert not out.exists()  # reading created nothing

    refused = syndicate("config", "push", str(bad), "--out", str(out))
    assert refused.returncode == 2
    assert f"{bad}: partner 'cgsp': unknown key 'profiel'" in refused.stderr
    assert not out.exists()

    assert syndicate("config", "push", str(good), "--out", str(out)).returncode == 0
    assert stored.read_bytes() == good.read_bytes()
    pulled = tmp_path / "pulled.yaml"
    assert syndicate("config", "pull", "--out", str(out), "--output", str(pulled)).returncode == 0
    assert pulled.read_bytes() == good.read_bytes()
    shown = syndicate("config", "show", "--out", str(out))
    assert shown.returncode == 0 and shown.stdout.startswith(f"{stored}: {len(PARTNER_IDS)} partner(s)\n")

    assert syndicate("config", "push", str(bad), "--out", str(out)).returncode == 2
    assert stored.read_bytes() == good.read_bytes()
    source = RegistrySource.from_file(stored)
    assert [p.id for p in source.current().partners] == PARTNER_IDS
