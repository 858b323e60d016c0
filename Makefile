# Every target creates the virtualenv it needs; nothing is expected on the machine but python3.
.DEFAULT_GOAL := test
.PHONY: venv generate check-generated compat lint format typecheck test unit contract bench clean demo docs

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

# Schema compatibility (schema/README.md, "Versioning"): each minor accepts all its predecessor
# did, consume.json reads what publish.json allows, and released files (as the last commit on
# main that touched schema/ has them, or AGAINST=<ref>) changed only in title and description.
# Each breaking change is proved by a counterexample message; exit 1 if there is any.
compat: $(STAMP)
	$(PY) -m codegen.compat $(if $(AGAINST),--against $(AGAINST))

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

test: check-generated compat lint typecheck docs contract unit

# Cross-language contract suite (contract-tests/README.md): corpus digests, version replay, the
# Python and Node consumer runners, the publisher suite against the library and the Node
# reference testee, and the self-test: every wrong publisher in mutants.mjs must fail it. JUnit
# reports go to build/contract/. Needs node 20+ and npm.
NODE_RUNNERS := contract-tests/runners/node
NODE_STAMP := $(NODE_RUNNERS)/node_modules/.installed-stamp
CONTRACT_REPORTS := build/contract
FAILURE_LISTS := contract-tests/failure-lists

$(NODE_STAMP): $(NODE_RUNNERS)/package.json $(NODE_RUNNERS)/package-lock.json
	cd $(NODE_RUNNERS) && npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

contract: $(STAMP) $(NODE_STAMP)
	$(PY) -m tools.conformance manifest
	$(PY) -m tools.conformance replay
	$(PY) -m tools.conformance vectors --junit $(CONTRACT_REPORTS)/python-consumer.xml
	node $(NODE_RUNNERS)/consumer.mjs --junit $(CONTRACT_REPORTS)/node-consumer.xml
	$(PY) -m tools.conformance publisher --label python-publisher --min-protocol 2 \
		--failure-list $(FAILURE_LISTS)/python-publisher.txt \
		--junit $(CONTRACT_REPORTS)/python-publisher.xml -- $(PY) -m tools.conformance.library_testee
	$(PY) -m tools.conformance publisher --label node-publisher --min-protocol 2 \
		--failure-list $(FAILURE_LISTS)/node-publisher.txt \
		--junit $(CONTRACT_REPORTS)/node-publisher.xml -- node $(NODE_RUNNERS)/publisher-testee.mjs
	$(PY) -m tools.conformance mutants -- node $(NODE_RUNNERS)/mutants.mjs

# Local SQS/SNS endpoint, provisioning, a worker, tasks of every priority, a dead letter requeued.
demo: $(STAMP)
	$(PY) -m tools.demo

# The documentation site, warnings as errors, into build/docs; its examples pass mypy too
# (tests/test_docs_examples.py runs them).
docs: $(STAMP)
	$(VENV)/bin/mypy --strict docs/examples
	$(VENV)/bin/sphinx-build -q -W --keep-going -b html -d build/docs-doctrees docs build/docs

# Codec, CPU and throughput benchmarks against a local endpoint (raw boto3, upstream 4.7, Celery,
# dramatiq in build/bench-venvs/); writes tools/bench/results/. Not part of `make test`.
bench: $(STAMP)
	$(PY) -m tools.bench

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache .hypothesis
