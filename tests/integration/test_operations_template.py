"""What the template gives the people who run syndicate: alarms that tell someone, a dashboard of
the metrics the handlers really emit, JSON logs, a contact URL, and a quiet first deploy."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path
from typing import Any

import pytest

from syndicate.invoke import load_template

REPO = Path(__file__).resolve().parents[2]
FUNCTIONS = ("PollFunction", "IngestFunction", "PublishFunction", "SearchFunction")


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load_template(REPO / "template.yaml")


def _of_type(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {name: r for name, r in template["Resources"].items() if r["Type"] == kind}


def _function_alarms(template: dict[str, Any], function: str) -> dict[str, dict[str, Any]]:
    found = {}
    for alarm in _of_type(template, "AWS::CloudWatch::Alarm").values():
        props = alarm["Properties"]
        if props.get("Namespace") == "AWS/Lambda" and props["Dimensions"][0]["Value"] == {"Ref": function}:
            found[props["MetricName"]] = props
    return found


def _timeout(template: dict[str, Any], function: str) -> int:
    props = template["Resources"][function]["Properties"]
    return int(props.get("Timeout", template["Globals"]["Function"]["Timeout"]))


@pytest.mark.parametrize("function", FUNCTIONS)
def test_each_function_alarms_on_errors_throttles_and_duration(template: dict[str, Any], function: str) -> None:
    alarms = _function_alarms(template, function)
    assert set(alarms) >= {"Errors", "Throttles", "Duration"}, f"{function}: {sorted(alarms)}"
    duration = alarms["Duration"]
    timeout_ms = _timeout(template, function) * 1000
    assert 0.5 * timeout_ms <= duration["Threshold"] < timeout_ms, "Duration alarm must fire before the timeout"
    assert duration["Statistic"] == "Maximum"
    for props in alarms.values():
        assert props["AlarmActions"] == [{"Ref": "AlarmTopic"}]
        assert props["TreatMissingData"] == "notBreaching"


def test_article_queue_age_is_alarmed(template: dict[str, Any]) -> None:
    ages = [
        a["Properties"]
        for a in _of_type(template, "AWS::CloudWatch::Alarm").values()
        if a["Properties"].get("MetricName") == "ApproximateAgeOfOldestMessage"
    ]
    assert [a["Dimensions"][0]["Value"] for a in ages] == [{"Fn::GetAtt": ["ArticleQueue", "QueueName"]}]


def test_functions_log_json_and_tell_partners_who_fetches(template: dict[str, Any]) -> None:
    for function in FUNCTIONS:
        assert template["Resources"][function]["Properties"]["LoggingConfig"]["LogFormat"] == "JSON"
    env = template["Globals"]["Function"]["Environment"]["Variables"]
    assert env["SYNDICATE_CONTACT_URL"] == {"Ref": "ContactUrl"}
    assert "ContactUrl" in template["Parameters"]


def test_schedules_retry_and_park_undeliverable_events(template: dict[str, Any]) -> None:
    schedules = [
        e["Properties"]
        for f in _of_type(template, "AWS::Serverless::Function").values()
        for e in f["Properties"].get("Events", {}).values()
        if e["Type"] == "Schedule"
    ]
    assert len(schedules) == 2
    for props in schedules:
        assert props["RetryPolicy"]["MaximumRetryAttempts"] >= 1
        assert props["DeadLetterConfig"]["Arn"] == {"Fn::GetAtt": ["ScheduleDLQ", "Arn"]}
    policy = _of_type(template, "AWS::SQS::QueuePolicy")["ScheduleDLQPolicy"]["Properties"]["PolicyDocument"]
    (statement,) = policy["Statement"]
    assert statement["Principal"] == {"Service": "events.amazonaws.com"} and statement["Action"] == "sqs:SendMessage"
    assert "aws:SourceArn" in statement["Condition"]["ArnLike"], "only this account's rules may send"


def test_first_deploy_is_clean(template: dict[str, Any]) -> None:
    """Account-wide names carry the region; stateful resources are not left behind by a failed first create."""
    for kind, field in (
        ("AWS::CloudFront::OriginAccessControl", "OriginAccessControlConfig"),
        ("AWS::CloudFront::CachePolicy", "CachePolicyConfig"),
    ):
        for resource in _of_type(template, kind).values():
            assert "${AWS::Region}" in resource["Properties"][field]["Name"]["Fn::Sub"]
    for name in ("Bucket", "LogBucket", "StateTable"):
        assert template["Resources"][name]["DeletionPolicy"] == "RetainExceptOnCreate"
    assert "AlarmTopicArn" in template["Outputs"]


def _emitted_metrics() -> set[str]:
    """Metric names the handlers emit (add_metric / single_metric calls with a literal name)."""
    names = set()
    for app in (REPO / "functions").glob("*/app.py"):
        for node in ast.walk(ast.parse(app.read_text())):
            if isinstance(node, ast.Call):
                for kw in node.keywords:
                    if kw.arg == "name" and isinstance(kw.value, ast.Constant) and isinstance(kw.value.value, str):
                        names.add(kw.value.value)
    return names


def test_dashboard_shows_metrics_the_handlers_emit(template: dict[str, Any]) -> None:
    (dashboard,) = _of_type(template, "AWS::CloudWatch::Dashboard").values()
    body = dashboard["Properties"]["DashboardBody"]["Fn::Sub"]
    # Fill the ${...} references as CloudFormation would, then the body must be JSON.
    refs = set(re.findall(r"\$\{([^}!]+)\}", body))
    for ref in refs:
        base = ref.split(".")[0]
        assert base.startswith("AWS::") or base in template["Resources"], f"dashboard refers to unknown {ref}"
    document = json.loads(re.sub(r"\$\{[^}!]+\}", "x", body))
    shown = set()
    for widget in document["widgets"]:
        for metric in widget["properties"]["metrics"]:
            if isinstance(metric[0], str):
                shown.add((metric[0], metric[1]))
            else:
                shown |= {("syndicate", m) for m in re.findall(r'MetricName=\\?"(\w+)\\?"', metric[0]["expression"])}
    custom = {name for namespace, name in shown if namespace == "syndicate"}
    emitted = _emitted_metrics()
    assert custom <= emitted, f"the dashboard shows metrics nothing emits: {sorted(custom - emitted)}"
    assert {"Fetched", "Extracted", "DuplicatesMerged", "Failures", "PublishLatency"} <= custom
    dlqs = {"ArticleDLQ", "PublishDLQ", "PollDLQ", "ScheduleDLQ"}
    assert all(f"${{{q}.QueueName}}" in body for q in dlqs), "every DLQ depth on the dashboard"
