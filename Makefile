# Everything a fresh machine needs, from nothing but Python 3.11+ and pip:
#   make run    serve the API on the embedded SQLite default (http://127.0.0.1:8000)
#   make test   run the whole test suite
# and for development: `make help` lists the other targets (fmt, check, test-unit, ...).
# (One test file: .venv/bin/pytest tests/unit/domain/test_task.py)

PYTHON ?= python3
UV_VERSION := 0.13.9
# uv itself, if this machine has none, goes into a private virtual environment.
UV := $(or $(shell command -v uv 2>/dev/null),.tools/bin/uv)
# uv must use this machine's Python: none can be downloaded here.
export UV_PYTHON_DOWNLOADS := never
# The interpreter itself, not a shim in front of it (pyenv's): uv would see a
# different Python on every call and rebuild .venv each time.
export UV_PYTHON ?= $(shell $(PYTHON) -c "import sys; print(sys.executable)")

# The PostgreSQL tests use TEST_DATABASE_URL; when it is unset and a server
# answers on the default local port, they use that one (in a throwaway database).
LOCAL_POSTGRES := postgresql+asyncpg://postgres@127.0.0.1:5432/postgres
TEST_DATABASE_URL ?= $(shell $(PYTHON) -c "import socket; socket.create_connection(('127.0.0.1', 5432), 1)" 2>/dev/null && echo $(LOCAL_POSTGRES))
export TEST_DATABASE_URL

.PHONY: help run fmt check test test-unit test-integration bench client sync
.DEFAULT_GOAL := help

help: ## list the targets, with what each does
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

run: sync ## serve the API (SQLite default, http://127.0.0.1:8000); ARGS="--port 9000 --workers 4"
	$(UV) run --frozen tasks-api serve $(ARGS)

fmt: sync ## format the code and apply ruff's safe fixes
	$(UV) run --frozen ruff format
	$(UV) run --frozen ruff check --fix

check: sync ## lint, format check, mypy strict, import layering: what CI checks
	$(UV) run --frozen ruff check
	$(UV) run --frozen ruff format --check
	$(UV) run --frozen mypy
	$(UV) run --frozen lint-imports

# The whole suite, with branch coverage; below the floor in pyproject.toml it fails.
test: sync ## the whole suite with branch coverage (fails below the floor)
	$(UV) run --frozen coverage run -m pytest
	$(UV) run --frozen coverage report

test-unit: sync ## the fast loop: unit tests and the memory run of the contract suite, no coverage
	$(UV) run --frozen pytest tests/unit tests/contract -m "not database"

test-integration: sync ## the contract suite on SQLite and PostgreSQL, and the integration tests
	$(UV) run --frozen pytest tests/contract -m database
	$(UV) run --frozen pytest tests/integration

bench: sync ## the benchmark (python -m bench); ARGS are passed on
	$(UV) run --frozen python -m bench $(ARGS)

# A test fails when the committed client is out of date with the schema.
client: sync ## regenerate the typed Python client in clients/python from the app's schema
	$(UV) run --frozen python scripts/openapi.py > clients/openapi.json
	PATH="$(CURDIR)/.venv/bin:$$PATH" $(UV) run --frozen openapi-python-client generate \
		--path clients/openapi.json --output-path clients/python --overwrite \
		--meta uv --config clients/openapi-python-client.yaml

# --locked: a uv.lock that no longer matches pyproject.toml fails here, not later.
sync: $(UV) ## create or update .venv exactly as uv.lock says
	$(UV) sync --locked --quiet

.tools/bin/uv:
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"
