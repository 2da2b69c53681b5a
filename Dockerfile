# The service's image: `docker build -t tasks-api .`; compose.yaml runs it on PostgreSQL.
# The build stage installs exactly what uv.lock says, as `make sync` does
# (`uv sync --locked`), less the development tools; the image that runs keeps
# only the resulting virtual environment, owned by root and run by a user that
# cannot change it.

# The Python of CI's machines (Debian 12), within pyproject's requires-python.
FROM python:3.11-slim-bookworm AS build
# uv at the Makefile's UV_VERSION.
COPY --from=ghcr.io/astral-sh/uv:0.13.9 /uv /bin/uv
# As the Makefile: the image's own Python, never a downloaded one.
ENV UV_PYTHON_DOWNLOADS=never \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PROJECT_ENVIRONMENT=/opt/tasks-api
WORKDIR /src
# The locked dependencies first, in a layer that only a change of uv.lock rebuilds.
# (The workspace member's pyproject.toml is part of the lock.)
COPY pyproject.toml uv.lock ./
COPY clients/python/pyproject.toml clients/python/
RUN uv sync --locked --no-dev --no-install-workspace
# Then the service itself, as a wheel (migrations included), not a link to /src.
COPY . .
RUN uv sync --locked --no-dev --no-editable

FROM python:3.11-slim-bookworm
RUN useradd --system --uid 10001 --user-group --home-dir /data --create-home tasks-api
COPY --from=build /opt/tasks-api /opt/tasks-api
ENV PATH=/opt/tasks-api/bin:$PATH \
    PYTHONUNBUFFERED=1
# The embedded SQLite default (./tasks.db) lives here when no DATABASE_URL is set.
WORKDIR /data
USER tasks-api:tasks-api
EXPOSE 8000
# Liveness with the standard library: the slim image has no curl.
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=2)"]
# Exec form: tasks-api is PID 1 and receives SIGTERM itself, to drain.
CMD ["tasks-api", "serve", "--host", "0.0.0.0", "--port", "8000"]
