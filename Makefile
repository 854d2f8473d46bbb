# The two commands a newcomer needs: `make ingest` and `make test`.
# Both create .venv and install the exact versions in requirements.lock first.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

export PREFECT_HOME ?= $(CURDIR)/.prefect
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export DO_NOT_TRACK := 1
export PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS ?= 180

.PHONY: install ingest test browser bench bench-scale lint clean

install: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet "pip==26.3" "setuptools==80.9.0"
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	chmod +x $(BIN)/duckdb  # the duckdb-cli wheel installs the shell without its executable bit
	$(BIN)/python -m compileall -q src flows  # bytecode, as pip writes for an installed package: no run compiles them (PYTHONDONTWRITEBYTECODE)
	touch $(STAMP)

ingest: $(STAMP)
	$(BIN)/blogetl ingest --raw raw --db warehouse/blog.duckdb

test: lint browser
	$(BIN)/python -m pytest -q

browser:  # the report's slow test opens it in headless Chromium: Debian's package, installed when missing (as root)
	@command -v chromium >/dev/null || command -v chromium-browser >/dev/null || \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

bench: $(STAMP)
	$(BIN)/python bench/run_all.py

SCALE_MB ?= 100
bench-scale: $(STAMP)  # SCALE_MB MB of generated dumps through the library and the flow, then incremental runs (README "Performance")
	$(BIN)/python bench/scale.py --mb $(SCALE_MB)

lint: $(STAMP)  # part of `make test`: style (ruff) and types (mypy, strict on src/)
	$(BIN)/ruff check src flows tests bench
	$(BIN)/mypy

clean:
	rm -rf $(VENV) .prefect warehouse/*.duckdb warehouse/*.wal
