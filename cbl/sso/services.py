"""School sign-in: the authorization code flow (state, nonce and PKCE) through Authlib's
Flask client, the checks of the ID token a school needs beyond the standard ones (Google's
``hd``, Entra's ``tid``), and linking the person to an account.

An identity is linked by its issuer and subject once found; the first time, by the roster's
id (a configured claim equal to ``User.sourced_id``) or by a VERIFIED email, never by a claim
the provider does not vouch for."""

import secrets
import time

import requests
from authlib.integrations.base_client import MismatchingStateError, OAuthError
from authlib.integrations.flask_client import OAuth
from flask import current_app
from flask_babel import gettext as _
from joserfc import errors as jose_errors
from sqlalchemy import exists, func, or_, select
from sqlalchemy.exc import IntegrityError

from cbl import audit
from cbl.accounts.models import Role, User, normalise_email
from cbl.dbtypes import utcnow
from cbl.extensions import db
from cbl.schools.models import SchoolMember
from cbl.sso import providers
from cbl.sso.models import ProviderKind, SsoIdentity, SsoSettings
from cbl.sso.providers import ProviderConfig
from cbl.teams.models import Classroom, ClassroomTeacher, Enrolment

# How long a request to the provider may take before sign-in gives up.
HTTP_TIMEOUT = 10


class SignInRefused(Exception):
    """The sign-in is refused; ``message`` says why in plain words, ``reason`` is for the log."""

    def __init__(self, reason: str, message: str, status: int = 400, email: str = ""):
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.status = status
        self.email = email


# Discovery documents (with the keys, once fetched) by address, kept a few minutes so that a
# class signing in at once does not fetch them twice per person. Authlib fetches the keys
# again by itself when a token names a key it does not know (the provider rotated its keys).
METADATA_SECONDS = 300
_metadata: dict[str, tuple[float, dict]] = {}


def client_for(provider: ProviderConfig):
    """An Authlib client for the provider (discovery, PKCE S256, openid email profile)."""
    oauth = OAuth(current_app._get_current_object())
    client = oauth.register(
        name=f"sso_{provider.key}", client_id=provider.client_id, client_secret=provider.client_secret or None,
        server_metadata_url=provider.metadata_url,
        client_kwargs={"scope": "openid email profile", "code_challenge_method": "S256", "timeout": HTTP_TIMEOUT})
    cached = _metadata.get(provider.metadata_url)
    if cached and time.monotonic() - cached[0] < METADATA_SECONDS:
        client.server_metadata.update(cached[1])
    return client


def _remember_metadata(provider: ProviderConfig, client) -> None:
    if "_loaded_at" in client.server_metadata:
        _metadata[provider.metadata_url] = (time.monotonic(), dict(client.server_metadata))


def start(provider: ProviderConfig, redirect_uri: str):
    """The redirect to the provider. Authlib keeps state, nonce and the PKCE verifier in the
    session. Google's ``hd`` parameter only preselects the account: the token is checked."""
    client = client_for(provider)
    extra = {"nonce": secrets.token_urlsafe(24)}
    if provider.kind is ProviderKind.GOOGLE and len(provider.allowed) == 1:
        extra["hd"] = provider.allowed[0]
    if provider.kind is not ProviderKind.OIDC:
        extra["prompt"] = "select_account"
    try:
        response = client.authorize_redirect(redirect_uri, **extra)
        _remember_metadata(provider, client)
        return response
    except (requests.RequestException, ValueError, RuntimeError) as err:
        current_app.logger.warning("School sign-in %s: discovery failed: %s", provider.key, err)
        raise SignInRefused("provider_unreachable", _(
            "The school sign-in service could not be reached. Try again in a moment, or sign in with "
            "your password."), status=502) from None


