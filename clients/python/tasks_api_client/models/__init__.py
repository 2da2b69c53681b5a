"""Contains all the data models used in inputs/outputs"""

from .account_out import AccountOut
from .body_issue_token import BodyIssueToken
from .body_revoke_token import BodyRevokeToken
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
from .sign_up import SignUp
from .task_create import TaskCreate
from .task_out import TaskOut
from .task_page import TaskPage
from .task_patch import TaskPatch
from .token_response import TokenResponse
from .validation_problem import ValidationProblem

__all__ = (
    "AccountOut",
    "BodyIssueToken",
    "BodyRevokeToken",
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
    "SignUp",
    "TaskCreate",
    "TaskOut",
    "TaskPage",
    "TaskPatch",
    "TokenResponse",
    "ValidationProblem",
)
