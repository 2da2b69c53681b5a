"""Use cases of tasks-api and the ports they need.

Depends on `domain` and the standard library only; adapters implement the ports.
"""
