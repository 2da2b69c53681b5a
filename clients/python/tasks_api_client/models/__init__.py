"""Contains all the data models used in inputs/outputs"""

from .field_problem import FieldProblem
from .health import Health
from .list_notes_sort import ListNotesSort
from .list_tasks_sort import ListTasksSort
from .note_create import NoteCreate
from .note_out import NoteOut
from .note_page import NotePage
from .note_patch import NotePatch
from .problem import Problem
from .problem_type import ProblemType
from .task_create import TaskCreate
from .task_out import TaskOut
from .task_page import TaskPage
from .task_patch import TaskPatch
from .validation_problem import ValidationProblem

__all__ = (
    "FieldProblem",
    "Health",
    "ListNotesSort",
    "ListTasksSort",
    "NoteCreate",
    "NoteOut",
    "NotePage",
    "NotePatch",
    "Problem",
    "ProblemType",
    "TaskCreate",
    "TaskOut",
    "TaskPage",
    "TaskPatch",
    "ValidationProblem",
)
