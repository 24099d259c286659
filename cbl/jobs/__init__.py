"""Work done outside the request: mail, the daily digest, purges, roster imports (and later
exports), run by Huey's worker, ``flask --app cbl worker``.

Why Huey: it keeps its queue in a SQLite file (``instance/jobs.sqlite``) with nothing else to
install, which suits a school's single server, and in Redis (``JOBS_URL=redis://…``) when
several servers share the work. RQ and Celery need Redis or another broker in every case.

Settings (``cbl/config.py``): ``JOBS_URL`` (unset: SQLite in ``instance/``; ``sqlite:////path``,
``redis://host:6379/0``, or ``memory://`` for tests that run the queue by hand), ``JOBS_NAME`` (the queue's name, also its Redis key prefix),
``JOBS_IMMEDIATE`` (run each job at once, in the caller: the tests do), ``JOBS_WORKERS``.

Adding a job, in the module of its area (for example ``cbl/roster/jobs.py``)::

    from cbl.jobs import job

    @job(retries=3, retry_delay=60)
    def import_roster(upload_id: int) -> None:
        ...  # runs inside an application context: db.session, current_app, url_for work

    import_roster(upload.id)  # in the request: queued, the worker runs it

then name the module in :data:`TASK_MODULES`, so that the worker knows the job. Pass ids and
plain values, never ORM objects (the worker loads what it needs, in its own session); a job
may run twice (after a crash), so make it safe to repeat. A job that runs on a schedule uses
:func:`periodic` with :func:`daily_at` (see ``cbl/jobs/schedule.py``). Links in a job's mail
are built with :func:`as_site` on the address of the request that queued the job
(:func:`site_address`), or ``BASE_URL`` for scheduled jobs. A page that must not tell whether
an address has an account queues one job that decides, so it does the same work either way
(``cbl/accounts/links.py``)."""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, time, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import Flask, current_app, has_app_context, has_request_context, request, url_for
from flask_babel import force_locale
from huey import Huey
from huey.storage import MemoryStorage, RedisStorage, SqliteStorage
from redis import ConnectionPool

# Modules that define jobs: imported when the application is built, so that the web process
# and the worker know the same jobs.
TASK_MODULES = ("cbl.mail", "cbl.jobs.schedule", "cbl.accounts.links", "cbl.accounts.signup", "cbl.accounts.recovery",
                "cbl.rosters.jobs")


class _Huey(Huey):
    """One queue per process, configured by :func:`init_app` from the application's settings
    (the jobs are declared on it at import time, before any application exists)."""

    storage_class = SqliteStorage

    def configure(self, name: str, storage_class, immediate: bool, **storage_kwargs) -> None:
        self.name = name
        self.storage_class = storage_class
        self.storage_kwargs = storage_kwargs
        self._immediate = immediate
        self.storage = self.create_storage()


# Until an application configures it: immediate, in memory (importing never touches a file).
# Results off: nothing reads a job's return value, and kept results would pile up in the queue.
huey = _Huey("cbl", results=False, immediate=True)
_app: Flask | None = None


def init_app(app: Flask) -> None:
    """Point the queue at the application's storage and make jobs run in its context."""
    global _app
    _app = app
    config = app.config
    url = config.get("JOBS_URL") or ""
    name = config.get("JOBS_NAME") or "cbl"
    immediate = bool(config.get("JOBS_IMMEDIATE"))
    if url.startswith(("redis://", "rediss://", "unix://")):
        # A Redis server that does not answer must not hold a page for long (the worker's
        # blocking reads wait 1 s at a time, within the socket's timeout).
        pool = ConnectionPool.from_url(url, socket_connect_timeout=2, socket_timeout=5)
        huey.configure(name, RedisStorage, immediate, connection_pool=pool)
    elif url == "memory://":  # held in this process until run by hand (tests)
        huey.configure(name, MemoryStorage, immediate)
    else:
        path = url.removeprefix("sqlite:///") if url else str(Path(app.instance_path) / "jobs.sqlite")
        huey.configure(name, SqliteStorage, immediate, filename=path)
        # Queued mail holds sign-in and recovery links until the worker sends it: only the
        # site's own user reads the queue.
        for suffix in ("", "-wal", "-shm"):
            try:
                os.chmod(path + suffix, 0o600)
            except OSError:
                pass


def load_task_modules() -> None:
    """Import the modules that declare jobs (once the application's models are all known)."""
    for module in TASK_MODULES:
        __import__(module)


def _in_app_context(function):
    """Run ``function`` in an application context: the caller's (a job run at once), else
    the worker's application."""

    @functools.wraps(function)
    def run(*args, **kwargs):
        if has_app_context():
            return function(*args, **kwargs)
        app = _app
        if app is None:
            from cbl import create_app

            app = create_app()
        with app.app_context():
            return function(*args, **kwargs)

    return run


def job(**options):
    """Declare a job (Huey's ``task`` options: ``retries``, ``retry_delay``, ``retry_backoff``,
    ``context``...). Calling the function queues it; ``.call_local()`` runs it here."""

    def decorate(function):
        return huey.task(**options)(_in_app_context(function))

    return decorate


def periodic(when, **options):
    """Declare a job the worker's scheduler runs whenever ``when(datetime in UTC)`` is true
    (it asks once a minute): :func:`daily_at` or Huey's ``crontab``."""

    def decorate(function):
        return huey.periodic_task(when, **options)(_in_app_context(function))

    return decorate


def daily_at(setting: str):
    """Once a day, at the time of day (``"HH:MM"``) that the setting ``setting`` names, in
    the school's time zone (``BABEL_DEFAULT_TIMEZONE``): read each minute, so a changed
    setting needs no new code."""

    def due(moment: datetime) -> bool:
        config = (_app or current_app).config
        at = time.fromisoformat(config[setting])
        zone = ZoneInfo(config.get("BABEL_DEFAULT_TIMEZONE") or "UTC")
        local = moment.replace(tzinfo=timezone.utc).astimezone(zone)
        return (local.hour, local.minute) == (at.hour, at.minute)

    due.__name__ = f"daily_at_{setting.lower()}"
    return due


def site_address() -> str:
    """The site's address for a job to build links with :func:`as_site`: ``BASE_URL`` when
    it is set, else the address the visitor used (in a request), else http://localhost:5000/.

    ``BASE_URL`` comes first because the request's address is the ``Host`` header its sender
    chose: asking for a recovery link for someone else's address with ``Host: evil.example``
    would otherwise mail them a genuine message whose link hands the token to that host."""
    base = current_app.config.get("BASE_URL")
    if base:
        return base.rstrip("/") + "/"
    if has_request_context():
        return request.url_root
    return "http://localhost:5000/"


def external_url(endpoint: str, **values) -> str:
    """An absolute link for a mail, built in a request or a job: on ``BASE_URL`` when it is
    set (never on the request's ``Host`` header then, see :func:`site_address`)."""
    base = current_app.config.get("BASE_URL")
    if not base:
        return url_for(endpoint, _external=True, **values)
    path = url_for(endpoint, **values)
    root = request.script_root if has_request_context() else ""
    if root and path.startswith(root):
        path = path[len(root):]
    return base.rstrip("/") + path


@contextmanager
def as_site(address: str, locale: str | None = None) -> Iterator[None]:
    """In a job: ``url_for(..., _external=True)`` builds links on ``address`` (from
    :func:`site_address`), and messages are written in ``locale`` (the page's language of
    the request that queued the job) unless the recipient's account says otherwise."""
    with current_app.test_request_context("/", base_url=address):
        if locale in current_app.config["LANGUAGES"]:
            with force_locale(locale):
                yield
        else:
            yield
