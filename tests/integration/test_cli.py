"""The `syndicate` command as a user runs it: demo, run, status, errors and exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

import jsonschema
import pytest

from syndicate import cli
from syndicate.publish.jsonfeed import loads_page
from syndicate.schema import record_schema

ROOT = Path(__file__).resolve().parents[2]


def syndicate(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    # This checkout's demo package first, as tests/conftest.py does for the test process.
    pythonpath = os.pathsep.join(p for p in (str(ROOT / "demo"), os.environ.get("PYTHONPATH")) if p)
    return subprocess.run(
        [sys.executable, "-m", "syndicate.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": pythonpath},
    )


def test_demo_leaves_a_valid_json_feed(tmp_path):
    out = tmp_path / "out"
    proc = syndicate("demo", "--out", str(out))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    feed = loads_page((out / "feed.json").read_bytes())
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert len(feed["items"]) == 5, "6 entries, the cross-posted seed article merged into one record"
    validator = jsonschema.Draft202012Validator(record_schema())
    for item in feed["items"]:
        validator.validate(item)
    for partner in ("lse-blogs", "cgsp"):
        assert len(loads_page((out / "feeds" / f"{partner}.json").read_bytes())["items"]) == 3
    assert "published 5 item(s)" in proc.stdout


def test_demo_without_the_demo_package_says_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "syndicate_demo", None)  # as if only shared/ were installed
    assert cli.main(["demo", "--out", str(tmp_path / "out")]) == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert "the demo is not installed" in err and "pip install -e ." in err
    assert not (tmp_path / "out").exists()


def test_run_refuses_loopback_without_flag_and_names_the_feed(tmp_path, demo_registry):
    proc = syndicate("run", "--config", str(demo_registry), "--out", str(tmp_path / "out"))
    assert proc.returncode == 1
    assert "FAILED poll failed for lse-blogs http://127.0.0.1:" in proc.stdout
    assert "loopback address (use --allow-loopback" in proc.stdout
    # nothing was fetched, but a (valid, empty) feed is still published
    assert loads_page((tmp_path / "out" / "feed.json").read_bytes())["items"] == []


def test_run_then_status(tmp_path, demo_registry):
    out = str(tmp_path / "out")
    proc = syndicate("run", "--config", str(demo_registry), "--out", out, "--allow-loopback")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    status = syndicate("status", "--config", str(demo_registry), "--out", out, "--json")
    rows = json.loads(status.stdout)
    assert {r["partner"] for r in rows} == {"lse-blogs", "cgsp"}
    assert all(r["last_status"] == 200 and r["failures"] == 0 and r["items_seen"] == 3 for r in rows)


def test_registry_typo_is_a_clear_error(tmp_path):
    bad = tmp_path / "partners.yaml"
    bad.write_text((ROOT / "partners.yaml").read_text().replace("    profile: cgsp", "    profiel: cgsp"))
    proc = syndicate("run", "--config", str(bad), "--out", str(tmp_path / "out"))
    assert proc.returncode == 2
    assert f"{bad}: partner 'cgsp': unknown key 'profiel' (did you mean 'profile'?)" in proc.stderr


def test_extract_prints_one_record_per_input_in_order(tmp_path, demo_registry, site_server):
    seed = "/lse/cff/2022/01/14/beijings-wait-and-see-approach-in-kazakhstan/"
    page_file = tmp_path / "my-page.html"
    with urllib.request.urlopen(site_server.url(seed), timeout=10) as response:  # loopback only
        page_file.write_bytes(response.read())
    binary = tmp_path / "binary.html"
    binary.write_bytes(b"\x00\x01" * 500)
    proc = syndicate(
        "extract", "--config", str(demo_registry), "--partner", "lse-blogs", "--allow-loopback",
        site_server.url(seed), str(binary), str(page_file),
    )
    assert proc.returncode == 1, proc.stderr
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(lines) == 3
    from_url, failed, from_file = lines
    assert from_url["url"] == site_server.url(seed)
    assert "Zhanaozen" in from_url["content_text"] and "Leave a Reply" not in from_url["content_text"]
    assert [a["name"] for a in from_url["_syndicate"]["authors"]] == ["Lukas Fiala", "Hugo Jones"]
    assert failed["input"] == str(binary) and "binary data, not an HTML page" in failed["error"]
    assert from_file["id"] == "my-page"
    assert from_file["content_text"] == from_url["content_text"]
