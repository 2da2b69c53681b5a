"""The standard mode's choice among repeated runs (pure, no I/O)."""

from __future__ import annotations

from bench.cpu import DatabaseUse
from bench.load import Load
from bench.session import Result
from bench.standard import median_run


def run(server: str, rate: float) -> Result:
    figures = Load(
        responses=int(rate * 10),
        errors=0,
        seconds=10.0,
        p50_ms=1.0,
        p99_ms=2.0,
        last_bad_status=None,
        client_cpu=0.0,
    )
    return Result("get", server, 32, figures, None, DatabaseUse(None, 0), None, None)


def test_each_server_is_shown_by_its_own_median_run() -> None:
    runs = [
        run("service", 900),
        run("floor", 5000),
        run("floor", 4000),
        run("service", 1200),
        run("service", 1000),
        run("floor", 4500),
    ]

    assert median_run(runs, "service").load.rate == 1000
    assert median_run(runs, "floor").load.rate == 4500


def test_of_an_even_count_the_lower_middle_run_is_shown() -> None:
    runs = [run("service", 1000), run("service", 800)]

    assert median_run(runs, "service").load.rate == 800


def test_a_single_run_is_shown_as_it_is() -> None:
    only = run("service", 1000)

    assert median_run([only, run("floor", 5000)], "service") is only
