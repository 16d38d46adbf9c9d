"""checkov (from PyPI) passes on template.yaml and on its SAM-transformed form, offline.

The issue asks for a template that both `cfn-lint` and `checkov` accept, with every accepted
finding justified where it is accepted. So:

- the fast test reads each `Metadata: checkov: skip` in the template and pins the reviewed
  list of (resource, check) suppressions, each with a reason: a new suppression is a visible
  change to this file, not a quiet line in the template;
- the slow tests run checkov itself (from `.tools-checkov`: it pins an older boto3 and
  networkx than our .venv) on the raw template (checkov reads SAM's AWS::Serverless::Function)
  and on the template the SAM transform produces, which holds what SAM generates: the Lambda
  functions with their Globals merged in, the IAM roles, event rules and mappings. Both must
  have no failed check, and checkov must report exactly the reviewed suppressions as skipped
  (a misspelt id would show as a failure there).

checkov phones home by default (Prisma Cloud guidelines and mappings, a PyPI version check).
It runs here with those turned off, and with a `sitecustomize` that refuses and records any
socket connection or name lookup beyond loopback, so the test proves it ran offline.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from syndicate.invoke import load_template

from fixtures.sam import SAM_TRANSFORM_SCRIPT, find_sam

REPO = Path(__file__).resolve().parents[2]
TEMPLATE = REPO / "template.yaml"

# Every suppression in template.yaml, reviewed. The reasons live next to each in the template.
REVIEWED_SKIPS = {
    # Lambda outside a VPC: it fetches public sites and talks to public AWS endpoints only.
    ("PollFunction", "CKV_AWS_117"),
    ("IngestFunction", "CKV_AWS_117"),
    ("PublishFunction", "CKV_AWS_117"),
    ("SearchFunction", "CKV_AWS_117"),
    # Environment variables under Lambda's AWS managed key: they hold names, no secrets.
    ("PollFunction", "CKV_AWS_173"),
    ("IngestFunction", "CKV_AWS_173"),
    ("PublishFunction", "CKV_AWS_173"),
    ("SearchFunction", "CKV_AWS_173"),
    # SQS-invoked: dead letters go through the queues' redrive policies, not Lambda's async DLQ.
    ("IngestFunction", "CKV_AWS_116"),
    ("PublishFunction", "CKV_AWS_116"),
    # Function-URL-invoked (synchronous): the caller gets the error, an async DLQ would stay empty.
    ("SearchFunction", "CKV_AWS_116"),
    # The search API is public on purpose (browsers of downstream sites), read-only, throttled.
    ("SearchFunctionUrl", "CKV_AWS_258"),
    # Ingest's concurrency is capped at the event source (MaximumConcurrency), as AWS advises for SQS.
    ("IngestFunction", "CKV_AWS_115"),
    # Log groups, SQS, DynamoDB: encrypted at rest with AWS managed or owned keys, not customer managed.
    ("PollLogGroup", "CKV_AWS_158"),
    ("IngestLogGroup", "CKV_AWS_158"),
    ("PublishLogGroup", "CKV_AWS_158"),
    ("SearchLogGroup", "CKV_AWS_158"),
    ("ArticleQueue", "CKV_AWS_27"),
    ("ArticleDLQ", "CKV_AWS_27"),
    ("PublishQueue", "CKV_AWS_27"),
    ("PublishDLQ", "CKV_AWS_27"),
    ("PollDLQ", "CKV_AWS_27"),
    ("ScheduleDLQ", "CKV_AWS_27"),
    ("StateTable", "CKV_AWS_119"),
    # The access-log bucket does not log into itself.
    ("LogBucket", "CKV_AWS_18"),
    # Public read-only JSON: no WAF; the default *.cloudfront.net certificate fixes its own TLS policy.
    ("Distribution", "CKV_AWS_68"),
    ("Distribution", "CKV_AWS_174"),
    # CloudWatch alarms cannot publish to a topic under the AWS managed SNS key.
    ("AlarmTopic", "CKV_AWS_26"),
}
# Checks that must pass, not be skipped: those fixed for the issue (the first five) and the
# ones that would quietly regress. A checkov upgrade that drops one fails here, to be looked at.
MUST_PASS = {
    ("PollFunction", "CKV_AWS_116"),  # PollDLQ, alarmed
    ("PollFunction", "CKV_AWS_115"),  # reserved concurrency 1: one poller at a time
    ("PublishFunction", "CKV_AWS_115"),  # reserved concurrency 1: one writer at a time
    ("SearchFunction", "CKV_AWS_115"),  # reserved concurrency: the public URL's throttle
    ("Bucket", "CKV_AWS_18"),  # S3 server access logs into LogBucket
    ("Distribution", "CKV_AWS_86"),  # CloudFront standard logs into LogBucket
    ("Distribution", "CKV_AWS_34"),  # viewers redirected to HTTPS
    ("PollLogGroup", "CKV_AWS_66"),  # retention
    ("LogBucket", "CKV_AWS_21"),  # versioned
    ("LogBucket", "CKV_AWS_19"),  # encrypted
}
CHECK_ID = re.compile(r"CKV2?_AWS_\d+")
# Environment that keeps checkov off the network: no platform downloads (guidelines, mappings,
# custom policies), no PyPI version check, no package scan.
OFFLINE_ENV = {
    "BC_SKIP_MAPPING": "TRUE",
    "CKV_SKIP_PACKAGE_UPDATE_CHECK": "true",
    "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false",
}
# Loaded into checkov's interpreter through PYTHONPATH: refuses, and writes down, any
# connection or name lookup that is not loopback. `loaded` proves it was in force.
NETWORK_GUARD = """
import errno, ipaddress, os, socket

