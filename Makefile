# Every target is safe on a fresh clone: it creates .venv when missing.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install run test lint bench check clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,bench]'
	touch $(STAMP)

run: $(STAMP)
	$(PY) -m bot

check: $(STAMP)
	$(PY) -m bot check

lint: $(STAMP)
	$(PY) -m ruff check bot tests
	$(PY) -m ruff format --check bot tests
	$(VENV)/bin/hadolint Dockerfile

test: lint
	$(PY) -m bot check
	$(PY) -m pytest

bench: $(STAMP)
	$(PY) tests/bench/run.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
