"""Session-wide pytest setup.

Fixture code lives in `tests/fixtures/<topic>.py`; each such module is registered below as a
plugin, which makes its fixtures available to every test without importing them by name.
`tests/fixtures/moto.py` provides `moto_endpoint`, `aws_resources`, `s3_client`,
`dynamodb_client` and `sqs_client`; `tests/fixtures/stores.py` the state table on both adapter
sets (`state`). Plain helpers are imported by name, e.g.
`from fixtures.shared_data import shared_data`: a path under `../shared` beside the repository,
or a skip naming it in a plain clone without it.
"""

import sys
from pathlib import Path

# `fixtures` is importable whatever --import-mode pytest runs with; `syndicate_demo` (the
# sample site the HTTP fixtures serve) comes from this checkout's demo/ folder even when the
# installed copy is another checkout's or predates the package.
_TESTS_DIR = Path(__file__).resolve().parent
DEMO_DIR = _TESTS_DIR.parent / "demo"
for _folder in (str(DEMO_DIR), str(_TESTS_DIR)):
    if _folder not in sys.path:
        sys.path.insert(0, _folder)

pytest_plugins = [
    "fixtures.moto",
    "fixtures.http",
    "fixtures.backends",
    "fixtures.stores",
]
