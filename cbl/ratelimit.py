"""Abuse limits: how often one address or one account may try to sign in, ask for a sign-in
link or send invitations.

The counters live in ``RATELIMIT_STORAGE_URI``: process memory by default (enough for one
process), Redis (``redis://host:6379/0``) when several processes or hosts serve the site.
Each limit is a setting (``RATELIMIT_SIGN_IN_PER_ACCOUNT`` …, see :mod:`cbl.config`), read
on every request, so a deployment or a test can tune it. Only the routes decorated here are
limited, and only their POSTs count. A refused request answers 429 before the view runs,
so nothing is saved, sent or logged, and the answer is the same whether an account exists."""

import hashlib
from typing import Callable

from flask import Flask, current_app, request
from flask.wrappers import Response
from flask_limiter import Limiter
from flask_login import current_user

# A Redis server that does not answer must not hold a request for long (see init_app).
REDIS_TIMEOUTS = {"socket_connect_timeout": 1, "socket_timeout": 1}


def client_address() -> str:
    """The address the request came from. Behind a reverse proxy this is the proxy's,
    unless the proxy's headers are trusted by the WSGI server or middleware."""
    return "address:" + (request.remote_addr or "unknown")


def submitted_email() -> str:
    """The form's ``email`` as the accounts area stores it (stripped, lower case), hashed
    so that the limiter's storage holds no email addresses."""
    email = (request.form.get("email") or "").strip().lower()
    return "email:" + hashlib.sha256(email.encode()).hexdigest()[:32]


def submitted_account() -> str:
    """The account the sign-in form names, by its email or its username alike (so trying
    both does not double its budget); a name that matches no account, hashed as above."""
    from cbl.accounts.models import get_user_by_sign_in_name

    name = (request.form.get("email") or "").strip().lower()
    user = get_user_by_sign_in_name(name) if name and len(name) <= 254 else None
    if user is not None:
        return f"sign-in-account:{user.id}"
    return "email:" + hashlib.sha256(name.encode()).hexdigest()[:32]


def signed_in_account() -> str:
    """The signed-in account (these limits are exempt for anonymous visitors)."""
    return f"account:{current_user.id}"