_LOG = os.environ["SYNDICATE_NET_GUARD_LOG"]


def _note(line):
    with open(_LOG, "a", encoding="utf-8") as f:
        f.write(line + "\\n")


def _loopback(host):
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    host = str(host).split("%", 1)[0]
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _guarded(original, what):
    def guarded(self, address):
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _loopback(address[0]):
            _note(f"blocked {what} {address!r}")
            raise OSError(errno.ENETUNREACH, "blocked by the test's network guard")
        return original(self, address)
    return guarded


_connect, _connect_ex = socket.socket.connect, socket.socket.connect_ex
socket.socket.connect = _guarded(_connect, "connect")
socket.socket.connect_ex = _guarded(_connect_ex, "connect")
_sendto = socket.socket.sendto


def _guarded_sendto(self, data, *args):
    address = args[-1]
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _loopback(address[0]):
        _note(f"blocked sendto {address!r}")
        raise OSError(errno.ENETUNREACH, "blocked by the test's network guard")
    return _sendto(self, data, *args)


socket.socket.sendto = _guarded_sendto
_getaddrinfo = socket.getaddrinfo


def _guarded_getaddrinfo(host, *args, **kwargs):
    if host is not None and not _loopback(host):
        _note(f"blocked lookup {host!r}")
        raise socket.gaierror(socket.EAI_NONAME, "blocked by the test's network guard")
    return _getaddrinfo(host, *args, **kwargs)


socket.getaddrinfo = _guarded_getaddrinfo
_note(f"loaded {os.getpid()}")
"""


# ---------------------------------------------------------------- helpers


def _checkov() -> str:
    """checkov: $CHECKOV (the Makefile sets it), then PATH, then the repo's tool venv."""
    candidates = [os.environ.get("CHECKOV"), shutil.which("checkov"), str(REPO / ".tools-checkov" / "bin" / "checkov")]
    for candidate in candidates:
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    pytest.fail(
        "checkov not found (set CHECKOV or put checkov on PATH; `make tools` installs it into "
        ".tools-checkov): install checkov: pip install checkov"
    )


def _interpreter(script: str, what: str) -> str:
    """The python a console script runs on (its shebang): samtranslator lives there, not in .venv."""
    first = Path(script).read_text(errors="replace").splitlines()[0]
    python = first[2:].strip().split()[0] if first.startswith("#!") else ""
    if not python or not Path(python).exists():
        pytest.fail(f"cannot tell which python runs {script}: install {what}")
    return python


def _run(cmd: list[str], env: dict[str, str], timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout, check=False)


def _skips_in(template: dict[str, Any]) -> dict[tuple[str, str], str]:
    """(logical id, check id) -> reason, from every resource's `Metadata: checkov: skip`."""
    skips: dict[tuple[str, str], str] = {}
    for logical_id, resource in template["Resources"].items():
        for entry in resource.get("Metadata", {}).get("checkov", {}).get("skip", []):
            key = (logical_id, entry.get("id", ""))
            assert key not in skips, f"{key} is skipped twice"
            skips[key] = entry.get("comment", "")
    return skips


def _scan(path: Path, tmp_path: Path) -> dict[str, Any]:
    """Run checkov offline on one CloudFormation file; its JSON report, after the guard's check."""
    guard_dir = tmp_path / "guard"
    guard_dir.mkdir(exist_ok=True)
    (guard_dir / "sitecustomize.py").write_text(NETWORK_GUARD)
    guard_log = tmp_path / f"network-{path.stem}.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BC_", "CKV_", "CHECKOV_", "PRISMA_"))}
    env.update(OFFLINE_ENV)
    env.update(
        PYTHONPATH=str(guard_dir),
        SYNDICATE_NET_GUARD_LOG=str(guard_log),
        HOME=str(tmp_path),  # checkov may cache under ~; keep it in the test's folder
    )
    cmd = [_checkov(), "--file", str(path), "--framework", "cloudformation", "--skip-download", "--output", "json"]
    proc = _run(cmd, env)
    noted = guard_log.read_text().splitlines() if guard_log.exists() else []
    assert any(line.startswith("loaded ") for line in noted), "the network guard did not load into checkov"
    blocked = [line for line in noted if line.startswith("blocked ")]
    assert not blocked, f"checkov tried to reach the network: {blocked}"
    assert proc.returncode in (0, 1), f"checkov exited {proc.returncode}:\n{proc.stderr[-4000:]}"
    report: dict[str, Any] = json.loads(proc.stdout)
    assert report.get("check_type") == "cloudformation", f"checkov scanned nothing as CloudFormation: {report}"
    return report


