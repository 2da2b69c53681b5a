"""The tables the benchmark prints, in Markdown so that the README can show them as they are."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final

from bench.session import Result

COLUMNS: Final = (
    "scenario",
    "server",
    "req/s",
    "p50 ms",
    "p99 ms",
    "errors",
    "req/s ÷ floor",
    "p99 ÷ floor",
    "server CPU µs/req",
    "PG CPU µs/req",
    "new PG sessions",
    "RSS MB",
    "other CPU %",
)


def _number(value: float | None, digits: int = 0) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def _ratio(value: float, floor: float | None) -> str:
    return "-" if not floor else f"{value / floor:.2f}×"


def _row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def table(results: Sequence[Result]) -> str:
    """One row per scenario and server; the service's ratios are to the floor's row."""
    floors = {r.scenario: r for r in results if r.server == "floor"}
    lines = [_row(COLUMNS), _row(["---", "---", *["---:"] * (len(COLUMNS) - 2)])]
    for result in results:
        floor = floors.get(result.scenario)
        measured = result.load
        seconds = measured.seconds or 1.0
        errors = f"{measured.errors}" + (
            f" (last {measured.last_bad_status})" if measured.last_bad_status else ""
        )
        lines.append(
            _row(
                [
                    result.scenario,
                    result.server,
                    _number(measured.rate),
                    _number(measured.p50_ms, 1),
                    _number(measured.p99_ms, 1),
                    errors,
                    _ratio(measured.rate, floor.load.rate if floor else None),
                    _ratio(measured.p99_ms, floor.load.p99_ms if floor else None),
                    _number(result.per_request(result.server_cpu)),
                    _number(result.per_request(result.database.cpu)),
                    str(result.database.new_sessions),
                    _number(None if result.rss is None else result.rss / 2**20),
                    _number(None if result.other_cpu is None else result.other_cpu / seconds * 100),
                ]
            )
        )
    return "\n".join(lines)


GROWTH_COLUMNS: Final = (
    "scenario",
    "server",
    "rows",
    "p50 ms",
    "PG CPU µs/req",
    "p50 ÷ first",
    "PG CPU ÷ first",
)


def growth(results: Mapping[int, Sequence[Result]]) -> str:
    """How the cost of each scenario grows with the rows: p50 and PostgreSQL CPU per request."""
    sizes = sorted(results)
    lines = [_row(GROWTH_COLUMNS), _row(["---", "---", *["---:"] * (len(GROWTH_COLUMNS) - 2)])]
    first = {(r.scenario, r.server): r for r in results[sizes[0]]}
    for size in sizes:
        for result in results[size]:
            base = first.get((result.scenario, result.server))
            cpu = result.per_request(result.database.cpu)
            base_cpu = None if base is None else base.per_request(base.database.cpu)
            lines.append(
                _row(
                    [
                        result.scenario,
                        result.server,
                        f"{size:,}",
                        _number(result.load.p50_ms, 1),
                        _number(cpu),
                        _ratio(result.load.p50_ms, base.load.p50_ms if base else None),
                        "-" if cpu is None else _ratio(cpu, base_cpu),
                    ]
                )
            )
    return "\n".join(lines)
