"""Forms of school sign-in: a provider, and which roles must use it."""

import re
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from cbl.formtools import Form, choices
from cbl.sso.providers import split_list

_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_TENANT = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_CLAIM = re.compile(r"^[A-Za-z_][A-Za-z0-9_.:-]{0,79}$")


def _address(form, field) -> None:
    url = (field.data or "").strip()
    if not url:
        if form.kind.data == "oidc":
            raise ValidationError(_l("Enter the provider's issuer or discovery address."))
        return
    parts = urlsplit(url)
    local = parts.hostname in ("127.0.0.1", "localhost")
    if parts.scheme not in ("https", "http") or not parts.hostname or (parts.scheme == "http" and not local):
        raise ValidationError(_l("Enter an https:// address, such as https://accounts.google.com."))


def _allowed(form, field) -> None:
    items = split_list(field.data)
    if form.kind.data == "entra":
        if not items:
            raise ValidationError(_l("Enter your Microsoft Entra tenant id (a GUID such as "
                                     "72f988bf-86f1-41af-91ab-2d7cd011db47)."))
        bad = [item for item in items if not _TENANT.match(item)]
        if bad:
            raise ValidationError(_l("Not a tenant id: %(items)s. A tenant id looks like "
                                     "72f988bf-86f1-41af-91ab-2d7cd011db47.", items=", ".join(bad[:3])))
        return
    if form.kind.data == "google" and not items:
        raise ValidationError(_l("Enter your school's Google Workspace domain, such as riverside.org."))
    _domains(items)


def _domains(items: list[str]) -> None:
    bad = [item for item in items if not _DOMAIN.match(item)]
    if bad:
        raise ValidationError(_l("Not a domain: %(items)s. Write domains such as riverside.org.",
                                 items=", ".join(bad[:3])))


def _create_domains(form, field) -> None:
    _domains(split_list(field.data))


def _claim(form, field) -> None:
    if field.data and not _CLAIM.match(field.data.strip()):
        raise ValidationError(_l("Write a claim name such as sourced_id (letters, digits, _ . : -)."))


class ProviderForm(Form):
    kind = SelectField(_l("Kind of provider"), choices=choices([
        ("google", _l("Google Workspace for Education")), ("entra", _l("Microsoft Entra ID (Office 365)")),
        ("oidc", _l("Other OpenID Connect provider (Clever, ClassLink, Keycloak…)"))]))
    label = StringField(_l("Button label"), validators=[DataRequired(), Length(max=80)],
                        description=_l("What the sign-in button says, e.g. “Riverside Google”."))
    discovery_url = StringField(_l("Issuer or discovery address"), validators=[Length(max=500), _address],
                                description=_l("Google and Microsoft: leave empty. Others: the issuer, e.g. "
                                               "https://login.clever.com, or its …/.well-known/openid-configuration."))
    client_id = StringField(_l("Client id"), validators=[DataRequired(), Length(max=255)])
    client_secret = PasswordField(_l("Client secret"), validators=[Length(max=500)],
                                  description=_l("Leave empty to keep the saved secret."))
    allowed = TextAreaField(_l("Allowed domains or tenants"), validators=[Length(max=2000), _allowed],
                            description=_l("Google: your Workspace domains (checked in the account's “hd”). "
                                           "Microsoft: your tenant ids. Others: email domains (empty: any). "
                                           "One per line."))
    create_domains = TextAreaField(_l("Create accounts for these domains"), validators=[Length(max=2000),
                                                                                        _create_domains],
                                   description=_l("People of these email domains who are not in CBL Tracker yet "
                                                  "get an account at their first sign-in. Empty: nobody."))
    create_role = SelectField(_l("Role of created accounts"), choices=choices([
        ("student", _l("Student")), ("teacher", _l("Teacher"))]))
    roster_claim = StringField(_l("Roster id claim (optional)"), validators=[Length(max=80), _claim],
                               description=_l("A claim holding the person's id in your student information "
                                              "system, matched to the roster's id."))
    enabled = BooleanField(_l("Show the button on the sign-in page"), default=True)
    # Choices set by the view: the schools the admin runs, and "the whole district" for a district admin.
    school = SelectField(_l("For which school"), choices=[], default="", validate_choice=True,
                         description=_l("A school's button is managed by that school's admins; a button for "
                                        "the whole district only by a district admin."))


class SsoSettingsForm(Form):
    # Empty: the whole district (a district admin's); else a school the admin runs (checked by the view).
    school = HiddenField(validators=[Length(max=10)])
    require_for_teachers = BooleanField(_l("Teachers must sign in with their school account"))
    require_for_students = BooleanField(_l("Students must sign in with their school account"))
