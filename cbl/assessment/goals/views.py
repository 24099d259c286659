"""Learning goal pages: a student's goals in a class and the teacher's overview, a goal with
its evidence and notes, and the changes the student (and, for comments, the teacher) makes.
Routes register on the assessment blueprint; admins read only.

Goals load through ``visible_goals`` (others' goals answer 404); a goal its reader may not
change answers 403 to the change."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from cbl.accounts.models import Role
from cbl.assessment.goals import services
from cbl.assessment.access import visible_goals
from cbl.assessment.blueprint import bp
from cbl.assessment.goals.forms import (STATUS_LABELS, EvidenceForm, GoalCommentForm, GoalForm, ProgressForm,
                                       StatusForm)
from cbl.assessment.models import GoalStatus, LearningGoal
from cbl.competencies.queries import class_competency_choices
from cbl.errors import EditConflict, Forbidden, NotFound, ValidationFailed
from cbl.extensions import db
from cbl.formtools import EmptyForm, choices
from cbl.permissions import get_visible, show_full_names_of, visible_classrooms
from cbl.portfolio.models import Entry
from cbl.teams.models import Classroom

MAX_CHOICES = 300  # entries offered as evidence, newest first


# --- loading -------------------------------------------------------------------------------

def load_classroom(classroom_id: int) -> Classroom:
    return get_visible(visible_classrooms(current_user), Classroom, classroom_id)


def load_goal(goal_id: int) -> LearningGoal:
    """The goal if the visitor may read it, else 404."""
    return get_visible(visible_goals(current_user).options(*services.goal_options()), LearningGoal, goal_id)


def load_editable_goal(goal_id: int) -> LearningGoal:
    """The goal if the visitor is its student: 404 when invisible, 403 when read-only."""
    goal = load_goal(goal_id)
    if not services.can_edit_goal(current_user, goal):
        abort(403, _("Only the student who set this goal can change it."))
    return goal


def _goal_form(classroom_id: int, keep_id: int | None = None, **kwargs) -> GoalForm:
    """The goal form, offering the competencies of the class's frameworks (and the goal's own,
    if it is no longer offered)."""
    form = GoalForm(**kwargs)
    form.set_choices(class_competency_choices(classroom_id, keep_id))
    return form


def _fields(form: GoalForm) -> services.GoalFields:
    return services.GoalFields(title=form.title.data or "", description=form.description.data or "",
                               competency_id=form.competency.data or None, target_date=form.target_date.data)


def _refused(form, err: ValidationFailed, default: str) -> None:
    field = getattr(form, err.field or default, None) or getattr(form, default)
    field.errors = [*field.errors, str(err)]


# --- a class's goals -----------------------------------------------------------------------

def render_student_goals(classroom: Classroom, form: GoalForm | None = None, status: int = 200):
    goals = services.student_goals(current_user, classroom.id)
    return render_template("assessment/goals/mine.html", classroom=classroom, goals=goals,
                           facts=services.progress_by_goal([g.id for g in goals]),
                           form=form or _goal_form(classroom.id, formdata=None), status_labels=STATUS_LABELS), status


@bp.get("/classes/<int:classroom_id>/goals")
@login_required
def goals(classroom_id: int):
    """A student's goals in the class with a form for a new one; for the class's teachers
    (and admins) every student's active goals and last progress."""
    classroom = load_classroom(classroom_id)
    if current_user.role is Role.STUDENT:
        return render_student_goals(classroom)
    rows, facts = services.class_overview(current_user, classroom)
    return render_template("assessment/goals/overview.html", classroom=classroom, rows=rows, facts=facts)


@bp.post("/classes/<int:classroom_id>/goals")
@login_required
def goal_create(classroom_id: int):
    classroom = load_classroom(classroom_id)
    if not services.can_set_goals(current_user, classroom):
        abort(403, _("Only the class's students set learning goals here."))
    form = _goal_form(classroom.id)
    if form.validate_on_submit():
        try:
            goal = services.create_goal(current_user, classroom, _fields(form))
        except ValidationFailed as err:
            _refused(form, err, "title")
        else:
            flash(_("Goal set. Link the entries that show your progress, and note how it goes."), "success")
            return redirect(url_for("assessment.goal", goal_id=goal.id))
    return render_student_goals(classroom, form, 400)


# --- one goal ------------------------------------------------------------------------------

def _evidence_choices(form: EvidenceForm, goal: LearningGoal) -> None:
    candidates = services.evidence_candidates(current_user, goal).with_only_columns(Entry.id, Entry.title)
    rows = db.session.execute(candidates.order_by(Entry.created_at.desc(), Entry.id.desc()).limit(MAX_CHOICES))
    form.entry.choices = choices([(0, _("Choose an entry")), *((row.id, row.title) for row in rows)])


