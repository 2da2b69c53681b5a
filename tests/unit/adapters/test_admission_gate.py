"""The admission gate in front of the connection pool: first come, first served, or shed."""

from __future__ import annotations

import asyncio

import pytest

from adapters.sqlalchemy.admission import AdmissionGate
from application.errors import StorageOverloaded, StorageUnavailable

PATIENT = 30.0
"""A wait no test reaches: the waiters are let in by the test, never by the clock."""


async def settle() -> None:
    """Let every task that can run, run."""
    for _ in range(5):
        await asyncio.sleep(0)


async def test_places_are_taken_at_once_while_free() -> None:
    gate = AdmissionGate(2, PATIENT)
    await gate.enter()
    await gate.enter()
    assert gate.waiting == 0
    gate.leave()
    gate.leave()


async def test_waiters_get_in_in_the_order_they_came() -> None:
    gate = AdmissionGate(1, PATIENT)
    await gate.enter()  # the test holds the only place
    admitted: list[int] = []

    async def request(n: int) -> None:
        await gate.enter()
        admitted.append(n)

    waiters = []
    for n in range(5):
        waiters.append(asyncio.create_task(request(n)))
        await settle()  # queued before the next one starts
    assert gate.waiting == 5
    assert admitted == []

    for released in range(1, 6):
        gate.leave()
        await settle()
        assert admitted == list(range(released)), "one place lets in exactly the next in line"
    await asyncio.gather(*waiters)
    gate.leave()


async def test_a_newcomer_does_not_overtake_those_already_waiting() -> None:
    gate = AdmissionGate(1, PATIENT)
    await gate.enter()
    admitted: list[str] = []

    async def request(name: str) -> None:
        await gate.enter()
        admitted.append(name)
        gate.leave()

    first = asyncio.create_task(request("first"))
    await settle()
    gate.leave()  # handed to "first", not freed
    late = asyncio.create_task(request("late"))
    await asyncio.gather(first, late)
    assert admitted == ["first", "late"]


async def test_a_request_that_waits_past_its_patience_is_shed() -> None:
    gate = AdmissionGate(1, 0.05)
    await gate.enter()
    with pytest.raises(StorageOverloaded, match=r"0\.05 s") as shed:
        await gate.enter()
    assert isinstance(shed.value, StorageUnavailable), "shed requests may be retried"
    assert gate.waiting == 0
    # The shed request took no place: the one held is the only one taken.
    gate.leave()
    await gate.enter()
    gate.leave()


async def test_a_shed_waiter_is_skipped_and_the_next_one_gets_the_place() -> None:
    gate = AdmissionGate(1, PATIENT)
    await gate.enter()
    impatient = asyncio.create_task(gate.enter())
    await settle()
    patient = asyncio.create_task(gate.enter())
    await settle()
    impatient.cancel()  # as a client that gave up, or a deadline, would
    await settle()
    gate.leave()
    await asyncio.wait_for(patient, PATIENT)
    assert impatient.cancelled()
    gate.leave()


async def test_a_place_granted_to_a_waiter_cancelled_meanwhile_is_passed_on() -> None:
    gate = AdmissionGate(1, PATIENT)
    await gate.enter()
    first = asyncio.create_task(gate.enter())
    await settle()
    second = asyncio.create_task(gate.enter())
    await settle()
    gate.leave()  # "first" is granted the place ...
    first.cancel()  # ... and cancelled before it ran: the place must not be lost
    await settle()
    await asyncio.wait_for(second, PATIENT)
    assert first.cancelled()
    gate.leave()
    await asyncio.wait_for(gate.enter(), PATIENT)  # and nothing leaked either way


async def test_the_context_manager_gives_the_place_back_on_error() -> None:
    gate = AdmissionGate(1, 0.05)
    with pytest.raises(RuntimeError):
        async with gate.admitted():
            raise RuntimeError("the work failed")
    async with gate.admitted():
        assert gate.waiting == 0


def test_a_gate_needs_a_place() -> None:
    with pytest.raises(ValueError, match="at least one"):
        AdmissionGate(0, 1.0)
