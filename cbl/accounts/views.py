"""Sign-in, sign-out, my account, and the administrators' user list."""

from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from cbl.accounts import links, services
from cbl.accounts.forms import (ActiveForm, CreateUserForm, LoginForm, LoginLinkRequestForm, PasswordChangeForm,
                                ProfileForm)
from cbl.accounts.models import Role
from cbl.errors import NotFound, ValidationFailed
from cbl.formtools import EmptyForm
from cbl.paging import paginate
from cbl.permissions import role_required
from cbl.ratelimit import link_request_limits, sign_in_limits
from cbl.sso import providers as sso_providers, services as sso_services

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
        if user is not None and sso_services.password_sign_in_refused(user):
            # The school requires its sign-in for this role: point to the button instead.
            return render_template("sso/password_refused.html", school_providers=sso_providers.enabled_providers()), 403
        if user is not None:
            login_user(user)
            services.record_sign_in(user)
            return redirect(_safe_next(request.args.get("next")) or url_for("main.home"))
        # One message whether the email exists or not.
        form.password.errors = list(form.password.errors) + [_("That email and password do not match an active account.")]
    status = 200 if request.method == "GET" or not form.errors else 400
    return render_template("accounts/login.html", form=form, school_providers=sso_providers.enabled_providers()), status


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
        login_user(user)
        services.record_sign_in(user)
        flash(_("You are signed in."), "success")
        return redirect(_safe_next(request.args.get("next")) or url_for("main.home"))
    return render_template("accounts/login_link_confirm.html", form=form, name=link.user.first_name), \
        400 if request.method == "POST" else 200


@bp.post("/logout")
@login_required
def logout():
    services.sign_out_everywhere(current_user._get_current_object())
    logout_user()
    flash(_("You are signed out."), "success")
    return redirect(url_for("accounts.login"))


def _profile_form() -> ProfileForm:
    profile = ProfileForm(obj=current_user, prefix="profile")
    if current_user.role is Role.STUDENT:
        profile.display_name.description = _("Your teacher approves a new name before anyone else sees it.")
    return profile


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    profile = _profile_form()
    password = PasswordChangeForm(prefix="password")
    if request.method == "GET":
        profile.locale.data = current_user.locale or ""
    elif profile.validate_on_submit():
        if services.update_profile(current_user, profile.display_name.data, profile.locale.data):
            flash(_("Your details are saved. Your new name is shown once your teacher approves it."), "success")
        else:
            flash(_("Your details are saved."), "success")
        return redirect(url_for("accounts.account"))
    status = 400 if profile.errors else 200
    return render_template("accounts/account.html", profile=profile, password=password), status


@bp.post("/account/password")
@login_required
def change_password():
    profile = _profile_form()
    profile.locale.data = current_user.locale or ""
    password = PasswordChangeForm(prefix="password")
    if password.validate_on_submit():
        user = current_user._get_current_object()
        try:
            services.change_password(user, password.current_password.data, password.new_password.data)
        except ValidationFailed as err:
            password.current_password.errors = [str(err)]
        else:
            # Every other session is over; this browser gets a fresh one.
            login_user(user)
            flash(_("Your password is changed. You were signed out everywhere else."), "success")
            return redirect(url_for("accounts.account"))
    return render_template("accounts/account.html", profile=profile, password=password), 400


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
