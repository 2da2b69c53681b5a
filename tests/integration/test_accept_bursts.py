"""A burst of new connections is taken in at once by the event loop `tasks-api serve` runs.

A connection the worker has not accepted waits in the kernel, where neither the
admission gate nor the metrics see it: its request waits there, unbounded and out
of turn. uvloop accepts one connection per turn of the loop, so a busy worker
let a burst of 256 wait seconds; the loop the service runs must take them all in
a few turns. Counted in turns of the loop, not in seconds.
"""

from __future__ import annotations

import asyncio
import socket
from contextlib import ExitStack

import uvicorn

from entrypoints.http_protocol import EVENT_LOOP

BURST = 64
TURNS = 10
"""Turns of the loop the burst may take: accepting one connection per turn takes 64."""


def test_a_burst_of_connections_is_accepted_within_a_few_turns_of_the_loop() -> None:
    loop_factory = uvicorn.Config(app="unused:app", loop=EVENT_LOOP).get_loop_factory()
    assert loop_factory is not None
    accepted = 0

    class Counting(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            nonlocal accepted
            accepted += 1

    async def burst() -> int:
        loop = asyncio.get_running_loop()
        server = await loop.create_server(Counting, "127.0.0.1", 0, backlog=2 * BURST)
        port = server.sockets[0].getsockname()[1]
        with ExitStack() as clients:
            # Connected by the kernel while the loop is busy here: all in its accept queue.
            for _ in range(BURST):
                clients.enter_context(socket.create_connection(("127.0.0.1", port)))
            for _ in range(TURNS):
                await asyncio.sleep(0)
            taken = accepted
        server.close()
        await server.wait_closed()
        return taken

    loop = loop_factory()
    try:
        assert loop.run_until_complete(burst()) == BURST
    finally:
        loop.close()
