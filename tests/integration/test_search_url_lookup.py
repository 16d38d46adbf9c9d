"""The publish function finds the search API's URL from the search function's name (the template
passes the name, not `!GetAtt SearchFunctionUrl.FunctionUrl`, which crashes checkov's report):
`adapters.aws.function_url` against Lambda on moto's server."""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from typing import Any

from syndicate.adapters.aws import function_url, make_client


def _function(lam: Any, iam: Any) -> str:
    name = f"search-{uuid.uuid4().hex[:8]}"
    role = iam.create_role(
        RoleName=name,
        AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []}),
    )["Role"]["Arn"]
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as z:
        z.writestr("app.py", "def handler(event, context):\n    return {}\n")
    lam.create_function(
        FunctionName=name, Runtime="python3.12", Role=role, Handler="app.handler", Code={"ZipFile": code.getvalue()}
    )
    return name


def test_the_search_url_is_looked_up_by_function_name(moto_endpoint: str) -> None:
    lam = make_client("lambda", endpoint_url=moto_endpoint)
    iam = make_client("iam", endpoint_url=moto_endpoint)
    with_url, without = _function(lam, iam), _function(lam, iam)
    created = lam.create_function_url_config(FunctionName=with_url, AuthType="NONE")["FunctionUrl"]
    assert created.startswith("https://")
    assert function_url(with_url, endpoint_url=moto_endpoint) == created
    assert function_url(without, endpoint_url=moto_endpoint) is None, "a function with no URL: no search"
