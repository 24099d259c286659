"""The teacher's editor of a challenge's peer contribution scale (issue 10, point 14).
The rules are in :mod:`cbl.assessment.grading.peer`."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from cbl.assessment.blueprint import bp
from cbl.assessment.grading import peer
from cbl.assessment.grading.forms import PeerScaleForm
from cbl.assessment.grading.services import load_grid
from cbl.assessment.rubrics.grid import RubricInvalid
from cbl.errors import Forbidden
from cbl.permissions import can_manage_classroom, get_visible, visible_challenges
from cbl.projects.models import Challenge

# The default scale's words in each reader's language, wherever an assessment is shown.
bp.add_app_template_filter(peer.shipped_words, "shipped_words")


@bp.route("/challenges/<int:challenge_id>/peer-scale", methods=["GET", "POST"])
@login_required
def peer_scale(challenge_id: int):
    """The questions teammates answer about each other, and their levels, for one challenge."""
    challenge = get_visible(visible_challenges(current_user), Challenge, challenge_id)
    if not can_manage_classroom(current_user, challenge.classroom):
        abort(403)
    if request.method == "GET":
        grid = load_grid(peer.peer_rubric_id(challenge, current_user))
        form = PeerScaleForm(formdata=None, questions="\n".join(c.title for c in grid.criteria),
                             levels="\n".join(level.label for level in grid.levels))
        return render_template("assessment/grading/peer_scale.html", challenge=challenge, form=form, grid=grid)
    form = PeerScaleForm()
    if form.validate_on_submit():
        grid = load_grid(peer.peer_rubric_id(challenge, current_user))
        try:
            peer.save_scale(challenge, peer.scale_data(form.question_list, form.level_list, grid.rubric.title),
                            current_user)
        except Forbidden:
            abort(403)
        except RubricInvalid as err:
            for problem in err.problems:
                target = form.levels if problem.path[0] == "levels" else form.questions
                target.errors = [*target.errors, problem.message]
        else:
            flash(_("Peer evaluation saved: teammates answer these questions from now on."), "success")
            return redirect(url_for("assessment.rubric_challenge", challenge_id=challenge.id))
    grid = load_grid(peer.peer_rubric_id(challenge, current_user))
    return render_template("assessment/grading/peer_scale.html", challenge=challenge, form=form, grid=grid), 400
