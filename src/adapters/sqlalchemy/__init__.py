"""SQLAlchemy adapters: PostgreSQL through asyncpg, SQLite through aiosqlite.

SQLAlchemy Core only: statements are built once and reused, rows are mapped to
domain entities by explicit functions, and nothing is lazy.
"""
