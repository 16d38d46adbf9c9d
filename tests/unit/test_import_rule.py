"""The core never imports boto3 or botocore: only `adapters/` (aws.py, idempotency.py) and the
Lambda handlers do. Checked in a fresh interpreter, so nothing another test imported hides it."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys

import syndicate

#: The modules allowed to import the AWS SDK (directly or through powertools' idempotency).
AWS_MODULES = {"syndicate.adapters.aws", "syndicate.adapters.idempotency"}


def core_modules() -> list[str]:
    names = [m.name for m in pkgutil.walk_packages(syndicate.__path__, prefix="syndicate.")]
    return sorted(n for n in names if n not in AWS_MODULES and not n.endswith("__main__"))


def imported_sdk_modules(modules: list[str]) -> dict[str, list[str]]:
    """For each module, the boto3/botocore modules a fresh interpreter has after importing it."""
    script = (
        "import importlib, json, sys\n"
        "found = {}\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "    sdk = sorted(m for m in sys.modules if m.split('.')[0] in ('boto3', 'botocore'))\n"
        "    if sdk:\n"
        "        found[name] = sdk[:3]\n"
        "        break\n"
        "print(json.dumps(found))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True)
    result: dict[str, list[str]] = json.loads(out.stdout)
    return result


def test_the_core_never_imports_the_aws_sdk() -> None:
    modules = core_modules()
    assert {"syndicate.services", "syndicate.pipeline", "syndicate.state", "syndicate.cli"} <= set(modules)
    assert imported_sdk_modules(modules) == {}, "the first core module that pulled in boto3/botocore"


def test_the_check_would_catch_an_sdk_import() -> None:
    """The same check on an AWS adapter finds boto3 (so the test above can fail)."""
    assert "syndicate.adapters.aws" in imported_sdk_modules(["syndicate.adapters.aws"])
