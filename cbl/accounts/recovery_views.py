"""Recovering an account: "Forgot your password?", the mailed link, the one-time password
a teacher or administrator sets, and the new password it must be swapped for."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from cbl.accounts import recovery, sessions
from cbl.accounts.forms import ForgotPasswordForm, NewPasswordForm
from cbl.accounts.models import Role, User
from cbl.accounts.views import _safe_next, bp
from cbl.errors import NotFound, ValidationFailed
from cbl.extensions import db
from cbl.formtools import EmptyForm
from cbl.permissions import can_reset_password, taught_classroom_ids
from cbl.ratelimit import password_reset_limits, staff_reset_limits
from cbl.sso import services as sso_services
from cbl.teams.models import Enrolment

# While an account must change its one-time password, only these pages answer.
_OPEN_WHILE_CHANGING = frozenset({"accounts.new_password", "accounts.logout", "static", "main.healthz"})


@bp.before_app_request
def _must_change_password():
    endpoint = request.endpoint or ""
    if endpoint in _OPEN_WHILE_CHANGING or endpoint.endswith(("set_language", "language")):
        return None
    if sessions.password_change_due():
        return redirect(url_for("accounts.new_password"))
    return None


@bp.route("/login/forgot", methods=["GET", "POST"])
@password_reset_limits
def forgot_password():
    """Ask for a recovery link. The answer is the same whether or not the address has an
    account; students who sign in with a username are sent to their teacher."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        recovery.request_reset(form.email.data)
        return render_template("accounts/forgot_sent.html", email=form.email.data,
                               minutes=recovery.RESET_MINUTES)
    return render_template("accounts/forgot.html", form=form), 400 if form.errors else 200


def _link_problem(message: str, status: int, other_account: bool = False):
    return render_template("accounts/reset_problem.html", message=message, other_account=other_account), status


@bp.route("/login/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """The mailed link: choose a new password. Opening it spends nothing (mail scanners
    fetch links); saving the form does, and ends every other session of the account."""
    try:
        reset = recovery.find(token)
    except NotFound:
        return _link_problem(_("This link is not valid: it may be cut short or mistyped. Ask for a new one."), 404)
    except ValidationFailed as err:
        return _link_problem(str(err), 410)
    if current_user.is_authenticated and current_user.id != reset.user_id:
        return _link_problem(_("You are signed in with another account. Sign out, then open the link again."), 403,
                             other_account=True)
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            user = recovery.use(token, form.new_password.data)
        except (NotFound, ValidationFailed) as err:
            return _link_problem(str(err) or _("This link is not valid. Ask for a new one."), 410)
        sessions.start(user)
        flash(_("Your new password is saved. You were signed out everywhere else."), "success")
        return redirect(url_for("main.home"))
    response = render_template("accounts/reset_password.html", form=form, name=reset.user.first_name)
    return response, 400 if form.errors else 200


@bp.route("/account/new-password", methods=["GET", "POST"])
@login_required
def new_password():
    """After a teacher's or admin's reset: the one-time password is swapped for one only the
    person knows before any other page opens."""
    user = current_user._get_current_object()
    if not user.must_change_password:
        return redirect(url_for("accounts.account"))
    form = NewPasswordForm()
    if form.validate_on_submit():
        if user.check_password(form.new_password.data):
            form.new_password.errors = [_("Choose a password of your own, not the one you were given.")]
        else:
            recovery.choose_new_password(user, form.new_password.data)
            sessions.start(user)
            flash(_("Your new password is saved."), "success")
            return redirect(url_for("main.home"))
    return render_template("accounts/new_password.html", form=form), 400 if form.errors else 200


def _resettable(user_id: int) -> User:
    target = db.session.get(User, user_id)
    if target is None or not can_reset_password(current_user, target):
        abort(404)
    return target


def _class_of(target: User) -> int | None:
    """A class of the acting teacher the student is in, so that its teachers read the event."""
    if current_user.role is not Role.TEACHER:
        return None
    return db.session.scalar(select(Enrolment.classroom_id).where(
        Enrolment.user_id == target.id, Enrolment.classroom_id.in_(taught_classroom_ids(current_user)))
        .order_by(Enrolment.classroom_id).limit(1))


@bp.route("/people/<int:user_id>/password", methods=["GET", "POST"])
@login_required
@staff_reset_limits
def staff_reset_password(user_id: int):
    """A teacher resets a student of their class, an admin anyone, to a one-time password
    shown once here; the person must choose a new one at their next sign-in."""
    target = _resettable(user_id)
    back = _safe_next(request.args.get("next")) or (
        url_for("admin.users") if current_user.role is Role.ADMIN else url_for("teams.index"))
    form = EmptyForm()
    # While the school requires school sign-in for the person's role, a password lets them in nowhere.
    sso_only = sso_services.password_sign_in_refused(target)
    if request.method == "POST":
        if not form.validate_on_submit():
            return render_template("accounts/staff_reset.html", target=target, form=form, back=back,
                                   sso_only=sso_only), 400
        password = recovery.reset_by_staff(current_user, target, _class_of(target))
        response = render_template("accounts/staff_reset_done.html", target=target, password=password, back=back,
                                   sso_only=sso_only)
        return response, 200, {"Cache-Control": "no-store"}
    return render_template("accounts/staff_reset.html", target=target, form=form, back=back, sso_only=sso_only)
