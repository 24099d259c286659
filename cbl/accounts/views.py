"""Sign-in, sign-out, my account, and the administrators' user list."""

from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from cbl import audit
from cbl.accounts import email_change, links, services, sessions
from cbl.accounts.forms import (ActiveForm, CreateUserForm, EmailChangeForm, EndSessionForm, LoginForm,
                                LoginLinkRequestForm, PasswordChangeForm, ProfileForm)
from cbl.accounts.models import Role
from cbl.errors import NotFound, ValidationFailed
from cbl.extensions import db
from cbl.formtools import EmptyForm
from cbl.paging import paginate
from cbl.permissions import role_required
from cbl.ratelimit import email_change_limits, link_request_limits, sign_in_limits

bp = Blueprint("accounts", __name__)
admin_bp = Blueprint("admin", __name__, url_prefix="/admin")


def _safe_next(target: str | None) -> str | None:
    """Only same-site paths are followed after sign-in."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
@sign_in_limits
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is not None:
            sessions.start(user)
            services.record_sign_in(user)
            if user.must_change_password:
                return redirect(url_for("accounts.new_password"))
            return redirect(_safe_next(request.args.get("next")) or url_for("main.home"))
        # One message whether the email exists or not.
        form.password.errors = list(form.password.errors) + [_("That email and password do not match an active account.")]
    status = 200 if request.method == "GET" or not form.errors else 400
    return render_template("accounts/login.html", form=form), status


@bp.route("/login/link", methods=["GET", "POST"])
@link_request_limits
def request_login_link():
    """Partners and family guests ask for a single-use sign-in link by email. The answer is
    the same whether or not the address has an account."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginLinkRequestForm()
    if form.validate_on_submit():
        links.request_link(form.email.data, _safe_next(request.args.get("next")))
        return render_template("accounts/login_link_sent.html", email=form.email.data.strip())
    return render_template("accounts/login_link.html", form=form), 400 if form.errors else 200


@bp.route("/login/link/<token>", methods=["GET", "POST"])
def login_link(token: str):
    """Opening the mailed link shows a button; the link is spent only by pressing it, so that
    mail scanners that fetch links do not use it up."""
    try:
        link = links.find(token)
    except NotFound:
        return render_template("accounts/login_link_problem.html",
                               message=_("This sign-in link is not valid. Ask for a new one.")), 404
    except ValidationFailed as err:
        return render_template("accounts/login_link_problem.html", message=str(err)), 400
    if current_user.is_authenticated:
        if current_user.id == link.user_id:
            return redirect(url_for("main.home"))
        return render_template("accounts/login_link_problem.html", message=_(
            "You are signed in with another account. Sign out, then open the link again.")), 403
    form = EmptyForm()
    if request.method == "POST" and form.validate_on_submit():
        try:
            user = links.use(token)
        except (NotFound, ValidationFailed) as err:
            return render_template("accounts/login_link_problem.html", message=str(err) or _(
                "This sign-in link is not valid. Ask for a new one.")), 400
        sessions.start(user)
        services.record_sign_in(user)
        flash(_("You are signed in."), "success")
        return redirect(_safe_next(request.args.get("next")) or url_for("main.home"))
    return render_template("accounts/login_link_confirm.html", form=form, name=link.user.first_name), \
        400 if request.method == "POST" else 200


@bp.post("/logout")
@login_required
def logout():
    """Sign this browser out (the account's other sessions go on: "My account" ends them)."""
    sessions.end_this(current_user._get_current_object())
    logout_user()
    flash(_("You are signed out."), "success")
    return redirect(url_for("accounts.login"))


def _profile_form() -> ProfileForm:
    profile = ProfileForm(obj=current_user, prefix="profile")
    if current_user.role is Role.STUDENT:
        profile.display_name.description = _("Your teacher approves a new name before anyone else sees it.")
    return profile


def _account_page(status: int = 200, profile: ProfileForm | None = None, password: PasswordChangeForm | None = None,
                  email: EmailChangeForm | None = None):
    """My account: profile, password, email address and signed-in sessions (the form that
    was sent keeps its input and errors; the others start fresh)."""
    if profile is None:
        profile = _profile_form()
        profile.locale.data = current_user.locale or ""
    user = current_user._get_current_object()
    rows = sessions.list_sessions(user)
    return render_template(
        "accounts/account.html", profile=profile, password=password or PasswordChangeForm(prefix="password"),
        email=email or EmailChangeForm(prefix="email"), user_sessions=rows,
        current_session=next((row.id for row in rows if sessions.is_current(user, row)), None),
        describe_device=sessions.describe_device, end_form=EndSessionForm()), status


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    if request.method == "GET":
        return _account_page()
    profile = _profile_form()
    if profile.validate_on_submit():
        if services.update_profile(current_user, profile.display_name.data, profile.locale.data):
            flash(_("Your details are saved. Your new name is shown once your teacher approves it."), "success")
        else:
            flash(_("Your details are saved."), "success")
        return redirect(url_for("accounts.account"))
    return _account_page(400, profile=profile)


