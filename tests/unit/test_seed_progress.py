"""How `tasks-api seed` shows its progress: a bar on a terminal, plain lines elsewhere."""

from __future__ import annotations

import io

from entrypoints.seed import BarProgress, LineProgress, progress_for


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_gets_a_bar_with_the_rows_written() -> None:
    screen = Terminal()

    progress = progress_for(screen)
    progress.start("tasks", 200)
    progress.advance(150)
    progress.advance(50)
    progress.finish()

    assert isinstance(progress, BarProgress)
    assert "tasks" in screen.getvalue()
    assert "200/200" in screen.getvalue()


def test_anything_else_gets_a_line_each_tenth() -> None:
    log = io.StringIO()

    progress = progress_for(log)
    progress.start("notes", 1000)
    for _ in range(40):
        progress.advance(25)
    progress.finish()

    assert isinstance(progress, LineProgress)
    assert log.getvalue().splitlines() == [
        f"notes: {done}/1000 ({done // 10}%)" for done in range(100, 1001, 100)
    ]
