"""Archive, restore, delete and copy: the lifecycle of classes, challenges and teams
(issue 10, item 11), and the archive page every home links to."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from cbl.accounts.models import Role
from cbl.errors import ValidationFailed
from cbl.extensions import db
from cbl.formtools import EmptyForm, choices
from cbl.permissions import (can_change_classroom, can_manage_classroom, get_visible, member_team_ids,
                             visible_challenges, visible_classrooms, visible_projects, visible_teams)
from cbl.projects import lifecycle, queries
from cbl.projects.blueprint import bp
from cbl.projects.forms import CopyChallengeForm
from cbl.projects.models import Challenge, Project
from cbl.teams.models import Classroom, Team


# --- the archive page ----------------------------------------------------------------------

@bp.get("/archive")
@login_required
def archive():
    """What was archived and is still readable: classes, challenges and teams for the people
    who manage them (with restore and delete), the archived projects of a student's teams or
    a partner's invitations."""
    classrooms = db.session.scalars(visible_classrooms(current_user).where(Classroom.archived.is_(True))
                                    .order_by(Classroom.name)).all()
    challenges, teams, projects = [], [], []
    if current_user.role in (Role.TEACHER, Role.ADMIN, Role.SCHOOL_ADMIN):
        active = Classroom.archived.is_(False)
        challenges = db.session.scalars(
            visible_challenges(current_user).join(Classroom, Classroom.id == Challenge.classroom_id)
            .where(Challenge.archived.is_(True), active)
            .options(joinedload(Challenge.classroom), selectinload(Challenge.projects).joinedload(Project.team))
            .order_by(Classroom.name, Challenge.title)).unique().all()
        teams = db.session.scalars(
            visible_teams(current_user).join(Classroom, Classroom.id == Team.classroom_id)
            .where(Team.archived.is_(True), active)
            .options(joinedload(Team.classroom), selectinload(Team.projects).joinedload(Project.challenge))
            .order_by(Classroom.name, Team.name)).unique().all()
    else:
        stmt = visible_projects(current_user).where(Project.id.in_(queries.archived_project_ids()))
        if current_user.role is Role.STUDENT:
            stmt = stmt.where(Project.team_id.in_(member_team_ids(current_user)))
        projects = db.session.scalars(stmt.options(*queries.project_options())).unique().all()
    return render_template("projects/archive.html", classrooms=classrooms, challenges=challenges, teams=teams,
                           projects=projects)


# --- archive, restore, delete --------------------------------------------------------------

def _load(kind: str, object_id: int):
    """The class, challenge or team if the visitor may manage it (404 when invisible, 403
    otherwise). A challenge or team of an archived class waits for the class's restoring."""
    if kind == "classroom":
        obj = get_visible(visible_classrooms(current_user), Classroom, object_id)
        allowed = can_manage_classroom(current_user, obj)
    else:
        model, stmt = (Challenge, visible_challenges) if kind == "challenge" else (Team, visible_teams)
        obj = get_visible(stmt(current_user), model, object_id)
        allowed = can_change_classroom(current_user, obj.classroom)
    if not allowed:
        abort(403)
    return obj


def _back(obj) -> str:
    classroom_id = obj.id if isinstance(obj, Classroom) else obj.classroom_id
    return url_for("teams.classroom", classroom_id=classroom_id)


ARCHIVED_MESSAGES = {
    "classroom": lambda name: _("Class “%(name)s” is archived: it left the homes and stays readable here. "
                                "Restore it at any time.", name=name),
    "challenge": lambda name: _("Challenge “%(name)s” is archived: it left the board and stays readable in the "
                                "archive.", name=name),
    "team": lambda name: _("Team %(name)s is archived: it left the board and stays readable in the archive.",
                           name=name),
}


def _set_archived(kind: str, object_id: int, archived: bool):
    obj = _load(kind, object_id)
    if EmptyForm().validate_on_submit():
        lifecycle.set_archived(obj, archived, current_user)
        name = lifecycle.label_of(obj)
        if archived:
            flash(ARCHIVED_MESSAGES[kind](name), "success")
        else:
            flash(_("“%(name)s” is restored.", name=name), "success")
    return redirect(_back(obj))


def _delete(kind: str, object_id: int):
    obj = _load(kind, object_id)
    back = _back(obj)
    if EmptyForm().validate_on_submit():
        name = lifecycle.label_of(obj)
        try:
            lifecycle.delete(obj, current_user)
        except ValidationFailed as err:
            flash(str(err), "error")
        else:
            flash(_("“%(name)s” is deleted.", name=name), "success")
            if kind == "classroom":
                back = url_for("projects.home")
    return redirect(back)


@bp.post("/classes/<int:classroom_id>/archive")
@login_required
def archive_classroom(classroom_id: int):
    return _set_archived("classroom", classroom_id, True)


@bp.post("/classes/<int:classroom_id>/restore")
@login_required
def restore_classroom(classroom_id: int):
    return _set_archived("classroom", classroom_id, False)


@bp.post("/classes/<int:classroom_id>/delete")
@login_required
def delete_classroom(classroom_id: int):
    return _delete("classroom", classroom_id)


@bp.post("/challenges/<int:challenge_id>/archive")
@login_required
def archive_challenge(challenge_id: int):
    return _set_archived("challenge", challenge_id, True)


@bp.post("/challenges/<int:challenge_id>/restore")
@login_required
def restore_challenge(challenge_id: int):
    return _set_archived("challenge", challenge_id, False)


@bp.post("/challenges/<int:challenge_id>/delete")
@login_required
def delete_challenge(challenge_id: int):
    return _delete("challenge", challenge_id)


@bp.post("/teams/<int:team_id>/archive")
@login_required
def archive_team(team_id: int):
    return _set_archived("team", team_id, True)


@bp.post("/teams/<int:team_id>/restore")
@login_required
def restore_team(team_id: int):
    return _set_archived("team", team_id, False)


@bp.post("/teams/<int:team_id>/delete")
@login_required
def delete_team(team_id: int):
    return _delete("team", team_id)


# --- copying a challenge -------------------------------------------------------------------

@bp.route("/challenges/<int:challenge_id>/copy", methods=["GET", "POST"])
@login_required
def copy_challenge(challenge_id: int):
    """Copy a challenge (an archived one too) into a class the visitor manages."""
    challenge = get_visible(visible_challenges(current_user), Challenge, challenge_id)
    if not can_manage_classroom(current_user, challenge.classroom):
        abort(403)
    targets = {c.id: c for c in db.session.scalars(select(Classroom).where(
        Classroom.id.in_(visible_classrooms(current_user).with_only_columns(Classroom.id)),
        Classroom.archived.is_(False)).order_by(Classroom.name))}
    form = CopyChallengeForm()
    form.classroom.choices = choices((c.id, f"{c.name} ({c.term})" if c.term else c.name) for c in targets.values())
    duplicate = None
    if form.validate_on_submit():
        target = targets[form.classroom.data]
        if not form.confirm_duplicate.data and lifecycle.challenge_title_taken(target.id, challenge.title):
            duplicate = _("%(name)s already has a challenge called “%(title)s”. Tick the box below and copy again "
                          "to keep the name anyway.", name=target.name, title=challenge.title)
        else:
            copy = lifecycle.copy_challenge(challenge, target, current_user)
            flash(_("“%(title)s” is copied into %(name)s: every team of that class has its project.",
                    title=copy.title, name=target.name), "success")
            return redirect(url_for("teams.classroom", classroom_id=target.id))
    return render_template("projects/copy_challenge.html", form=form, challenge=challenge, duplicate=duplicate), \
        400 if form.errors else 200
