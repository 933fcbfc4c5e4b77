# Every target does its own set-up: a .venv made with the machine's python3.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-sqlite bench lint run clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/fof-bot demo

# The suite on SQLite, then on a throwaway PostgreSQL server that tests/pg_server.py starts
# (installing Debian's postgresql package when missing and possible) and stops; where
# PostgreSQL cannot be had it says so in one loud line and runs SQLite only.
test: $(STAMP)
	$(BIN)/python -m tests.pg_server

# The suite on SQLite only (quicker while working).
test-sqlite: $(STAMP)
	$(BIN)/python -m pytest -x

bench: $(STAMP)
	$(BIN)/python -m tests.bench

lint: $(STAMP)
	$(BIN)/ruff check bot handlers storage tests

run: $(STAMP)
	$(BIN)/fof-bot run

clean:
	rm -rf $(VENV) demo-output .pytest_cache .build
