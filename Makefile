# zsctl developer tasks. Every target sets up the virtual environment it needs.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint format check ingest bench bench-smoke fuzz torture clean

# pip's own chatter goes to a log, shown only if the install fails.
$(STAMP): pyproject.toml
	@echo "setting up $(VENV): pip install -e '.[dev]' (a few minutes the first time; log in $(VENV)/install.log)"
	@$(PYTHON) -m venv $(VENV)
	@{ $(BIN)/pip install -q --upgrade pip && $(BIN)/pip install -q -e '.[dev]'; } \
		> $(VENV)/install.log 2>&1 || { cat $(VENV)/install.log; exit 1; }
	@touch $(STAMP)

DEMO_SEEDS := corpus/demo-seeds
DEMO_DB    := corpus/demo.db
DEMO       := $(BIN)/zsctl

## demo: the seeds plus examples/rescrape (re-scrapes of them) in a demo corpus, and its duplicates
demo: $(STAMP)
	@$(BIN)/python scripts/rescrape.py --demo $(DEMO_SEEDS)
	@$(DEMO) check --seeds $(DEMO_SEEDS) --no-pager
	@$(DEMO) ingest --seeds $(DEMO_SEEDS) --corpus $(DEMO_DB)
	@$(DEMO) list --corpus $(DEMO_DB) --limit 10 --no-pager
	@$(DEMO) stats --corpus $(DEMO_DB) --no-pager
	@$(DEMO) dupes --corpus $(DEMO_DB) --no-pager
	@echo
	@echo "Browse it: $(DEMO) serve --corpus $(DEMO_DB), then open http://127.0.0.1:8001/corpus"

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

## bench: the 100,000-article benchmark, then each corpus shape (tens of minutes; not in make test)
bench: $(STAMP)
	$(BIN)/python -m bench.run --articles 100000 --runs 5 --write --shapes
	$(BIN)/python -m bench.build --articles 100000 --workers 2

## fuzz: fuzz decode and parse for 10 minutes (not in CI); failing inputs go to fuzz-failures/
fuzz: $(STAMP)
	$(BIN)/python scripts/fuzz.py --minutes 10

## torture: issue 12's attacks (kill, signals, swaps, full disks, readers) with random timings
## for 10 minutes (not in CI; disk-full needs root); prints a table of attempts and failures
torture: $(STAMP)
	$(BIN)/python scripts/torture.py --minutes 10

## bench-smoke: the benchmark's self-test and a 2,000-article generator check (seconds)
bench-smoke: $(STAMP)
	$(BIN)/python -m bench.run --self-test
	$(BIN)/python -m bench.generate --articles 2000 --out bench/out/smoke -q >/dev/null
	$(BIN)/python -m bench.verify bench/out/smoke

ingest: $(STAMP)
	$(BIN)/zsctl ingest --seeds seeds

clean:
	rm -rf corpus/*.db corpus/*.db-* corpus/demo-seeds .pytest_cache .mypy_cache .ruff_cache
