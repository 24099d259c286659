"""Roster imports on the job queue: the import an admin confirms, and the nightly import.

Confirming on the admin page records a run (queued) for the upload and queues
:func:`import_roster`; the worker claims the run (running), imports the upload all at once or
not at all, and records the run done (with its counts) or failed (with its problems). The
upload stays in ``instance/rosters/`` until then; a run is claimed only once, so a job that
runs twice (after a crash, or two workers) imports once.

:func:`nightly_import` runs at ``ROSTER_IMPORT_AT`` (the school's time zone): when the file at
``ROSTER_IMPORT_PATH`` (where the information system drops its export) exists and its content
differs from the last import that was saved, it is copied into ``instance/rosters/`` and
imported, recorded as a run like the page's."""

from __future__ import annotations

import hashlib
from pathlib import Path

from flask import current_app
from flask_babel import force_locale, gettext as _
from sqlalchemy import select, update

from cbl.dbtypes import utcnow
from cbl.extensions import db
from cbl.jobs import daily_at, job, periodic
from cbl.rosters import services, uploads
from cbl.rosters.models import RosterImport, RunState
from cbl.rosters.parse import Problem

PROBLEMS_KEPT = 200  # the first problems of a failed run are kept on it; the count says how many


def file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        while chunk := stream.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


@job()
def import_roster(run_id: int, locale: str | None = None) -> None:
    """Carry out the queued run ``run_id`` (problems written in ``locale``, the language of
    the page that confirmed it)."""
    if locale in current_app.config["LANGUAGES"]:
        with force_locale(locale):
            run_queued(run_id)
    else:
        run_queued(run_id)


def run_queued(run_id: int) -> RosterImport | None:
    """Claim the queued run and import its upload. Returns the run, or None when it was not
    queued (claimed by another worker, or done already)."""
    claimed = db.session.execute(update(RosterImport)
                                 .where(RosterImport.id == run_id, RosterImport.state == RunState.QUEUED)
                                 .values(state=RunState.RUNNING, started_at=utcnow()))
    db.session.commit()
    if claimed.rowcount != 1:
        return None
    run = db.session.get(RosterImport, run_id)
    token = run.upload
    path = uploads.path_of(token)
    try:
        if path is None:
            return _fail(run_id, [Problem(_("the upload"), None, _("The uploaded file is no longer here (an upload "
                                                                   "is kept for 6 hours). Upload it again."))])
        if run.content_hash is None:
            run.content_hash = file_hash(path)
        plan, done = services.run_import(path, run.actor_id, run.filename, run=run)
        if done is None:
            return _fail(run_id, plan.problems, plan.problem_count)
        current_app.logger.info("Roster import %d (%s): %d changes saved.", run_id, run.filename, len(plan.changes))
        return done
    except services.RosterRejected as err:
        return _fail(run_id, err.problems)
    except Exception:  # the database went away, a disk error…: nothing was saved; say so on the run
        current_app.logger.exception("Roster import %d failed.", run_id)
        return _fail(run_id, [Problem(_("the import"), None, _("An unexpected error stopped the import, so nothing "
                                                               "was saved. Try again; if it happens again, tell "
                                                               "whoever runs the server (the log says more)."))])
    finally:
        uploads.discard(token)


def _fail(run_id: int, problems: list, count: int | None = None) -> RosterImport:
    """Record the run as failed, with why (whatever the import wrote is rolled back)."""
    db.session.rollback()
    kept = [{"where": p.where, "message": p.message} for p in problems[:PROBLEMS_KEPT]]
    run = db.session.get(RosterImport, run_id)
    run.state, run.finished_at = RunState.FAILED, utcnow()
    run.problems, run.problem_count = kept, max(count or 0, len(problems))
    db.session.commit()
    current_app.logger.warning("Roster import %d (%s) failed: %s", run_id, run.filename,
                               "; ".join(f"{p['where']}: {p['message']}" for p in kept[:5]))
    return run


def import_file(path: Path, scheduled: bool = True) -> RosterImport | None:
    """Import the roster file at ``path`` unless it is missing or is what the last saved
    import brought. Returns the recorded run, or None when it was skipped."""
    if not path.is_file():
        current_app.logger.info("Nightly roster import: no file at %s.", path)
        return None
    try:
        with open(path, "rb") as stream:  # a copy: the information system may write the next one meanwhile
            token = uploads.save(stream)
    except uploads.UploadTooLarge:
        run = RosterImport(filename=path.name[:255], state=RunState.FAILED, scheduled=scheduled, started_at=utcnow())
        db.session.add(run)
        db.session.commit()
        return _fail(run.id, [Problem(path.name, None, _("The file is larger than %(mb)d MB.",
                                                         mb=uploads.MAX_UPLOAD_BYTES // 2**20))])
    digest = file_hash(uploads.path_of(token))
    last = db.session.scalar(select(RosterImport.content_hash).where(RosterImport.state == RunState.DONE)
                             .order_by(RosterImport.id.desc()).limit(1))
    if digest == last:
        uploads.discard(token)
        current_app.logger.info("Nightly roster import: %s is unchanged since the last import.", path)
        return None
    run = RosterImport(filename=path.name[:255], state=RunState.QUEUED, scheduled=scheduled, upload=token,
                       content_hash=digest)
    db.session.add(run)
    db.session.commit()
    return run_queued(run.id)


@periodic(daily_at("ROSTER_IMPORT_AT"))
def nightly_import() -> None:
    setting = current_app.config.get("ROSTER_IMPORT_PATH")
    if setting:
        import_file(Path(setting))
