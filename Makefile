# ImmunoGrade — two set-up commands: `make run` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_INSTALL := DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install build serve lint typecheck pytest refs bench fuzz system-test-deps system-r clean

## run: install, build the knowledge base, serve the web app on $(HOST):$(PORT)
run: build
	$(VENV)/bin/immunograde serve --host $(HOST) --port $(PORT)

## test: install what the tests need (incl. Debian's chromium and a JRE for Spark) and run the suite
test: install system-test-deps lint pytest

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e '.[test,spark]'
	bash tools/vendor_js.sh
	touch $(STAMP)

build: install
	$(VENV)/bin/immunograde build

serve: install
	$(VENV)/bin/immunograde serve --host $(HOST) --port $(PORT)

system-test-deps:
	@need=""; \
	command -v chromium >/dev/null 2>&1 || need="$$need chromium"; \
	command -v java >/dev/null 2>&1 || need="$$need default-jre-headless"; \
	if [ -n "$$need" ]; then \
	  echo "installing Debian packages:$$need"; \
	  $(SUDO) apt-get update -qq && $(APT_INSTALL) $$need; \
	fi

lint: install
	$(VENV)/bin/ruff check src tests validation benchmarks
	$(VENV)/bin/ruff format --check src tests
	$(VENV)/bin/mypy

pytest: install
	$(PY) -m pytest -n 2 -q

## fuzz: the fuzz suite (tests/fuzz) at 10,000 inputs per target, FUZZ_JOBS targets side by side
## (pytest-xdist; each target's DuckDB on one thread), scratch files on tmpfs when there is one; the
## inputs are hypothesis' from FUZZ_SEED (recorded); each target's figures go to
## benchmarks/results/fuzz/<target>.json (benchmarks/results/reliability_inputs.md)
FUZZ_EXAMPLES ?= 10000
FUZZ_JOBS ?= 2
FUZZ_SEED ?= $(shell date +%s)
FUZZ_SEED := $(FUZZ_SEED)
FUZZ_TMP ?= $(shell [ -d /dev/shm ] && [ -w /dev/shm ] && echo /dev/shm || echo $${TMPDIR:-/tmp})
fuzz: install
	TMPDIR=$(FUZZ_TMP) IMMUNOGRADE_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) IMMUNOGRADE_FUZZ_SEED=$(FUZZ_SEED) \
	  IMMUNOGRADE_FUZZ_STATS=benchmarks/results/fuzz \
	  $(PY) -m pytest -q -p no:cacheprovider -n $(FUZZ_JOBS) --dist worksteal \
	  --hypothesis-seed=$(FUZZ_SEED) tests/fuzz

## refs: regenerate the reference values with R's metafor (Debian packages)
system-r:
	@command -v Rscript >/dev/null 2>&1 && Rscript -e 'library(metafor); library(metadat); library(jsonlite); library(yaml)' >/dev/null 2>&1 || \
	  ( $(SUDO) apt-get update -qq && $(APT_INSTALL) r-base-core r-cran-metafor r-cran-metadat r-cran-jsonlite r-cran-yaml r-cran-data.table )

refs: system-r
	bash validation/metafor/run.sh
	-bash validation/rtsa/run.sh || echo "RTSA 0.2.2 not installed (see validation/rtsa/README.md): validation/rtsa/ref_rtsa.json kept"

## bench: run the benchmarks (they print their figures; results go in benchmarks/RESULTS.md)
bench: install system-r
	@command -v wrk >/dev/null 2>&1 || ( $(SUDO) apt-get update -qq && $(APT_INSTALL) wrk )
	for b in benchmarks/bench_*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) var build *.egg-info
