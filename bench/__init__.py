"""The benchmark: the service against a hand-written floor, side by side, on PostgreSQL.

`python -m bench --help` (or `make bench ARGS=...`) runs it. One module per job:
`database` (throwaway database, migration, seed), `accounts` (the bearer token),
`servers` (the service and the floor as subprocesses), `scenarios` (the requests),
`load` (wrk), `cpu` (CPU, sessions and memory accounting), `session` (one
measurement of one scenario on one server), `report` (the tables), and one module
per mode (`standard`, `scale`) that `__main__` dispatches to.
"""
