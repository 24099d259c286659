"""School sign-in: the buttons' routes, the provider's answer, and the admin's page."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from cbl.accounts import sessions
from cbl.accounts.models import Role
from cbl.accounts.views import _safe_next, admin_bp
from cbl.extensions import db
from cbl.permissions import ADMINS, administered_school_ids, administers_school, role_required
from cbl.ratelimit import sso_callback_limits
from cbl.schools.models import School
from cbl.sso import providers, services
from cbl.sso.forms import ProviderForm, SsoSettingsForm
from cbl.sso.models import ProviderKind, SsoProvider
from cbl.sso.services import SignInRefused

bp = Blueprint("sso", __name__)

_NEXT = "sso_next"


def _refused(provider, refusal: SignInRefused):
    services.record_refusal(provider, refusal)
    return render_template("sso/problem.html", message=refusal.message, provider=provider), refusal.status


def callback_url(key: str) -> str:
    """Where the provider sends people back: under ``BASE_URL`` when it is set (behind a
    reverse proxy the request's own address is the proxy's), else this request's host."""
    base = current_app.config.get("BASE_URL")
    if base:
        return base.rstrip("/") + url_for("sso.callback", key=key)
    return url_for("sso.callback", key=key, _external=True)


@bp.get("/login/school/<key>")
def start(key: str):
    """The sign-in button: off to the provider, which sends the person back to ``callback``."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    provider = providers.find(key[:40])
    if provider is None:
        abort(404)
    session[_NEXT] = _safe_next(request.args.get("next")) or ""
    try:
        return services.start(provider, callback_url(provider.key))
    except SignInRefused as refusal:
        return _refused(provider, refusal)


@bp.get("/login/school/<key>/callback")
@sso_callback_limits
def callback(key: str):
    provider = providers.find(key[:40])
    if provider is None:
        abort(404)
    try:
        user = services.finish(provider)
    except SignInRefused as refusal:
        db.session.rollback()
        return _refused(provider, refusal)
    if current_user.is_authenticated and current_user.id != user.id:
        db.session.rollback()
        return render_template("sso/problem.html", provider=provider, message=_(
            "You are signed in with another account. Sign out, then sign in with your school account.")), 403
    after = session.pop(_NEXT, "")  # read before signing in starts a fresh session
    sessions.start(user)
    sessions.mark_passwordless_sign_in(user)
    services.record_sign_in(provider, user)
    flash(_("You are signed in with your school account."), "success")
    return redirect(_safe_next(after) or url_for("main.home"))


# --- the admin's page ------------------------------------------------------------------------------

def _secret_hint(secret: str) -> str:
    return "•••• " + secret[-4:] if len(secret) >= 12 else ("••••" if secret else "")


def visible_providers():
    """The providers an admin manages: all for a district admin; a school admin's those of
    their schools (not the district's, not another school's)."""
    stmt = select(SsoProvider)
    if current_user.role is not Role.ADMIN:
        stmt = stmt.where(SsoProvider.school_id.in_(administered_school_ids(current_user)))
    return stmt


def _my_schools() -> list[School]:
    return list(db.session.scalars(select(School).where(School.id.in_(administered_school_ids(current_user)),
                                                        School.retired_at.is_(None)).order_by(School.name)))


def _settings_forms(posted: SsoSettingsForm | None = None) -> list[tuple[School | None, SsoSettingsForm]]:
    """One form for the whole district (a district admin's), one per school a school admin runs."""
    scopes: list[School | None] = [None] if current_user.role is Role.ADMIN else _my_schools()
    forms = []
    for school in scopes:
        key = str(school.id) if school else ""
        if posted is not None and (posted.school.data or "") == key:
            forms.append((school, posted))
            continue
        form = SsoSettingsForm(formdata=None)
        current = services.load_settings(school.id if school else None)
        form.school.data = key
        form.require_for_teachers.data = bool(current and current.require_for_teachers)
        form.require_for_students.data = bool(current and current.require_for_students)
        forms.append((school, form))
    if len(forms) > 1:  # several forms on one page: each its own ids
        for school, form in forms:
            for f in (form.require_for_teachers, form.require_for_students):
                f.id = f.label.field_id = f"{f.name}-{school.id if school else 'district'}"
    return forms


def _page(settings_form=None, status=200):
    rows = db.session.scalars(visible_providers().order_by(SsoProvider.label, SsoProvider.id)).all()
    district = current_user.role is Role.ADMIN
    return render_template("admin/sso.html", rows=rows, from_settings=providers.from_settings() if district else [],
                           counts=services.identities_count(), settings_forms=_settings_forms(settings_form),
                           secret_hint=_secret_hint, any_enabled=bool(providers.enabled_providers())), status


@admin_bp.get("/sign-in")
@role_required(*ADMINS)
def sso_providers():
    return _page()


@admin_bp.post("/sign-in/settings")
@role_required(*ADMINS)
def sso_settings():
    form = SsoSettingsForm()
    raw = form.school.data or ""
    if raw and not (raw.isdigit() and len(raw) < 10):
        abort(404)
    school_id = int(raw) if raw else None
    if school_id is None and current_user.role is not Role.ADMIN:
        # The form names the school; without one it is incomplete (the district's setting is not theirs).
        abort(400, _("Only a district admin requires school sign-in for the whole district."))
    if school_id is not None and not administers_school(current_user, school_id):
        abort(404)
    if not form.validate_on_submit():
        return _page(form, 400)
    services.save_settings(bool(form.require_for_teachers.data), bool(form.require_for_students.data),
                           current_user._get_current_object(), school_id)
    flash(_("School sign-in settings saved."), "success")
    return redirect(url_for("admin.sso_providers"))


def _school_choices(form: ProviderForm) -> None:
    """Which school a button is for: a school admin's schools; a district admin may also
    choose the whole district."""
    options = [(str(s.id), s.name) for s in _my_schools()]
    if current_user.role is Role.ADMIN:
        options.insert(0, ("", _("The whole district")))
    form.school.choices = options


def _save(form: ProviderForm, row: SsoProvider) -> None:
    row.kind = ProviderKind(form.kind.data)
    row.label = form.label.data.strip()
    row.discovery_url = (form.discovery_url.data or "").strip()
    row.client_id = form.client_id.data.strip()
    if form.client_secret.data:
        row.client_secret = form.client_secret.data.strip()
    row.allowed = "\n".join(providers.split_list(form.allowed.data))
    row.create_domains = "\n".join(providers.split_list(form.create_domains.data))
    row.create_role = Role(form.create_role.data)
    row.roster_claim = (form.roster_claim.data or "").strip()
    row.enabled = bool(form.enabled.data)
    row.school_id = int(form.school.data) if form.school.data else None  # one of the choices, checked
    db.session.add(row)
    db.session.commit()


@admin_bp.route("/sign-in/new", methods=["GET", "POST"])
@role_required(*ADMINS)
def sso_new():
    form = ProviderForm()
    _school_choices(form)
    form.client_secret.description = _("Google and Microsoft give it with the client id.")
    valid = form.validate_on_submit()
    if valid and form.kind.data != ProviderKind.OIDC.value and not form.client_secret.data:
        form.client_secret.errors = [_("Enter the client secret the provider gave you.")]
        valid = False
    if valid:
        row = SsoProvider()
        _save(form, row)
        flash(_("The sign-in button “%(label)s” is saved. Register the address below at the provider.",
                label=row.label), "success")
        return redirect(url_for("admin.sso_edit", provider_id=row.id))
    return render_template("admin/sso_provider.html", form=form, row=None, callback_url=callback_url), 400 if request.method == "POST" else 200


@admin_bp.route("/sign-in/<int:provider_id>", methods=["GET", "POST"])
@role_required(*ADMINS)
def sso_edit(provider_id: int):
    row = db.session.scalar(visible_providers().where(SsoProvider.id == provider_id)) if provider_id < 2**31 else None
    if row is None:
        abort(404)
    form = ProviderForm(obj=row if request.method == "GET" else None)
    _school_choices(form)
    if request.method == "GET":
        form.client_secret.data = ""
        form.school.data = str(row.school_id) if row.school_id else ""
    elif form.validate_on_submit():
        _save(form, row)
        flash(_("The sign-in button “%(label)s” is saved.", label=row.label), "success")
        return redirect(url_for("admin.sso_providers"))
    return render_template("admin/sso_provider.html", form=form, row=row, callback_url=callback_url,
                           secret_hint=_secret_hint(row.client_secret)), 400 if request.method == "POST" else 200
