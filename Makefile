# syndicate: the two commands README.md opens with are `make demo` and `make test`.
# Everything installs into ./.venv (the package, test tools) and ./.tools-sam (SAM CLI,
# kept apart because it pins its own boto3/pydantic).
PYTHON ?= python3
VENV ?= .venv
SAMVENV ?= .tools-sam
# checkov (template security scan) pins older boto3/networkx/packaging than .venv: its own venv.
# Pinned so a new release's new checks change CI only when we upgrade on purpose.
CHECKOVVENV ?= .tools-checkov
CHECKOV_VERSION ?= 3.3.30
PY := $(VENV)/bin/python
VENV312 ?= .venv312
# pyenv machines: make python3.12 visible next to the default 3.11 (harmless elsewhere).
export PYENV_VERSION ?= 3.11.7:3.12.1

.PHONY: demo test check screenshot soak lint typecheck schema build deploy clean install tools sam-local

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $@

$(SAMVENV)/.installed:
	$(PYTHON) -m venv $(SAMVENV)
	$(SAMVENV)/bin/pip install -q --upgrade pip
	$(SAMVENV)/bin/pip install -q aws-sam-cli
	touch $@

$(CHECKOVVENV)/.installed:
	$(PYTHON) -m venv $(CHECKOVVENV)
	$(CHECKOVVENV)/bin/pip install -q --upgrade pip
	$(CHECKOVVENV)/bin/pip install -q checkov==$(CHECKOV_VERSION)
	touch $@

$(VENV312)/.installed: pyproject.toml
	@command -v python3.12 >/dev/null || { echo "python3.12 not found: install Python 3.12 (e.g. pyenv install 3.12)"; exit 1; }
	python3.12 -m venv $(VENV312)
	$(VENV312)/bin/python -m pip install -q --upgrade pip
	$(VENV312)/bin/python -m pip install -q -e '.[dev]'
	touch $@

install: $(VENV)/.installed
# Debian's Chromium for the browser tests (tests/e2e): Playwright drives it, no browser download.
/usr/bin/chromium:
	apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium \
	  || { echo "install Chromium: apt-get install chromium (as root)"; exit 1; }

tools: $(VENV)/.installed $(SAMVENV)/.installed $(CHECKOVVENV)/.installed $(VENV312)/.installed /usr/bin/chromium

## Run the whole pipeline on the bundled sample site (loopback only) into ./out
demo: $(VENV)/.installed
	$(VENV)/bin/syndicate demo --out out

## The test suite (unit, contract, integration against moto's server, template checks)
# The fault-injection soak runs 60 entries here: each article now writes ~95 state items (the
# containment keys of issue 14), and moto's server scans whole tables for some calls, so its
# time grows with the square of the entries (300 no longer finish in 20 minutes on 2 cores).
# `make soak` runs the full 1,000.
SOAK_ENTRIES ?= 60

test: tools
	SOAK_ENTRIES=$(SOAK_ENTRIES) SAM_CLI=$(abspath $(SAMVENV))/bin/sam CHECKOV=$(abspath $(CHECKOVVENV))/bin/checkov \
	  $(PY) -m pytest
	@echo "--- the same core suite on Python 3.12 (the Lambda runtime) ---"
	$(VENV312)/bin/python -m pytest -q -m "not slow" tests/unit tests/contract tests/integration/test_pipeline_run.py

## The edit-test loop, about a minute: lint, types, unit and contract tests. It leaves out the
# tests marked `heavy` (huge hostile inputs, the dedup benchmark) and runs a fifth of the fuzz
# examples; `make test` runs all of them at full size.
CHECK_FUZZ_EXAMPLES ?= 100

check: lint
	FUZZ_EXAMPLES=$(CHECK_FUZZ_EXAMPLES) $(PY) -m pytest -q -m "not heavy" tests/unit tests/contract

## README's picture of the embed (docs/embed.png), from the browser test that checks it
screenshot: $(VENV)/.installed /usr/bin/chromium
	SYNDICATE_SAVE_SCREENSHOT=1 $(PY) -m pytest -q tests/e2e/test_embed_browser.py

## The fault-injection soak at its full size (1,000 entries against moto's server; slow)
soak: $(VENV)/.installed
	SOAK_ENTRIES=1000 $(PY) -m pytest -q -s tests/integration/test_soak_faults.py

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check shared demo functions tests tools $(wildcard bench)
	$(VENV)/bin/mypy
	$(VENV)/bin/mypy tools/sam_local.py
	for f in functions/*/app.py; do $(VENV)/bin/mypy $$f || exit 1; done

schema: $(VENV)/.installed
	$(VENV)/bin/syndicate schema --output schema/record.schema.json

## Every function in a Lambda container (`sam local invoke`) against moto and the demo site,
# offline: starts dockerd if needed (as root, installing docker.io and debootstrap if
# missing), builds the stand-in base image once (tools/lambda-image/build.sh), runs `sam
# build`, then poll -> ingest -> publish and checks the bucket and logs (tools/sam_local.py).
sam-local: $(VENV)/.installed $(SAMVENV)/.installed
	SAM_CLI=$(abspath $(SAMVENV))/bin/sam $(PY) tools/sam_local.py

build: tools
	PYENV_VERSION=3.11.7:3.12.1 $(SAMVENV)/bin/sam build

deploy: build
	$(SAMVENV)/bin/sam deploy --guided

clean:
	rm -rf out .aws-sam
