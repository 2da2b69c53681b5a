"""A response's head and body leave in one write; nothing held is lost or reordered."""

from __future__ import annotations

import asyncio

from entrypoints.coalesced_writes import CoalescedWrites


class Recording(asyncio.Transport):
    """A transport that records what is written to it, and whether it closed."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[bytes] = []
        self.closed = False
        self.aborted = False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.writes.append(bytes(data))

    def close(self) -> None:
        self.closed = True

    def abort(self) -> None:
        self.aborted = True

    def is_closing(self) -> bool:
        return self.closed or self.aborted

    def get_write_buffer_size(self) -> int:
        return 0


def coalesced() -> tuple[CoalescedWrites, Recording]:
    inner = Recording()
    return CoalescedWrites(inner, asyncio.get_running_loop()), inner


async def test_a_head_and_the_body_after_it_leave_in_one_write() -> None:
    transport, inner = coalesced()

    transport.write(b"HTTP/1.1 200 OK\r\n\r\n")
    assert inner.writes == [], "held for the body"
    transport.write(b"{}")

    assert inner.writes == [b"HTTP/1.1 200 OK\r\n\r\n{}"]


async def test_a_write_with_nothing_after_it_leaves_at_the_end_of_the_loops_turn() -> None:
    transport, inner = coalesced()

    transport.write(b"head")
    assert transport.get_write_buffer_size() == 4, "what is held counts as buffered"
    await asyncio.sleep(0)

    assert inner.writes == [b"head"]
    assert transport.get_write_buffer_size() == 0


async def test_a_streamed_body_leaves_in_order() -> None:
    transport, inner = coalesced()

    for chunk in (b"head", b"one", b"two"):
        transport.write(chunk)
    await asyncio.sleep(0)
    transport.write(b"three")
    await asyncio.sleep(0)

    assert b"".join(inner.writes) == b"headonetwothree"
    assert inner.writes == [b"headone", b"two", b"three"]


async def test_closing_writes_what_is_held_first_and_aborting_drops_it() -> None:
    closing, closed = coalesced()
    aborting, aborted = coalesced()

    closing.write(b"408 problem")
    closing.close()
    aborting.write(b"never sent")
    aborting.abort()
    await asyncio.sleep(0)

    assert (closed.writes, closed.closed) == ([b"408 problem"], True)
    assert (aborted.writes, aborted.aborted) == ([], True)


async def test_an_empty_write_is_no_write() -> None:
    transport, inner = coalesced()

    transport.write(b"")
    await asyncio.sleep(0)
    transport.writelines([b"a", b"b"])
    transport.write(b"")

    assert inner.writes == [b"ab"]
