"""Sign-in, sign-out, my account, and the administrators' user list."""

from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user
from sqlalchemy import select

from cbl import audit
from cbl.accounts import email_change, links, services, sessions
from cbl.accounts.forms import (ActiveForm, CreateUserForm, EditPersonForm, EmailChangeForm, EndSessionForm, LoginForm,
                                LoginLinkRequestForm, PasswordChangeForm, PeopleSearchForm, PlaceInClassForm,
                                ProfileForm)
from cbl.accounts.models import Role, User
from cbl.errors import NotFound, ValidationFailed
from cbl.extensions import db
from cbl.formtools import EmptyForm, choices
from cbl.paging import paginate
from cbl.permissions import (ADMINS, administered_people, administered_school_ids, get_visible,
                             manageable_classrooms, manageable_people, role_required, taken_over_people)
from cbl.ratelimit import email_change_limits, link_request_limits, password_check_limits, sign_in_limits
from cbl.schools import services as schools_services
from cbl.sso import providers as sso_providers, services as sso_services
from cbl.teams import roster
from cbl.teams.models import Classroom, Enrolment

bp = Blueprint("accounts", __name__)
admin_bp = Blueprint("admin", __name__, url_prefix="/admin")


def _safe_next(target: str | None) -> str | None:
    """Only same-site paths are followed after sign-in. Browsers read a backslash as a slash
    and drop tabs and line breaks, so "/\\evil.example" would lead to another site: a path
    with a backslash, a control character or a space is refused too."""
    if not target:
        return None
    if "\\" in target or any(ord(char) < 33 or ord(char) == 127 for char in target):
        return None
    parts = urlsplit(target)
    # Browsers read "/\\host" as "//host": a backslash or a control character is never followed.
    if (parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//")
            or "\\" in target or any(ord(ch) < 32 for ch in target)):
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
            sessions.start(user)
            services.record_sign_in(user)
            if user.must_change_password:
                return redirect(url_for("accounts.new_password"))
            return redirect(_safe_next(request.args.get("next")) or url_for("main.home"))
        # One message whether the email exists or not.
        form.password.errors = list(form.password.errors) + [_("That email or username and password do not match an active account.")]
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
        return render_template("accounts/login_link_problem.html", other_account=True, message=_(
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
    """Sign this browser out (the account's other sessions go on: "My account" ends them).
    A same-site ``next`` returns there: the sign-in card a teacher's tablet was still
    signed in for."""
    sessions.end_this(current_user._get_current_object())
    session.clear()  # nothing of the signed-in session stays in this browser (its CSRF token included)
    logout_user()
    flash(_("You are signed out."), "success")
    return redirect(_safe_next(request.form.get("next")) or url_for("accounts.login"))


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
@password_check_limits
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


def _people_page(form: CreateUserForm, status: int = 200):
    """The People page: search and filters (``?q=&role=&classroom=``), a page of accounts
    within the administrator's scope, and (for district admins) the create form."""
    search = PeopleSearchForm(request.args)
    if not current_user.is_admin:  # a school admin never sees the district's admins
        search.role.choices = [c for c in search.role.choices if c.value != Role.ADMIN.value]
    classes = list(db.session.scalars(manageable_classrooms(current_user).where(Classroom.archived.is_(False))
                                      .order_by(Classroom.name, Classroom.id)))
    search.classroom.choices = choices([("", _("All classes")),
                                        *((str(c.id), f"{c.name} ({c.term})" if c.term else c.name) for c in classes)])
    valid = search.validate()
    role = Role(search.role.data) if valid and search.role.data else None
    classroom_id = int(search.classroom.data) if valid and (search.classroom.data or "").isdigit() else None
    if classroom_id is not None and classroom_id not in {c.id for c in classes}:
        classroom_id, search.classroom.data = None, ""
    query = (search.q.data or "").strip() if valid else ""
    page = paginate(services.list_users_query(manageable_people(current_user), query, role, classroom_id))
    filters = {k: v for k, v in (("q", query), ("role", role.value if role else ""),
                                 ("classroom", classroom_id or "")) if v}
    return render_template("admin/users.html", page=page, form=form, active_form=ActiveForm(), search=search,
                           filters=filters, searched=bool(filters)), 400 if not valid else status


def _create_user_form() -> CreateUserForm:
    """The account form, offering the schools the admin runs; a school admin creates only
    teachers, students and partners, always in one of their schools."""
    form = CreateUserForm()
    schools = schools_services.list_schools(administered_school_ids(current_user))
    # 0: no school (a district admin's choice only, e.g. for a partner or another district admin).
    form.school.choices = choices(([(0, _("No school"))] if current_user.is_admin else [])
                                  + [(s.id, s.name) for s in schools])
    if request.method == "POST" and form.school.name not in request.form:  # a post of an older page
        form.school.data = form.school.choices[0].value if form.school.choices else 0
    if not current_user.is_admin:
        form.role.choices = [c for c in form.role.choices
                             if c.value not in (Role.ADMIN.value, Role.SCHOOL_ADMIN.value)]
    return form


@admin_bp.get("/users")
@role_required(*ADMINS)
def users():
    return _people_page(_create_user_form())


@admin_bp.post("/users")
@role_required(*ADMINS)
def create_user():
    form = _create_user_form()
    if form.validate_on_submit():
        try:
            user = services.create_user(form.email.data, form.display_name.data, form.password.data,
                                        Role(form.role.data), school_id=form.school_id.data)
        except ValidationFailed as err:
            getattr(form, err.field or "email").errors = [str(err)]
        else:
            if form.school.data:
                schools_services.add_member(form.school.data, user)
            flash(_("Account created for %(name)s.", name=user.display_name), "success")
            if user.role is Role.STUDENT:
                flash(_("Place them in a class below."), "info")
                return redirect(url_for("admin.edit_person", user_id=user.id))
            return redirect(url_for("admin.users"))
    return _people_page(form, 400)


def _person(user_id: int) -> User:
    """An account within the administrator's scope, else 404."""
    return get_visible(manageable_people(current_user), User, user_id)


def _placement(person: User):
    """The person's classes (within the administrator's scope) and those they may be placed in."""
    scope = manageable_classrooms(current_user)
    placed = list(db.session.scalars(scope.join(Enrolment, Enrolment.classroom_id == Classroom.id)
                                     .where(Enrolment.user_id == person.id).order_by(Classroom.name)))
    placed_ids = {c.id for c in placed}
    open_classes = [c for c in db.session.scalars(scope.where(Classroom.archived.is_(False))
                                                  .order_by(Classroom.name, Classroom.id)) if c.id not in placed_ids]
    form = PlaceInClassForm()
    form.classroom.choices = choices((c.id, f"{c.name} ({c.term})" if c.term else c.name) for c in open_classes)
    return placed, form


def _person_page(person: User, form: EditPersonForm, status: int = 200, place_form=None):
    placed, default_place = _placement(person)
    if place_form is not None:
        place_form.classroom.choices = default_place.classroom.choices
    return render_template("admin/person.html", person=person, form=form, placed=placed,
                           place=place_form or default_place, empty=EmptyForm()), status


def _may_change_sign_in(person: User, form: EditPersonForm) -> bool:
    """A school admin changes the role or the username (what someone signs in with and may do)
    only of people wholly of their schools (:func:`cbl.permissions.taken_over_people`): not of
    a teacher who also teaches at another school, nor of another administrator."""
    role_changes = form.role.data != person.role.value
    username = (form.username.data or "").strip().lower() or None
    if not role_changes and username == person.username:
        return True
    if db.session.scalar(taken_over_people(current_user).where(User.id == person.id)) is not None:
        return True
    field = form.role if role_changes else form.username
    field.errors = [_("Only a district administrator changes this for an administrator or someone who also "
                      "belongs to another school.")]
    return False


@admin_bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@role_required(*ADMINS)
def edit_person(user_id: int):
    """Edit a person's name, role, username and school id; place a student in classes."""
    person = _person(user_id)
    form = EditPersonForm(obj=person)
    if request.method == "GET":
        form.role.data = person.role.value
    if current_user.role is not Role.ADMIN:
        form.role.choices = [c for c in form.role.choices if c.value not in ("admin", "school_admin")] \
            if person.role not in (Role.ADMIN, Role.SCHOOL_ADMIN) else form.role.choices
    if form.validate_on_submit() and _may_change_sign_in(person, form):
        try:
            changes = services.edit_person(person, current_user, form.display_name.data, Role(form.role.data),
                                           form.username.data, form.school_id.data)
        except ValidationFailed as err:
            getattr(form, err.field or "display_name").errors = [str(err)]
        else:
            flash(_("Saved.") if changes else _("Nothing changed."), "success")
            return redirect(url_for("admin.edit_person", user_id=person.id))
    return _person_page(person, form, 400 if request.method == "POST" else 200)


@admin_bp.post("/users/<int:user_id>/classes")
@role_required(*ADMINS)
def place_person(user_id: int):
    person = _person(user_id)
    if person.role is not Role.STUDENT:
        abort(403, _("Only students are placed in classes here; teachers are set in the class's settings."))
    placed, form = _placement(person)
    choices_by_id = {int(c.value): c.label for c in form.classroom.choices}
    if choices_by_id and form.validate_on_submit():
        classroom = db.session.get(Classroom, form.classroom.data)
        roster.enrol(classroom, person, current_user)
        flash(_("%(name)s is now in %(class_name)s.", name=person.display_name, class_name=classroom.name), "success")
        return redirect(url_for("admin.edit_person", user_id=person.id))
    if not form.errors:
        form.classroom.errors = [_("Choose a class.")]
    edit = EditPersonForm(obj=person)
    edit.role.data = person.role.value
    return _person_page(person, edit, 400, place_form=form)


@admin_bp.post("/users/<int:user_id>/classes/<int:classroom_id>/remove")
@role_required(*ADMINS)
def unplace_person(user_id: int, classroom_id: int):
    person = _person(user_id)
    classroom = get_visible(manageable_classrooms(current_user), Classroom, classroom_id)
    enrolled = db.session.scalar(select(Enrolment.id).where(Enrolment.user_id == person.id,
                                                            Enrolment.classroom_id == classroom.id))
    if enrolled is None:
        abort(404)
    if EmptyForm().validate_on_submit():
        roster.remove(classroom, person, current_user)
        flash(_("%(name)s is no longer in %(class_name)s. Nothing was deleted: their work stays with their "
                "team's projects.", name=person.display_name, class_name=classroom.name), "success")
    return redirect(url_for("admin.edit_person", user_id=person.id))


@admin_bp.post("/users/<int:user_id>/active")
@role_required(*ADMINS)
def set_active(user_id: int):
    form = ActiveForm()
    if not form.validate_on_submit():
        abort(400)
    if db.session.scalar(administered_people(current_user).where(User.id == user_id)) is None:
        abort(404)  # unknown, or a person of another school
    if db.session.scalar(taken_over_people(current_user).where(User.id == user_id)) is None:
        abort(403, _("Only a district administrator deactivates an administrator or someone who also "
                     "belongs to another school."))
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
