"""Cold starts (issue 13): a Lambda handler imports only what its stage uses.

`syndicate.pipeline` loads a stage on first use, and the Services a handler builds create
their HTTP client on first use, so the publish handler never imports httpx, feedparser or
trafilatura, and poll never trafilatura. Checked in a fresh interpreter each, so nothing
another test imported hides an eager import.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HEAVY = ("trafilatura", "feedparser", "httpx", "tantivy")


def fresh(script: str, env: dict[str, str] | None = None) -> dict[str, object]:
    """Run `script` in a new interpreter; it prints one JSON object as its last line."""
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True, env=env
    )
    result: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


LOADED = f"sorted(m for m in {HEAVY!r} if m in sys.modules)"


def test_importing_the_pipeline_loads_no_stage() -> None:
    got = fresh(f"import json, sys\nimport syndicate.pipeline\nprint(json.dumps({LOADED}))\n")
    assert got == [], "syndicate.pipeline imported a heavy package eagerly"


def test_each_stage_loads_only_its_own_packages() -> None:
    script = (
        "import json, sys\n"
        "from syndicate import pipeline\n"
        "pipeline.publish_pending\n"
        f"after_publish = {LOADED}\n"
        "pipeline.poll_once\n"
        f"after_poll = {LOADED}\n"
        "pipeline.ingest_article\n"
        f"after_ingest = {LOADED}\n"
        "print(json.dumps([after_publish, after_poll, after_ingest]))\n"
    )
    publish, poll, ingest = fresh(script)  # type: ignore[misc]
    assert publish == []
    assert "feedparser" in poll and "trafilatura" not in poll
    assert "trafilatura" in ingest


def test_lazy_names_behave_as_eager_imports() -> None:
    """Every public name resolves; `pipeline.reprocess` stays the function after the stage
    module of the same name is imported; an unknown name is an AttributeError."""
    script = (
        "import json, sys, types\n"
        "import syndicate.pipeline as p\n"
        "missing = [n for n in p.__all__ if getattr(p, n, None) is None]\n"
        "import syndicate.pipeline.reprocess\n"
        "is_function = isinstance(p.reprocess, types.FunctionType)\n"
        "stage = isinstance(p.ingest, types.ModuleType)\n"
        "try:\n"
        "    p.no_such_name\n"
        "    refused = False\n"
        "except AttributeError:\n"
        "    refused = True\n"
        "print(json.dumps([missing, is_function, stage, refused]))\n"
    )
    assert fresh(script) == [[], True, True, True]


def test_services_build_the_http_client_on_first_use(tmp_path: Path) -> None:
    registry = tmp_path / "partners.yaml"
    registry.write_text("partners: []\n", encoding="utf-8")
    env = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "shared"),
        "SYNDICATE_BACKEND": "local",
        "SYNDICATE_OUT": str(tmp_path / "out"),
        "REGISTRY_URI": str(registry),
    }
    script = (
        "import json, sys\n"
        "from syndicate.runtime import services_from_env\n"
        "svc = services_from_env()\n"
        "before = 'httpx' in sys.modules\n"
        "agent = svc.http.user_agent\n"
        "print(json.dumps([before, 'httpx' in sys.modules, 'syndicate' in agent.lower()]))\n"
    )
    assert fresh(script, env) == [False, True, True]
