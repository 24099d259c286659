"""Extension points for the areas above projects (portfolio, feedback, assessment).

Dependencies point one way, so the project page cannot import what those areas show on
it. Instead each area registers a function that, given the project, returns extra
template variables; the project page calls them all. Each function must run a fixed,
small number of queries."""

from typing import Callable

from cbl.projects.models import Project

# Called as function(project, **known): ``known`` holds what the page already worked out
# (``member``: the visitor is on the team; ``teacher``: the visitor teaches the class;
# ``shown_phase``), so extras need not ask again.
ProjectPageExtra = Callable[..., dict]
_project_page_extras: list[ProjectPageExtra] = []


def project_page_extra(function: ProjectPageExtra) -> ProjectPageExtra:
    """Register ``function`` (a decorator); registering twice is harmless."""
    if function not in _project_page_extras:
        _project_page_extras.append(function)
    return function


def project_page_context(project: Project, **known) -> dict:
    context: dict = {}
    for function in _project_page_extras:
        context.update(function(project, **known))
    return context


# The entry page (portfolio): function(entry) -> dict.
_entry_page_extras: list[Callable[..., dict]] = []


def entry_page_extra(function: Callable[..., dict]) -> Callable[..., dict]:
    """Register extra template variables for a portfolio entry's page (a decorator)."""
    if function not in _entry_page_extras:
        _entry_page_extras.append(function)
    return function


def entry_page_context(entry, **known) -> dict:
    context: dict = {}
    for function in _entry_page_extras:
        context.update(function(entry, **known))
    return context


# The class board and the teacher's and partner's homes: function(classroom=…) /
# function(user=…) / function(user=…, projects=…) -> dict.
_board_extras: list[Callable[..., dict]] = []
_teacher_home_extras: list[Callable[..., dict]] = []
_partner_home_extras: list[Callable[..., dict]] = []


def partner_home_extra(function: Callable[..., dict]) -> Callable[..., dict]:
    """Register extra template variables for a partner's home page (a decorator)."""
    if function not in _partner_home_extras:
        _partner_home_extras.append(function)
    return function


def partner_home_context(**known) -> dict:
    context: dict = {}
    for function in _partner_home_extras:
        context.update(function(**known))
    return context


def board_extra(function: Callable[..., dict]) -> Callable[..., dict]:
    """Register extra template variables for the class board (a decorator)."""
    if function not in _board_extras:
        _board_extras.append(function)
    return function


def teacher_home_extra(function: Callable[..., dict]) -> Callable[..., dict]:
    """Register extra template variables for the teacher's home page (a decorator)."""
    if function not in _teacher_home_extras:
        _teacher_home_extras.append(function)
    return function


def board_context(**known) -> dict:
    context: dict = {}
    for function in _board_extras:
        context.update(function(**known))
    return context


def teacher_home_context(**known) -> dict:
    context: dict = {}
    for function in _teacher_home_extras:
        context.update(function(**known))
    return context


# Student work (issue 10, item 11): a class, challenge or team is deleted only while none of
# its projects holds any. Areas above projects register function(project_ids, classroom_ids)
# -> bool, both arguments ``select`` statements of ids; True means work exists.
_student_work_checks: list[Callable[..., bool]] = []


def student_work_check(function: Callable[..., bool]) -> Callable[..., bool]:
    """Register a check for student work in the projects (a decorator)."""
    if function not in _student_work_checks:
        _student_work_checks.append(function)
    return function


def any_student_work(project_ids, classroom_ids) -> bool:
    return any(function(project_ids, classroom_ids) for function in _student_work_checks)


# Copying a challenge into another class: function(source, copy) copies what an area keeps
# about a challenge (its rubric and voices, its partner questions, …) inside the caller's
# transaction (flush only, no commit).
_challenge_copiers: list[Callable[..., None]] = []


def challenge_copier(function: Callable[..., None]) -> Callable[..., None]:
    """Register what to copy along with a challenge (a decorator)."""
    if function not in _challenge_copiers:
        _challenge_copiers.append(function)
    return function


def copy_challenge_extras(source, copy) -> None:
    for function in _challenge_copiers:
        function(source, copy)
