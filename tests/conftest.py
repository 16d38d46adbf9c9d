"""Session-wide pytest setup.

Fixture code lives in `tests/fixtures/<topic>.py`; each such module is registered below as a
plugin, which makes its fixtures available to every test without importing them by name.
`tests/fixtures/moto.py` provides `moto_endpoint`, `aws_resources`, `s3_client`,
`dynamodb_client` and `sqs_client`. Plain helpers are imported by name, e.g.
`from fixtures.shared_data import shared_data`: a path under `../shared` beside the repository,
or a skip naming it in a plain clone without it.
"""

import sys
from pathlib import Path

# `fixtures` is importable whatever --import-mode pytest runs with.
_TESTS_DIR = str(Path(__file__).resolve().parent)
if _TESTS_DIR not in sys.path:
    sys.path.insert(0, _TESTS_DIR)

pytest_plugins = [
    "fixtures.moto",
    "fixtures.http",
    "fixtures.backends",
]
