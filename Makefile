# crampvoice: every target sets up what it needs from nothing (a .venv beside this file).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint typecheck pytest bench lambda postgres clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/crampvoice chat

test: $(STAMP) postgres lint typecheck pytest

lint: $(STAMP)
	$(BIN)/ruff check .

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	CRAMPVOICE_REQUIRE_POSTGRES=1 $(BIN)/pytest

# Installs Debian's PostgreSQL server when it is missing; the tests start their own instance.
postgres:
	@scripts/ensure-postgres

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) build dist .pg .pytest_cache .mypy_cache .ruff_cache
