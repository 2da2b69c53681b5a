"""Property: for any data, sort and filters, walking every cursor page gives the sorted,
filtered list exactly, on every store."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from application.paging import ListRequest
from application.tasks import TaskService
from domain.task import Task, TaskFilters
from domain.text import fold
from support.arguments import FilterArguments
from support.clock import SteppingClock
from support.databases import Store
from support.owners import OWNER

SORTS = ["id", "-id", "created_at", "-created_at", "updated_at", "-updated_at", "title", "-title"]

rows = st.lists(
    st.tuples(
        st.text(alphabet="aAbé_%", min_size=1, max_size=3),  # few letters: many equal titles
        st.booleans(),
        st.sets(st.sampled_from(["x", "y", "z"])),
        st.booleans(),  # whether the clock moves before this row: equal timestamps otherwise
    ),
    max_size=25,
)
filters = st.fixed_dictionaries(
    {
        "q": st.none() | st.text(alphabet="aAbé_%", min_size=1, max_size=2),
        "done": st.none() | st.booleans(),
        "tags": st.lists(st.sampled_from(["x", "y", "z"]), max_size=2),
    }
)


def expected(
    tasks: list[Task],
    sort: str,
    q: str | None = None,
    done: bool | None = None,
    tags: Sequence[str] = (),
) -> list[int]:
    """The reference answer, from first principles."""
    descending, key = sort.startswith("-"), sort.lstrip("-")
    matching = [
        t
        for t in tasks
        if (q is None or fold(q) in fold(t.title))
        and (done is None or t.done == done)
        and set(tags) <= set(t.tags)
    ]
    matching.sort(key=lambda t: (getattr(t, key), t.id), reverse=descending)
    return [t.id for t in matching]


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=rows, sort=st.sampled_from(SORTS), chosen=filters, page_size=st.integers(1, 5))
async def test_walking_all_cursor_pages_equals_the_sorted_filtered_list(
    store: Store,
    tasks: TaskService,
    clock: SteppingClock,
    data: list[tuple[str, bool, set[str], bool]],
    sort: str,
    chosen: FilterArguments,
    page_size: int,
) -> None:
    await store.reset()
    clock.step = timedelta(0)
    created = []
    for title, done, tags, tick in data:
        if tick:
            clock.advance(timedelta(microseconds=1))
        created.append(
            (await tasks.create(OWNER, title=title, done=done, tags=sorted(tags))).resource
        )

    walked: list[int] = []
    cursor = None
    for _ in range(len(data) + 2):  # a walk that does not advance must fail, not hang
        page = await tasks.list(
            OWNER,
            TaskFilters.of(**chosen),
            ListRequest(limit=page_size, sort=sort, cursor=cursor),
        )
        assert len(page.items) <= page_size
        walked.extend(t.id for t in page.items)
        cursor = page.next_cursor
        if cursor is None:
            break
    else:
        raise AssertionError("the walk did not end")

    assert walked == expected(created, sort, **chosen)