@bp.post("/account/password")
@login_required
def change_password():
    password = PasswordChangeForm(prefix="password")
    if password.validate_on_submit():
        user = current_user._get_current_object()
        try:
            services.change_password(user, password.current_password.data, password.new_password.data)
        except ValidationFailed as err:
            password.current_password.errors = [str(err)]
        else:
            # Every other session is over; this browser gets a fresh one.
            sessions.start(user)
            flash(_("Your password is changed. You were signed out everywhere else."), "success")
            return redirect(url_for("accounts.account"))
    return _account_page(400, password=password)


@bp.post("/account/email")
@login_required
@email_change_limits
def change_email():
    """Ask to use a new address: it changes once the new address confirms by its link."""
    form = EmailChangeForm(prefix="email")
    if form.validate_on_submit():
        try:
            email_change.request_change(current_user._get_current_object(), form.email.data, form.password.data)
        except ValidationFailed as err:
            getattr(form, err.field or "email").errors = [str(err)]
        else:
            flash(_("We mailed a link to %(email)s. Your address changes when you open it (within 24 hours).",
                    email=form.email.data.strip().lower()), "success")
            return redirect(url_for("accounts.account"))
    return _account_page(400, email=form)


@bp.route("/account/email/<token>", methods=["GET", "POST"])
def confirm_email(token: str):
    """The link mailed to the new address. Opening it changes nothing (mail scanners fetch
    links); pressing the button does."""
    try:
        change = email_change.find(token)
    except NotFound:
        return render_template("accounts/email_problem.html",
                               message=_("This link is not valid: it may be cut short or mistyped.")), 404
    except ValidationFailed as err:
        return render_template("accounts/email_problem.html", message=str(err)), 410
    if current_user.is_authenticated and current_user.id != change.user_id:
        return render_template("accounts/email_problem.html", message=_(
            "You are signed in with another account. Sign out, then open the link again.")), 403
    form = EmptyForm()
    if request.method == "POST" and form.validate_on_submit():
        try:
            email_change.confirm(token)
        except (NotFound, ValidationFailed) as err:
            return render_template("accounts/email_problem.html", message=str(err)), 410
        flash(_("Your email address is now %(email)s.", email=change.new_email), "success")
        return redirect(url_for("accounts.account") if current_user.is_authenticated else url_for("accounts.login"))
    return render_template("accounts/email_confirm.html", form=form, email=change.new_email), \
        400 if request.method == "POST" else 200


@bp.post("/account/sessions/end")
@login_required
def end_session():
    """End one of my other sessions: that browser is signed out at its next request."""
    form = EndSessionForm()
    user = current_user._get_current_object()
    if not form.validate_on_submit():
        flash(_("Choose a session to end."), "error")
        return _account_page(400)
    if form.session_id.data == sessions.current_session_id():
        flash(_("This is the session you are using: sign out to end it."), "error")
        return redirect(url_for("accounts.account"))
    if not sessions.end_one(user, form.session_id.data):
        abort(404)
    audit.record(audit.Action.SESSIONS_ENDED, actor_id=user.id, object_type="user", object_id=user.id, detail="1")
    db.session.commit()
    flash(_("That session is ended: the device is signed out."), "success")
    return redirect(url_for("accounts.account"))


@bp.post("/account/sessions/end-others")
@login_required
def end_other_sessions():
    """End every session of mine but this one."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    user = current_user._get_current_object()
    count = sessions.end_others(user)
    audit.record(audit.Action.SESSIONS_ENDED, actor_id=user.id, object_type="user", object_id=user.id,
                 detail=str(count))
    db.session.commit()
    flash(_("Every other session is ended: you are signed in only here."), "success")
    return redirect(url_for("accounts.account"))


@admin_bp.get("/users")
@role_required(Role.ADMIN)
def users():
    page = paginate(services.list_users_query())
    return render_template("admin/users.html", page=page, form=CreateUserForm(), active_form=ActiveForm())


@admin_bp.post("/users")
@role_required(Role.ADMIN)
def create_user():
    form = CreateUserForm()
    if form.validate_on_submit():
        try:
            user = services.create_user(form.email.data, form.display_name.data, form.password.data,
                                        Role(form.role.data), school_id=form.school_id.data)
        except ValidationFailed as err:
            getattr(form, err.field or "email").errors = [str(err)]
        else:
            flash(_("Account created for %(name)s.", name=user.display_name), "success")
            return redirect(url_for("admin.users"))
    page = paginate(services.list_users_query())
    return render_template("admin/users.html", page=page, form=form, active_form=ActiveForm()), 400


@admin_bp.post("/users/<int:user_id>/active")
@role_required(Role.ADMIN)
def set_active(user_id: int):
    form = ActiveForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        user = services.set_active(user_id, bool(form.active.data), current_user)
    except NotFound:
        abort(404)
    except ValidationFailed as err:
        flash(str(err), "error")
        return redirect(url_for("admin.users"))
    if user.active:
        flash(_("%(name)s can sign in again.", name=user.display_name), "success")
    else:
        flash(_("%(name)s is deactivated and signed out everywhere.", name=user.display_name), "success")
    return redirect(url_for("admin.users"))
