"""Rubric pages: the library, one rubric, the builder (new and edit), copy, delete, the CBL
starter rubric, and a challenge's assessment settings. Routes register on the assessment
blueprint.

Who may (DESIGN.md §1, §4; the rules are in :mod:`cbl.assessment.rubrics.services`): teachers and
admins read the library and every rubric, start new ones and copy any; the owner and admins
edit and delete; students and partners get 403. A challenge's assessment settings belong to
the teachers of its class (and admins, who manage classes): others get 404 or 403 as for the
challenge itself."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from cbl.accounts.models import Role
from cbl.assessment.grading.peer import peer_rubric_id
from cbl.assessment.rubrics import queries
from cbl.assessment.rubrics import services as rubrics
from cbl.assessment.blueprint import bp
from cbl.assessment.models import Rubric
from cbl.assessment.rubrics.forms import (ChallengeAssessmentForm, RubricForm, blank_rubric, competency_choices,
                                         form_data, parse_action)
from cbl.assessment.rubrics.grid import MAX_CRITERIA, MAX_LEVELS, RubricInvalid, format_points
from cbl.competencies.queries import class_framework_ids, default_framework_id, framework_choices, picker_of
from cbl.extensions import db
from cbl.errors import ValidationFailed
from cbl.formtools import EmptyForm, OnceEmptyForm
from cbl.paging import paginate
from cbl.permissions import (can_manage_classroom, get_visible, role_required, taught_classroom_ids,
                             visible_challenges)
from cbl.projects.models import Challenge

READERS = (Role.TEACHER, Role.ADMIN, Role.SCHOOL_ADMIN)


def _load(rubric_id: int) -> Rubric:
    rubric = queries.get_rubric(rubric_id)
    if rubric is None:
        abort(404)
    return rubric


def _editable(rubric_id: int) -> Rubric:
    rubric = _load(rubric_id)
    if not queries.can_edit_rubric(current_user, rubric):
        abort(403, _("You can't change this rubric."))
    return rubric


@bp.get("/rubrics")
@role_required(*READERS)
def rubric_library():
    """The library: the current version of every rubric (``?mine=1``: the visitor's own)."""
    mine = request.args.get("mine") == "1"
    page = paginate(queries.library(current_user if mine else None))
    return render_template("assessment/rubrics/library.html", page=page, mine=mine, empty=EmptyForm(),
                           challenge_counts=queries.challenge_counts([r.id for r in page.items]),
                           may_edit=lambda r: queries.can_edit_rubric(current_user, r), points=format_points)


@bp.get("/rubrics/<int:rubric_id>")
@role_required(*READERS)
def rubric_detail(rubric_id: int):
    """One rubric version: its grid, its versions and what uses it."""
    rubric = _load(rubric_id)
    return render_template("assessment/rubrics/detail.html", rubric=rubric, rows=queries.rubric_rows(rubric),
                           versions=queries.family_versions(rubric), usage=queries.usage(rubric),
                           may_edit=queries.can_edit_rubric(current_user, rubric), empty=EmptyForm(),
                           points=format_points)


def _grid_button(form: RubricForm) -> tuple[bool, list[str]]:
    """Apply an "Add …" or "Remove" button: whether one was pressed, and what to tell."""
    verb, index = parse_action(request.form.get("action"))
    if verb == "save":
        return False, []
    message = None
    if verb == "add_level":
        message = form.add_level()
    elif verb == "add_criterion":
        message = form.add_criterion()
    elif verb == "remove_level":
        form.remove_level(index)
    else:
        form.remove_criterion(index)
    return True, [message] if message else []


def _render_builder(form: RubricForm, rubric: Rubric | None, messages: list[str], status: int):
    return render_template("assessment/rubrics/builder.html", form=form, rubric=rubric, grid_errors=messages,
                           in_use=rubric is not None and queries.in_use_by_assessments(rubric),
                           max_levels=MAX_LEVELS, max_criteria=MAX_CRITERIA), status


def _builder_form(data: dict | None, rubric: Rubric | None = None) -> RubricForm:
    form = RubricForm() if request.method == "POST" else RubricForm(formdata=None, data=data)
    kept = [c.competency for c in rubric.criteria if c.competency is not None] if rubric is not None else []
    form.prepare(competency_choices(picker_of(_builder_framework_ids(), kept)))
    return form


def _builder_framework_ids() -> list[int]:
    """What the builder offers: a teacher the frameworks of the classes they teach (the
    default one when they teach none yet), an admin every framework."""
    if current_user.role in (Role.ADMIN, Role.SCHOOL_ADMIN):
        return [framework_id for framework_id, _title in framework_choices()]
    ids = class_framework_ids(db.session.scalars(taught_classroom_ids(current_user)).all())
    default = default_framework_id()
    return ids or ([default] if default is not None else [])


@bp.route("/rubrics/new", methods=["GET", "POST"])
@role_required(*READERS)
def rubric_new():
    """Build a rubric; "Add …" and "Remove" buttons re-show the grid with everything typed."""
    form = _builder_form(blank_rubric())
    if request.method == "GET":
        return _render_builder(form, None, [], 200)
    pressed, messages = _grid_button(form)
    if pressed:
        return _render_builder(form, None, messages, 200)
    if form.validate_on_submit():
        data, level_rows, criterion_rows = form.to_data()
        try:
            rubric = rubrics.create_rubric(data, current_user)
        except RubricInvalid as err:
            messages = form.show_problems(err.problems, level_rows, criterion_rows)
        else:
            flash(_("Rubric “%(title)s” saved.", title=rubric.title), "success")
            return redirect(url_for("assessment.rubric_detail", rubric_id=rubric.id))
    return _render_builder(form, None, messages, 400)


@bp.route("/rubrics/<int:rubric_id>/edit", methods=["GET", "POST"])
@role_required(*READERS)
def rubric_edit(rubric_id: int):
    """Edit the owner's rubric. Once assessments use it, saving makes a new version and the
    assessments keep theirs (see :func:`rubrics.update_rubric`)."""
    rubric = _editable(rubric_id)
    if rubric.superseded_at is not None:
        current = queries.current_version(rubric)
        if current is None:
            abort(404)
        if request.method == "GET":
            flash(_("That version was replaced: this is the current one."), "info")
            return redirect(url_for("assessment.rubric_edit", rubric_id=current.id))
        rubric = _load(current.id)  # the save below meets a newer version: refused, nothing lost
    form = _builder_form(form_data(rubrics.data_of(rubric)), rubric)
    if request.method == "GET":
        form.token.data = rubrics.edit_token(rubric)
        return _render_builder(form, rubric, [], 200)
    pressed, messages = _grid_button(form)
    if pressed:
        return _render_builder(form, rubric, messages, 200)
    if not form.validate_on_submit():
        return _render_builder(form, rubric, messages, 400)
    data, level_rows, criterion_rows = form.to_data()
    previous_id = rubric.id
    try:
        saved = rubrics.update_rubric(rubric, data, current_user, token=form.token.data or None)
    except RubricInvalid as err:
        return _render_builder(form, rubric, form.show_problems(err.problems, level_rows, criterion_rows), 400)
    except rubrics.RubricChanged as err:
        current = queries.current_version(_load(previous_id))
        if current is None:  # deleted meanwhile: the form now makes a new rubric
            return _render_builder(form, None, [str(err)], 409)
        form.token.data = rubrics.edit_token(current)
        return _render_builder(form, _load(current.id), [str(err)], 409)
    if saved.id != previous_id:
        flash(_("Saved as version %(new)d. Assessments made with version %(old)d keep it.",
                new=saved.version, old=saved.version - 1), "success")
    else:
        flash(_("Rubric saved."), "success")
    return redirect(url_for("assessment.rubric_detail", rubric_id=saved.id))


@bp.post("/rubrics/<int:rubric_id>/copy")
@role_required(*READERS)
def rubric_copy(rubric_id: int):
    """Copy any rubric of the library into a new one of the visitor's own."""
    rubric = _load(rubric_id)
    if not OnceEmptyForm().validate_on_submit():
        return redirect(url_for("assessment.rubric_detail", rubric_id=rubric.id))
    copy = rubrics.copy_rubric(rubric, current_user)
    flash(_("This is your copy of “%(title)s”: change it as you like.", title=rubric.title), "success")
    return redirect(url_for("assessment.rubric_edit", rubric_id=copy.id))


@bp.post("/rubrics/<int:rubric_id>/delete")
@role_required(*READERS)
def rubric_delete(rubric_id: int):
    """Delete a rubric nothing uses; otherwise say what uses it."""
    rubric = _editable(rubric_id)
    if not EmptyForm().validate_on_submit():
        return redirect(url_for("assessment.rubric_detail", rubric_id=rubric.id))
    try:
        rubrics.delete_rubric(rubric)
    except ValidationFailed as err:
        flash(str(err), "error")
        return redirect(url_for("assessment.rubric_detail", rubric_id=rubric_id))
    flash(_("Rubric deleted."), "success")
    return redirect(url_for("assessment.rubric_library", mine=1))


@bp.post("/rubrics/starter")
@role_required(*READERS)
def rubric_starter():
    """A rubric of the visitor's own made from the CBL starter rubric, ready to adapt."""
    if not OnceEmptyForm().validate_on_submit():
        return redirect(url_for("assessment.rubric_library"))
    rubric = rubrics.starter_rubric(current_user)
    flash(_("Your copy of the CBL starter rubric is ready: adapt it to your challenge."), "success")
    return redirect(url_for("assessment.rubric_edit", rubric_id=rubric.id))


@bp.route("/challenges/<int:challenge_id>/assessment", methods=["GET", "POST"])
@login_required
def rubric_challenge(challenge_id: int):
    """How the challenge is assessed: its rubric from the library, and whether students
    assess themselves, teammates evaluate each other and partners rate."""
    challenge = get_visible(visible_challenges(current_user), Challenge, challenge_id)
    if not can_manage_classroom(current_user, challenge.classroom):
        abort(403, _("Only the class's teachers choose how a challenge is assessed."))
    settings = queries.challenge_settings(challenge)
    form = ChallengeAssessmentForm() if request.method == "POST" else ChallengeAssessmentForm(formdata=None,
                                                                                              obj=settings)
    if request.method == "GET":
        form.rubric.data = str(settings.rubric_id) if settings and settings.rubric_id else ""
    mine, others = queries.library_choices(current_user)
    attached = settings.rubric if settings and settings.rubric_id else None
    form.set_rubrics(mine, others, extra=attached if attached and attached.superseded_at else None)
    if form.validate_on_submit():
        rubric = _load(int(form.rubric.data)) if form.rubric.data else None
        try:
            rubrics.attach_rubric(challenge, rubric, self_assessment=form.self_assessment.data,
                                  peer_evaluation=form.peer_evaluation.data, partner_rating=form.partner_rating.data)
        except ValidationFailed as err:
            form.rubric.errors = [str(err)]
        else:
            if form.peer_evaluation.data:  # the challenge's contribution scale, in the teacher's language
                peer_rubric_id(challenge, current_user)
            flash(_("Assessment settings saved."), "success")
            return redirect(url_for("assessment.rubric_challenge", challenge_id=challenge.id))
    rubric = queries.current_rubric_for(challenge)
    return render_template("assessment/rubrics/challenge.html", challenge=challenge, form=form, rubric=rubric,
                           rows=queries.rubric_rows(rubric) if rubric else [], points=format_points), \
        400 if request.method == "POST" else 200
