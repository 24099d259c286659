"""Sign-in cards: the teacher's list and printing, and the card's own sign-in page."""

from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _, ngettext
from flask_login import current_user, login_required, logout_user

from cbl.accounts import sessions
from cbl.accounts.sessions import mark_card_sign_in
from cbl.cards import services
from cbl.cards.forms import PrintCardsForm, VoidCardsForm
from cbl.cards.qr import card_url, qr_svg
from cbl.errors import NotFound, ValidationFailed
from cbl.formtools import EmptyForm
from cbl.permissions import can_change_classroom, get_visible, visible_classrooms
from cbl.ratelimit import sign_in_card_limits
from cbl.school import school_name
from cbl.teams.models import Classroom

bp = Blueprint("cards", __name__)


def _managed_classroom(classroom_id: int) -> Classroom:
    classroom = get_visible(visible_classrooms(current_user), Classroom, classroom_id)
    if not can_change_classroom(current_user, classroom):
        abort(403, _("Only the class's teachers and the school's administrators print sign-in cards, "
                     "and not while the class is archived."))
    return classroom


def _no_store(page: str):
    """Pages holding card secrets (or naming a card's student) stay out of caches."""
    response = make_response(page)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/classes/<int:classroom_id>/cards")
@login_required
def index(classroom_id: int):
    classroom = _managed_classroom(classroom_id)
    return render_template("cards/index.html", classroom=classroom, rows=services.list_class_cards(classroom))


@bp.post("/classes/<int:classroom_id>/cards/print")
@login_required
def print_cards(classroom_id: int):
    """Issue new cards and show them, ready to print: the only time their codes exist."""
    classroom = _managed_classroom(classroom_id)
    form = PrintCardsForm()
    if not form.validate_on_submit() or (form.scope.data == "student" and not form.student.data):
        flash(_("Choose whose cards to print."), "error")
        return render_template("cards/index.html", classroom=classroom,
                               rows=services.list_class_cards(classroom)), 400
    try:
        issued = services.issue_cards(classroom, current_user, form.scope.data, form.student.data)
    except NotFound:
        abort(404)
    if not issued:
        flash(_("Every student of the class already has a card. Print a new one from the list."), "success")
        return redirect(url_for("cards.index", classroom_id=classroom.id))
    school = classroom.school.name if classroom.school else school_name()
    cards = [{"name": student.first_name,
              "qr": qr_svg(card_url(token), _("Sign-in card of %(name)s", name=student.first_name))}
             for student, token in issued]
    return _no_store(render_template("cards/print.html", classroom=classroom, school=school, cards=cards,
                                     pages=[cards[i:i + 8] for i in range(0, len(cards), 8)]))


@bp.post("/classes/<int:classroom_id>/cards/void")
@login_required
def void(classroom_id: int):
    classroom = _managed_classroom(classroom_id)
    form = VoidCardsForm()
    if not form.validate_on_submit():
        flash(_("That card could not be found. Reload the page and try again."), "error")
        return redirect(url_for("cards.index", classroom_id=classroom.id))
    try:
        count = services.void_cards(classroom, current_user, form.student.data)
    except NotFound:
        abort(404)
    if count:
        flash(ngettext("%(num)d card no longer works.", "%(num)d cards no longer work.", count), "success")
    else:
        flash(_("There was no working card to void."), "success")
    return redirect(url_for("cards.index", classroom_id=classroom.id))


def _problem(message: str, status: int, heading: str | None = None, sign_out_first: bool = False):
    return _no_store(render_template("cards/problem.html", message=message, sign_out_first=sign_out_first,
                                     heading=heading or _("This card does not work"))), status


@bp.route("/card/<token>", methods=["GET", "POST"])
@sign_in_card_limits
def sign_in(token: str):
    """The page a card's QR code opens: whose card it is and a button. Only the button signs
    in, so link previews and scanners that fetch the address change nothing."""
    try:
        card = services.find_card(token)
    except NotFound:
        return _problem(_("This is not a sign-in card of this school. Ask your teacher for help."), 404)
    except ValidationFailed as err:
        return _problem(str(err), 410)
    student = card.student
    signed_in = current_user.is_authenticated
    if signed_in and current_user.id == student.id:
        return redirect(url_for("main.home"))
    if signed_in and not current_user.is_student:
        return _problem(_("Someone else is signed in on this device. Sign out first, then scan the card again."), 403,
                        _("Sign out first"), sign_out_first=True)
    form = EmptyForm()
    if request.method == "POST" and form.validate_on_submit():
        try:
            student = services.sign_in_with_card(token)
        except (NotFound, ValidationFailed):
            return _problem(_("This card no longer works. Ask your teacher for a new one."), 410)
        if signed_in:  # a classmate left the device signed in: only this browser changes hands
            sessions.end_this(current_user._get_current_object())
            logout_user()
        sessions.start(student)
        mark_card_sign_in(student)
        flash(_("Hello, %(name)s! You are signed in.", name=student.first_name), "success")
        return redirect(url_for("main.home"))
    return _no_store(render_template(
        "cards/confirm.html", form=form, name=student.first_name, classroom=card.classroom,
        other=current_user.first_name if signed_in else None)), 400 if request.method == "POST" else 200