def finish(provider: ProviderConfig) -> User:
    """Check the provider's answer and return the linked account, or raise SignInRefused."""
    claims = _validated_claims(provider)
    _check_organisation(provider, claims)
    user = _link(provider, claims)
    if not user.active:
        raise SignInRefused("deactivated", _(
            "Your CBL Tracker account is deactivated. Ask your teacher or the school office."), status=403,
            email=str(claims.get("email") or ""))
    return user


def _validated_claims(provider: ProviderConfig) -> dict:
    client = client_for(provider)
    try:
        token = client.authorize_access_token(leeway=60, claims_options=_claims_options(client, provider))
    except MismatchingStateError:
        raise SignInRefused("state", _(
            "This sign-in did not start in this browser, or it was already used (the “state” does not match). "
            "Start again from the sign-in page.")) from None
    except OAuthError as err:
        if err.error == "invalid_grant":
            raise SignInRefused("code", _(
                "The sign-in code was already used or has expired. Start again from the sign-in page.")) from None
        if err.error == "access_denied":
            raise SignInRefused("denied", _(
                "The school sign-in was cancelled. Start again from the sign-in page.")) from None
        raise SignInRefused("provider_error", _(
            "The school sign-in service refused the sign-in (%(error)s). Start again from the sign-in page.",
            error=err.error or "error")) from None
    except jose_errors.ExpiredTokenError:
        raise SignInRefused("expired", _(
            "The school account's ID token has expired. Start again from the sign-in page; if it keeps "
            "happening, the server's clock may be wrong.")) from None
    except jose_errors.ClaimError as err:
        raise SignInRefused(f"claim_{err.claim}", _claim_message(err.claim)) from None
    except jose_errors.JoseError as err:
        current_app.logger.warning("School sign-in %s: bad ID token: %s", provider.key, err)
        raise SignInRefused("token", _(
            "The school account's ID token could not be verified (its signature is not valid). "
            "Start again from the sign-in page.")) from None
    except (requests.RequestException, ValueError, RuntimeError) as err:
        current_app.logger.warning("School sign-in %s: failed: %s", provider.key, err)
        raise SignInRefused("provider_unreachable", _(
            "The school sign-in service could not be reached. Try again in a moment."), status=502) from None
    _remember_metadata(provider, client)
    claims = token.get("userinfo")
    if not claims:
        raise SignInRefused("no_id_token", _("The school sign-in service sent no ID token. Ask your school's IT "
                                             "team to check the sign-in settings."))
    return dict(claims)


def _claims_options(client, provider: ProviderConfig) -> dict:
    """What the ID token must say: issued by the provider's issuer (for Entra's multi-tenant
    endpoint, the issuer of the token's own tenant) and meant for our client id. Authlib checks
    ``exp``, ``nonce``, ``azp`` and the signature besides."""
    issuer = str(client.load_server_metadata().get("issuer") or "")
    if "{tenantid}" in issuer:
        def same_tenant(claims, value) -> bool:
            return value == issuer.replace("{tenantid}", str(claims.get("tid") or ""))
        iss = {"essential": True, "validate": same_tenant}
    else:
        iss = {"essential": True, "values": [issuer]}
    return {"iss": iss, "aud": {"essential": True, "values": [provider.client_id]}}


def _claim_message(claim: str) -> str:
    if claim in ("aud", "azp"):
        return _("The ID token was made for another application (its audience “aud” is not this site). "
                 "Start again from the sign-in page.")
    if claim == "iss":
        return _("The ID token comes from another issuer than the configured school sign-in service (“iss”). "
                 "Start again from the sign-in page.")
    if claim == "nonce":
        return _("The ID token does not belong to this sign-in (its “nonce” does not match). "
                 "Start again from the sign-in page.")
    return _("The ID token is not valid (its “%(claim)s” is wrong). Start again from the sign-in page.",
             claim=claim)


