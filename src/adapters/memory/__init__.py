"""In-memory adapters: plain dicts behind the ports, for unit tests and `DATABASE_URL=memory://`.

They follow the same contract as the SQL adapters, down to ordering and
paging, so that tests run against them prove the use cases, not a fake.
"""
