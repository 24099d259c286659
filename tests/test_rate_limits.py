"""Abuse limits: sign-in attempts, sign-in link requests and invitations are limited per
account and per address; a refused request answers 429 with a plain page and changes nothing.

The limits here are low (set per test through the ``app`` fixture's parameter); the rest of
the suite runs with the defaults of cbl/config.py. The last part runs the sign-in limit
against the Redis server of this machine, and is skipped when none answers."""

import html
import secrets

import pytest
from sqlalchemy import func, select

from cbl import errors_http
from cbl.audit import Action, AuditEvent
from cbl.extensions import db
from cbl.feedback.models import Invitation
from cbl.mail import outbox
from cbl.ratelimit import limiter, link_request_limits
from cbl.teams.models import ClassroomTeacher
from tests import factories

LOW = {
    "RATELIMIT_SIGN_IN_PER_ACCOUNT": "3 per 15 minutes",
    "RATELIMIT_SIGN_IN_PER_ADDRESS": "5 per 10 minutes",
    "RATELIMIT_LINK_REQUEST_PER_EMAIL": "2 per 15 minutes",
    "RATELIMIT_LINK_REQUEST_PER_ADDRESS": "4 per hour",
    "RATELIMIT_INVITE_PER_ACCOUNT": "3 per hour",
    "RATELIMIT_INVITE_PER_ADDRESS": "100 per hour",
    "RATELIMIT_INVITE_PER_RECIPIENT": "2 per day",
    "MAIL_BACKEND": "memory",
}
low_limits = pytest.mark.parametrize("app", [LOW], indirect=True, ids=["low-limits"])

WRONG = "not the password at all"


def _sign_in(app, email: str, password: str = WRONG, address: str = "10.0.0.1"):
    """One attempt from a browser of its own (so a success does not carry over)."""
    return app.test_client().post("/login", data={"email": email, "password": password},
                                  environ_base={"REMOTE_ADDR": address})


def _signed_in(client) -> bool:
    return client.get("/account").status_code == 200


@low_limits
def test_nth_failed_sign_in_for_one_email_is_refused_while_others_still_work(app):
    maya = factories.make_user("student", email="maya@school.example")
    ana = factories.make_user("teacher", email="ana@school.example")
    for _ in range(3):
        assert _sign_in(app, maya.email).status_code == 400
    assert _sign_in(app, maya.email).status_code == 429
    # Another account from the same address is not held up by Maya's budget …
    assert _sign_in(app, "someone@school.example").status_code == 400
    # … and another email from another address signs in.
    assert _sign_in(app, ana.email, factories.PASSWORD, address="10.0.0.2").status_code == 302


@low_limits
def test_right_password_is_refused_once_the_account_limit_is_reached_and_nothing_is_written(app):
    maya = factories.make_user("student", email="maya@school.example")
    for _ in range(3):
        _sign_in(app, maya.email, address="203.0.113.9")  # an attacker somewhere else
    client = app.test_client()
    response = client.post("/login", data={"email": maya.email, "password": factories.PASSWORD},
                           environ_base={"REMOTE_ADDR": "10.0.0.1"})
    assert response.status_code == 429
    assert not response.headers.getlist("Set-Cookie")
    assert not _signed_in(client)
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == Action.SIGN_IN)) == 0


@low_limits
def test_the_account_is_the_email_as_typed_in_any_case(app):
    factories.make_user("student", email="maya@school.example")
    for email in ("maya@school.example", "Maya@School.Example", "  MAYA@school.example "):
        assert _sign_in(app, email).status_code == 400
    assert _sign_in(app, "maya@SCHOOL.example").status_code == 429


@low_limits
def test_the_email_and_the_username_of_an_account_share_its_budget(app):
    """Guessing through the username and the email alike does not double the attempts."""
    maya = factories.make_user("student", email="maya@school.example")
    maya.username = "maya.chen"
    db.session.commit()
    for name in ("maya@school.example", "maya.chen", "MAYA.CHEN"):
        assert _sign_in(app, name).status_code == 400
    assert _sign_in(app, "maya.chen", factories.PASSWORD, address="10.0.0.3").status_code == 429


@low_limits
def test_successful_sign_ins_do_not_use_up_the_account_budget(app):
    maya = factories.make_user("student", email="maya@school.example")
    for _ in range(6):
        assert _sign_in(app, maya.email, factories.PASSWORD).status_code == 302
    for _ in range(3):
        assert _sign_in(app, maya.email).status_code == 400
    assert _sign_in(app, maya.email).status_code == 429