def _check_organisation(provider: ProviderConfig, claims: dict) -> None:
    """Google: the token's ``hd`` must be an allowed domain. Entra: ``tid`` an allowed tenant
    (and, for the multi-tenant endpoint, the issuer that tenant's). Others: the email domain,
    when domains are set."""
    email = str(claims.get("email") or "")
    if provider.kind is ProviderKind.GOOGLE:
        hd = str(claims.get("hd") or "").lower()
        if not hd or hd not in provider.allowed:
            raise SignInRefused("hd", _(
                "This Google account is not one of your school's (%(domains)s). Sign in with your school "
                "account, not a personal one.", domains=", ".join(provider.allowed)), status=403, email=email)
    elif provider.kind is ProviderKind.ENTRA:
        tid = str(claims.get("tid") or "").lower()
        if not tid or tid not in provider.allowed:
            raise SignInRefused("tid", _(
                "This Microsoft account belongs to another organization than your school. Sign in with your "
                "school account."), status=403, email=email)
    elif provider.allowed:
        if not _verified_email(provider, claims) or _domain(email) not in provider.allowed:
            raise SignInRefused("domain", _(
                "This account is not one of your school's (%(domains)s). Sign in with your school account.",
                domains=", ".join(provider.allowed)), status=403, email=email)


def _domain(email: str) -> str:
    return email.rpartition("@")[2].lower() if "@" in email else ""


def _verified_email(provider: ProviderConfig, claims: dict) -> str | None:
    """The email the provider vouches for, or None. ``email_verified`` must be true; Entra
    sends none, and there the address of an allowed tenant (checked before) is taken,
    unless the token says it is not verified."""
    verified = claims.get("email_verified")
    if provider.kind is ProviderKind.ENTRA:
        email = claims.get("email") or claims.get("upn") or claims.get("preferred_username")
        if verified is False or str(verified).lower() == "false":
            return None
    else:
        email = claims.get("email")
        if not (verified is True or str(verified).lower() == "true"):
            return None
    if not isinstance(email, str) or "@" not in email:
        return None
    return normalise_email(email)


def _link(provider: ProviderConfig, claims: dict) -> User:
    issuer, subject = str(claims.get("iss") or ""), str(claims.get("sub") or "")
    if not subject:
        raise SignInRefused("claim_sub", _claim_message("sub"))
    identity = db.session.scalar(select(SsoIdentity).where(SsoIdentity.issuer == issuer,
                                                           SsoIdentity.subject == subject))
    email = _verified_email(provider, claims)
    if identity is not None:
        identity.last_used_at = utcnow()
        return identity.user
    user = None
    roster_id = claims.get(provider.roster_claim) if provider.roster_claim else None
    if isinstance(roster_id, (str, int)) and str(roster_id).strip():
        user = db.session.scalar(select(User).where(User.sourced_id == str(roster_id).strip()))
    if user is None and email:
        user = db.session.scalar(select(User).where(User.email == email))
    created = False
    if user is None:
        if not email or _domain(email) not in provider.create_domains:
            raise SignInRefused("unknown", _(
                "Your school account isn't in CBL Tracker yet. Ask your teacher to add you, then sign in again."),
                status=403, email=str(claims.get("email") or ""))
        user = _create_account(provider, claims, email)
        created = True
    db.session.add(SsoIdentity(provider=provider.key, issuer=issuer, subject=subject, user_id=user.id,
                               last_used_at=utcnow()))
    audit.record(audit.Action.SSO_LINKED, actor_id=user.id, object_type="user", object_id=user.id,
                 detail=f"{provider.label}|{'created' if created else 'linked'}|{email or ''}")
    try:
        db.session.flush()
    except IntegrityError:  # the same person finished two sign-ins at once: the other one linked
        db.session.rollback()
        raise SignInRefused("race", _("You were signed in in another window. Start again from the sign-in page."))
    return user


