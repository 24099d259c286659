"""Background jobs (cbl/jobs): run at once in tests, through a real worker process on SQLite and
on Redis, the daily schedule, and mail that a server that is down cannot lose or make fail."""

import logging
import os
import secrets
import socket
import subprocess
import sys
import threading
import time
from datetime import datetime
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from cbl import jobs, mail
from cbl.extensions import db
from cbl.jobs import huey
from tests import factories
from tests.conftest import make_app

ROOT = Path(__file__).resolve().parent.parent
WORKER_SECONDS = 30


def _closed_port() -> socket.socket:
    """A socket bound to a port that nobody listens on (kept open so no one else takes it)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    return sock


@pytest.fixture
def down_mail_server(app):
    """SMTP pointed at a closed port on this machine."""
    sock = _closed_port()
    app.config.update(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=sock.getsockname()[1])
    yield
    sock.close()


# -- inline (every test's default) -------------------------------------------------------------

def test_mail_in_tests_is_delivered_at_once_through_the_job(app):
    app.config["MAIL_BACKEND"] = "memory"
    assert huey.immediate
    built = mail.send_mail("ana@example.org", "Hola", "Línea con acento: https://example.org/a?b=c\n")
    [delivered] = mail.outbox()
    assert delivered is not built  # it went through the queue as bytes
    assert delivered["To"] == "ana@example.org" and delivered["Subject"] == "Hola"
    assert delivered.get_content() == "Línea con acento: https://example.org/a?b=c\n"


def test_a_mail_server_that_is_down_is_logged_and_the_mail_retried_later(app, down_mail_server, caplog):
    app.config.update(MAIL_RETRIES=3, MAIL_RETRY_SECONDS=60)
    with caplog.at_level(logging.WARNING):
        mail.send_mail("ana@example.org", "Hello", "Body\n")  # no exception reaches the caller
    assert "Could not deliver the mail to ana@example.org, 'Hello'" in caplog.text
    assert "3 more tries" in caplog.text
    [retry] = huey.scheduled()
    assert retry.retries == 2 and retry.retry_delay == 120  # the next one waits twice as long
    assert 50 <= (retry.eta - datetime.utcnow()).total_seconds() <= 61


def test_the_last_failed_try_gives_up_and_says_so(app, down_mail_server, caplog):
    app.config.update(MAIL_RETRIES=0)
    with caplog.at_level(logging.WARNING):
        mail.send_mail("ana@example.org", "Hello", "Body\n")
    assert "'Hello' (" in caplog.text and "given up" in caplog.text
    assert huey.scheduled() == []


def test_sign_in_link_answers_200_while_the_mail_server_is_down(app, client, down_mail_server, caplog):
    partner = factories.make_user("partner", email="guest@example.org")
    with caplog.at_level(logging.WARNING):
        response = client.post("/login/link", data={"email": partner.email})
    assert response.status_code == 200
    assert "Check your mail" in response.get_data(as_text=True)
    assert "Could not deliver the mail to guest@example.org" in caplog.text
    assert len(huey.scheduled()) == 1  # tried again later


@pytest.mark.parametrize("app", [{"TESTING": True, "BABEL_DEFAULT_TIMEZONE": "America/Chicago"}], indirect=True)
def test_digest_and_purge_run_daily_at_their_hour_in_the_schools_time_zone(app):
    # 16:30 and 03:15 in Chicago in December are 22:30 and 09:15 UTC.
    due = {moment: sorted(task.name for task in huey.read_periodic(moment))
           for moment in (datetime(2026, 12, 4, 22, 30), datetime(2026, 12, 4, 22, 31), datetime(2026, 12, 5, 9, 15))}
    assert due == {datetime(2026, 12, 4, 22, 30): ["send_digests"], datetime(2026, 12, 4, 22, 31): [],
                   datetime(2026, 12, 5, 9, 15): ["purge_deleted"]}
    app.config["DIGEST_AT"] = "07:00"  # a changed setting needs no new code
    assert [task.name for task in huey.read_periodic(datetime(2026, 12, 4, 13, 0))] == ["send_digests"]


def test_the_scheduled_digest_mails_unread_notices(app):
    from cbl.jobs import schedule
    from cbl.notifications.models import DigestChoice, NotificationKind
    from cbl.notifications.services import notify, set_preference

    app.config["MAIL_BACKEND"] = "memory"
    student = factories.make_user("student", email="kai@example.org")
    set_preference(student, DigestChoice.DAILY)
    notify([student.id], NotificationKind.PHASE_APPROVED, url="/home")
    db.session.commit()
    schedule.send_digests.call_local()
    assert [m["To"] for m in mail.outbox()] == ["kai@example.org"]


# -- through a real worker process -------------------------------------------------------------

def _worker_environment(tmp_path: Path, **settings) -> dict:
    env = {key: value for key, value in os.environ.items()
           if not key.startswith("CBL_") and key not in ("DATABASE_URL", "SECRET_KEY")}
    env.update({"CBL_INSTANCE_PATH": str(tmp_path / "instance"), "SECRET_KEY": "worker-test",
                "DATABASE_URL": f"sqlite:///{tmp_path / 'worker.sqlite'}", "FLASK_APP": "cbl"})
    env.update({f"CBL_{name}": str(value) for name, value in settings.items()})
    return env


def _run_worker(tmp_path: Path, done, **settings) -> str:
    """Start ``flask --app cbl worker`` with ``settings``, wait until ``done()`` holds, stop it
    with Ctrl-C and return what it logged."""
    log_path = tmp_path / "worker.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen([sys.executable, "-m", "flask", "worker", "--workers", "1"], cwd=ROOT,
                                   env=_worker_environment(tmp_path, **settings), stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + WORKER_SECONDS
        while not done() and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.2)
        finished = done()
    finally:
        process.send_signal(2)  # SIGINT: the worker lets running jobs finish
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    text = log_path.read_text()
    assert finished, f"the worker did not do it in {WORKER_SECONDS} s:\n{text[-3000:]}"
    return text


@pytest.fixture
def queue_apps(database, _tables):
    """Make applications of this test that queue into their config's storage instead of
    running jobs at once (the next test's application configures the queue again); their
    database connections are closed afterwards."""
    made = []

    def make(**config):
        made.append(make_app(database, JOBS_IMMEDIATE=False, **config))
        return made[-1]

    yield make
    for app in made:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def _mails(folder: Path) -> list:
    return [message_from_bytes(path.read_bytes(), policy=policy.default) for path in sorted(folder.glob("*.eml"))]


def test_a_real_worker_delivers_queued_mail_from_sqlite(queue_apps, tmp_path):
    queue = tmp_path / "jobs.sqlite"
    folder = tmp_path / "mail"
    app = queue_apps(JOBS_URL=f"sqlite:///{queue}", MAIL_BACKEND="file", MAIL_FOLDER=str(folder))
    with app.app_context():
        mail.send_mail("ana@example.org", "Tu enlace", "Ábrelo: https://example.org/x\n")
        assert huey.pending_count() == 1 and not folder.exists()  # queued, not sent in the caller
    _run_worker(tmp_path, lambda: len(_mails(folder)) == 1, JOBS_URL=f"sqlite:///{queue}", MAIL_BACKEND="file",
                MAIL_FOLDER=folder)
    [sent] = _mails(folder)
    assert sent["Subject"] == "Tu enlace" and sent.get_content() == "Ábrelo: https://example.org/x\n"
    with app.app_context():
        assert huey.pending_count() == 0


def test_a_real_worker_retries_while_the_mail_server_is_down_then_gives_up(queue_apps, tmp_path):
    queue = tmp_path / "jobs.sqlite"
    sock = _closed_port()
    settings = {"JOBS_URL": f"sqlite:///{queue}", "MAIL_BACKEND": "smtp", "MAIL_SERVER": "127.0.0.1",
                "MAIL_PORT": sock.getsockname()[1], "MAIL_RETRIES": 2, "MAIL_RETRY_SECONDS": 1}
    app = queue_apps(**settings)
    with app.app_context():
        mail.send_mail("ana@example.org", "Hello", "Body\n")
    try:
        log = _run_worker(tmp_path, lambda: "given up" in (tmp_path / "worker.log").read_text(), **settings)
    finally:
        sock.close()
    assert log.count("Could not deliver the mail to ana@example.org") == 3  # the first try and two more
    assert "2 more tries" in log and "1 more tries" in log and "given up" in log


def _redis_url() -> str:
    import redis

    url = "redis://127.0.0.1:6379/0"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping()
    except redis.RedisError:
        pytest.skip("no Redis answers on localhost:6379")
    return url


def test_a_real_worker_delivers_queued_mail_from_redis(queue_apps, tmp_path):
    import redis

    url = _redis_url()
    name = f"cbl-test-{secrets.token_hex(4)}"
    folder = tmp_path / "mail"
    app = queue_apps(JOBS_URL=url, JOBS_NAME=name, MAIL_BACKEND="file", MAIL_FOLDER=str(folder))
    connection = redis.Redis.from_url(url)
    try:
        with app.app_context():
            mail.send_mail("ana@example.org", "Over Redis", "Body\n")
            assert huey.pending_count() == 1
            assert connection.exists(f"huey.redis.{name.replace('-', '')}") or connection.keys(f"*{name}*")
        _run_worker(tmp_path, lambda: len(_mails(folder)) == 1, JOBS_URL=url, JOBS_NAME=name, MAIL_BACKEND="file",
                    MAIL_FOLDER=folder)
        assert _mails(folder)[0]["Subject"] == "Over Redis"
    finally:
        with app.app_context():
            huey.storage.flush_all()
        for key in connection.scan_iter(f"huey.*{huey.storage.name}*"):
            connection.delete(key)
        connection.close()
    assert not list(connection.scan_iter(f"huey.*{huey.storage.name}*"))


def test_queued_jobs_wait_for_the_worker_and_run_in_an_app_context(queue_apps):
    app = queue_apps(JOBS_URL="memory://", MAIL_BACKEND="memory")
    with app.app_context():
        mail.send_mail("ana@example.org", "Later", "Body\n")
        assert mail.outbox() == [] and huey.pending_count() == 1
    worker = threading.Thread(target=lambda: huey.execute(huey.dequeue()))  # as the worker does: no context
    worker.start()
    worker.join()
    with app.app_context():
        assert [m["Subject"] for m in mail.outbox()] == ["Later"]
    assert jobs._app is app
