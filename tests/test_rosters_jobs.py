"""Roster imports on the job queue: confirming queues the import, the worker runs it once, a
failed run says why and saves nothing, and the nightly import brings in a changed file only."""

import io
import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from cbl.accounts.models import Role, User
from cbl.dbtypes import utcnow
from cbl.extensions import db
from cbl.jobs import huey
from cbl.rosters import jobs, services, spec, uploads
from cbl.rosters.models import RosterImport, RunState
from cbl.schools.models import School
from tests import factories
from tests import oneroster_files as of
from tests.conftest import Auth

QUEUED = {"JOBS_IMMEDIATE": False, "JOBS_URL": "memory://"}


def _count(model) -> int:
    return db.session.scalar(select(db.func.count(model.id)))


def _preview(client, files=None) -> dict:
    """Upload a roster as the signed-in admin; the confirm form's fields of its preview."""
    data = of.zip_bytes(files or of.small_district())
    response = client.post("/admin/rosters", data={"file": (io.BytesIO(data), "district.zip")},
                           content_type="multipart/form-data")
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    return {"upload": re.search(r'name="upload" type="hidden" value="([^"]+)"', html).group(1),
            "once_token": re.search(r'name="once_token" value="([^"]+)"', html).group(1)}


def _confirm(client, fields: dict) -> str:
    response = client.post("/admin/rosters/confirm?name=district.zip", data=fields)
    assert response.status_code == 302 and "run=" in response.headers["Location"]
    return response.headers["Location"]


@pytest.fixture
def admin_client(client):
    Auth(client).as_user(factories.make_user(Role.ADMIN))
    return client


@pytest.mark.parametrize("app", [QUEUED], indirect=True)
def test_confirming_queues_the_import_and_the_worker_runs_it(app, admin_client):
    fields = _preview(admin_client)
    where = _confirm(admin_client, fields)
    page = admin_client.get(where).get_data(as_text=True)
    assert "Import queued: it runs in the background" in page and "Refresh to see how it went" in page
    assert "Queued" in page and "roster-runs.js" in page
    assert huey.pending_count() == 1 and _count(User) == 1  # nothing imported yet
    assert uploads.path_of(fields["upload"]) is not None  # the upload waits for the job
    huey.execute(huey.dequeue())  # the worker runs it
    assert _count(User) == 8
    run = db.session.scalar(select(RosterImport))
    assert run.state is RunState.DONE and run.total("created") == 29 and run.content_hash
    assert uploads.path_of(fields["upload"]) is None
    page = admin_client.get(where).get_data(as_text=True)
    assert "<strong>Done</strong>" in page and "Refresh to see how it went" not in page
    assert "Students in classes" in page  # the run's counts
    assert "roster import of district.zip" in admin_client.get("/audit").get_data(as_text=True)


@pytest.mark.parametrize("app", [QUEUED], indirect=True)
def test_two_confirmations_of_one_upload_import_once(app, admin_client):
    first = _preview(admin_client)
    second = {**first, "once_token": _preview(admin_client)["once_token"]}  # another tab's form, same upload
    where = _confirm(admin_client, first)
    again = admin_client.post("/admin/rosters/confirm?name=district.zip", data=second)
    assert again.headers["Location"] == where
    assert "confirmed already" in admin_client.get(where).get_data(as_text=True)
    assert huey.pending_count() == 1 and _count(RosterImport) == 1
    run_id = db.session.scalar(select(RosterImport.id))
    huey.execute(huey.dequeue())
    assert jobs.run_queued(run_id) is None  # the same job run again (after a crash) imports nothing
    assert _count(RosterImport) == 1 and _count(User) == 8


def test_inline_the_import_is_done_when_the_page_answers(app, admin_client):
    where = _confirm(admin_client, _preview(admin_client))
    page = admin_client.get(where).get_data(as_text=True)
    assert "Roster imported: 29 changes saved." in page and "<strong>Done</strong>" in page
    assert "Refresh" not in page and _count(User) == 8


def _invalid_file(upload: str, monkeypatch) -> None:
    files = of.small_district()
    files[spec.CLASSES].append(of.klass("k1", "Again", "c-sci", "s1", "t1"))
    of.write_zip(uploads.path_of(upload), files)  # the file changed on disk after its preview