@low_limits
def test_failed_sign_ins_from_one_address_are_limited_across_emails(app):
    ana = factories.make_user("teacher", email="ana@school.example")
    for n in range(5):
        assert _sign_in(app, f"guess{n}@school.example", address="198.51.100.7").status_code == 400
    assert _sign_in(app, ana.email, factories.PASSWORD, address="198.51.100.7").status_code == 429
    assert _sign_in(app, ana.email, factories.PASSWORD, address="198.51.100.8").status_code == 302


@low_limits
def test_an_unknown_email_is_limited_exactly_like_an_account(app):
    factories.make_user("student", email="maya@school.example")
    answers = {}
    for email, address in (("maya@school.example", "10.0.0.1"), ("nobody@school.example", "10.0.0.2")):
        codes = [_sign_in(app, email, address=address).status_code for _ in range(4)]
        answers[email] = (codes, _sign_in(app, email, address=address).get_data())
    assert answers["maya@school.example"] == answers["nobody@school.example"]
    assert answers["maya@school.example"][0] == [400, 400, 400, 429]


@low_limits
def test_only_posts_count(app):
    client = app.test_client()
    for _ in range(10):
        assert client.get("/login").status_code == 200


@low_limits
def test_refusal_page_is_plain_translated_html(app):
    for _ in range(3):
        _sign_in(app, "maya@school.example")
    response = _sign_in(app, "maya@school.example")
    assert response.status_code == 429
    assert response.mimetype == "text/html"
    page = html.unescape(response.get_data(as_text=True))
    with app.test_request_context():
        title, message = errors_http._messages()[429]
    assert f"<h1>{title}</h1>" in page and message in page
    assert "try again later" in message
    assert "Traceback" not in page


# --- sign-in link requests (stand-in route until accounts.request_login_link exists) ---


@link_request_limits
def _ask_for_link():
    return "If that address has an account, a link is on its way.", 200


def _ask(client, email, address="10.0.0.1"):
    return client.post("/test-login-link", data={"email": email}, environ_base={"REMOTE_ADDR": address})


@low_limits
def test_sign_in_link_requests_are_limited_per_email_and_per_address(app):
    app.add_url_rule("/test-login-link", "test_login_link", _ask_for_link, methods=["POST"])
    client = app.test_client()
    assert [_ask(client, "jordan@utility.example").status_code for _ in range(3)] == [200, 200, 429]
    assert _ask(client, "JORDAN@utility.example ", address="10.0.0.9").status_code == 429
    assert _ask(client, "kim@utility.example").status_code == 200
    assert _ask(client, "lee@utility.example").status_code == 200  # the address's 4th
    assert _ask(client, "pat@utility.example").status_code == 429
    assert _ask(client, "pat@utility.example", address="10.0.0.9").status_code == 200


@low_limits
def test_the_sign_in_link_route_is_limited(app):
    client = app.test_client()
    answers = [client.post("/login/link", data={"email": "nobody@utility.example"},
                           environ_base={"REMOTE_ADDR": "10.0.0.1"}).status_code for _ in range(3)]
    assert answers == [200, 200, 429]


# --- invitations ---


@pytest.fixture
def school():
    teacher = factories.make_user("teacher", name="Ana Rivera")
    classroom = factories.make_classroom(teacher, name="Grade 8 Science")
    project = factories.make_project(factories.make_team(classroom, name="Rain Catchers"))
    return project, teacher


def _invite(client, project, email, address="10.0.0.1"):
    return client.post(f"/projects/{project.id}/invite", environ_base={"REMOTE_ADDR": address}, data={
        "email": email, "message": "Our water team would love your advice.", "projects": [project.id]})


def _invitations() -> int:
    return db.session.scalar(select(func.count()).select_from(Invitation))


@low_limits
def test_one_account_can_send_only_so_many_invitations(app, client, auth, school):
    project, teacher = school
    auth.as_user(teacher)
    for n in range(3):
        assert _invite(client, project, f"partner{n}@business.example").status_code == 302
    response = _invite(client, project, "one-more@business.example", address="10.0.0.2")
    assert response.status_code == 429
    assert _invitations() == 3 and len(outbox()) == 3  # the refused one is neither saved nor sent
    colleague = factories.make_user("teacher")
    db.session.add(ClassroomTeacher(classroom=project.team.classroom, user=colleague))
    db.session.commit()
    other = app.test_client()
    type(auth)(other).as_user(colleague)
    assert _invite(other, project, "one-more@business.example").status_code == 302


