"""The audit log in words: how the objects of the lower areas (projects, entries, classes,
people) and of feedback (comments, invitations) are named, and their details told."""

import re

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from cbl import audit
from cbl.accounts.models import User
from cbl.extensions import db
from cbl.feedback.comments import visible_comments
from cbl.feedback.models import Comment, Invitation
from cbl.notifications import site_path
from cbl.permissions import (can_manage_classroom, guest_label, visible_challenges, visible_classrooms, visible_entries,
                             visible_projects, visible_teams)
from cbl.portfolio.models import Entry
from cbl.projects.models import Challenge, Project
from cbl.teams.models import Classroom, Team


def _project_name(project: Project) -> str:
    return f"{project.challenge.title} · {project.team.name}"


@audit.object_namer("project")
def _projects(reader: User, ids: list[int]) -> dict[int, tuple[str, str | None]]:
    projects = db.session.scalars(visible_projects(reader).where(Project.id.in_(ids)).options(
        joinedload(Project.team), joinedload(Project.challenge)))
    return {p.id: (_("project %(name)s", name=_project_name(p)), site_path("projects.detail", project_id=p.id))
            for p in projects}


@audit.object_namer("entry")
def _entries(reader: User, ids: list[int]) -> dict[int, tuple[str, str | None]]:
    entries = db.session.scalars(visible_entries(reader).where(Entry.id.in_(ids)))
    return {e.id: (_("entry “%(title)s”", title=e.title), site_path("portfolio.detail", entry_id=e.id))
            for e in entries}


@audit.object_namer("classroom")
def _classrooms(reader: User, ids: list[int]) -> dict[int, tuple[str, str | None]]:
    classrooms = db.session.scalars(visible_classrooms(reader).where(Classroom.id.in_(ids)))
    return {c.id: (_("class %(name)s", name=c.name), site_path("teams.classroom", classroom_id=c.id))
            for c in classrooms}


# Teams and challenges (archived, restored or deleted: cbl/projects/lifecycle.py) are listed
# on their class's page, archived ones included; a deleted one keeps its name in the details.
@audit.object_namer("team")
def _teams(reader: User, ids: list[int]) -> dict[int, tuple[str, str | None]]:
    teams = db.session.scalars(visible_teams(reader).where(Team.id.in_(ids)))
    return {t.id: (_("team %(name)s", name=t.name), site_path("teams.classroom", classroom_id=t.classroom_id))
            for t in teams}


@audit.object_namer("challenge")
def _challenges(reader: User, ids: list[int]) -> dict[int, tuple[str, str | None]]:
    challenges = db.session.scalars(visible_challenges(reader).where(Challenge.id.in_(ids)))
    return {c.id: (_("challenge “%(title)s”", title=c.title), site_path("teams.classroom", classroom_id=c.classroom_id))
            for c in challenges}


@audit.object_namer("user")
def _users(reader: User, ids: list[int]) -> dict[int, tuple[str, str | None]]:
    return {user_id: (name, None) for user_id, name in db.session.execute(
        select(User.id, User.display_name).where(User.id.in_(ids)))}


@audit.object_namer("comment")
def _comments(reader: User, ids: list[int]) -> dict[int, tuple[str, str | None]]:
    """Every comment of the reader's log is named; the link only where they may read it (a
    hidden comment is read by nobody)."""
    readable = set(db.session.scalars(visible_comments(reader).with_only_columns(Comment.id)
                                      .where(Comment.id.in_(ids))))
    comments = db.session.scalars(select(Comment).where(Comment.id.in_(ids)).options(
        joinedload(Comment.author), joinedload(Comment.project).joinedload(Project.team),
        joinedload(Comment.project).joinedload(Project.challenge)))
    return {c.id: (_("comment by %(person)s on %(project)s", person=guest_label(c.author) if c.author else "?",
                     project=_project_name(c.project)),
                   site_path("feedback.project_feedback", project_id=c.project_id,
                             _anchor=f"comment-{c.parent_id or c.id}") if c.id in readable else None)
            for c in comments}


@audit.object_namer("invitation")
def _invitations(reader: User, ids: list[int]) -> dict[int, tuple[str, str | None]]:
    invitations = db.session.scalars(select(Invitation).where(
        Invitation.id.in_(ids), Invitation.classroom_id.in_(visible_classrooms(reader).with_only_columns(Classroom.id)))
        .options(joinedload(Invitation.classroom)))
    named = {}
    for invitation in invitations:
        classroom = invitation.classroom
        url = (site_path("feedback.classroom_invitations", classroom_id=classroom.id)
               if can_manage_classroom(reader, classroom) else None)
        named[invitation.id] = (_("invitation of %(email)s", email=invitation.email), url)
    return named


def _kind(value: str) -> str:
    return {"partner": _("community partner"), "family": _("family")}[value.strip()]


@audit.detail_words(audit.Action.INVITATION_SENT)
def _invitation_sent(detail: str) -> str:
    kind, email = detail.split(":", 1)
    return _("As %(kind)s: %(email)s", kind=_kind(kind), email=email.strip())


@audit.detail_words(audit.Action.PARTNER_REFUSED)
def _refused(detail: str) -> str:
    code, method, path = re.fullmatch(r"(\d{3}) ([A-Z]+) (\S+)", detail).groups()
    if code == "403":
        return _("Tried to do what a guest may not (%(method)s %(path)s).", method=method, path=path)
    return _("Asked for a page they may not see (%(method)s %(path)s).", method=method, path=path)
