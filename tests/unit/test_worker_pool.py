"""The extraction pool (pipeline/worker.py) forks its processes when nothing else runs in the
process, so they start with the extraction code imported (issue 13), and spawns them when any
other thread runs, so no child inherits a lock such a thread held at the fork. Either way a
worker extracts exactly what this process would. Runs in a fresh interpreter: pytest's own
process has threads of its own."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SHARED = Path(__file__).resolve().parents[2] / "shared"

PROBE = """
import threading
from syndicate.extract.article import extract_article
from syndicate.pipeline.worker import _extraction_pool

body = "Words of an article body, said plainly. " * 40
page = "<html><body><article><h1>T</h1><p>" + body + "</p></article></body></html>"
url = "https://example.org/a/"
methods = []
for extra_thread in (False, True):
    if extra_thread:
        threading.Thread(target=threading.Event().wait, args=(30,), daemon=True).start()
    pool = _extraction_pool(2)
    try:
        methods.append(pool._mp_context.get_start_method())  # which start method the pool was given
        theirs = pool.submit(extract_article, page, url).result(timeout=60)
    finally:
        pool.shutdown()
    assert theirs == extract_article(page, url), "a worker extracts what this process does"
print(" ".join(methods))
"""


def test_pool_forks_when_single_threaded_and_spawns_beside_other_threads() -> None:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(SHARED), os.environ.get("PYTHONPATH", "")]))
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    expected = "fork spawn" if sys.platform.startswith("linux") else "spawn spawn"
    assert done.stdout.split()[-2:] == expected.split()
