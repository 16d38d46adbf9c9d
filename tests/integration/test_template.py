"""The deployment: template.yaml's structure, its lint, the SAM build, and the sample events.

The fast tests read the raw template and pin the facts that would quietly regress (partial
batch failures, one publisher at a time, a private and encrypted bucket, PITR, no wildcard
IAM, TLS-only buckets, access logs, alarmed dead-letter queues, the permissions boundary).
The slow ones run the real tools: `sam validate --lint`, `cfn-lint`, the SAM transform (to
check the IAM policies SAM generates, and that the boundary both admits what each function
needs and caps the AWS managed policies SAM attaches), and `sam build`, whose layer is then
imported by a python3.12 that has nothing else installed, so a dependency dropped from the
layer fails here rather than in Lambda. checkov has its own file, test_checkov.py.
"""

from __future__ import annotations

import fnmatch
import importlib.metadata
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

from syndicate.invoke import load_template
from syndicate.model import ArticleMessage
from syndicate.pipeline import entry_hash

from fixtures.sam import SAM_TRANSFORM_SCRIPT, find_sam

REPO = Path(__file__).resolve().parents[2]
TEMPLATE = REPO / "template.yaml"
SEED_URL = "https://blogs.lse.ac.uk/cff/2022/01/14/beijings-wait-and-see-approach-in-kazakhstan/"
FUNCTIONS = {
    "poll": "PollFunction",
    "ingest": "IngestFunction",
    "publish": "PublishFunction",
    "search": "SearchFunction",
}
CONTRACT_ENV = (
    "SYNDICATE_BACKEND",
    "BUCKET_NAME",
    "TABLE_NAME",
    "ARTICLE_QUEUE_URL",
    "PUBLISH_QUEUE_URL",
    "REGISTRY_URI",
    "PUBLIC_BASE_URL",
    "POWERTOOLS_METRICS_NAMESPACE",
)
LAYER_PACKAGES = {
    # distribution name -> import name
    "trafilatura": "trafilatura",
    "lxml_html_clean": "lxml_html_clean",
    "feedparser": "feedparser",
    "httpx": "httpx",
    "nh3": "nh3",
    "readability-lxml": "readability",
    "pydantic": "pydantic",
    "PyYAML": "yaml",
    "aws-lambda-powertools": "aws_lambda_powertools",
    "httpcore": "httpcore",
    "protego": "protego",
    "feedgen": "feedgen",
    "rensa": "rensa",
}
# SAM policy templates whose generated statements name the resource they are given.
SCOPED_POLICY_TEMPLATES = {
    "DynamoDBCrudPolicy",
    "DynamoDBReadPolicy",
    "S3ReadPolicy",
    "S3CrudPolicy",
    "S3WritePolicy",
    "SQSSendMessagePolicy",
    "SQSPollerPolicy",
}
# What SAM itself attaches to a function with SQS event sources (and, with `Tracing: Active`,
# X-Ray's write-only policy); nothing else is allowed. Their statements name every resource
# ("*"): FunctionBoundary caps them, see test_function_roles_stay_within_the_boundary.
ALLOWED_MANAGED_POLICIES = {
    "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
    "arn:aws:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole",
    "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess",
}
# X-Ray's write actions accept no resource ARN: the one place "*" is the narrowest resource.
RESOURCELESS_ACTIONS = {
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
    "xray:GetSamplingStatisticSummaries",
}
PYENV_VERSION = "3.11.7:3.12.1"
LAMBDA_UNZIPPED_LIMIT = 250 * 1024 * 1024


# ---------------------------------------------------------------- helpers


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load_template(TEMPLATE)


def _resources(template: dict[str, Any], type_: str) -> dict[str, dict[str, Any]]:
    return {k: v.get("Properties", {}) for k, v in template["Resources"].items() if v["Type"] == type_}


def _function(template: dict[str, Any], short: str) -> dict[str, Any]:
    props: dict[str, Any] = template["Resources"][FUNCTIONS[short]]["Properties"]
    return props


def _globals(template: dict[str, Any]) -> dict[str, Any]:
    glob: dict[str, Any] = template["Globals"]["Function"]
    return glob


def _events(template: dict[str, Any], short: str, type_: str) -> list[dict[str, Any]]:
    events = _function(template, short).get("Events", {}).values()
    return [e.get("Properties", {}) for e in events if e["Type"] == type_]


def _refers_to(value: Any, logical_id: str) -> bool:
    """True when an intrinsic (!Ref X, !GetAtt X.Attr) points at `logical_id`."""
    if isinstance(value, dict):
        if value.get("Ref") == logical_id:
            return True
        att = value.get("Fn::GetAtt")
        if isinstance(att, list) and att and att[0] == logical_id:
            return True
    return False


def _statements(policy_document: dict[str, Any]) -> list[dict[str, Any]]:
    statements = policy_document.get("Statement", [])
    return statements if isinstance(statements, list) else [statements]


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _wildcard_problems(owner: str, statements: list[dict[str, Any]]) -> list[str]:
    problems = []
    for statement in statements:
        if statement.get("Effect", "Allow") != "Allow":
            continue
        for action in _as_list(statement.get("Action", [])):
            if action == "*" or (isinstance(action, str) and action.endswith(":*")):
                problems.append(f"{owner}: action {action!r}")
        for resource in _as_list(statement.get("Resource", [])):
            if resource == "*":
                problems.append(f"{owner}: resource '*' for {statement.get('Action')}")
    return problems


def _sam_python(sam: str) -> str:
    """The interpreter the SAM CLI runs on: it has samtranslator, which the test venv need not."""
    first = Path(sam).read_text(errors="replace").splitlines()[0]
    python = first[2:].strip().split()[0] if first.startswith("#!") else ""
    if not python or not Path(python).exists():
        pytest.fail(f"cannot tell which python runs {sam}: install aws-sam-cli: pip install aws-sam-cli")
    return python


def _tool_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update({"AWS_DEFAULT_REGION": "us-east-1", "SAM_CLI_TELEMETRY": "0", **extra})
    return env


