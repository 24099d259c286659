"""Partner rating pages: the teacher's questions for a challenge, a partner's rating form, and
the teacher's reading of a project's ratings. Rules in :mod:`cbl.assessment.partner.services`."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from cbl.assessment.blueprint import bp
from cbl.assessment.partner import services as partner
from cbl.assessment.partner.forms import (PartnerQuestionsForm, answer_name, answers_of, question_fields,
                                          rating_form)
from cbl.errors import Forbidden, ValidationFailed
from cbl.permissions import can_manage_classroom, get_visible, is_teacher_of, visible_challenges
from cbl.projects import hooks
from cbl.projects.blueprint import load_project
from cbl.projects.models import Challenge, Project


@bp.route("/challenges/<int:challenge_id>/partner-questions", methods=["GET", "POST"])
@login_required
def partner_questions(challenge_id: int):
    """The teacher picks or edits the few questions partners answer about a team's project."""
    challenge = get_visible(visible_challenges(current_user), Challenge, challenge_id)
    if not can_manage_classroom(current_user, challenge.classroom):
        abort(403)
    form = PartnerQuestionsForm()
    if request.method == "GET":
        for field, text in zip(question_fields(form), partner.questions_for(challenge.id)):
            field.data = text
    elif form.validate_on_submit():
        if form.restore.data:
            partner.restore_default_questions(challenge)
            flash(_("The partners are asked the default questions."), "success")
            return redirect(url_for("assessment.partner_questions", challenge_id=challenge.id))
        try:
            partner.save_questions(challenge, [f.data or "" for f in question_fields(form)])
        except ValidationFailed as err:
            form[err.field or "question_1"].errors = [str(err)]
        else:
            flash(_("Partner questions saved."), "success")
            return redirect(url_for("assessment.partner_questions", challenge_id=challenge.id))
    return render_template("assessment/partner/questions.html", challenge=challenge, form=form,
                           fields=question_fields(form), scale=partner.SCALE,
                           default=partner.uses_default_questions(challenge.id),
                           rating_on=partner.rating_on(challenge.id)), 400 if request.method == "POST" else 200


@bp.route("/projects/<int:project_id>/rating", methods=["GET", "POST"])
@login_required
def partner_rating(project_id: int):
    """An invited partner's short rating of the team's project (never a family guest's)."""
    project = load_project(project_id)
    if not partner.may_rate(current_user, project):
        abort(403)
    questions = partner.questions_for(project.challenge_id)
    existing = partner.find_rating(current_user, project)
    problem = None
    if request.method == "GET":
        form = rating_form(questions, rating=existing)
    else:
        form = rating_form(questions, formdata=request.form)
        if form.validate_on_submit():
            try:
                partner.submit_rating(project, current_user, answers_of(form, questions), form.comment.data or "")
            except ValidationFailed as err:
                problem = str(err)
            except Forbidden:
                abort(403)
            else:
                flash(_("Thank you for your rating."), "success")
                return redirect(url_for("projects.detail", project_id=project.id))
    return render_template("assessment/partner/rate.html", project=project, form=form, existing=existing,
                           fields=[form[answer_name(i)] for i in range(len(questions))], problem=problem), \
        400 if request.method == "POST" else 200


@bp.get("/projects/<int:project_id>/partner-ratings")
@login_required
def partner_ratings(project_id: int):
    """The partners' ratings of a project, for the class's teachers only."""
    project = load_project(project_id)
    if not is_teacher_of(current_user, project.team.classroom_id):
        abort(403)
    return render_template("assessment/partner/ratings.html", project=project, ratings=partner.ratings_of(project),
                           answer_label=partner.answer_label, rating_on=partner.rating_on(project.challenge_id))


@hooks.project_page_extra
def _partner_rating_panel(project: Project, *, member: bool = False, teacher: bool = False, **_known) -> dict:
    """On the project page, the assessing panel offers a partner the rating form when the
    challenge asks for it (never a family guest: permissions.can_rate_as_partner)."""
    if not (member or teacher) and partner.may_rate(current_user, project):
        return {"grading_panel": {"rate": True}}
    return {}

