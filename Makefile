# Two commands do everything on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run demo test test-clocks lint typecheck check bench bench-intake bench-lists bench-people bench-fieldwork clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# Start the platform with demo data (built once, into an empty database), and the worker
# for background tasks beside it; Ctrl-C stops both.
run: $(STAMP)
	$(BIN)/wangge demo --if-empty
	$(BIN)/wangge worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/wangge serve

# The whole suite, on SQLite by default or on WANGGE_DATABASE_URL when set. CLOCK=holiday (a
# name of tests/conftest.py's CLOCKS or an ISO datetime with offset) sets the wall clock;
# TESTS=tests/events runs a part.
test: $(STAMP)
	$(BIN)/pytest -n auto --dist loadfile $(if $(CLOCK),--clock '$(CLOCK)') $(TESTS)

# The tests that read the clock, at each wall clock that once broke one (or CLOCKS=...).
CLOCKED_TESTS ?= tests/events tests/fieldwork
CLOCKS ?= office evening lunch holiday workday-sunday month-end year-end
test-clocks: $(STAMP)
	set -e; for clock in $(CLOCKS); do \
	  echo "== clock $$clock"; \
	  $(BIN)/pytest -n auto --dist loadfile -q --clock $$clock $(CLOCKED_TESTS); \
	done

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

check: lint typecheck
	$(BIN)/wangge manage makemigrations --check --dry-run

bench: $(STAMP)
	$(BIN)/python benchmarks/locate.py
	$(BIN)/python benchmarks/workflow.py

# The push API over HTTP against a one-row-insert floor (PostgreSQL on 127.0.0.1:5432).
bench-intake: $(STAMP)
	$(BIN)/python benchmarks/intake.py

# The event lists with simple and with detailed boundaries (PostgreSQL).
bench-lists: $(STAMP)
	$(BIN)/python benchmarks/lists.py

# 200,000 residents imported from CSV and xlsx, search and listing (PostgreSQL).
bench-people: $(STAMP)
	$(BIN)/python benchmarks/population.py

# A month's visit tasks and a campaign's coverage over 400,000 households (PostgreSQL).
bench-fieldwork: $(STAMP)
	$(BIN)/python benchmarks/fieldwork.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