@low_limits
def test_one_person_receives_only_so_many_invitations(app, client, auth, school):
    project, teacher = school
    auth.as_user(teacher)
    refused_form = client.post(f"/projects/{project.id}/invite", environ_base={"REMOTE_ADDR": "10.0.0.1"},
                               data={"email": "jordan@utility.example", "projects": []})
    assert refused_form.status_code == 400  # nothing was sent, so it does not count
    assert _invite(client, project, "jordan@utility.example").status_code == 302
    assert _invite(client, project, "Jordan@Utility.example").status_code == 302
    colleague = factories.make_user("teacher")
    db.session.add(ClassroomTeacher(classroom=project.team.classroom, user=colleague))
    db.session.commit()
    other = app.test_client()
    type(auth)(other).as_user(colleague)
    assert _invite(other, project, "jordan@utility.example", address="10.0.0.2").status_code == 429
    assert _invitations() == 2
    assert _invite(other, project, "kim@utility.example", address="10.0.0.2").status_code == 302


def test_default_limits_let_ordinary_use_through(app, client, auth, school):
    """With the shipped settings a teacher invites a class's partners in one sitting."""
    app.config["MAIL_BACKEND"] = "memory"
    project, teacher = school
    auth.as_user(teacher)
    assert all(_invite(client, project, f"partner{n}@business.example").status_code == 302 for n in range(10))


# --- the counters' storage ---


@low_limits
def test_a_new_application_starts_with_fresh_counters(app, database):
    from tests.conftest import make_app

    factories.make_user("student", email="maya@school.example")
    for _ in range(3):
        _sign_in(app, "maya@school.example")
    assert _sign_in(app, "maya@school.example").status_code == 429
    fresh = make_app(database, **LOW)
    with fresh.app_context():
        assert _sign_in(fresh, "maya@school.example").status_code == 400
        db.engine.dispose()


@pytest.mark.parametrize("app", [{**LOW, "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:1/0"}], indirect=True,
                         ids=["redis-down"])
def test_site_works_and_still_limits_when_redis_does_not_answer(app):
    maya = factories.make_user("student", email="maya@school.example")
    assert _sign_in(app, maya.email, factories.PASSWORD).status_code == 302
    for _ in range(3):
        assert _sign_in(app, maya.email).status_code == 400
    assert _sign_in(app, maya.email).status_code == 429  # counted in this process's memory


REDIS_URL = "redis://localhost:6379/15"


def _redis_answers() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


REDIS_PREFIX = f"cbl-test-{secrets.token_hex(6)}"


@pytest.fixture
def redis_keys():
    """The keys this test's limiter writes, deleted afterwards."""
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    pattern = f"*{REDIS_PREFIX}*"
    yield lambda: sorted(client.scan_iter(pattern))
    for key in list(client.scan_iter(pattern)):
        client.delete(key)
    client.close()


@pytest.mark.skipif(not _redis_answers(), reason=f"no Redis server answers at {REDIS_URL}")
@pytest.mark.parametrize("app", [{**LOW, "RATELIMIT_STORAGE_URI": REDIS_URL, "RATELIMIT_KEY_PREFIX": REDIS_PREFIX}],
                         indirect=True, ids=["redis"])
def test_sign_in_limit_is_kept_in_redis(app, redis_keys):
    assert type(limiter.storage).__name__ == "RedisStorage"
    maya = factories.make_user("student", email="maya@school.example")
    for _ in range(3):
        assert _sign_in(app, maya.email).status_code == 400
    assert redis_keys(), "the counters are in Redis"
    assert not any(b"maya" in key for key in redis_keys())  # emails are hashed
    assert _sign_in(app, maya.email, factories.PASSWORD, address="10.0.0.2").status_code == 429
    assert _sign_in(app, "ana@school.example", address="10.0.0.2").status_code == 400


def test_storage_address_comes_from_the_environment(monkeypatch):
    from cbl.config import from_environment

    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "redis://cache.internal:6379/2")
    monkeypatch.setenv("CBL_RATELIMIT_SIGN_IN_PER_ACCOUNT", "10 per hour")
    found = from_environment()
    assert found["RATELIMIT_STORAGE_URI"] == "redis://cache.internal:6379/2"
    assert found["RATELIMIT_SIGN_IN_PER_ACCOUNT"] == "10 per hour"
