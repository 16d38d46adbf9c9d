"""`syndicate.invoke`: the template's environment, the handler lookup, and a clean call.

The tiny templates here are written per test so each fact (a literal, a !Ref, an override,
Globals merging) is checked on its own; the last tests run the real handlers of the real
template against the local backend, with events that need no network.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from syndicate.invoke import (
    InvokeError,
    build_environment,
    function_names,
    invoke_function,
    load_template,
    resolve_spec,
)
from syndicate.publish.jsonfeed import loads_page

REPO = Path(__file__).resolve().parents[2]
# What the small template's functions need from outside (its two !Ref/!Sub globals).
OUTSIDE = {"BUCKET_NAME": "b", "REGISTRY_URI": "r"}

TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: python3.12
    Handler: app.handler
    Timeout: 30
    MemorySize: 256
    Environment:
      Variables:
        STAGE: test
        COUNT: 3
        ENABLED: true
        BUCKET_NAME: !Ref Bucket
        REGISTRY_URI: !Sub "s3://${Bucket}/config/partners.yaml"
Resources:
  Bucket:
    Type: AWS::S3::Bucket
  EchoFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/echo/
      MemorySize: 1024
      Environment:
        Variables:
          STAGE: echo-stage
          ROLE_ARN: !GetAtt Bucket.Arn
  OtherThing:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/other/
      Handler: main.entry
"""

ECHO_HANDLER = """\
import os

import helper  # a sibling module: the code folder must be on sys.path


def handler(event, context):
    os.environ["SET_BY_HANDLER"] = "leaked?"
    return {
        "event": event,
        "helper": helper.VALUE,
        "function_name": context.function_name,
        "memory": context.memory_limit_in_mb,
        "arn": context.invoked_function_arn,
        "request_id": context.aws_request_id,
        "remaining_ms": context.get_remaining_time_in_millis(),
        "env": {k: os.environ.get(k) for k in
                ("STAGE", "COUNT", "ENABLED", "BUCKET_NAME", "REGISTRY_URI", "ROLE_ARN", "EXTRA", "PRESET")},
    }
"""


@pytest.fixture()
def app_dir(tmp_path: Path) -> Path:
    (tmp_path / "template.yaml").write_text(TEMPLATE)
    echo = tmp_path / "functions" / "echo"
    echo.mkdir(parents=True)
    (echo / "app.py").write_text(ECHO_HANDLER)
    (echo / "helper.py").write_text("VALUE = 'sibling'\n")
    other = tmp_path / "functions" / "other"
    other.mkdir(parents=True)
    (other / "main.py").write_text("def entry(event, context):\n    return 'other'\n")
    (tmp_path / "event.json").write_text(json.dumps({"Records": [{"body": "hello"}]}))
    return tmp_path


def test_loader_reads_short_form_intrinsics(app_dir: Path) -> None:
    template = load_template(app_dir / "template.yaml")
    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    assert variables["BUCKET_NAME"] == {"Ref": "Bucket"}
    assert variables["REGISTRY_URI"] == {"Fn::Sub": "s3://${Bucket}/config/partners.yaml"}
    echo_vars = template["Resources"]["EchoFunction"]["Properties"]["Environment"]["Variables"]
    assert echo_vars["ROLE_ARN"] == {"Fn::GetAtt": ["Bucket", "Arn"]}


def test_loader_reads_nested_sequence_and_mapping_tags(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(
        "Resources: {}\n"
        "Conditions:\n  HasFlag: !Not [!Equals [!Ref Flag, '']]\n"
        "Outputs:\n  X:\n    Value: !Sub ['${A}-x', {A: !Ref B}]\n"
    )
    template = load_template(path)
    assert template["Conditions"]["HasFlag"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "Flag"}, ""]}]}
    assert template["Outputs"]["X"]["Value"] == {"Fn::Sub": ["${A}-x", {"A": {"Ref": "B"}}]}


def test_bad_template_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text("just: text\n")
    with pytest.raises(InvokeError, match="no Resources"):
        load_template(path)
    with pytest.raises(InvokeError, match="cannot read template"):
        load_template(tmp_path / "missing.yaml")


def test_function_lookup_by_folder_logical_id_any_case(app_dir: Path) -> None:
    template = app_dir / "template.yaml"
    assert function_names(template) == ["echo", "other"]
    for name in ("echo", "ECHO", "EchoFunction", "echofunction"):
        spec = resolve_spec(name, template)
        assert spec.logical_id == "EchoFunction"
        assert spec.name == "echo"
    with pytest.raises(InvokeError, match=r"no function 'nope'.*known: echo, other"):
        resolve_spec("nope", template)


