# Every target does its own set-up: a .venv made with the machine's python3.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: catalogs demo test test-sqlite imap-server bench lint run clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The French and Spanish catalogs, compiled from their .po files (a stale .mo is also
# compiled in memory at run time, so this only saves the work at start-up).
catalogs: $(STAMP)
	$(BIN)/python -m bot.catalogs compile

demo: $(STAMP) catalogs
	$(BIN)/fof-bot demo

# The suite on SQLite, then on a throwaway PostgreSQL server that tests/pg_server.py starts
# (installing Debian's postgresql package when missing and possible) and stops; where
# PostgreSQL cannot be had it says so in one loud line and runs SQLite only. Each run uses every
# CPU (pytest-xdist: a worker per CPU, each with its own databases and Dovecot).
test: $(STAMP) catalogs imap-server
	$(BIN)/python -m tests.pg_server -n auto

# The suite on SQLite only (quicker while working).
test-sqlite: $(STAMP) catalogs
	$(BIN)/python -m pytest -x -n auto

# Debian's dovecot-imapd for the inbox tests (tests/imap_server.py), installed with apt-get when
# missing and possible (root or sudo); where it cannot be, one loud line and they are skipped.
imap-server: $(STAMP)
	$(BIN)/python -m tests.imap_server install

bench: $(STAMP) catalogs
	$(BIN)/python -m tests.bench

lint: $(STAMP)
	$(BIN)/ruff check bot handlers storage tests

run: $(STAMP) catalogs
	$(BIN)/fof-bot run

clean:
	rm -rf $(VENV) demo-output .pytest_cache .build
