# Every target creates the virtual environment it needs, so each works on a
# fresh clone. Set SPECS_MIRROR to a folder with exact copies of the pinned
# upstream files to work offline.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
OUT ?= generated
VERSIONS ?= 1.24-1.47
PYTEST_ARGS ?=

export SPECS_MIRROR

.PHONY: venv specs validate generate test test-unit engines engines-stop lint \
	golden conformance wheels bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

venv: $(VENV)/.installed

specs: venv
	$(PY) -m generator specs

validate: venv
	$(PY) -m generator validate --versions $(VERSIONS)

generate: venv
	$(PY) -m generator generate --versions $(VERSIONS) --out $(OUT)

# Starts the real engines the tests use (as root; scripts/engines.sh says
# how), or points them at DOCKER_HOST when that is set.
engines:
	scripts/engines.sh start

engines-stop:
	scripts/engines.sh stop

test: generate engines
	$(PY) -m pytest $(PYTEST_ARGS)

# Tests that need neither engines nor the full generated tree.
test-unit: venv
	$(PY) -m pytest -m "not engine and not slow" $(PYTEST_ARGS)

lint: venv
	$(VENV)/bin/ruff check generator runtime tests scripts benchmarks
	$(VENV)/bin/black --check generator runtime tests scripts benchmarks
	$(VENV)/bin/mypy

# Rewrites the golden files of tests/golden from the fixture specs.
golden: venv
	$(PY) -m tests.golden_refresh

# Validates the engines' JSON responses for every version against the
# uncorrected and the corrected specs; it needs no generated code.
conformance: venv engines
	$(PY) -m generator conformance --versions $(VERSIONS)

# dist/ also gets the wheel of h11, the runtime's one dependency, so that
# the wheels install with pip --no-index.
wheels: generate
	$(PY) -m generator wheels --out dist
	$(PY) -m pip download --quiet --no-deps --only-binary :all: --dest dist "h11>=0.14"

# Writes docs/benchmarks.md in 4 to 8 minutes on 2 cores, depending on other
# load. BENCH_QUICK=1 runs fewer rounds, and benchmarks/__main__.py lists
# the other variables.
bench: generate engines
	$(PY) -m benchmarks

clean:
	rm -rf $(VENV) .cache/specs .cache/format .cache/validated dist build
	find $(OUT) -mindepth 1 -maxdepth 1 ! -name README.md -exec rm -rf {} +