def _logical_id(check: dict[str, Any]) -> str:
    # checkov names a resource "AWS::Type.LogicalId".
    return str(check["resource"]).rsplit(".", 1)[-1]


def _assert_clean(report: dict[str, Any], expected_skips: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """No failed check, exactly the expected suppressions; returns the (resource, check) passes."""
    results = report["results"]
    failed = [f"{c['check_id']} {c['resource']}: {c['check_name']}" for c in results["failed_checks"]]
    assert not failed, "checkov findings (fix them, or skip them in place with a reason):\n" + "\n".join(failed)
    skipped = {(_logical_id(c), c["check_id"]) for c in results["skipped_checks"]}
    assert skipped == expected_skips
    passed = {(_logical_id(c), c["check_id"]) for c in results["passed_checks"]}
    assert not MUST_PASS - passed, f"fixed findings no longer pass: {MUST_PASS - passed}"
    return passed


# ---------------------------------------------------------------- fast


def test_every_suppression_is_reviewed_and_says_why() -> None:
    skips = _skips_in(load_template(TEMPLATE))
    assert set(skips) == REVIEWED_SKIPS
    for (logical_id, check_id), reason in skips.items():
        assert CHECK_ID.fullmatch(check_id), f"{logical_id}: {check_id!r} is not a checkov AWS check id"
        assert len(reason.split()) >= 15, f"{logical_id} {check_id}: say why in the comment"
    # A repo-wide config could skip checks out of sight of the template.
    for name in (".checkov.yaml", ".checkov.yml"):
        assert not (REPO / name).exists(), f"{name}: suppress findings in template.yaml, next to the resource"


# ---------------------------------------------------------------- checkov itself (slow)


@pytest.mark.slow
def test_checkov_passes_on_the_template(tmp_path: Path) -> None:
    passed = _assert_clean(_scan(TEMPLATE, tmp_path), REVIEWED_SKIPS)
    assert len(passed) >= 30  # it really looked at the resources


@pytest.fixture(scope="module")
def transformed_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """template.yaml through the SAM transform (samtranslator from the SAM CLI's venv), as JSON."""
    script = SAM_TRANSFORM_SCRIPT
    env = {**os.environ, "AWS_DEFAULT_REGION": "us-east-1", "SAM_CLI_TELEMETRY": "0"}
    proc = _run([_interpreter(find_sam(), "aws-sam-cli: pip install aws-sam-cli"), "-c", script, str(TEMPLATE)], env)
    assert proc.returncode == 0, f"SAM transform failed:\n{proc.stderr[-4000:]}"
    path = tmp_path_factory.mktemp("sam-transformed") / "template.json"
    path.write_text(proc.stdout.splitlines()[-1])
    return path


@pytest.mark.slow
def test_checkov_passes_on_the_sam_transformed_template(transformed_template: Path, tmp_path: Path) -> None:
    """What SAM generates is scanned too: the roles, and functions with Globals (Tracing) merged."""
    transformed = json.loads(transformed_template.read_text())
    types = {r["Type"] for r in transformed["Resources"].values()}
    assert {"AWS::Lambda::Function", "AWS::IAM::Role", "AWS::Lambda::EventSourceMapping"} <= types
    # SAM carries each function's Metadata over to the AWS::Lambda::Function it generates,
    # so the same in-place suppressions apply, and nothing new needs one.
    assert _skips_in(transformed) == _skips_in(load_template(TEMPLATE))
    report = _scan(transformed_template, tmp_path)
    passed = _assert_clean(report, REVIEWED_SKIPS)
    roles = {logical_id for logical_id, _ in passed if logical_id.endswith("FunctionRole")}
    assert roles == {
        "PollFunctionRole",
        "IngestFunctionRole",
        "PublishFunctionRole",
        "SearchFunctionRole",
    }, "roles were not checked"
    # The boundary is scanned as a policy too: no unconstrained writes or permissions management.
    assert {("FunctionBoundary", "CKV_AWS_111"), ("FunctionBoundary", "CKV_AWS_109")} <= passed
