# zsctl developer tasks. Every target sets up the virtual environment it needs.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint format check ingest bench bench-smoke fuzz clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

## demo: set up, check the seeds, build the corpus and show what is in it
demo: $(STAMP)
	$(BIN)/zsctl check --seeds seeds
	$(BIN)/zsctl ingest --seeds seeds
	$(BIN)/zsctl list --limit 10
	$(BIN)/zsctl stats
	$(BIN)/zsctl dupes

## test: set up and run the test suite
test: $(STAMP)
	$(BIN)/pytest

## lint: ruff (lint + format check) and mypy on the library
lint: $(STAMP)
	$(BIN)/ruff check zsctl tests bench scripts
	$(BIN)/ruff format --check zsctl tests bench scripts
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format zsctl tests bench scripts
	$(BIN)/ruff check --fix zsctl tests bench scripts

## check: the CI gate on the seeds
check: $(STAMP)
	$(BIN)/zsctl check --seeds seeds

## bench: the 100,000-article benchmark (minutes; not part of make test)
bench: $(STAMP)
	$(BIN)/python -m bench.run --articles 100000 --runs 5 --write

## fuzz: fuzz decode and parse for 10 minutes (not in CI); failing inputs go to fuzz-failures/
fuzz: $(STAMP)
	$(BIN)/python scripts/fuzz.py --minutes 10

## bench-smoke: the benchmark's self-test and a 2,000-article generator check (seconds)
bench-smoke: $(STAMP)
	$(BIN)/python -m bench.run --self-test
	$(BIN)/python -m bench.generate --articles 2000 --out bench/out/smoke -q >/dev/null
	$(BIN)/python -m bench.verify bench/out/smoke

ingest: $(STAMP)
	$(BIN)/zsctl ingest --seeds seeds

clean:
	rm -rf corpus/*.db corpus/*.db-* .pytest_cache .mypy_cache .ruff_cache
