"""Sign-in, sign-out, my account, and the administrators' user list."""

from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from cbl.accounts import services
from cbl.accounts.forms import ActiveForm, CreateUserForm, LoginForm, PasswordChangeForm, ProfileForm
from cbl.accounts.models import Role
from cbl.errors import NotFound, ValidationFailed
from cbl.paging import paginate
from cbl.permissions import role_required

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
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is not None:
            login_user(user)
            services.record_sign_in(user)
            return redirect(_safe_next(request.args.get("next")) or url_for("main.home"))
        # One message whether the email exists or not.
        form.password.errors = list(form.password.errors) + [_("That email and password do not match an active account.")]
    status = 200 if request.method == "GET" or not form.errors else 400
    return render_template("accounts/login.html", form=form), status


@bp.post("/logout")
@login_required
def logout():
    services.sign_out_everywhere(current_user._get_current_object())
    logout_user()
    flash(_("You are signed out."), "success")
    return redirect(url_for("accounts.login"))


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    profile = ProfileForm(obj=current_user, prefix="profile")
    password = PasswordChangeForm(prefix="password")
    if request.method == "GET":
        profile.locale.data = current_user.locale or ""
    elif profile.validate_on_submit():
        services.update_profile(current_user, profile.display_name.data, profile.locale.data)
        flash(_("Your details are saved."), "success")
        return redirect(url_for("accounts.account"))
    status = 400 if profile.errors else 200
    return render_template("accounts/account.html", profile=profile, password=password), status


@bp.post("/account/password")
@login_required
def change_password():
    profile = ProfileForm(obj=current_user, prefix="profile")
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
                                        Role(form.role.data))
        except ValidationFailed as err:
            form.email.errors = [str(err)]
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