def test_globals_merge_with_function_properties(app_dir: Path) -> None:
    echo = resolve_spec("echo", app_dir / "template.yaml")
    assert echo.memory_mb == 1024  # the function's own value wins
    assert echo.timeout_s == 30  # inherited from Globals
    assert echo.module_file == app_dir / "functions" / "echo" / "app.py"
    assert echo.variables["STAGE"] == "echo-stage"
    assert echo.variables["COUNT"] == 3
    other = resolve_spec("other", app_dir / "template.yaml")
    assert other.module_file == app_dir / "functions" / "other" / "main.py"
    assert other.function_attr == "entry"
    assert other.memory_mb == 256


def test_environment_literals_intrinsics_and_overrides(app_dir: Path) -> None:
    spec = resolve_spec("echo", app_dir / "template.yaml")
    env = build_environment(
        spec,
        {"STAGE": "overridden", "BUCKET_NAME": "from-override", "EXTRA": "x"},
        environ={"BUCKET_NAME": "from-environ", "REGISTRY_URI": "/tmp/p.yaml", "ROLE_ARN": "arn:x"},
    )
    assert env == {
        "STAGE": "overridden",  # an override beats a literal
        "COUNT": "3",  # literals are strings, as Lambda gives them
        "ENABLED": "true",
        "BUCKET_NAME": "from-override",  # an override beats the environment
        "REGISTRY_URI": "/tmp/p.yaml",  # an intrinsic taken from the environment
        "ROLE_ARN": "arn:x",
        "EXTRA": "x",  # overrides not in the template are passed too
    }


def test_literal_is_not_replaced_by_outside_environment(app_dir: Path) -> None:
    spec = resolve_spec("echo", app_dir / "template.yaml")
    env = build_environment(
        spec,
        {"BUCKET_NAME": "b", "REGISTRY_URI": "r", "ROLE_ARN": "a"},
        environ={"STAGE": "from-shell"},
    )
    assert env["STAGE"] == "echo-stage"


def test_missing_intrinsic_names_every_variable(app_dir: Path) -> None:
    spec = resolve_spec("echo", app_dir / "template.yaml")
    with pytest.raises(InvokeError) as info:
        build_environment(spec, {"REGISTRY_URI": "r"}, environ={})
    message = str(info.value)
    assert "EchoFunction" in message
    assert 'BUCKET_NAME (!Ref "Bucket")' in message
    assert "ROLE_ARN (!GetAtt" in message
    assert "REGISTRY_URI" not in message


def test_unresolved_unset_leaves_computed_variables_out(app_dir: Path) -> None:
    spec = resolve_spec("echo", app_dir / "template.yaml")
    env = build_environment(spec, {"STAGE": "s"}, environ={"ROLE_ARN": "a"}, unresolved="unset")
    assert env == {"STAGE": "s", "COUNT": "3", "ENABLED": "true", "ROLE_ARN": "a"}


