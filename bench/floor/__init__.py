"""The floor: the least a Python server can do to answer the benchmarked requests.

A bare ASGI app on asyncpg with hand-written SQL, one statement per request, the
same JSON, headers and semantics as the service (tags, totals, signed keyset
cursors, the bearer-token check and owner scoping once accounts exist), on the
same uvicorn. The benchmark reports the service's figures as ratios to it.
It serves only what the benchmark sends: `GET /tasks`, `POST /tasks`,
`GET /tasks/{id}`, `PATCH /tasks/{id}` (title, description, done) and
`GET /health/ready`.
"""