def render_goal(goal: LearningGoal, status: int = 200, **forms):
    """The goal page; ``forms`` replace the blank forms after a refused change."""
    owner = services.can_edit_goal(current_user, goal)
    note_form = forms.get("note_form")
    if note_form is None and services.can_note_goal(current_user, goal):
        note_form = (ProgressForm if owner else GoalCommentForm)(formdata=None)
    evidence_form = None
    if owner:
        evidence_form = forms.get("evidence_form") or EvidenceForm(formdata=None)
        _evidence_choices(evidence_form, goal)
    classroom = db.session.get(Classroom, goal.classroom_id)
    show_full_names_of(classroom)
    return render_template("assessment/goals/detail.html", goal=goal, classroom=classroom, owner=owner,
                           evidence=services.evidence_entries(current_user, goal), note_form=note_form,
                           evidence_form=evidence_form, status_form=forms.get("status_form"),
                           goal_statuses=list(GoalStatus), status_labels=STATUS_LABELS,
                           empty=EmptyForm(formdata=None)), status


@bp.get("/goals/<int:goal_id>")
@login_required
def goal(goal_id: int):
    """A goal: what it is, its evidence, the student's progress notes and the teachers' comments."""
    return render_goal(load_goal(goal_id))


@bp.route("/goals/<int:goal_id>/edit", methods=["GET", "POST"])
@login_required
def goal_edit(goal_id: int):
    goal = load_editable_goal(goal_id)
    form = _goal_form(goal.classroom_id, goal.competency_id, obj=goal)
    if request.method == "GET":
        form.competency.data = goal.competency_id or 0
    conflict = None
    if form.validate_on_submit():
        try:
            services.update_goal(goal, current_user, _fields(form), form.version.data)
        except ValidationFailed as err:
            _refused(form, err, "title")
        except EditConflict as err:
            conflict = err
            form.version.data, form.version.raw_data = err.current_version, [str(err.current_version)]
        else:
            flash(_("Goal saved."), "success")
            return redirect(url_for("assessment.goal", goal_id=goal.id))
    status = 409 if conflict else (400 if request.method == "POST" else 200)
    return render_template("assessment/goals/edit.html", goal=goal, form=form, conflict=conflict), status


@bp.post("/goals/<int:goal_id>/status")
@login_required
def goal_status(goal_id: int):
    goal = load_editable_goal(goal_id)
    form = StatusForm()
    if not form.validate_on_submit():
        return render_goal(goal, 400, status_form=form)
    services.set_status(goal, current_user, GoalStatus(form.status.data))
    flash({GoalStatus.ACHIEVED: _("Well done: the goal is marked achieved."),
           GoalStatus.SET_ASIDE: _("The goal is set aside. You can take it up again at any time."),
           GoalStatus.ACTIVE: _("You are working on this goal again.")}[goal.status], "success")
    return redirect(url_for("assessment.goal", goal_id=goal.id))


@bp.post("/goals/<int:goal_id>/evidence")
@login_required
def goal_evidence_add(goal_id: int):
    goal = load_editable_goal(goal_id)
    form = EvidenceForm()
    if form.validate_on_submit():
        try:
            services.add_evidence(goal, current_user, form.entry.data)
        except ValidationFailed as err:
            _refused(form, err, "entry")
        else:
            flash(_("Entry linked as evidence."), "success")
            return redirect(url_for("assessment.goal", goal_id=goal.id, _anchor="evidence"))
    return render_goal(goal, 400, evidence_form=form)


@bp.post("/goals/<int:goal_id>/evidence/<int:entry_id>/remove")
@login_required
def goal_evidence_remove(goal_id: int, entry_id: int):
    goal = load_editable_goal(goal_id)
    if EmptyForm().validate_on_submit():
        try:
            services.remove_evidence(goal, current_user, entry_id)
        except NotFound:
            abort(404)
        flash(_("The entry is no longer linked to this goal. The entry itself stays in the portfolio."), "success")
    return redirect(url_for("assessment.goal", goal_id=goal.id, _anchor="evidence"))


@bp.post("/goals/<int:goal_id>/notes")
@login_required
def goal_note(goal_id: int):
    """The student records progress; a teacher of the class comments (the student is told)."""
    goal = load_goal(goal_id)
    if not services.can_note_goal(current_user, goal):
        abort(403, _("You can't add notes to this goal."))
    owner = services.can_edit_goal(current_user, goal)
    form = (ProgressForm if owner else GoalCommentForm)()
    if form.validate_on_submit():
        try:
            note = services.add_note(goal, current_user, form.body.data)
        except ValidationFailed as err:
            _refused(form, err, "body")
        except Forbidden:
            abort(403, _("You can't add notes to this goal."))
        else:
            flash(_("Progress noted.") if owner else _("Comment posted: the student is told."), "success")
            return redirect(url_for("assessment.goal", goal_id=goal.id, _anchor=f"note-{note.id}"))
    return render_goal(goal, 400, note_form=form)


# --- on other areas' pages -----------------------------------------------------------------

def goals_for(student, classroom) -> list[LearningGoal]:
    """For templates (the competency profile's goals panel): the student's active goals in
    the class, as far as the visitor may read them. Takes objects or ids; nothing for
    missing values."""
    student_id = getattr(student, "id", student)
    classroom_id = getattr(classroom, "id", classroom)
    if not isinstance(student_id, int) or not isinstance(classroom_id, int):
        return []
    return services.active_goals(current_user, student_id, classroom_id)


@bp.record_once
def _register_template_helpers(state) -> None:
    state.app.jinja_env.globals.update(goals_for=goals_for, can_edit_goal=services.can_edit_goal)
