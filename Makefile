# Everything a fresh machine needs, from nothing but Python 3.11+ and pip:
#   make run    serve the API on the embedded SQLite default (http://127.0.0.1:8000)
#   make test   run the whole test suite
# and for development: make check (lint, types, layering), make bench.
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

.PHONY: run test check bench sync

run: sync
	$(UV) run --frozen tasks-api serve $(ARGS)

# The whole suite, with branch coverage; below the floor in pyproject.toml it fails.
test: sync
	$(UV) run --frozen coverage run -m pytest
	$(UV) run --frozen coverage report

check: sync
	$(UV) run --frozen ruff check src tests migrations bench
	$(UV) run --frozen ruff format --check src tests migrations bench
	$(UV) run --frozen mypy
	$(UV) run --frozen lint-imports

bench: sync
	$(UV) run --frozen python -m bench $(ARGS)

sync: $(UV)
	$(UV) sync --frozen --quiet

.tools/bin/uv:
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"
