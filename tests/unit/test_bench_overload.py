"""The overload mode's tables and its reading of issue #10's targets (pure formatting, no I/O)."""

from __future__ import annotations

from bench.cpu import DatabaseUse
from bench.load import Load
from bench.overload import table, targets
from bench.session import Result


def result(connections: int, rate: float, p99_ms: float, errors: int = 0) -> Result:
    figures = Load(
        responses=int(rate * 10),
        errors=errors,
        seconds=10.0,
        p50_ms=p99_ms / 2,
        p99_ms=p99_ms,
        last_bad_status=503 if errors else None,
        client_cpu=0.0,
        p90_ms=p99_ms * 0.8,
    )
    return Result("get", "service", connections, figures, None, DatabaseUse(None, 0), None, None)


def test_the_targets_compare_each_burst_with_the_calm_run_and_a_fair_queue() -> None:
    runs = [
        result(32, 1000, 50),
        result(256, 950, 600),
        result(1024, 800, 4500),
        result(32, 990, 60),
    ]

    lines = targets(runs).splitlines()

    # 3 * 256 / 950 = 0.81 s; 3 * 1,024 / 800 = 3.84 s.
    assert lines == [
        "256 connections: throughput 95% of 32's (target 90 %), p99 600.0 ms against a fair "
        "queue's 3 × connections ÷ throughput = 808.4 ms",
        "1,024 connections: throughput 80% of 32's (target 90 %), p99 4.50 s against a fair "
        "queue's 3 × connections ÷ throughput = 3.84 s",
    ]


def test_the_targets_count_only_successful_answers_as_throughput() -> None:
    runs = [result(32, 100, 50), result(256, 100, 600), result(1024, 100, 2000, errors=500)]

    shed_half = targets([*runs, result(32, 100, 50)]).splitlines()[1]

    assert shed_half.startswith("1,024 connections: throughput 50% of 32's"), shed_half
    assert shed_half.endswith("= 61.44 s"), "3 x 1,024 / 50 answers a second"


def test_the_table_names_the_last_bad_status_with_the_errors() -> None:
    rows = table([("1,024 connections", result(1024, 800, 4500, errors=7))]).splitlines()

    assert rows[2] == "| 1,024 connections | 800 | 2.25 s | 3.60 s | 4.50 s | 7 (last status 503) |"