def test_invoke_passes_event_and_context_and_restores_everything(
    app_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PRESET", "before")
    monkeypatch.setenv("REGISTRY_URI", "from-shell")
    monkeypatch.delenv("EXTRA", raising=False)
    monkeypatch.delenv("SET_BY_HANDLER", raising=False)
    environ_before = dict(os.environ)
    path_before = list(sys.path)

    result = invoke_function(
        "echo",
        app_dir / "event.json",
        app_dir / "template.yaml",
        {"BUCKET_NAME": "bkt", "ROLE_ARN": "arn:aws:s3:::bkt", "EXTRA": "1", "PRESET": "during"},
    )

    assert result["event"] == {"Records": [{"body": "hello"}]}
    assert result["helper"] == "sibling"
    assert result["function_name"] == "EchoFunction"
    assert result["memory"] == 1024
    assert result["arn"].endswith(":function:EchoFunction")
    assert len(result["request_id"]) == 36
    assert 0 < result["remaining_ms"] <= 30_000
    assert result["env"] == {
        "STAGE": "echo-stage",
        "COUNT": "3",
        "ENABLED": "true",
        "BUCKET_NAME": "bkt",
        "REGISTRY_URI": "from-shell",
        "ROLE_ARN": "arn:aws:s3:::bkt",
        "EXTRA": "1",
        "PRESET": "during",
    }
    assert dict(os.environ) == environ_before  # incl. PRESET back, EXTRA and SET_BY_HANDLER gone
    assert sys.path == path_before


def test_invoke_restores_environment_when_handler_raises(app_dir: Path) -> None:
    (app_dir / "functions" / "other" / "main.py").write_text(
        "import os\n\ndef entry(event, context):\n    os.environ['BOOM'] = '1'\n    raise ValueError('boom')\n"
    )
    environ_before = dict(os.environ)
    with pytest.raises(ValueError, match="boom"):
        invoke_function("other", app_dir / "event.json", app_dir / "template.yaml", OUTSIDE)
    assert dict(os.environ) == environ_before


def test_invoke_reloads_module_so_state_does_not_leak(app_dir: Path) -> None:
    (app_dir / "functions" / "other" / "main.py").write_text(
        "import functools, os\n\n"
        "@functools.cache\n"
        "def setting():\n    return os.environ['BUCKET_NAME']\n\n"
        "def entry(event, context):\n    return setting()\n"
    )
    template, event = app_dir / "template.yaml", app_dir / "event.json"
    assert invoke_function("other", event, template, {**OUTSIDE, "BUCKET_NAME": "first"}) == "first"
    assert invoke_function("other", event, template, {**OUTSIDE, "BUCKET_NAME": "second"}) == "second"


def test_invoke_errors_name_the_problem(app_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BUCKET_NAME", raising=False)
    template = app_dir / "template.yaml"
    with pytest.raises(InvokeError, match="BUCKET_NAME"):
        invoke_function("echo", app_dir / "event.json", template, {}, unresolved="error")
    with pytest.raises(InvokeError, match="cannot read event"):
        invoke_function("other", app_dir / "nope.json", template, OUTSIDE)
    (app_dir / "functions" / "other" / "main.py").unlink()
    with pytest.raises(InvokeError, match=r"main\.py does not exist"):
        invoke_function("other", app_dir / "event.json", template, OUTSIDE)


# --- the real template and handlers, on the local backend (no network) ---------------------

REGISTRY = """\
partners:
  - id: lse-blogs
    name: LSE Blogs
    homepage: https://blogs.lse.ac.uk/
    feeds:
      - url: https://blogs.lse.ac.uk/cff/feed/
    profile: lse_blogs
    licence: {spdx: CC-BY-4.0, url: https://creativecommons.org/licenses/by/4.0/, republish: full}
"""


def _local(tmp_path: Path) -> dict[str, str]:
    registry = tmp_path / "partners.yaml"
    registry.write_text(REGISTRY)
    return {"SYNDICATE_BACKEND": "local", "SYNDICATE_OUT": str(tmp_path / "out"), "REGISTRY_URI": str(registry)}


def test_real_template_functions() -> None:
    assert function_names(REPO / "template.yaml") == ["ingest", "poll", "publish", "search"]


def test_real_template_needs_deploy_time_values_unless_told_otherwise(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("BUCKET_NAME", "TABLE_NAME", "ARTICLE_QUEUE_URL", "PUBLISH_QUEUE_URL", "PUBLIC_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(InvokeError, match=r"BUCKET_NAME.*TABLE_NAME.*ARTICLE_QUEUE_URL"):
        invoke_function("publish", REPO / "events" / "publish.json", REPO / "template.yaml", _local(tmp_path))


def test_real_publish_handler_runs_on_local_backend(tmp_path: Path) -> None:
    result = invoke_function(
        "publish",
        REPO / "events" / "publish.json",
        REPO / "template.yaml",
        _local(tmp_path),
        unresolved="unset",
    )
    assert result["published"] is True
    assert "feed.json" in result["keys"]
    feed = loads_page((tmp_path / "out" / "feed.json").read_bytes())  # stored gzip-encoded
    assert feed["version"] == "https://jsonfeed.org/version/1.1"


def test_real_ingest_handler_reports_a_bad_message_as_a_batch_item_failure(tmp_path: Path) -> None:
    event = json.loads((REPO / "events" / "ingest.json").read_text())
    event["Records"][0]["messageId"] = "bad-1"
    event["Records"][0]["body"] = json.dumps({"partner": "lse-blogs"})  # not an ArticleMessage
    path = tmp_path / "event.json"
    path.write_text(json.dumps(event))
    result = invoke_function("ingest", path, REPO / "template.yaml", _local(tmp_path), unresolved="unset")
    assert result == {"batchItemFailures": [{"itemIdentifier": "bad-1"}]}


def test_real_search_handler_answers_from_the_local_index(tmp_path: Path) -> None:
    """`syndicate invoke search --event events/search.json`: the Function URL handler, locally."""
    from syndicate.runtime import local_search
    from syndicate.search import SearchDoc

    index = local_search(tmp_path / "out" / ".state")
    text = "Protests in Kazakhstan put China's policy of non-interference to the test."
    index.upsert([SearchDoc(id="r1", title="Wait and See in Kazakhstan", url="https://x.example/1", text=text)])
    index.commit()
    result = invoke_function(
        "search", REPO / "events" / "search.json", REPO / "template.yaml", _local(tmp_path), unresolved="unset"
    )
    assert result["statusCode"] == 200
    assert result["headers"]["content-type"].startswith("application/json")
    body = json.loads(result["body"])
    assert [h["id"] for h in body["hits"]] == ["r1"]
    assert body["query"]["q"] == "Kazakhstan protests China" and body["next_page"] is None
