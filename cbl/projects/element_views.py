"""Editing a project's elements, Engage brainstorm, guiding questions and activities."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from cbl.errors import EditConflict, NotFound, ValidationFailed
from cbl.formtools import choices
from cbl.projects import queries, services
from cbl.projects.blueprint import bp, load_editable_project
from cbl.projects.defaults import ELEMENT_LABELS
from cbl.projects.forms import (ActivityEditForm, ActivityForm, CandidateForm, ElementForm, GuidingQuestionForm,
                                QuestionEditForm)
from cbl.projects.models import ElementKey, Phase, Project
from cbl.projects.views import render_project
from cbl.teams.forms import EmptyForm


def _back(project: Project, phase: Phase, anchor: str = ""):
    return redirect(url_for("projects.detail", project_id=project.id, phase=phase.value) + anchor)


def _removed_while_editing(removed):
    """A save of a question or activity a teammate removed meanwhile gets the form back,
    as typed (nothing is saved); anything else unknown is 404."""
    if removed is None or request.method != "POST":
        abort(404)
    return removed


UNDO_ANCHOR = "#messages"  # the page opens on the message, so its Undo button is in sight


def flash_undo(text: str, undo_url: str) -> None:
    """A success message with an "Undo" button that posts to ``undo_url``."""
    flash({"text": text, "undo": undo_url}, "success")


@bp.post("/projects/<int:project_id>/elements/<key>")
@login_required
def save_element(project_id: int, key: str):
    project = load_editable_project(project_id)
    try:
        element_key = ElementKey(key)
    except ValueError:
        abort(404)
    form = ElementForm()
    if not form.validate_on_submit():
        return render_project(project, 400, phase=element_key.phase.value,
                              failed_element=(element_key, form, None))
    try:
        services.save_element(project, element_key, form.body.data or "", form.version.data, current_user)
    except EditConflict as conflict:
        return render_project(project, 409, phase=element_key.phase.value,
                              failed_element=(element_key, form, conflict))
    flash(_("%(element)s saved.", element=ELEMENT_LABELS[element_key]), "success")
    return _back(project, element_key.phase, f"#element-{element_key.value}")


@bp.post("/projects/<int:project_id>/candidates")
@login_required
def add_candidate(project_id: int):
    project = load_editable_project(project_id)
    form = CandidateForm()
    if not form.validate_on_submit():
        return render_project(project, 400, phase=Phase.ENGAGE.value, candidate_form=form)
    services.add_candidate(project, form.text.data, current_user)
    return _back(project, Phase.ENGAGE, "#candidates")


@bp.post("/projects/<int:project_id>/candidates/<int:candidate_id>/choose")
@login_required
def choose_candidate(project_id: int, candidate_id: int):
    project = load_editable_project(project_id)
    if EmptyForm().validate_on_submit():
        try:
            services.choose_candidate(project, candidate_id, current_user)
        except NotFound:
            abort(404)
        flash(_("That is now your essential question."), "success")
    return _back(project, Phase.ENGAGE, "#element-essential_question")


@bp.post("/projects/<int:project_id>/candidates/<int:candidate_id>/delete")
@login_required
def delete_candidate(project_id: int, candidate_id: int):
    project = load_editable_project(project_id)
    if EmptyForm().validate_on_submit():
        try:
            services.delete_candidate(project, candidate_id)
        except NotFound:
            abort(404)
        flash_undo(_("Question removed from the brainstorm."),
                   url_for("projects.restore_candidate", project_id=project.id, candidate_id=candidate_id))
    return _back(project, Phase.ENGAGE, UNDO_ANCHOR)


@bp.post("/projects/<int:project_id>/candidates/<int:candidate_id>/restore")
@login_required
def restore_candidate(project_id: int, candidate_id: int):
    project = load_editable_project(project_id)
    if EmptyForm().validate_on_submit():
        try:
            services.restore_candidate(project, candidate_id)
        except NotFound:
            abort(404)
        flash(_("Question restored to the brainstorm."), "success")
    return _back(project, Phase.ENGAGE, "#candidates")


@bp.post("/projects/<int:project_id>/questions")
@login_required
def add_question(project_id: int):
    project = load_editable_project(project_id)
    form = GuidingQuestionForm()
    if not form.validate_on_submit():
        return render_project(project, 400, phase=Phase.INVESTIGATE.value, question_form=form)
    services.add_guiding_question(project, form.text.data, current_user)
    return _back(project, Phase.INVESTIGATE, "#brainstorm")


@bp.route("/projects/<int:project_id>/questions/<int:question_id>", methods=["GET", "POST"])
@login_required
def edit_question(project_id: int, question_id: int):
    project = load_editable_project(project_id)
    try:
        question = services.get_guiding_question(project, question_id)
    except NotFound:
        question = _removed_while_editing(services.removed_question(project, question_id))
        form = QuestionEditForm()  # as sent
        return render_template("projects/question_form.html", project=project, question=question, form=form,
                               conflict=None, removed_meanwhile=True, empty=EmptyForm()), 409
    form = QuestionEditForm(obj=question)
    conflict = None
    if form.is_submitted() is False:
        form.priority.data = question.priority.value if question.priority else ""
        form.answered.data = question.status.value == "answered"
    elif form.validate():
        try:
            services.update_guiding_question(
                project, question.id, form.version.data, text=form.text.data, category=form.category.data or "",
                priority=form.priority.data or None, findings=form.findings.data or "",
                answered=form.answered.data, summary=form.summary.data or "", acting=current_user)
        except ValidationFailed as err:
            getattr(form, err.field or "text").errors = [str(err)]
        except EditConflict as err:
            conflict = err
            form.version.data, form.version.raw_data = err.current_version, [str(err.current_version)]
        except NotFound:
            abort(404)  # removed by a teammate while this form was open
        else:
            flash(_("Guiding question saved."), "success")
            return _back(project, Phase.INVESTIGATE, "#matrix")
    status = 409 if conflict else (400 if form.is_submitted() else 200)
    return render_template("projects/question_form.html", project=project, question=question, form=form,
                           conflict=conflict, empty=EmptyForm()), status


@bp.post("/projects/<int:project_id>/questions/<int:question_id>/delete")
@login_required
def delete_question(project_id: int, question_id: int):
    project = load_editable_project(project_id)
    if EmptyForm().validate_on_submit():
        try:
            services.delete_guiding_question(project, question_id, current_user)
        except NotFound:
            abort(404)
        flash_undo(_("Guiding question removed."),
                   url_for("projects.restore_question", project_id=project.id, question_id=question_id))
    return _back(project, Phase.INVESTIGATE, UNDO_ANCHOR)


@bp.post("/projects/<int:project_id>/questions/<int:question_id>/restore")
@login_required
def restore_question(project_id: int, question_id: int):
    project = load_editable_project(project_id)
    if EmptyForm().validate_on_submit():
        try:
            services.restore_guiding_question(project, question_id)
        except NotFound:
            abort(404)
        flash(_("Guiding question restored."), "success")
    return _back(project, Phase.INVESTIGATE, "#matrix")


def _activity_fields(form: ActivityForm) -> dict:
    return dict(kind=form.kind.data, title=form.title.data, details=form.details.data or "",
                url=form.url.data or "", question_ids=form.questions.data or [])


@bp.post("/projects/<int:project_id>/activities")
@login_required
def add_activity(project_id: int):
    project = load_editable_project(project_id)
    form = ActivityForm()
    form.questions.choices = choices((q.id, q.text) for q in queries.project_page(project).questions)
    if form.validate_on_submit():
        try:
            services.add_activity(project, current_user, **_activity_fields(form))
        except ValidationFailed as err:
            getattr(form, err.field or "title").errors = [str(err)]
        else:
            flash(_("Activity added."), "success")
            return _back(project, Phase.INVESTIGATE, "#matrix")
    return render_project(project, 400, phase=Phase.INVESTIGATE.value, activity_form=form)


@bp.route("/projects/<int:project_id>/activities/<int:activity_id>", methods=["GET", "POST"])
@login_required
def edit_activity(project_id: int, activity_id: int):
    project = load_editable_project(project_id)
    try:
        activity = services.get_activity(project, activity_id)
    except NotFound:
        activity = _removed_while_editing(services.removed_activity(project, activity_id))
        form = ActivityEditForm()  # as sent
        form.questions.choices = choices((q.id, q.text) for q in queries.project_page(project).questions)
        return render_template("projects/activity_form.html", project=project, activity=activity, form=form,
                               conflict=None, removed_meanwhile=True, empty=EmptyForm()), 409
    form = ActivityEditForm(obj=activity)
    form.questions.choices = choices((q.id, q.text) for q in queries.project_page(project).questions)
    conflict = None
    if not form.is_submitted():
        form.kind.data = activity.kind.value
        form.questions.data = [q.id for q in activity.questions]
    elif form.validate():
        try:
            services.update_activity(project, activity.id, form.version.data, acting=current_user,
                                     **_activity_fields(form))
        except ValidationFailed as err:
            getattr(form, err.field or "title").errors = [str(err)]
        except EditConflict as err:
            conflict = err
            form.version.data, form.version.raw_data = err.current_version, [str(err.current_version)]
        except NotFound:
            abort(404)  # removed by a teammate while this form was open
        else:
            flash(_("Activity saved."), "success")
            return _back(project, Phase.INVESTIGATE, "#matrix")
    status = 409 if conflict else (400 if form.is_submitted() else 200)
    return render_template("projects/activity_form.html", project=project, activity=activity, form=form,
                           conflict=conflict, empty=EmptyForm()), status


@bp.post("/projects/<int:project_id>/activities/<int:activity_id>/delete")
@login_required
def delete_activity(project_id: int, activity_id: int):
    project = load_editable_project(project_id)
    if EmptyForm().validate_on_submit():
        try:
            services.delete_activity(project, activity_id, current_user)
        except NotFound:
            abort(404)
        flash_undo(_("Activity removed."),
                   url_for("projects.restore_activity", project_id=project.id, activity_id=activity_id))
    return _back(project, Phase.INVESTIGATE, UNDO_ANCHOR)


@bp.post("/projects/<int:project_id>/activities/<int:activity_id>/restore")
@login_required
def restore_activity(project_id: int, activity_id: int):
    project = load_editable_project(project_id)
    if EmptyForm().validate_on_submit():
        try:
            services.restore_activity(project, activity_id)
        except NotFound:
            abort(404)
        flash(_("Activity restored."), "success")
    return _back(project, Phase.INVESTIGATE, "#matrix")