def _run(cmd: list[str], *, env: dict[str, str] | None = None, cwd: Path = REPO, timeout: float = 600) -> str:
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"{' '.join(cmd)} exited {proc.returncode}:\n{output[-6000:]}"
    return output


# ---------------------------------------------------------------- raw template (fast)


def test_every_function_runs_python312_on_one_architecture(template: dict[str, Any]) -> None:
    glob = _globals(template)
    assert glob["Runtime"] == "python3.12"
    assert glob["Architectures"] == ["x86_64"]
    layer = template["Resources"]["SyndicateLayer"]
    assert layer["Properties"]["CompatibleRuntimes"] == ["python3.12"]
    assert layer["Properties"]["CompatibleArchitectures"] == glob["Architectures"]
    assert layer["Metadata"]["BuildMethod"] == "python3.12"
    assert layer["Properties"]["ContentUri"].rstrip("/") == "shared"
    for short in FUNCTIONS:
        props = _function(template, short)
        assert props.get("Runtime", "python3.12") == "python3.12"
        assert props["CodeUri"].rstrip("/") == f"functions/{short}"
        assert (REPO / "functions" / short / "app.py").is_file()


def test_environment_carries_the_runtime_contract(template: dict[str, Any]) -> None:
    variables = _globals(template)["Environment"]["Variables"]
    assert set(CONTRACT_ENV) <= set(variables)
    assert variables["SYNDICATE_BACKEND"] == "aws"
    assert variables["POWERTOOLS_METRICS_NAMESPACE"] == "syndicate"
    assert _refers_to(variables["BUCKET_NAME"], "Bucket")
    assert _refers_to(variables["TABLE_NAME"], "StateTable")
    assert _refers_to(variables["ARTICLE_QUEUE_URL"], "ArticleQueue")
    assert _refers_to(variables["PUBLISH_QUEUE_URL"], "PublishQueue")
    assert variables["REGISTRY_URI"] == {"Fn::Sub": "s3://${Bucket}/config/partners.yaml"}
    assert "${Distribution.DomainName}" in variables["PUBLIC_BASE_URL"]["Fn::Sub"]
    for short in FUNCTIONS:
        assert _function(template, short)["Environment"]["Variables"]["POWERTOOLS_SERVICE_NAME"] == short


def test_poll_runs_on_a_schedule(template: dict[str, Any]) -> None:
    (schedule,) = _events(template, "poll", "Schedule")
    assert _refers_to(schedule["Schedule"], "PollSchedule")
    assert re.fullmatch(r"rate\(\d+ minutes?\)", template["Parameters"]["PollSchedule"]["Default"])


