"""Contains all the data models used in inputs/outputs"""

from .account_out import AccountOut
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
from .revoke_form import RevokeForm
from .sign_up import SignUp
from .task_create import TaskCreate
from .task_out import TaskOut
from .task_page import TaskPage
from .task_patch import TaskPatch
from .token_form import TokenForm
from .token_response import TokenResponse
from .validation_problem import ValidationProblem

__all__ = (
    "AccountOut",
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
    "RevokeForm",
    "SignUp",
    "TaskCreate",
    "TaskOut",
    "TaskPage",
    "TaskPatch",
    "TokenForm",
    "TokenResponse",
    "ValidationProblem",
)
