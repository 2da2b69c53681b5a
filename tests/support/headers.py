"""Request headers as the HTTP tests send them, including bytes no well-behaved client would."""

from __future__ import annotations


def request_header(name: str, value: str | bytes) -> dict[bytes, bytes]:
    """One header, encoded as httpx encodes it: a str as ASCII, bytes exactly as given."""
    return {name.encode("ascii"): value if isinstance(value, bytes) else value.encode("ascii")}
