"""The HTTP API: routers, schemas, middleware and the problem+json error contract."""
