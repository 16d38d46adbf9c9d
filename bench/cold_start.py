#!/usr/bin/env python3
"""Cold starts: each Lambda handler's import-to-first-event time, and the layer's size.

Why this exists: a Lambda's cold start is paid on the first message after every scale-out,
and a burst after a partner's backfill scales out. Issue 13 sets the targets: at most 0.8 s
from the start of the import to the end of the first event per handler, and at most 30 MB
zipped per layer (AWS allows 50 MB zipped, 250 MB unzipped for all layers together).

* handlers : functions/<name>/app.py, each in a fresh Python 3.12 process (the Lambda
             runtime's version; `--python`, default ../main/.venv312 or this interpreter),
             with the local backend, an empty registry and the sample event events/<name>.json.
             The process times `import app` and then `app.handler(event, context)`; the
             interpreter's own start-up is not counted (Lambda's INIT starts at the import).
             It imports from the built layer plus boto3 (what the Lambda runtime provides)
             and the standard library only (`-I -S`): this interpreter's environment holds
             packages the layer does not, and httpx, for one, imports rich when it is there.
             With `--no-layer`, from this environment and shared/ instead.
             Run `--repeat` times; the best is reported (the rest is a busy machine's noise).
* layer    : `pip install --target` of shared/requirements.txt with that interpreter's pip
             (PyPI), plus shared/syndicate, laid out as the layer's python/ folder; its size
             unzipped and zipped (deflate, as `sam build` zips it). `--no-layer` skips it.

Last line: `slowest_handler_s=T (NAME) largest_layer_zipped_mb=M`.

    .venv/bin/python bench/cold_start.py [--python PY312] [--repeat 3] [--no-layer]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_PYTHON = REPO.parent / "main" / ".venv312" / "bin" / "python"
HANDLERS = ("poll", "ingest", "publish")

# Runs inside the fresh interpreter: time the import and the first event, print JSON.
PROBE = r"""
import json, os, sys, time
t0 = time.perf_counter()
sys.path[:0] = [sys.argv[1], *filter(None, os.environ.get("PROBE_PATHS", "").split(os.pathsep))]
import app
t1 = time.perf_counter()
class Context:
    function_name = "cold-start-bench"; memory_limit_in_mb = 512; aws_request_id = "bench"
    invoked_function_arn = "arn:aws:lambda:eu-west-1:000000000000:function:bench"
    def get_remaining_time_in_millis(self): return 60_000
event = json.load(open(sys.argv[2]))
try:
    app.handler(event, Context())
    error = None
except Exception as exc:  # the time to a first answer counts, whatever the answer
    error = f"{type(exc).__name__}: {exc}"
t2 = time.perf_counter()
xray = "aws_xray_sdk" in sys.modules
heavy = sorted(m for m in ("boto3", "httpx", "feedparser", "trafilatura", "tantivy", "rich") if m in sys.modules)
print(json.dumps({"import_s": t1 - t0, "first_event_s": t2 - t0, "error": error, "xray_loaded": xray,
                  "modules": len(sys.modules), "heavy": heavy}))