def _create_account(provider: ProviderConfig, claims: dict, email: str) -> User:
    role = provider.create_role if provider.create_role in providers.CREATABLE_ROLES else Role.STUDENT
    name = str(claims.get("name") or " ".join(
        str(claims.get(part) or "") for part in ("given_name", "family_name")).strip() or email.partition("@")[0])
    user = User(email=email, display_name=name[:120], role=role)
    # Nobody knows this password: the account signs in with the school account (or a reset).
    user.set_password(secrets.token_urlsafe(32))
    db.session.add(user)
    db.session.flush()
    if provider.school_id is not None:  # a school's button makes people of that school
        db.session.add(SchoolMember(school_id=provider.school_id, user_id=user.id))
        db.session.flush()
    return user


def record_refusal(provider: ProviderConfig | None, refusal: SignInRefused) -> None:
    """Log a refusal. An address of the school's own domains is kept whole (the admin may want
    to add that person); any other only by its domain: it may be a child's personal account,
    which the school has no reason to keep."""
    email = refusal.email or ""
    domain = email.rsplit("@", 1)[1].lower() if "@" in email else ""
    school_domains = {d.lower() for d in (provider.allowed + provider.create_domains)} if provider else set()
    shown = email if domain and domain in school_domains else (f"@{domain}" if domain else "")
    audit.record_now(audit.Action.SSO_REFUSED, actor_id=None, object_type="sso",
                     detail=f"{provider.label if provider else '?'}|{refusal.reason}|{shown}")


def record_sign_in(provider: ProviderConfig, user: User) -> None:
    user.last_seen_at = utcnow()
    audit.record(audit.Action.SSO_SIGN_IN, actor_id=user.id, object_type="user", object_id=user.id,
                 detail=provider.label)
    db.session.commit()


# --- requiring school sign-in ----------------------------------------------------------------------

def load_settings(school_id: int | None = None) -> SsoSettings | None:
    """The district's row (no school), or a school's."""
    column = SsoSettings.school_id
    return db.session.scalar(select(SsoSettings).where(column.is_(None) if school_id is None else column == school_id)
                             .order_by(SsoSettings.id).limit(1))


def save_settings(require_for_teachers: bool, require_for_students: bool, acting: User,
                  school_id: int | None = None) -> None:
    settings = load_settings(school_id) or SsoSettings(school_id=school_id)
    settings.require_for_teachers = require_for_teachers
    settings.require_for_students = require_for_students
    db.session.add(settings)
    audit.record(audit.Action.SSO_SETTINGS_CHANGED, actor_id=acting.id, object_type="sso",
                 object_id=school_id,
                 detail=f"teachers={require_for_teachers} students={require_for_students}"
                 + (f" school={school_id}" if school_id else ""))
    db.session.commit()


def _schools_of(user: User):
    """The schools a person belongs to: as a member, or through a class they teach or are in."""
    classes = select(Classroom.school_id).where(Classroom.school_id.is_not(None))
    return (select(SchoolMember.school_id).where(SchoolMember.user_id == user.id)
            .union(classes.where(Classroom.id.in_(select(Enrolment.classroom_id).where(Enrolment.user_id == user.id))),
                   classes.where(Classroom.id.in_(select(ClassroomTeacher.classroom_id)
                                                  .where(ClassroomTeacher.user_id == user.id)))))


def password_sign_in_refused(user: User) -> bool:
    """Whether the role must use school sign-in: the district requires it, or one of the
    person's schools does (only while a provider is enabled, so nobody is locked out; admins
    may always use their password)."""
    if user.role is Role.TEACHER:
        column = SsoSettings.require_for_teachers
    elif user.role is Role.STUDENT:
        column = SsoSettings.require_for_students
    else:
        return False
    required = db.session.scalar(select(exists().where(column.is_(True), or_(
        SsoSettings.school_id.is_(None), SsoSettings.school_id.in_(_schools_of(user))))))
    return bool(required) and bool(providers.enabled_providers())


def identities_count() -> dict[str, int]:
    """How many people each provider linked, for the admin page."""
    rows = db.session.execute(select(SsoIdentity.provider, func.count()).group_by(SsoIdentity.provider)).all()
    return {key: count for key, count in rows}