def test_ingest_reports_partial_batch_failures_and_dead_letters(template: dict[str, Any]) -> None:
    (sqs,) = _events(template, "ingest", "SQS")
    assert _refers_to(sqs["Queue"], "ArticleQueue")
    assert sqs["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert 1 <= sqs["BatchSize"] <= 10
    queue = template["Resources"]["ArticleQueue"]["Properties"]
    timeout = _function(template, "ingest").get("Timeout", _globals(template)["Timeout"])
    assert queue["VisibilityTimeout"] >= 6 * timeout
    assert queue["RedrivePolicy"]["maxReceiveCount"] == 5
    assert _refers_to(queue["RedrivePolicy"]["deadLetterTargetArn"], "ArticleDLQ")


def test_publish_is_one_debounced_writer_with_a_backstop(template: dict[str, Any]) -> None:
    props = _function(template, "publish")
    (sqs,) = _events(template, "publish", "SQS")
    # Below the source's concurrency, deliveries are throttled and count as receives; one
    # writer at a time is the publish lease's job (tests/integration/test_nothing_twice.py).
    assert props["ReservedConcurrentExecutions"] >= sqs["ScalingConfig"]["MaximumConcurrency"]
    assert int(props["Environment"]["Variables"]["PUBLISH_LEASE_WAIT"]) < props["Timeout"]
    assert _refers_to(sqs["Queue"], "PublishQueue")
    assert sqs["MaximumBatchingWindowInSeconds"] > 0
    assert len(_events(template, "publish", "Schedule")) == 1
    queue = template["Resources"]["PublishQueue"]["Properties"]
    assert queue["VisibilityTimeout"] >= 6 * props["Timeout"] + sqs["MaximumBatchingWindowInSeconds"]
    assert _refers_to(queue["RedrivePolicy"]["deadLetterTargetArn"], "PublishDLQ")


def _dead_letter_queues(template: dict[str, Any]) -> set[str]:
    """Queues that receive dead letters: redrive targets of queues, and functions' async DLQs."""
    found = set()
    for props in _resources(template, "AWS::SQS::Queue").values():
        if "RedrivePolicy" in props:
            found.add(props["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0])
    for props in _resources(template, "AWS::Serverless::Function").values():
        if "DeadLetterQueue" in props:
            found.add(props["DeadLetterQueue"]["TargetArn"]["Fn::GetAtt"][0])
        for event in props.get("Events", {}).values():  # schedules' undeliverable events
            if "DeadLetterConfig" in event["Properties"]:
                found.add(event["Properties"]["DeadLetterConfig"]["Arn"]["Fn::GetAtt"][0])
    return found


def test_publish_duration_alarm_fires_before_the_timeout(template: dict[str, Any]) -> None:
    (alarm,) = [
        p
        for p in _resources(template, "AWS::CloudWatch::Alarm").values()
        if p.get("MetricName") == "Duration" and p["Dimensions"][0]["Value"] == {"Ref": "PublishFunction"}
    ]
    timeout_ms = _function(template, "publish")["Timeout"] * 1000
    assert alarm["Namespace"] == "AWS/Lambda" and alarm["Statistic"] == "Maximum"
    assert alarm["Dimensions"] == [{"Name": "FunctionName", "Value": {"Ref": "PublishFunction"}}]
    assert 0.5 * timeout_ms <= alarm["Threshold"] < timeout_ms
    assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}]


def test_missing_pages_are_404_and_old_page_versions_expire(template: dict[str, Any]) -> None:
    """CloudFront (OAC) may list the bucket, so S3 says 404 for a missing page, not 403."""
    resources = template["Resources"]
    policy = resources["BucketPolicy"]["Properties"]["PolicyDocument"]
    (lists,) = [s for s in _statements(policy) if s.get("Action") == "s3:ListBucket"]
    assert lists["Effect"] == "Allow" and lists["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert lists["Resource"] == {"Fn::GetAtt": ["Bucket", "Arn"]}
    assert "Distribution" in json.dumps(lists["Condition"]["StringEquals"]["AWS:SourceArn"])
    rules = resources["Bucket"]["Properties"]["LifecycleConfiguration"]["Rules"]
    (pages,) = [r for r in rules if r.get("Prefix") == "public/"]
    assert pages["Status"] == "Enabled" and pages["NoncurrentVersionExpiration"]["NoncurrentDays"] == 1
    assert pages["ExpiredObjectDeleteMarker"] is True


def test_every_dead_letter_queue_has_an_alarm(template: dict[str, Any]) -> None:
    """Each DLQ alarms when its depth *increases* (metric math on the visible count), so a queue
    still holding an old failure does not keep the alarm in ALARM and hide the next one."""
    alarmed = set()
    for props in _resources(template, "AWS::CloudWatch::Alarm").values():
        assert props["AlarmActions"] == [{"Ref": "AlarmTopic"}]
        assert props["TreatMissingData"] == "notBreaching"  # quiet on a fresh deployment
        if "Metrics" not in props:
            continue
        queries = {m["Id"]: m for m in props["Metrics"]}
        (depth,) = [m["MetricStat"] for m in queries.values() if "MetricStat" in m]
        assert depth["Metric"]["MetricName"] == "ApproximateNumberOfMessagesVisible"
        (returned,) = [m for m in queries.values() if m.get("ReturnData", True)]
        assert re.fullmatch(r"DIFF\(FILL\(\w+, 0\)\)", returned["Expression"]), returned
        assert props["ComparisonOperator"] == "GreaterThanThreshold" and props["Threshold"] == 0
        (dimension,) = depth["Metric"]["Dimensions"]
        alarmed.add(dimension["Value"]["Fn::GetAtt"][0])
    # PollDLQ holds the poller's failed runs (its async DLQ), ScheduleDLQ the schedule events
    # EventBridge could not deliver, the other two failed messages.
    assert _dead_letter_queues(template) == {"ArticleDLQ", "PublishDLQ", "PollDLQ", "ScheduleDLQ"}
    assert alarmed == _dead_letter_queues(template)


def test_bucket_is_private_versioned_encrypted_and_tls_only(template: dict[str, Any]) -> None:
    bucket = template["Resources"]["Bucket"]["Properties"]
    assert bucket["VersioningConfiguration"]["Status"] == "Enabled"
    block = bucket["PublicAccessBlockConfiguration"]
    assert block == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    (rule,) = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in {"AES256", "aws:kms"}
    policy = template["Resources"]["BucketPolicy"]["Properties"]
    assert _refers_to(policy["Bucket"], "Bucket")
    deny_plain = [
        s
        for s in _statements(policy["PolicyDocument"])
        if s["Effect"] == "Deny" and s.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport") == "false"
    ]
    assert deny_plain, "the bucket policy must deny requests without TLS"


def test_cloudfront_reads_only_the_public_prefix(template: dict[str, Any]) -> None:
    config = template["Resources"]["Distribution"]["Properties"]["DistributionConfig"]
    (origin,) = config["Origins"]
    assert origin["OriginPath"] == "/public"
    assert _refers_to(origin["OriginAccessControlId"], "OriginAccessControl")
    assert config["DefaultCacheBehavior"]["ViewerProtocolPolicy"] in {"redirect-to-https", "https-only"}
    policy = template["Resources"]["BucketPolicy"]["Properties"]["PolicyDocument"]
    grants = [s for s in _statements(policy) if s["Effect"] == "Allow" and s["Action"] != "s3:ListBucket"]
    assert len(grants) == 1, "objects: only public/ (listing: test_missing_pages_are_404_and_old_page_versions_expire)"
    assert grants[0]["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert grants[0]["Action"] == "s3:GetObject"
    assert grants[0]["Resource"] == {"Fn::Sub": "${Bucket.Arn}/public/*"}
    assert "${Distribution}" in grants[0]["Condition"]["StringEquals"]["AWS:SourceArn"]["Fn::Sub"]


def test_state_table_keys_billing_recovery_ttl(template: dict[str, Any]) -> None:
    table = template["Resources"]["StateTable"]["Properties"]
    assert table["BillingMode"] == "PAY_PER_REQUEST"
    assert table["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert table["SSESpecification"]["SSEEnabled"] is True
    assert table["KeySchema"] == [
        {"AttributeName": "pk", "KeyType": "HASH"},
        {"AttributeName": "sk", "KeyType": "RANGE"},
    ]
    assert {(a["AttributeName"], a["AttributeType"]) for a in table["AttributeDefinitions"]} == {
        ("pk", "S"),
        ("sk", "S"),
    }
    assert table["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}


def test_function_policies_are_scoped(template: dict[str, Any]) -> None:
    problems = []
    for short in FUNCTIONS:
        for policy in _function(template, short)["Policies"]:
            assert isinstance(policy, dict), f"{short}: managed policy {policy!r} is not scoped"
            if "Statement" in policy:
                problems += _wildcard_problems(short, _statements(policy))
                continue
            (name, args) = next(iter(policy.items()))
            assert name in SCOPED_POLICY_TEMPLATES, f"{short}: unexpected policy template {name}"
            assert all(isinstance(v, dict) for v in args.values()), f"{short}: {name} names no resource"
    assert not problems, problems


def test_each_function_gets_only_the_queues_it_uses(template: dict[str, Any]) -> None:
    def sends_to(short: str) -> set[str]:
        return {
            p["SQSSendMessagePolicy"]["QueueName"]["Fn::GetAtt"][0]
            for p in _function(template, short)["Policies"]
            if "SQSSendMessagePolicy" in p
        }

    assert sends_to("poll") == {"ArticleQueue"}
    assert sends_to("ingest") == {"PublishQueue"}
    assert sends_to("publish") == set()
    assert sends_to("search") == set()


def test_poll_runs_one_at_a_time_and_parks_failed_runs(template: dict[str, Any]) -> None:
    props = _function(template, "poll")
    assert props["ReservedConcurrentExecutions"] == 1
    assert props["DeadLetterQueue"]["Type"] == "SQS"
    assert _refers_to(props["DeadLetterQueue"]["TargetArn"], "PollDLQ")


def test_ingest_concurrency_is_capped_at_the_event_source(template: dict[str, Any]) -> None:
    """Each instance has its own per-host limit: the instance count bounds the load on a partner."""
    (sqs,) = _events(template, "ingest", "SQS")
    assert 2 <= sqs["ScalingConfig"]["MaximumConcurrency"] <= 4
    # Reserved concurrency under an SQS source turns extra deliveries into throttles that
    # count as receives and push healthy messages toward the DLQ.
    assert "ReservedConcurrentExecutions" not in _function(template, "ingest")


def test_functions_are_traced_and_log_to_retained_groups(template: dict[str, Any]) -> None:
    assert _globals(template)["Tracing"] == "Active"
    groups = _resources(template, "AWS::Logs::LogGroup")
    for short in FUNCTIONS:
        group = _function(template, short)["LoggingConfig"]["LogGroup"]["Ref"]
        assert 1 <= groups[group]["RetentionInDays"] <= 365, group


def test_every_queue_is_encrypted_at_rest(template: dict[str, Any]) -> None:
    queues = _resources(template, "AWS::SQS::Queue")
    assert len(queues) == 6  # 2 work queues, 4 dead-letter queues
    for name, props in queues.items():
        assert props.get("SqsManagedSseEnabled") is True or "KmsMasterKeyId" in props, name


def test_every_bucket_is_private_encrypted_and_tls_only(template: dict[str, Any]) -> None:
    buckets = _resources(template, "AWS::S3::Bucket")
    assert set(buckets) == {"Bucket", "LogBucket"}
    policies = {p["Bucket"]["Ref"]: p["PolicyDocument"] for p in _resources(template, "AWS::S3::BucketPolicy").values()}
    for name, props in buckets.items():
        assert all(props["PublicAccessBlockConfiguration"].values()), name
        assert len(props["PublicAccessBlockConfiguration"]) == 4, name
        (rule,) = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in {"AES256", "aws:kms"}, name
        denies = [
            s
            for s in _statements(policies[name])
            if s["Effect"] == "Deny"
            and s["Principal"] == "*"
            and s["Action"] == "s3:*"
            and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        ]
        assert len(denies) == 1, f"{name}: no bucket policy denying requests without TLS"
        # Both the bucket (ListBucket...) and its objects.
        assert denies[0]["Resource"] == [{"Fn::GetAtt": [name, "Arn"]}, {"Fn::Sub": f"${{{name}.Arn}}/*"}], name


def test_access_logs_go_to_the_log_bucket_and_expire(template: dict[str, Any]) -> None:
    resources = template["Resources"]
    logging = resources["Bucket"]["Properties"]["LoggingConfiguration"]
    assert _refers_to(logging["DestinationBucketName"], "LogBucket")
    cdn_logging = resources["Distribution"]["Properties"]["DistributionConfig"]["Logging"]
    # CloudFront wants the bucket's s3.amazonaws.com name, not the bucket name.
    assert cdn_logging["Bucket"] == {"Fn::GetAtt": ["LogBucket", "DomainName"]}
    assert cdn_logging["Prefix"] != logging["LogFilePrefix"]
    log_bucket = resources["LogBucket"]["Properties"]
    # CloudFront's standard logging writes through ACLs: ACLs disabled would refuse its logs.
    assert log_bucket["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerPreferred"}]
    (rule,) = log_bucket["LifecycleConfiguration"]["Rules"]
    assert rule["Status"] == "Enabled" and 1 <= rule["ExpirationInDays"] <= 400
    grants = [
        s for s in _statements(resources["LogBucketPolicy"]["Properties"]["PolicyDocument"]) if s["Effect"] == "Allow"
    ]
    assert len(grants) == 1
    (grant,) = grants
    assert grant["Principal"] == {"Service": "logging.s3.amazonaws.com"}
    assert grant["Action"] == "s3:PutObject"
    assert grant["Resource"] == {"Fn::Sub": "${LogBucket.Arn}/" + logging["LogFilePrefix"] + "*"}
    # Only our bucket's logs, only for our account: no one else's bucket can log into it.
    assert grant["Condition"]["ArnLike"]["aws:SourceArn"] == {"Fn::GetAtt": ["Bucket", "Arn"]}
    assert grant["Condition"]["StringEquals"]["aws:SourceAccount"] == {"Ref": "AWS::AccountId"}


def test_alarm_topic_can_be_used_by_cloudwatch_alone(template: dict[str, Any]) -> None:
    topic = template["Resources"]["AlarmTopic"]["Properties"]
    # CloudWatch cannot publish to a topic under the AWS managed key: the alarms would be silent.
    assert topic.get("KmsMasterKeyId") != "alias/aws/sns"
    (policy,) = _resources(template, "AWS::SNS::TopicPolicy").values()
    assert policy["Topics"] == [{"Ref": "AlarmTopic"}]
    (statement,) = _statements(policy["PolicyDocument"])
    assert statement["Effect"] == "Allow"
    assert statement["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert statement["Action"] == "sns:Publish"
    assert statement["Condition"]["StringEquals"]["aws:SourceAccount"] == {"Ref": "AWS::AccountId"}


def test_every_function_role_is_capped_by_the_boundary(template: dict[str, Any]) -> None:
    assert _globals(template)["PermissionsBoundary"] == {"Ref": "FunctionBoundary"}
    for short in FUNCTIONS:
        assert "PermissionsBoundary" not in _function(template, short), f"{short} escapes the boundary"
    boundary = template["Resources"]["FunctionBoundary"]
    assert boundary["Type"] == "AWS::IAM::ManagedPolicy"
    statements = _statements(boundary["Properties"]["PolicyDocument"])
    assert all(s["Effect"] == "Allow" for s in statements)
    problems = _wildcard_problems("FunctionBoundary", [s for s in statements if s["Resource"] != "*"])
    assert not problems, problems
    for statement in statements:
        if statement["Resource"] == "*":
            assert set(_as_list(statement["Action"])) <= RESOURCELESS_ACTIONS, statement["Sid"]


def _bucket_statements(template: dict[str, Any], short: str) -> list[dict[str, Any]]:
    """The inline policy statements of one function that are about S3."""
    out = []
    for policy in _function(template, short).get("Policies", []):
        if isinstance(policy, dict) and "Statement" in policy:
            out += [s for s in policy["Statement"] if any(a.startswith("s3:") for a in _as_list(s["Action"]))]
    return out


def _prefixes(statement: dict[str, Any]) -> list[str]:
    """The object prefixes a statement's resources name (the part after `${Bucket}/`)."""
    subs = [r["Fn::Sub"] for r in _as_list(statement["Resource"]) if isinstance(r, dict) and "Fn::Sub" in r]
    return [sub.split("${Bucket}", 1)[1].lstrip("/") for sub in subs]


def test_bucket_access_is_what_each_function_does(template: dict[str, Any]) -> None:
    """IAM matches the code: no function writes config/; ingest writes and retires records and
    keeps copies and raw pages in private/; listing is scoped to the prefixes each function reads."""
    grants: dict[str, dict[str, set[str]]] = {}
    for short in FUNCTIONS:
        for statement in _bucket_statements(template, short):
            for action in _as_list(statement["Action"]):
                if action == "s3:ListBucket":
                    assert _prefixes(statement) == [""], f"{short}: ListBucket is on the bucket itself"
                    condition = statement.get("Condition", {}).get("StringLike", {}).get("s3:prefix")
                    assert condition, f"{short}: ListBucket without an s3:prefix condition lists the whole bucket"
                    grants.setdefault(short, {}).setdefault(action, set()).update(condition)
                else:
                    grants.setdefault(short, {}).setdefault(action, set()).update(_prefixes(statement))
    for short, actions in grants.items():
        for action in ("s3:PutObject", "s3:DeleteObject"):
            assert not any(p.startswith("config/") for p in actions.get(action, ())), f"{short} may write config/"
    assert grants["poll"] == {"s3:GetObject": {"config/*"}}
    assert grants["ingest"]["s3:DeleteObject"] == {"public/records/*"}, "retiring a record deletes it"
    assert grants["ingest"]["s3:PutObject"] == {"public/records/*", "private/copies/*", "private/raw/*"}
    assert grants["ingest"]["s3:ListBucket"] == {"config/*", "private/copies/*"}
    assert grants["publish"]["s3:ListBucket"] == {"public/*", "config/*", "search/*"}
    assert grants["publish"]["s3:PutObject"] == {"public/*", "search/*"}, "publish updates the search index"
    assert grants["search"] == {"s3:GetObject": {"search/*"}, "s3:ListBucket": {"search/*"}}, "search is read-only"
    boundary = _statements(template["Resources"]["FunctionBoundary"]["Properties"]["PolicyDocument"])
    writes = [s for s in boundary if {"s3:PutObject", "s3:DeleteObject"} & set(_as_list(s["Action"]))]
    assert writes and not any(
        "config/" in str(r) for s in writes for r in _as_list(s["Resource"])
    ), "the boundary lets a function write the registry"


def test_search_is_a_public_get_only_url_with_cors_for_downstream_sites(template: dict[str, Any]) -> None:
    props = _function(template, "search")
    assert props["ReservedConcurrentExecutions"] == {"Ref": "SearchConcurrency"}
    assert not any("DynamoDB" in next(iter(p)) or "SQS" in next(iter(p)) for p in props["Policies"])
    url = template["Resources"]["SearchFunctionUrl"]["Properties"]
    assert url["TargetFunctionArn"] == {"Fn::GetAtt": ["SearchFunction", "Arn"]}
    assert url["AuthType"] == "NONE"
    assert url["Cors"]["AllowMethods"] == ["GET"]
    assert url["Cors"]["AllowOrigins"] == {"Ref": "SearchAllowedOrigins"}
    assert template["Parameters"]["SearchAllowedOrigins"]["Type"] == "CommaDelimitedList"
    permission = template["Resources"]["SearchFunctionUrlPermission"]["Properties"]
    assert permission["Action"] == "lambda:InvokeFunctionUrl" and permission["FunctionUrlAuthType"] == "NONE"
    assert template["Outputs"]["SearchUrl"]["Value"] == {"Fn::GetAtt": ["SearchFunctionUrl", "FunctionUrl"]}


def test_tantivy_travels_only_to_the_functions_that_use_the_index(template: dict[str, Any]) -> None:
    layer = template["Resources"]["SearchLayer"]
    assert layer["Properties"]["ContentUri"].rstrip("/") == "search-layer"
    pins = (REPO / "search-layer" / "requirements.txt").read_text()
    assert f"tantivy=={importlib.metadata.version('tantivy')}" in pins
    assert "tantivy" not in (REPO / "shared" / "requirements.txt").read_text()
    for short in FUNCTIONS:
        layers = _function(template, short).get("Layers", [])
        assert ({"Ref": "SearchLayer"} in layers) == (short in ("publish", "search")), short


def test_outputs_name_what_operators_need(template: dict[str, Any]) -> None:
    outputs = template["Outputs"]
    for name in ("BucketName", "DistributionDomain", "ArticleQueueUrl", "PublishQueueUrl", "TableName"):
        assert name in outputs
    for name in ("ArticleDLQUrl", "PublishDLQUrl", "PollDLQUrl", "LogBucketName"):
        assert name in outputs


def test_layer_requirements_are_pinned_to_the_tested_versions() -> None:
    pins = {}
    for line in (REPO / "shared" / "requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, sep, version = line.partition("==")
            assert sep, f"unpinned requirement {line!r}"
            pins[name.strip().lower().replace("_", "-")] = version.strip()
    assert "boto3" not in pins, "the layer stays under 30 MB zipped: boto3 travels with the publish function"
    for dist in LAYER_PACKAGES:
        key = dist.lower().replace("_", "-")
        assert key in pins, f"{dist} missing from shared/requirements.txt"
        assert pins[key] == importlib.metadata.version(dist), f"{dist}: layer pin differs from the tested version"


def test_publish_function_brings_the_tested_boto3() -> None:
    """The runtime's bundled boto3 may predate PutObject(IfMatch=...), which publish's
    conditional writes need; the publish function's package brings the tested one (it does
    not fit in the shared layer: with botocore that would be ~44 MB zipped, over 30)."""
    pins = {}
    for line in (REPO / "functions" / "publish" / "requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, sep, version = line.partition("==")
            assert sep, f"unpinned requirement {line!r}"
            pins[name.strip().lower()] = version.strip()
    assert pins == {"boto3": importlib.metadata.version("boto3"), "botocore": importlib.metadata.version("botocore")}


def test_handlers_import_without_any_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (*CONTRACT_ENV, "SYNDICATE_OUT"):
        monkeypatch.delenv(name, raising=False)
    for short in FUNCTIONS:
        path = REPO / "functions" / short / "app.py"
        spec = importlib.util.spec_from_file_location(f"_handler_import_{short}", path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        monkeypatch.setitem(sys.modules, spec.name, module)  # as an import does (dataclasses need it)
        spec.loader.exec_module(module)
        assert callable(module.handler)
        source = path.read_text()
        assert "@logger.inject_lambda_context" in source and "@metrics.log_metrics" in source
        assert "import boto3" not in source


# ---------------------------------------------------------------- sample events (fast)


def _event(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((REPO / "events" / f"{name}.json").read_text())
    return data


def test_poll_event_is_a_scheduled_event() -> None:
    event = _event("poll")
    assert event["source"] == "aws.events"
    assert event["detail-type"] == "Scheduled Event"


def test_ingest_event_carries_the_seed_article_message() -> None:
    (record,) = _event("ingest")["Records"]
    assert record["eventSource"] == "aws:sqs"
    message = ArticleMessage.model_validate_json(record["body"])
    assert message.partner == "lse-blogs"
    assert message.entry.url == SEED_URL
    assert message.canonical_url == SEED_URL
    assert message.entry_hash == entry_hash(message.entry)  # as poll would have computed it


def test_publish_event_is_an_sqs_batch() -> None:
    records = _event("publish")["Records"]
    assert records and all(r["eventSource"] == "aws:sqs" and r["messageId"] for r in records)


# ---------------------------------------------------------------- the real tools (slow)


@pytest.mark.slow
def test_sam_validate_lint() -> None:
    output = _run([find_sam(), "validate", "--lint", "--template-file", str(TEMPLATE)], env=_tool_env())
    assert "is a valid SAM Template" in output


@pytest.mark.slow
def test_cfn_lint() -> None:
    if importlib.util.find_spec("cfnlint") is None:
        pytest.fail("cfn-lint is not installed: pip install cfn-lint")
    _run(
        [sys.executable, "-c", "import sys; from cfnlint.runner import main; sys.exit(main())", str(TEMPLATE)],
        env=_tool_env(),
    )


@pytest.fixture(scope="module")
def transformed() -> dict[str, Any]:
    """The template after the SAM transform itself: the roles, rules and mappings SAM generates."""
    script = SAM_TRANSFORM_SCRIPT
    out = _run([_sam_python(find_sam()), "-c", script, str(TEMPLATE)], env=_tool_env())
    result: dict[str, Any] = json.loads(out.splitlines()[-1])
    return result


@pytest.mark.slow
def test_transformed_template_has_no_wildcard_iam(transformed: dict[str, Any]) -> None:
    """Run the SAM transform itself and inspect every role it generates."""
    roles = _resources(transformed, "AWS::IAM::Role")
    assert {f"{fn}Role" for fn in FUNCTIONS.values()} <= set(roles)
    problems = []
    for name, role in roles.items():
        assert set(role.get("ManagedPolicyArns", [])) <= ALLOWED_MANAGED_POLICIES, name
        for policy in role.get("Policies", []):
            problems += _wildcard_problems(name, _statements(policy["PolicyDocument"]))
    assert not problems, problems
    mappings = _resources(transformed, "AWS::Lambda::EventSourceMapping")
    ingest = next(m for m in mappings.values() if m["FunctionName"] == {"Ref": "IngestFunction"})
    assert ingest["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


# A toy evaluator for the boundary test: intrinsics resolved to made-up physical names, and
# IAM's `*` matched with fnmatch (IAM's `?` and `*` mean what they mean there).
ACCOUNT, REGION = "123456789012", "us-east-1"


def _physical_name(logical_id: str) -> str:
    return f"stack-{logical_id}-1A2B3C"


def _attribute(template: dict[str, Any], logical_id: str, attribute: str) -> str:
    type_ = template["Resources"][logical_id]["Type"]
    name = _physical_name(logical_id)
    if attribute == "Arn":
        return {
            "AWS::SQS::Queue": f"arn:aws:sqs:{REGION}:{ACCOUNT}:{name}",
            "AWS::DynamoDB::Table": f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{name}",
            "AWS::S3::Bucket": f"arn:aws:s3:::{name.lower()}",
            # As CloudFormation gives it: the group's ARN with ":*", i.e. all its streams.
            "AWS::Logs::LogGroup": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{name}:*",
            "AWS::Lambda::Function": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}",
        }[type_]
    if attribute == "QueueName" and type_ == "AWS::SQS::Queue":
        return name
    raise AssertionError(f"the boundary test cannot resolve {logical_id}.{attribute}: teach _attribute")


def _ref(template: dict[str, Any], name: str) -> str:
    pseudo = {"AWS::Partition": "aws", "AWS::Region": REGION, "AWS::AccountId": ACCOUNT}
    if name in pseudo:
        return pseudo[name]
    type_ = template["Resources"][name]["Type"]
    if type_ == "AWS::SQS::Queue":
        return f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/{_physical_name(name)}"
    if type_ == "AWS::S3::Bucket":
        return _physical_name(name).lower()
    return _physical_name(name)


def _resolve(template: dict[str, Any], value: Any) -> Any:
    if isinstance(value, list):
        return [_resolve(template, v) for v in value]
    if not isinstance(value, dict):
        return value
    if "Ref" in value:
        return _ref(template, value["Ref"])
    if "Fn::GetAtt" in value:
        logical_id, attribute = value["Fn::GetAtt"]
        return _attribute(template, logical_id, attribute)
    if "Fn::Sub" in value:
        text, variables = (value["Fn::Sub"], {}) if isinstance(value["Fn::Sub"], str) else value["Fn::Sub"]

        def substitute(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in variables:
                return str(_resolve(template, variables[name]))
            if "." in name and not name.startswith("AWS::"):
                logical_id, attribute = name.split(".", 1)
                return _attribute(template, logical_id, attribute)
            return _ref(template, name)

        return re.sub(r"\$\{([^}!]+)\}", substitute, text)
    if any(key.startswith("Fn::") for key in value):
        raise AssertionError(f"the boundary test cannot resolve {value}: teach _resolve")
    return {key: _resolve(template, v) for key, v in value.items()}


def _allows(statements: list[dict[str, Any]], action: str, resource: str) -> bool:
    """Whether an Allow statement grants `action` on `resource` (both may hold IAM wildcards).

    A wildcard action asked about (SAM's `sqs:SendMessage*`) counts as granted when the
    statements grant at least one action it stands for.
    """
    for statement in statements:
        actions = [a.lower() for a in _as_list(statement["Action"])]
        resources = _as_list(statement["Resource"])
        wanted = action.lower()
        action_ok = any(fnmatch.fnmatchcase(wanted, a) or fnmatch.fnmatchcase(a, wanted) for a in actions)
        if action_ok and any(fnmatch.fnmatchcase(resource, r) for r in resources):
            return True
    return False


@pytest.mark.slow
def test_function_roles_stay_within_the_boundary(transformed: dict[str, Any]) -> None:
    """The boundary admits what each function needs, and caps what SAM's managed policies grant.

    Needs: every statement of the role's own policies, its log streams, its queue (for an SQS
    trigger) and X-Ray. Caps: the managed policies' "*" reaches no other queue, log group,
    table or bucket. A policy added to a function but not to FunctionBoundary fails here, not
    as an AccessDenied in the cloud.
    """
    boundary = _resolve(
        transformed, _statements(transformed["Resources"]["FunctionBoundary"]["Properties"]["PolicyDocument"])
    )
    roles = _resources(transformed, "AWS::IAM::Role")
    mappings = _resources(transformed, "AWS::Lambda::EventSourceMapping").values()
    functions = _resources(transformed, "AWS::Lambda::Function")
    missing = []
    for logical_id in FUNCTIONS.values():
        role = roles[f"{logical_id}Role"]
        assert role["PermissionsBoundary"] == {"Ref": "FunctionBoundary"}, logical_id
        needs = []
        for policy in role.get("Policies", []):
            for statement in _resolve(transformed, _statements(policy["PolicyDocument"])):
                assert statement["Effect"] == "Allow"
                needs += [(a, r) for a in _as_list(statement["Action"]) for r in _as_list(statement["Resource"])]
        log_group = functions[logical_id]["LoggingConfig"]["LogGroup"]["Ref"]
        streams = _attribute(transformed, log_group, "Arn").removesuffix("*") + "log-stream:2026/01/01/[$LATEST]0a1b"
        needs += [("logs:CreateLogStream", streams), ("logs:PutLogEvents", streams)]
        needs += [(action, "*") for action in ("xray:PutTraceSegments", "xray:PutTelemetryRecords")]
        for mapping in mappings:
            if mapping["FunctionName"] == {"Ref": logical_id}:
                queue = _resolve(transformed, mapping["EventSourceArn"])
                needs += [(a, queue) for a in ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes")]
        missing += [f"{logical_id}: {a} on {r}" for a, r in needs if not _allows(boundary, a, r)]
    assert not missing, "FunctionBoundary refuses what a function needs:\n" + "\n".join(missing)

    elsewhere = f"arn:aws:sqs:{REGION}:{ACCOUNT}:someone-elses-queue"
    other_group = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/lambda/someone-else:log-stream:x"
    capped = [
        ("sqs:ReceiveMessage", elsewhere),
        ("sqs:DeleteMessage", elsewhere),
        ("sqs:SendMessage", elsewhere),
        ("logs:PutLogEvents", other_group),
        ("logs:CreateLogGroup", f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:anything"),
        ("dynamodb:GetItem", f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/someone-elses-table"),
        ("s3:GetObject", "arn:aws:s3:::someone-elses-bucket/key"),
        # Our own bucket beyond the prefixes the functions use, and the registry (read only).
        ("s3:PutObject", _attribute(transformed, "Bucket", "Arn") + "/elsewhere/key"),
        ("s3:PutObject", _attribute(transformed, "Bucket", "Arn") + "/config/partners.yaml"),
        ("s3:DeleteObject", _attribute(transformed, "Bucket", "Arn") + "/config/partners.yaml"),
        ("iam:PassRole", "*"),
    ]
    leaks = [f"{a} on {r}" for a, r in capped if _allows(boundary, a, r)]
    assert not leaks, f"FunctionBoundary lets through: {leaks}"


@pytest.fixture(scope="module")
def sam_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    build_dir = tmp_path_factory.mktemp("sam") / "build"
    env = _tool_env(PYENV_VERSION=PYENV_VERSION)
    if not shutil.which("python3.12", path=env.get("PATH")):
        pytest.fail("sam build needs python3.12 on PATH (e.g. pyenv install 3.12 and PYENV_VERSION)")
    started = time.monotonic()
    _run(
        [find_sam(), "build", "--template-file", str(TEMPLATE), "--build-dir", str(build_dir), "--no-cached"],
        env=env,
        timeout=900,
    )
    print(f"sam build took {time.monotonic() - started:.1f} s")
    return build_dir


# What the Lambda python3.12 runtime itself provides, after the layer on sys.path: the SDK.
LAMBDA_RUNTIME_MODULES = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "six", "urllib3")


@pytest.fixture(scope="module")
def lambda_runtime(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding only boto3 and its dependencies, as Lambda's runtime has them.

    Imports in the layer may need boto3 (powertools' DynamoDB idempotency layer imports it at
    import time), and Lambda supplies it. They are pure Python, so this venv's copies serve
    python3.12; linking them one by one keeps anything else out of the interpreter's reach.
    """
    folder = tmp_path_factory.mktemp("lambda-runtime")
    for name in LAMBDA_RUNTIME_MODULES:
        spec = importlib.util.find_spec(name)
        if spec is None or spec.origin is None:
            pytest.fail(f"{name} is not installed in the test venv: pip install -e '.[dev]'")
        source = Path(spec.origin)
        source = source.parent if spec.submodule_search_locations else source
        (folder / source.name).symlink_to(source)
    return folder


def _python312(code: str, pythonpath: list[Path], cwd: Path) -> str:
    env = _tool_env(PYENV_VERSION=PYENV_VERSION, PYTHONPATH=os.pathsep.join(map(str, pythonpath)))
    env.pop("PYTHONHOME", None)
    return _run(["python3.12", "-s", "-c", code], env=env, cwd=cwd, timeout=120)


@pytest.mark.slow
def test_built_layer_has_every_dependency(sam_build: Path, lambda_runtime: Path, tmp_path: Path) -> None:
    """Every module of the package imports from the layer alone (boto3 aside: Lambda has it)."""
    layer = sam_build / "SyndicateLayer" / "python"
    assert (layer / "syndicate" / "model.py").is_file()
    code = textwrap.dedent(
        f"""
        import importlib, json, pkgutil
        import syndicate
        found, missing = {{}}, {{}}
        names = {list(LAYER_PACKAGES.values())!r}
        modules = pkgutil.walk_packages(syndicate.__path__, "syndicate.")
        names += [m.name for m in modules if not m.name.endswith(".__main__")]  # __main__ runs
        for name in names:
            try:
                found[name] = importlib.import_module(name).__file__
            except ModuleNotFoundError as exc:
                if exc.name.split(".")[0] not in ("boto3", "botocore"):
                    missing[name] = str(exc)
        print(json.dumps({{"found": found, "missing": missing}}))
        """
    )
    result = json.loads(_python312(code, [layer, lambda_runtime], tmp_path).splitlines()[-1])
    assert not result["missing"], f"modules the layer cannot import: {result['missing']}"
    assert {"syndicate.model", "syndicate.runtime", "syndicate.pipeline"} <= set(result["found"])
    for name, location in result["found"].items():
        # Imported from the layer, not from whatever else the interpreter has.
        assert location is None or Path(location).is_relative_to(layer), f"{name} came from {location}"


# What must never travel in the layer: the demo (its site and server) and test helpers.
# (`syndicate demo` imports syndicate_demo lazily, so that name alone is allowed.)
TEST_ONLY_NAMES = ("CountingStateStore", "LoggedRequest", "def route(", "partners.yaml.template")


def _test_only_content(package_root: Path) -> list[str]:
    """Paths under `package_root` that belong to the demo or the tests, not the product."""
    found = []
    for path in sorted(package_root.rglob("*")):
        rel = path.relative_to(package_root).as_posix()
        parts = path.relative_to(package_root).parts
        # `site` is the demo's sample site, unless it is the reference embed (syndicate/site ->
        # the repository's site/), which publish deploys and so the layer must carry
        embed = path.name == "site" and (path / "embed.js").is_file()
        if embed:
            continue
        if any(p in ("demo", "site", "syndicate_demo", "tests", "fixtures") for p in parts) and path.is_dir():
            found.append(rel + "/")
        elif path.name in ("partners.yaml.template", "conftest.py"):
            found.append(rel)
        elif path.suffix == ".py" and any(n in path.read_text(encoding="utf-8") for n in TEST_ONLY_NAMES):
            found.append(f"{rel} (names a test-only helper)")
    return found


def test_layer_source_holds_no_demo_or_test_helpers() -> None:
    """SAM's python builder copies the whole ContentUri folder (shared/) into the layer."""
    content_uri = REPO / load_template(TEMPLATE)["Resources"]["SyndicateLayer"]["Properties"]["ContentUri"]
    assert not _test_only_content(content_uri)


@pytest.mark.slow
def test_built_layer_carries_no_demo_site_or_test_helpers(sam_build: Path) -> None:
    layer = sam_build / "SyndicateLayer" / "python"
    assert (layer / "syndicate" / "model.py").is_file()
    assert not (layer / "syndicate_demo").exists()
    assert not (layer / "syndicate" / "demo").exists()
    assert not list(layer.glob("syndicate*/**/site/lse")), "the demo's sample site travels in the layer"
    # the reference embed does (publish deploys it beside the feeds): site/ through the symlink
    assert sorted(p.name for p in (layer / "syndicate" / "site").iterdir()) == ["embed.css", "embed.js", "index.html"]
    assert not _test_only_content(layer / "syndicate")


@pytest.mark.slow
def test_built_handlers_import_from_the_layer(sam_build: Path, lambda_runtime: Path, tmp_path: Path) -> None:
    layer = sam_build / "SyndicateLayer" / "python"
    for logical_id in FUNCTIONS.values():
        code_dir = sam_build / logical_id
        assert (code_dir / "app.py").is_file()
        _python312("import app; assert callable(app.handler)", [code_dir, layer, lambda_runtime], tmp_path)


@pytest.mark.slow
def test_built_function_fits_lambda_size_limit(sam_build: Path) -> None:
    def size(path: Path) -> int:
        return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())

    layer = size(sam_build / "SyndicateLayer")
    for logical_id in FUNCTIONS.values():
        total = layer + size(sam_build / logical_id)
        assert total < LAMBDA_UNZIPPED_LIMIT, f"{logical_id}: {total / 2**20:.0f} MB unzipped"