"""

EMPTY_REGISTRY = "partners: []\n"


def time_handler(python: Path, name: str, workdir: Path, paths: list[Path] | None = None) -> dict[str, object]:
    """One fresh process: import functions/<name>/app.py and handle events/<name>.json.

    `paths`: import only from these folders (the built layer and the runtime's boto3) and the
    standard library, as Lambda does; else from this interpreter's environment and shared/.
    """
    registry = workdir / "partners.yaml"
    registry.write_text(EMPTY_REGISTRY, encoding="utf-8")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "POWERTOOLS_"))},
        "PYTHONPATH": str(REPO / "shared"),
        "SYNDICATE_BACKEND": "local",
        "SYNDICATE_OUT": str(workdir / "out"),
        "REGISTRY_URI": str(registry),
        "POWERTOOLS_SERVICE_NAME": "syndicate",
        "POWERTOOLS_METRICS_NAMESPACE": "syndicate-bench",
        "AWS_DEFAULT_REGION": "eu-west-1",
    }
    flags: list[str] = []
    if paths:
        # -I -S: no site-packages, no PYTHONPATH; the probe puts exactly `paths` on sys.path
        flags = ["-I", "-S"]
        env["PROBE_PATHS"] = os.pathsep.join(map(str, paths))
    proc = subprocess.run(
        [str(python), *flags, "-c", PROBE, str(REPO / "functions" / name), str(REPO / "events" / f"{name}.json")],
        capture_output=True, text=True, env=env, cwd=workdir, timeout=120, check=False,
    )
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        raise RuntimeError(f"handler {name} did not run: {proc.stderr[-2000:]}")
    result: dict[str, object] = json.loads(lines[-1])
    return result


def build_layer(python: Path, dest: Path) -> Path:
    """The layer as SAM lays it out: python/ holding the requirements and the package."""
    target = dest / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-compile",
         "--target", str(target), "-r", str(REPO / "shared" / "requirements.txt")],
        check=True, timeout=900,
    )
    shutil.copytree(REPO / "shared" / "syndicate", target / "syndicate",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return target


def build_runtime(python: Path, dest: Path) -> Path:
    """What the Lambda Python runtime itself provides to a handler: boto3 (at the version this
    interpreter has, or the latest)."""
    found = subprocess.run(
        [str(python), "-c", "import boto3; print(boto3.__version__)"], capture_output=True, text=True, check=False
    ).stdout.strip()
    target = dest / "runtime"
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-compile",
         "--target", str(target), f"boto3=={found}" if found else "boto3"],
        check=True, timeout=900,
    )
    return target


def folder_bytes(root: Path) -> int:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file())


def zipped_bytes(root: Path, archive: Path) -> int:
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(root.rglob("*")):
            if path.is_file():
                zf.write(path, path.relative_to(root.parent).as_posix())
    return archive.stat().st_size


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--python", type=Path, default=DEFAULT_PYTHON if DEFAULT_PYTHON.exists() else Path(sys.executable))
    ap.add_argument("--repeat", type=int, default=3, help="fresh processes per handler; the best counts")
    ap.add_argument("--no-layer", action="store_true", help="skip building the layer")
    args = ap.parse_args(argv)
    version = subprocess.run([str(args.python), "-c", "import sys; print(sys.version.split()[0])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    slowest = ("", 0.0)
    largest = 0.0
    with tempfile.TemporaryDirectory(prefix="syndicate-cold-") as tmp:
        paths: list[Path] | None = None
        if not args.no_layer:
            # The layer first: the handlers are then timed importing from it (and the runtime's
            # boto3) only, as in Lambda. This interpreter's environment may hold packages the
            # layer does not, which change what gets imported (httpx loads rich when present).
            target = build_layer(args.python, Path(tmp) / "layer")
            unzipped = folder_bytes(target) / 1e6
            zipped = zipped_bytes(target, Path(tmp) / "layer.zip") / 1e6
            print(f"layer SyndicateLayer (shared/requirements.txt + shared/syndicate): "
                  f"{unzipped:.1f} MB unzipped, {zipped:.1f} MB zipped")
            largest = zipped
            paths = [target, build_runtime(args.python, Path(tmp))]
        where = "the built layer and boto3 only" if paths else "this environment and shared/"
        print(f"handlers, fresh Python {version} process each, importing from {where}, best of {args.repeat}:")
        for name in HANDLERS:
            runs = []
            for i in range(args.repeat):
                work = Path(tmp) / f"{name}-{i}"
                work.mkdir()
                runs.append(time_handler(args.python, name, work, paths))
            best = min(runs, key=lambda r: float(r["first_event_s"]))  # type: ignore[arg-type]
            first = float(best["first_event_s"])  # type: ignore[arg-type]
            print(f"  {name:8s} import {float(best['import_s']):.3f} s  import-to-first-event {first:.3f} s"  # type: ignore[arg-type]
                  f"  X-Ray SDK loaded: {best['xray_loaded']}  modules: {best['modules']} ({', '.join(best['heavy'])})"  # type: ignore[arg-type]
                  + (f"  ({best['error']})" if best["error"] else ""))
            if first > slowest[1]:
                slowest = (name, first)
    print(f"slowest_handler_s={slowest[1]:.3f} ({slowest[0]}) largest_layer_zipped_mb={largest:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
