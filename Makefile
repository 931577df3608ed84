# crampvoice: every target sets up what it needs from nothing (a .venv beside this file).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint imports typecheck pytest audit audit-if-reachable bench lambda lock \
	postgres chromium wrk clean

# Exactly the versions in the lock file (hashes checked), then this project on top.
$(STAMP): pyproject.toml requirements/dev.lock requirements/pip.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements/pip.lock
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements/dev.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

# After changing dependencies in pyproject.toml (or to take newer versions): rewrite the
# lock files with uv, then `make test`. README "Dependencies" says more.
lock: $(STAMP)
	$(BIN)/uv pip compile pyproject.toml --extra dev --generate-hashes --universal \
		--python-version 3.11 -o requirements/dev.lock
	$(BIN)/uv pip compile requirements/lambda.in --constraint requirements/dev.lock \
		--generate-hashes --python-version 3.11 --python-platform x86_64-manylinux_2_28 \
		-o requirements/lambda.lock

# The web app with SQLite: the simulator at http://127.0.0.1:8000/, the dashboard at /dashboard.
run: $(STAMP)
	@echo "crampvoice: open http://127.0.0.1:8000 (the simulator; the dashboard is at /dashboard)"
	$(BIN)/crampvoice serve

test: $(STAMP) postgres chromium lint imports typecheck audit-if-reachable pytest

# Every locked version against an advisory database (pip-audit: PyPI's JSON API, or OSV).
# `make audit` fails when neither answers; in `make test` the audit runs when one does,
# and says so in one line when none does (README "Dependencies").
audit: $(STAMP)
	$(BIN)/python scripts/audit

audit-if-reachable: $(STAMP)
	@$(BIN)/python scripts/audit --if-reachable

lint: $(STAMP)
	$(BIN)/ruff check .

# The import contracts in pyproject.toml ([tool.importlinter]), drawn in docs/architecture.md.
imports: $(STAMP)
	$(BIN)/lint-imports --no-cache

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	CRAMPVOICE_REQUIRE_POSTGRES=1 CRAMPVOICE_REQUIRE_BROWSER=1 $(BIN)/pytest

# Installs Debian's PostgreSQL server when it is missing; the tests start their own instance.
postgres:
	@scripts/ensure-postgres

# Installs Debian's wrk when it is missing: `make bench` loads the servers with it.
wrk:
	@scripts/ensure-wrk

# Installs Debian's Chromium when it is missing; the browser tests drive it with Playwright.
chromium:
	@scripts/ensure-chromium

bench: $(STAMP) lambda postgres wrk
	$(BIN)/python -m bench

# The Alexa skill's Lambda bundle: the core and skill adapter (no web or SMS
# dependencies) plus ask-sdk-core, with lambda_function.py at the zip root; and each
# locale's interaction model in skill/skill-package for `ask deploy` (copies of the one
# checked-in skill/interaction-model/en.json).
lambda: $(STAMP)
	$(BIN)/crampvoice build-skill
	rm -rf build/lambda build/crampvoice-lambda.zip
	$(BIN)/python -m pip install --quiet --no-deps --target build/lambda .
	rm -rf build/lambda/bin
	$(BIN)/python -m pip install --quiet --require-hashes --target build/lambda -r requirements/lambda.lock
	rm -rf build/lambda/bin
	# simplemma ships 50 languages' dictionaries; the skill speaks English only.
	find build/lambda/simplemma/strategies/dictionaries/data -name '*.plzma' ! -name 'en.plzma' -delete
	cp skill/lambda/lambda_function.py build/lambda/
	cd build/lambda && $(CURDIR)/$(BIN)/python -m zipfile -c ../crampvoice-lambda.zip *
	@echo "built build/crampvoice-lambda.zip (handler: lambda_function.lambda_handler)"

clean:
	rm -rf $(VENV) build dist .pg .pytest_cache .mypy_cache .ruff_cache
