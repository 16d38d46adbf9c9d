"""The command line for the people who run syndicate: progress on a terminal (and plain lines in a
pipe), a feed-health table that works on an output folder alone, and handlers that stay quiet on
a fresh deployment before the registry is uploaded."""

from __future__ import annotations

import importlib.util
import json
import os
import pty
import select
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from syndicate.invoke import FakeLambdaContext

ROOT = Path(__file__).resolve().parents[2]
SUMMARY = "new 5, updated 0, duplicate 1, unchanged 0, failed 0"


def _env() -> dict[str, str]:
    env = dict(os.environ)
    paths = [str(ROOT / "shared"), str(ROOT / "demo"), env.get("PYTHONPATH", "")]
    env.update({"PYTHONPATH": os.pathsep.join(p for p in paths if p), "TERM": "xterm-256color", "COLUMNS": "120"})
    env.pop("NO_COLOR", None)
    return env


def _run_on_terminal(args: list[str], cwd: Path) -> tuple[int, str, str]:
    """Run with stderr on a pseudo-terminal (stdout piped); return status, stdout, terminal output."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(args, cwd=cwd, env=_env(), stdout=subprocess.PIPE, stderr=slave, stdin=subprocess.DEVNULL)
    os.close(slave)
    seen = bytearray()
    while True:
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            seen += chunk
        elif proc.poll() is not None:
            break
    stdout = proc.stdout.read().decode() if proc.stdout else ""
    code = proc.wait(timeout=120)
    os.close(master)
    return code, stdout, seen.decode(errors="replace")


def test_progress_bar_on_a_terminal_plain_lines_in_a_pipe(tmp_path: Path) -> None:
    cmd = [sys.executable, "-m", "syndicate.cli", "demo", "--out"]
    code, stdout, terminal = _run_on_terminal([*cmd, str(tmp_path / "tty")], tmp_path)
    assert code == 0, stdout + terminal
    assert "\x1b[" in terminal, "a terminal gets rich's progress display (control sequences)"
    assert "━" in terminal, "with a bar"
    assert SUMMARY in terminal, "and the counts"
    assert "published 5 item(s)" in stdout and "\x1b[" not in stdout, "the report stays plain on stdout"
    code, stdout, terminal = _run_on_terminal(
        [sys.executable, "-m", "syndicate.cli", "reprocess", "--out", str(tmp_path / "tty")], tmp_path
    )
    assert code == 0, stdout + terminal
    assert "\x1b[" in terminal and "new 0, updated 0, duplicate 0, unchanged 6, failed 0" in terminal

    piped = subprocess.run(
        [*cmd, str(tmp_path / "pipe")], cwd=tmp_path, env=_env(), capture_output=True, text=True, timeout=120
    )
    assert piped.returncode == 0, piped.stderr
    assert "\x1b[" not in piped.stderr and "━" not in piped.stderr, "no control characters in a pipe"
    lines = [line for line in piped.stderr.splitlines() if line.split(" ", 1)[0] in ("new", "duplicate")]
    assert len(lines) == 6 and all("http://127.0.0.1:" in line for line in lines), piped.stderr
    assert f"demo: {SUMMARY}" in piped.stderr


def test_status_reads_the_registry_the_folder_was_made_with(tmp_path: Path) -> None:
    out = tmp_path / "out"
    cli = [sys.executable, "-m", "syndicate.cli"]
    made = subprocess.run([*cli, "demo", "--out", str(out)], cwd=ROOT, env=_env(), capture_output=True, text=True,
                          timeout=120)
    assert made.returncode == 0, made.stderr
    elsewhere = tmp_path / "elsewhere"  # no partners.yaml here
    elsewhere.mkdir()
    table = subprocess.run([*cli, "status", "--out", str(out)], cwd=elsewhere, env=_env(), capture_output=True,
                           text=True, timeout=120)
    assert table.returncode == 0, table.stderr
    for column in ("partner", "last poll", "result", "failures", "items seen", "next poll", "backoff until", "blocked"):
        assert column in table.stdout
    assert "lse-blogs" in table.stdout and "cgsp" in table.stdout and "ok" in table.stdout
    rows = json.loads(
        subprocess.run([*cli, "status", "--out", str(out), "--json"], cwd=elsewhere, env=_env(), capture_output=True,
                       text=True, timeout=120, check=True).stdout
    )
    assert {r["partner"]: r["items_seen"] for r in rows} == {"lse-blogs": 3, "cgsp": 3}
    assert all(r["last_status"] == 200 and not r["blocked"] for r in rows)


def _handler(name: str, monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> ModuleType:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "syndicate-test")
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", name)
    spec = importlib.util.spec_from_file_location(f"_test_{name}_app", ROOT / "functions" / name / "app.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("function", ["poll", "publish"])
def test_scheduled_handlers_are_quiet_before_the_registry_is_uploaded(
    function, aws_resources, monkeypatch, capsys, caplog
):
    """A fresh `sam deploy` runs the schedules before anyone runs `syndicate config push`: that is
    not an error (no Errors alarm on day one), but the log says what to do."""
    app = _handler(function, monkeypatch, aws_resources.env())
    context = FakeLambdaContext(function_name=function, memory_limit_in_mb=512,
                                invoked_function_arn=f"arn:aws:lambda:us-east-1:123456789012:function:{function}",
                                timeout_s=60)
    result = app.handler({"source": "aws.events", "detail-type": "Scheduled Event"}, context)
    assert "registry not found" in result["skipped"] and "syndicate config push" in result["skipped"]
    out = capsys.readouterr().out
    # powertools' Logger writes to stdout, unless an earlier test's logging setup routed its
    # records to pytest's log capture instead: look in both
    assert "no partner registry uploaded yet" in out + caplog.text
    assert any(json.loads(line).get("RegistryMissing") == [1.0] or json.loads(line).get("RegistryMissing") == 1.0
               for line in out.splitlines() if '"_aws"' in line)