def card_token() -> str:
    """The sign-in card in the address (``/card/<token>``), hashed like the stored card."""
    token = (request.view_args or {}).get("token") or ""
    return "card:" + hashlib.sha256(str(token).encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _is_anonymous() -> bool:
    return not getattr(current_user, "is_authenticated", False)


def _failed_sign_in(response: Response) -> bool:
    # A sign-in that worked redirects; a wrong email or password shows the form again with 400.
    return response.status_code == 400


def _sent(response: Response) -> bool:
    # An invitation that was sent redirects; a form with errors is shown again.
    return 300 <= response.status_code < 400


def _mailed(response: Response) -> bool:
    # A sign-up that was accepted shows "check your mail" (200); a form with errors is a 400.
    return response.status_code == 200


class AppLimiter(Limiter):
    """Flask-Limiter's extension object keeps what it read from one application's config and
    fills in only what is still unset when the next application is initialised. Every test
    builds an application of its own, so each one starts from a clean slate here: its own
    storage (a fresh memory store, so no count leaks into the next test), key prefix, storage
    options and on/off switch. A production process has a single application."""

    def init_app(self, app: Flask) -> None:
        uri = app.config.get("RATELIMIT_STORAGE_URI") or ""
        self.enabled = True
        self._key_prefix = ""
        self._storage_dead = False
        # RATELIMIT_STORAGE_OPTIONS in the config overrides these defaults.
        self._storage_options = dict(REDIS_TIMEOUTS) if uri.startswith(("redis://", "rediss://")) else {}
        super().init_app(app)


# No default or application-wide limits: only the decorated routes below are limited.
# Response headers stay off (config RATELIMIT_HEADERS_ENABLED); Flask-Limiter reads every
# other RATELIMIT_* setting from the application's config in init_app.
limiter = AppLimiter(key_func=client_address)


def init_app(app: Flask) -> None:
    """Bind the limiter to ``app`` with its ``RATELIMIT_*`` settings."""
    limiter.init_app(app)


def _setting(name: str) -> Callable[[], str]:
    return lambda: current_app.config[name]


def _decorator(*limits: Callable[[], object]) -> Callable[[Callable], Callable]:
    """One decorator applying several limits; fresh limit objects for every view, so the
    same decorator can be applied to more than one route."""

    def decorate(view: Callable) -> Callable:
        for make in reversed(limits):
            view = make()(view)
        return view

    return decorate


def _limit(setting: str, scope: str, key: Callable[[], str], **options) -> Callable[[], object]:
    # Shared scopes: routes with the same decorator draw on one budget (e.g. every way of
    # inviting someone counts toward the same recipient's daily limit).
    return lambda: limiter.shared_limit(_setting(setting), scope=scope, key_func=key, methods=["POST"], **options)


#: POST /login: failed attempts per account (named by email or username) and per address. Only failures count
#: (deduct_when), so a class signing in from one school address is not locked out, while
#: once an account's budget is spent even the right password waits.
sign_in_limits = _decorator(
    _limit("RATELIMIT_SIGN_IN_PER_ADDRESS", "sign-in-address", client_address, deduct_when=_failed_sign_in),
    _limit("RATELIMIT_SIGN_IN_PER_ACCOUNT", "sign-in-account", submitted_account, deduct_when=_failed_sign_in),
)

#: POST of "email me a sign-in link" (form field ``email``): every request counts, whether
#: or not the address has an account, so the answer reveals nothing.
link_request_limits = _decorator(
    _limit("RATELIMIT_LINK_REQUEST_PER_ADDRESS", "login-link-address", client_address),
    _limit("RATELIMIT_LINK_REQUEST_PER_EMAIL", "login-link-email", submitted_email),
)

#: POST of an invitation form (field ``email``; put it below ``login_required``): every
#: request counts per sending account and per address; per recipient only invitations sent.
invitation_limits = _decorator(
    _limit("RATELIMIT_INVITE_PER_ADDRESS", "invite-address", client_address),
    _limit("RATELIMIT_INVITE_PER_ACCOUNT", "invite-account", signed_in_account, exempt_when=_is_anonymous),
    _limit("RATELIMIT_INVITE_PER_RECIPIENT", "invite-recipient", submitted_email, deduct_when=_sent),
)

#: POST of the join-code sign-up (field ``email``): only requests that mailed something count,
#: the same whether or not the address has an account; per address generously, since a whole
#: class signs up from the school's one address.
signup_limits = _decorator(
    _limit("RATELIMIT_SIGNUP_PER_ADDRESS", "signup-address", client_address, deduct_when=_mailed),
    _limit("RATELIMIT_SIGNUP_PER_EMAIL", "signup-email", submitted_email, deduct_when=_mailed),
)

#: GET and POST of a sign-in card (``/card/<token>``): cards that do not work (unknown,
#: voided, refused) count per address, so guessing is slow while a class signing in from one
#: school address is not held up; every sign-in with one card counts toward that card's budget.
sign_in_card_limits = _decorator(
    lambda: limiter.shared_limit(_setting("RATELIMIT_CARD_PER_ADDRESS"), scope="card-address",
                                 key_func=client_address, methods=["GET", "POST"],
                                 deduct_when=lambda response: response.status_code >= 400),
    _limit("RATELIMIT_CARD_PER_CARD", "card-card", card_token),
)

#: POST of "forgot your password?" (field ``email``): every request counts, per address
#: and per submitted email, whether or not the address has an account.
password_reset_limits = _decorator(
    _limit("RATELIMIT_PASSWORD_RESET_PER_ADDRESS", "password-reset-address", client_address),
    _limit("RATELIMIT_PASSWORD_RESET_PER_EMAIL", "password-reset-email", submitted_email),
)

#: POST of a teacher's or admin's password reset (below ``login_required``).
staff_reset_limits = _decorator(
    _limit("RATELIMIT_STAFF_RESET_PER_ADDRESS", "staff-reset-address", client_address),
    _limit("RATELIMIT_STAFF_RESET_PER_ACCOUNT", "staff-reset-account", signed_in_account, exempt_when=_is_anonymous),
)

#: POST of "change my password" (below ``login_required``): wrong current passwords per
#: account, so that a session left open, or stolen, cannot try passwords until it finds the one
#: that would let it lock the owner out.
password_check_limits = _decorator(
    _limit("RATELIMIT_PASSWORD_CHECK_PER_ACCOUNT", "password-check-account", signed_in_account,
           exempt_when=_is_anonymous, deduct_when=_failed_sign_in),
)

#: POST of "change my email" (below ``login_required``): mails sent per account.
email_change_limits = _decorator(
    _limit("RATELIMIT_EMAIL_CHANGE_PER_ACCOUNT", "email-change-account", signed_in_account, exempt_when=_is_anonymous),
)

#: The answer of a school sign-in provider (GET): every request counts per address, generous
#: enough for a class signing in at once from one school address.
sso_callback_limits = _decorator(
    lambda: limiter.shared_limit(_setting("RATELIMIT_SSO_CALLBACK_PER_ADDRESS"), scope="sso-callback-address",
                                 key_func=client_address, methods=["GET"]),
)
