# Every target creates the virtualenv it needs; nothing is expected on the machine but python3.
.DEFAULT_GOAL := test
.PHONY: venv generate check-generated lint format typecheck test unit contract bench clean demo docs

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

generate: $(STAMP)
	$(PY) -m codegen

check-generated: $(STAMP)
	$(PY) -m codegen --check

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

typecheck: $(STAMP)
	$(VENV)/bin/mypy

unit: $(STAMP)
	$(PY) -m pytest

test: check-generated lint typecheck docs unit

# Local SQS/SNS endpoint, provisioning, a worker, tasks of every priority, a dead letter requeued.
demo: $(STAMP)
	$(PY) -m demo

# The documentation site, warnings as errors, into build/docs; its examples pass mypy too
# (tests/test_docs_examples.py runs them).
docs: $(STAMP)
	$(VENV)/bin/mypy --strict docs/examples
	$(VENV)/bin/sphinx-build -q -W --keep-going -b html -d build/docs-doctrees docs build/docs

bench: $(STAMP)
	$(PY) -m bench

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache .hypothesis
