# NumerBay Desktop. `make demo` opens the app on a local sandbox chain; `make test` runs every check.
# Everything installs from the project's own lock files: uv.lock (Python, with hashes),
# requirements-bootstrap.txt (uv itself, with hashes) and package-lock.json (anvil).
SHELL := /bin/bash
VENV := .venv
BOOT := .cache/bootstrap
UV := $(BOOT)/bin/uv
PY := $(VENV)/bin/python
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)
OFFSCREEN := QT_QPA_PLATFORM=offscreen

.PHONY: setup demo test lint contracts bench fuzz tour bundle lock clean

setup: $(VENV)/.synced node_modules/.package-lock.json

$(UV): requirements-bootstrap.txt
	python3 -m venv $(BOOT)
	$(BOOT)/bin/pip install --quiet --require-hashes --no-deps -r requirements-bootstrap.txt
	touch $@

$(VENV)/.synced: uv.lock pyproject.toml $(UV)
	$(UV) sync --frozen --quiet
	touch $@

node_modules/.package-lock.json: package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

demo: setup
	$(VENV)/bin/numerbay-desktop --devnet

lint: setup
	$(VENV)/bin/ruff check numerbay_desktop tests contracts
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

test: lint
	$(OFFSCREEN) $(VENV)/bin/pytest

contracts: setup
	$(PY) contracts/compile.py

bench: setup
	$(OFFSCREEN) $(PY) tests/bench/run.py

fuzz: setup
	$(OFFSCREEN) NUMERBAY_FUZZ=1 $(VENV)/bin/pytest -m fuzz --timeout=0

tour: setup
	$(OFFSCREEN) $(PY) tests/tour.py

# BUNDLE_DIST / BUNDLE_WORK move the output and the build tree (e.g. to /tmp). The checks: the
# CLI answers, the window paints, and the devnet starts from the bundle (its own CLI, anvil,
# numpy via numerapi) in a fresh data folder, which builds the demo world (a few minutes).
BUNDLE_DIST ?= dist
BUNDLE_WORK ?= build
bundle: setup
	$(VENV)/bin/pyinstaller --noconfirm --clean --distpath $(BUNDLE_DIST) --workpath $(BUNDLE_WORK) build.spec
	$(BUNDLE_DIST)/numerbay-desktop/numerbay --help > /dev/null
	$(OFFSCREEN) $(BUNDLE_DIST)/numerbay-desktop/numerbay-desktop --smoke
	data=$$(mktemp -d) && $(OFFSCREEN) $(BUNDLE_DIST)/numerbay-desktop/numerbay-desktop \
		--devnet --smoke --data-dir $$data; status=$$?; rm -rf $$data; exit $$status
	du -sh $(BUNDLE_DIST)/numerbay-desktop

lock: $(UV)
	$(UV) lock
	npm install --package-lock-only --no-audit --no-fund

clean:
	rm -rf $(VENV) $(BOOT) node_modules build dist tests/artifacts