def _database_refuses(upload: str, monkeypatch) -> None:
    def refuse(self, *args):
        raise OperationalError("INSERT INTO enrolment", {}, Exception("database is locked"))

    monkeypatch.setattr(services._Writer, "enrolments", refuse)  # after schools, classes and people were written


@pytest.mark.parametrize("app", [QUEUED], indirect=True)
@pytest.mark.parametrize("spoil, why", [(_invalid_file, "classes.csv, line 5"),
                                        (_database_refuses, "An unexpected error stopped the import")])
def test_a_failed_import_saves_nothing_and_says_why(app, admin_client, monkeypatch, spoil, why):
    fields = _preview(admin_client)
    where = _confirm(admin_client, fields)
    spoil(fields["upload"], monkeypatch)
    huey.execute(huey.dequeue())
    assert _count(User) == 1 and _count(School) == 0  # nothing partly saved
    run = db.session.scalar(select(RosterImport))
    assert run.state is RunState.FAILED and run.problem_count >= 1
    page = admin_client.get(where).get_data(as_text=True)
    assert "<strong>Failed</strong>: nothing was saved." in page and page.count(why) == 1
    assert uploads.path_of(fields["upload"]) is None


@pytest.mark.parametrize("app", [QUEUED], indirect=True)
def test_a_failed_run_says_why_in_the_language_of_the_admin_who_confirmed_it(app, admin_client, monkeypatch):
    admin_client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "es"
    fields = _preview(admin_client)
    where = _confirm(admin_client, fields)
    _invalid_file(fields["upload"], monkeypatch)
    huey.execute(huey.dequeue())  # in the worker: no request, no language of its own
    page = admin_client.get(where).get_data(as_text=True)
    assert "<strong>Falló</strong>: no se guardó nada." in page and "classes.csv, línea 5" in page


@pytest.mark.parametrize("app", [QUEUED], indirect=True)
def test_a_run_cut_off_by_a_stopped_worker_shows_as_stopped(app, admin_client):
    where = _confirm(admin_client, _preview(admin_client))
    run = db.session.scalar(select(RosterImport))
    run.state, run.started_at = RunState.RUNNING, utcnow() - timedelta(minutes=10)
    db.session.commit()
    assert "<strong>Running</strong>" in admin_client.get(where).get_data(as_text=True)
    run.started_at = utcnow() - timedelta(hours=2)  # the worker died mid-import: nothing was saved
    db.session.commit()
    page = admin_client.get(where).get_data(as_text=True)
    assert "<strong>Stopped</strong>: the job worker stopped" in page and "data-roster-pending" not in page


@pytest.mark.parametrize("app", [{"ROSTER_IMPORT_AT": "02:30", "BABEL_DEFAULT_TIMEZONE": "America/Chicago"}],
                         indirect=True)
def test_the_nightly_import_brings_in_a_changed_file_and_skips_an_unchanged_one(app, admin_client, tmp_path):
    due = [task.name for task in huey.read_periodic(datetime(2026, 12, 5, 8, 30))]  # 02:30 in Chicago
    assert "nightly_import" in due
    drop = tmp_path / "sis" / "oneroster.zip"
    app.config["ROSTER_IMPORT_PATH"] = str(drop)
    jobs.nightly_import.call_local()  # no file yet: nothing happens
    assert _count(RosterImport) == 0
    drop.parent.mkdir()
    of.write_zip(drop, of.small_district())
    jobs.nightly_import.call_local()
    jobs.nightly_import.call_local()  # unchanged: skipped
    [run] = db.session.scalars(select(RosterImport)).all()
    assert run.state is RunState.DONE and run.scheduled and run.total("created") == 29 and _count(User) == 8
    files = of.small_district()
    files[spec.USERS].append(of.user("u-s9", "Iris", "Vega", "ivega"))
    files[spec.ROLES].append(of.role("r-s9", "u-s9", "student", "s1"))
    of.write_zip(drop, files)
    jobs.nightly_import.call_local()
    assert _count(RosterImport) == 2 and _count(User) == 9
    page = admin_client.get("/admin/rosters").get_data(as_text=True)
    assert page.count("the nightly import") == 2 and "Every night at 02:30 the file" in page
