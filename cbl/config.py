"""Default settings. Overridden by ``instance/config.py``, then by ``CBL_*``/standard
environment variables, then by the mapping passed to :func:`cbl.create_app`."""

import os
from pathlib import Path

# Names read from the environment as they are, besides any ``CBL_<NAME>`` variable.
ENV_NAMES = ("DATABASE_URL", "SECRET_KEY", "UPLOAD_FOLDER", "RATELIMIT_STORAGE_URI")


class Defaults:
    # SQLALCHEMY_DATABASE_URI defaults to SQLite in instance/ (set in create_app).
    SQLALCHEMY_DATABASE_URI: str | None = None
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    SECRET_KEY: str | None = None  # generated into instance/secret_key when unset
    UPLOAD_FOLDER: str | None = None  # instance/uploads when unset
    # One form may carry several photos of up to 20 MB each (see portfolio.forms.MAX_PHOTOS).
    MAX_CONTENT_LENGTH = 105 * 1024 * 1024
    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = None  # tied to the session, which ends at sign-out
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "UTC"
    BABEL_TRANSLATION_DIRECTORIES = str(Path(__file__).parent / "translations")
    LANGUAGES = ("en", "es")
    PAGE_SIZE = 25
    # The school's name as printed on transcripts (CBL_SCHOOL_NAME); unset: the product's name.
    SCHOOL_NAME = ""
    # Mail: written to instance/mail/ unless MAIL_SERVER is set (then SMTP).
    MAIL_BACKEND: str | None = None
    MAIL_FROM = "CBL Tracker <no-reply@localhost>"
    # The school's name in mail to families and partners (an admin's "School settings" page
    # overrides it, and the mail sender too: cbl/school.py).
    SCHOOL_NAME = ""
    MAIL_SERVER: str | None = None
    MAIL_PORT = 587
    MAIL_USE_TLS = True
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    # A message that could not be delivered is tried again: after 1, 2, 4... minutes (7 tries in
    # about two hours), each failure logged; then it is given up, logged as an error.
    MAIL_RETRIES = 6
    MAIL_RETRY_SECONDS = 60
    # Background jobs (cbl/jobs): the queue in instance/jobs.sqlite unless JOBS_URL says
    # sqlite:////path or redis://host:6379/0 (several servers share one Redis queue).
    JOBS_URL: str | None = None
    JOBS_NAME = "cbl"  # the queue's name: its key prefix in Redis
    JOBS_IMMEDIATE = False  # run each job at once in the caller (tests), no worker needed
    JOBS_WORKERS = 2  # threads of `flask --app cbl worker`
    # When the worker runs the daily jobs, in the school's time zone (BABEL_DEFAULT_TIMEZONE).
    DIGEST_AT = "16:30"  # after school: the digest of unread notifications
    PURGE_AT = "03:15"  # at night: what was deleted more than 30 days ago
    # The nightly roster import (cbl/rosters/jobs.py): the OneRoster ZIP the student information
    # system drops (e.g. /srv/sis/oneroster.zip), imported at ROSTER_IMPORT_AT when it changed.
    ROSTER_IMPORT_PATH: str | None = None
    ROSTER_IMPORT_AT = "02:30"
    # How long the link that confirms a join-code sign-up works.
    SIGNUP_LINK_HOURS = 48
    # Community partners: how long an invitation link works, and how long access lasts.
    INVITATION_DAYS = 30
    PARTNER_ACCESS_DAYS = 90
    # How long a mailed sign-in link works.
    LOGIN_LINK_MINUTES = 20
    # The site's address, for links in mail sent outside a request (the daily digest), e.g.
    # "https://cbl.school.org". Unset: http://localhost:5000.
    BASE_URL: str | None = None
    # The host names the site answers to (CBL_TRUSTED_HOSTS, comma-separated): a request naming
    # any other Host gets 400, so no page or link is ever built on a host an attacker chose.
    # Unset: every host (set it in production, with BASE_URL).
    TRUSTED_HOSTS: list | str | None = None
    # A signed-in session unused for this many days ends (My account lists the others).
    SESSION_IDLE_DAYS = 30
    # Minimum password length for every account.
    PASSWORD_MIN_LENGTH = 10
    # Abuse limits (cbl/ratelimit.py). Counters in memory, or Redis: redis://host:6379/0.
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_STRATEGY = "moving-window"
    RATELIMIT_HEADERS_ENABLED = False
    # When Redis does not answer, keep limiting each process in memory (and look for Redis
    # again now and then) rather than failing the request; any other limiter error is
    # logged and the request goes on: an outage of the counters must not take the site down.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_SWALLOW_ERRORS = True
    RATELIMIT_SIGN_IN_PER_ACCOUNT = "5 per 15 minutes"  # failed attempts for one email
    RATELIMIT_SIGN_IN_PER_ADDRESS = "30 per 10 minutes"  # failed attempts from one address
    RATELIMIT_LINK_REQUEST_PER_EMAIL = "3 per 15 minutes"
    RATELIMIT_LINK_REQUEST_PER_ADDRESS = "10 per hour"
    RATELIMIT_SIGNUP_PER_EMAIL = "3 per 15 minutes"  # join-code sign-ups mailed to one email
    RATELIMIT_SIGNUP_PER_ADDRESS = "100 per hour"  # a class signs up from the school's address
    RATELIMIT_PASSWORD_RESET_PER_EMAIL = "3 per 15 minutes"  # "forgot your password?" for one address
    RATELIMIT_PASSWORD_RESET_PER_ADDRESS = "10 per hour"
    RATELIMIT_STAFF_RESET_PER_ACCOUNT = "30 per hour"  # one-time passwords a teacher or admin sets
    RATELIMIT_STAFF_RESET_PER_ADDRESS = "60 per hour"
    RATELIMIT_EMAIL_CHANGE_PER_ACCOUNT = "5 per hour"  # confirmation mails to a new address
    RATELIMIT_PASSWORD_CHECK_PER_ACCOUNT = "10 per hour"  # wrong current passwords when changing it
    RATELIMIT_INVITE_PER_ACCOUNT = "30 per hour"
    RATELIMIT_INVITE_PER_ADDRESS = "60 per hour"
    RATELIMIT_INVITE_PER_RECIPIENT = "3 per day"  # invitations sent to one email
    RATELIMIT_CARD_PER_ADDRESS = "30 per 10 minutes"  # sign-in cards that did not work, from one address
    RATELIMIT_CARD_PER_CARD = "10 per hour"  # sign-ins with one card
    RATELIMIT_SSO_CALLBACK_PER_ADDRESS = "200 per 10 minutes"  # answers of school sign-in providers
    # School sign-in providers besides those an admin configures (CBL_OIDC_PROVIDERS: a JSON
    # list; see cbl/sso/providers.py and the README).
    OIDC_PROVIDERS: list | str = []


def from_environment() -> dict:
    """Settings found in the environment: ``CBL_NAME`` for any name, plus the plain
    ``DATABASE_URL``, ``SECRET_KEY``, ``UPLOAD_FOLDER`` and ``RATELIMIT_STORAGE_URI`` that
    hosts commonly set."""
    found: dict = {}
    for name in ENV_NAMES:
        if os.environ.get(name):
            found[name] = os.environ[name]
    for key, value in os.environ.items():
        if key.startswith("CBL_") and key not in ("CBL_TEST_DATABASE_URL", "CBL_INSTANCE_PATH") and value:
            found[key[4:]] = _parse(value)
    if "DATABASE_URL" in found:
        found["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(found.pop("DATABASE_URL"))
    return found


def _parse(value: str):
    """Environment values are text: read true/false and whole numbers as what they mean."""
    lowered = value.strip().lower()
    if lowered in ("true", "yes", "on"):
        return True
    if lowered in ("false", "no", "off"):
        return False
    if lowered.isdigit():
        return int(lowered)
    return value


def normalise_database_url(url: str) -> str:
    """Accept the ``postgres://`` and ``postgresql://`` forms hosts hand out and use psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url
