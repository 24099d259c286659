"""What an attacker tries against signing in and getting back into an account: leading a
person off the site after sign-in, and getting a genuine mail whose link points at the
attacker's host."""

import re

import pytest

from cbl.accounts.views import _safe_next
from cbl.mail import outbox
from tests import factories

SITE = "https://cbl.school.example"
MAILED = pytest.mark.parametrize("app", [{"MAIL_BACKEND": "memory", "BASE_URL": SITE}], indirect=True,
                                 ids=["base-url"])
EVIL = {"Host": "evil.example"}


@pytest.mark.parametrize("target", ["/\\evil.example", "/\\/evil.example", "/\t/evil.example", "/ /evil.example",
                                    "//evil.example", "https://evil.example/", "javascript:alert(1)"])
def test_next_never_leads_to_another_site(client, target):
    assert _safe_next(target) is None
    user = factories.make_user("teacher", email="ana@school.example")
    response = client.post("/login", query_string={"next": target},
                           data={"email": user.email, "password": factories.PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_next_still_leads_back_to_a_page_of_the_site(client):
    user = factories.make_user("teacher", email="ana@school.example")
    response = client.post("/login", query_string={"next": "/teams/?q=a%5Cb"},
                           data={"email": user.email, "password": factories.PASSWORD})
    assert response.headers["Location"] == "/teams/?q=a%5Cb"


def _link_in_last_mail() -> str:
    return re.search(r"https?://\S+", outbox()[-1].get_content()).group(0)


@MAILED
def test_a_recovery_link_is_on_the_site_address_whatever_host_the_request_named(client):
    factories.make_user("teacher", email="ana@school.example")
    assert client.post("/login/forgot", data={"email": "ana@school.example"}, headers=EVIL).status_code == 200
    assert _link_in_last_mail().startswith(SITE + "/login/reset/")


@MAILED
def test_a_sign_in_link_is_on_the_site_address_whatever_host_the_request_named(client):
    factories.make_user("partner", email="guest@example.org")
    assert client.post("/login/link", data={"email": "guest@example.org"}, headers=EVIL).status_code == 200
    assert _link_in_last_mail().startswith(SITE + "/login/link/")


@MAILED
def test_sign_up_mail_is_on_the_site_address_whatever_host_the_request_named(client):
    classroom = factories.make_classroom(factories.make_user("teacher"))
    factories.make_user("student", email="taken@school.example")
    for email, path in (("new@school.example", "/signup/"), ("taken@school.example", "/login")):
        response = client.post("/signup", headers=EVIL, data={
            "join_code": classroom.join_code, "display_name": "Kai Moreno", "email": email,
            "password": "puddle-patrol-26", "confirm": "puddle-patrol-26"})
        assert response.status_code == 200
        assert _link_in_last_mail().startswith(SITE + path)


# -- a school admin takes no account that reaches beyond their schools ---------------------------

@pytest.fixture
def two_schools():
    """North (its admin, a teacher and a student of its own) and South; a teacher and a student
    with a class in each, and an admin of both."""
    north_admin, both_admin = factories.make_user("school_admin"), factories.make_user("school_admin")
    own_teacher, shared_teacher = factories.make_user("teacher"), factories.make_user("teacher")
    own_student, shared_student = factories.make_user("student"), factories.make_user("student")
    north_class, shared_north = factories.make_classroom(own_teacher), factories.make_classroom(shared_teacher)
    south_class = factories.make_classroom(shared_teacher)
    factories.enrol(north_class, own_student, shared_student)
    factories.enrol(south_class, shared_student)
    factories.make_school("North", members=(north_admin, both_admin), classrooms=(north_class, shared_north))
    factories.make_school("South", members=(both_admin,), classrooms=(south_class,))
    return {"north_admin": north_admin, "both_admin": both_admin, "own_teacher": own_teacher,
            "shared_teacher": shared_teacher, "own_student": own_student, "shared_student": shared_student,
            "north_class": north_class}


def test_a_school_admin_cannot_take_over_an_account_that_reaches_another_school(client, auth, two_schools):
    from cbl.accounts.models import User
    from cbl.extensions import db

    s = two_schools
    auth.as_user(s["north_admin"])
    for person in ("both_admin", "shared_teacher", "shared_student"):  # would open South to North's admin
        target = s[person]
        assert client.post(f"/people/{target.id}/password").status_code == 404, person
        assert client.post(f"/admin/users/{target.id}/active", data={}).status_code == 403, person
        db.session.expire_all()
        assert db.session.get(User, target.id).active and not db.session.get(User, target.id).must_change_password
    people = client.get("/admin/users").get_data(as_text=True)
    assert f"/people/{s['shared_teacher'].id}/password" not in people  # no link that answers 404
    assert f"/people/{s['own_teacher'].id}/password" in people
    roster = client.get(f"/classes/{s['north_class'].id}").get_data(as_text=True)
    assert f"/people/{s['shared_student'].id}/password" not in roster
    assert f"/people/{s['own_student'].id}/password" in roster
    for person in ("own_teacher", "own_student"):  # wholly North's: North's admin looks after them
        assert client.post(f"/people/{s[person].id}/password").status_code == 200, person
        assert client.post(f"/admin/users/{s[person].id}/active", data={}).status_code == 302, person
        db.session.expire_all()
        assert not db.session.get(User, s[person].id).active


def test_a_district_admin_still_resets_anyone(client, auth, two_schools):
    auth.as_user(factories.make_user("admin"))
    for person in ("both_admin", "shared_teacher", "shared_student", "north_admin"):
        assert client.post(f"/people/{two_schools[person].id}/password").status_code == 200, person


# -- nothing of the session before sign-in carries over ----------------------------------------

def _session(client) -> dict:
    with client.session_transaction() as session:
        return dict(session)


def test_signing_in_and_out_starts_a_fresh_session(client):
    user = factories.make_user("teacher", email="ana@school.example")
    with client.session_transaction() as session:  # a cookie planted, or read, before sign-in
        session["csrf_token"] = "known to whoever planted the cookie"
        session["planted"] = "yes"
    assert client.post("/login", data={"email": user.email, "password": factories.PASSWORD}).status_code == 302
    after = _session(client)
    assert "planted" not in after and after.get("csrf_token") != "known to whoever planted the cookie"
    assert client.get("/account").status_code == 200  # still signed in
    with client.session_transaction() as session:
        session["csrf_token"] = "of the signed-in session"
    assert client.post("/logout").status_code == 302
    assert _session(client).get("csrf_token") != "of the signed-in session"


# -- "forgot your password?" does the same work for any address ---------------------------------

@pytest.mark.parametrize("app", [{"JOBS_IMMEDIATE": False, "JOBS_URL": "memory://", "MAIL_BACKEND": "memory"}],
                         indirect=True)
def test_forgot_password_queues_one_job_whatever_the_address(app, client):
    from sqlalchemy import func, select

    from cbl.accounts.recovery import PasswordReset
    from cbl.extensions import db
    from cbl.jobs import huey

    factories.make_user("teacher", email="ana@school.example")
    for email in ("ana@school.example", "nobody@school.example"):
        sent = len(outbox())
        assert client.post("/login/forgot", data={"email": email}).status_code == 200
        # Mail queued in the request for a real account only would take longer, and so tell it.
        assert huey.pending_count() == 1 and len(outbox()) == sent, email
        assert db.session.scalar(select(func.count()).select_from(PasswordReset)) == (1 if sent else 0)
        while (task := huey.dequeue()) is not None:
            huey.execute(task)
    assert [m["To"] for m in outbox()] == ["ana@school.example"]
    assert "/login/reset/" in outbox()[0].get_content()


# -- a teacher's class list reaches no student of another school ---------------------------------

def test_a_class_list_neither_shows_nor_adds_another_schools_student(client, auth):
    import html

    from cbl.teams import roster

    teacher, colleague = factories.make_user("teacher"), factories.make_user("teacher")
    own_class, next_door, far_class = (factories.make_classroom(teacher), factories.make_classroom(colleague),
                                       factories.make_classroom(factories.make_user("teacher")))
    far = factories.make_user("student", name="Far Away", email="far.away@south.example")
    far.school_id, far.username = "S-900", "far.away"
    near = factories.make_user("student", name="Near By", email="near.by@north.example")
    factories.enrol(far_class, far)
    factories.enrol(next_door, near)
    factories.make_school("North", classrooms=(own_class, next_door))
    factories.make_school("South", classrooms=(far_class,))
    auth.as_user(teacher)
    for typed, hidden in (("Far Away, , S-900", ("south.example", "far.away")),
                          ("Far Away, far.away@south.example", ("S-900",)),
                          ("Far Away, , , far.away", ("south.example", "S-900"))):
        response = client.post(f"/classes/{own_class.id}/roster/preview", data={"students": typed})
        page = html.unescape(response.get_data(as_text=True))
        assert response.status_code == 400, typed  # a username alone: "taken", as before
        assert "An account of another school" in page or "is taken" in page, typed
        assert not any(secret in page for secret in hidden), typed
        checked = roster.preview(own_class, roster.parse(typed), teacher)
        assert checked.lines[0].user is None and not checked.ok
    # the same school's student is found and added, as before
    checked = roster.preview(own_class, roster.parse("Near By, near.by@north.example"), teacher)
    assert checked.ok and checked.lines[0].status == roster.EXISTING and checked.lines[0].user.id == near.id
    # and so is a student in no class nor school yet (made by an administrator)
    new = factories.make_user("student", name="New One", email="new.one@north.example")
    checked = roster.preview(own_class, roster.parse("New One, new.one@north.example"), teacher)
    assert checked.ok and checked.lines[0].user.id == new.id


# -- the demo never lands in a real school's database --------------------------------------------

def test_the_demo_is_never_seeded_into_a_database_with_accounts(runner):
    from sqlalchemy import func, select

    from cbl.accounts.models import User
    from cbl.extensions import db
    from cbl.sso.models import SsoProvider

    factories.make_user("admin", email="head@real-school.example")
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code != 0 and "only added to an empty database" in result.output
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(User)) == 1  # no admin with a published password
    assert db.session.scalar(select(func.count()).select_from(SsoProvider)) == 0  # no demo sign-in provider


# -- an open session cannot try passwords without end ----------------------------------------------

@pytest.mark.parametrize("app", [{"RATELIMIT_PASSWORD_CHECK_PER_ACCOUNT": "3 per hour"}], indirect=True)
def test_wrong_current_passwords_are_limited_per_account_across_sessions(app):
    from cbl.accounts.models import User
    from cbl.extensions import db
    from tests.conftest import Auth

    user = factories.make_user("teacher", email="ana@school.example")

    def attempt(current: str, new: str = "a brand new secret"):
        browser = app.test_client()  # a new sign-in each time: a new session id, the same account
        Auth(browser).login(user)
        return browser.post("/account/password", data={"password-current_password": current,
                                                       "password-new_password": new, "password-confirm": new})

    assert [attempt(f"guess {n}").status_code for n in range(3)] == [400, 400, 400]
    assert attempt(factories.PASSWORD).status_code == 429  # even the right one waits
    db.session.expire_all()
    assert db.session.get(User, user.id).check_password(factories.PASSWORD)


def test_a_school_admin_cannot_change_how_a_shared_teacher_signs_in(client, auth, two_schools):
    from cbl.accounts.models import Role, User
    from cbl.extensions import db

    s = two_schools
    auth.as_user(s["north_admin"])
    shared = s["shared_teacher"]
    for data in ({"display_name": shared.display_name, "role": "student", "username": "", "school_id": ""},
                 {"display_name": shared.display_name, "role": "teacher", "username": "taken.over", "school_id": ""}):
        response = client.post(f"/admin/users/{shared.id}/edit", data=data)
        assert response.status_code == 400
        assert "Only a district administrator changes this" in response.get_data(as_text=True)
    db.session.expire_all()
    after = db.session.get(User, shared.id)
    assert after.role is Role.TEACHER and after.username is None
    renamed = client.post(f"/admin/users/{shared.id}/edit", data={  # the name stays the school's to set
        "display_name": "Ana R. Rivera", "role": "teacher", "username": "", "school_id": ""})
    assert renamed.status_code == 302
    own = s["own_teacher"]
    assert client.post(f"/admin/users/{own.id}/edit", data={
        "display_name": own.display_name, "role": "teacher", "username": "own.teacher", "school_id": ""}
    ).status_code == 302


# -- no POST without the form's CSRF token -------------------------------------------------------

@pytest.mark.parametrize("app", [{"WTF_CSRF_ENABLED": True}], indirect=True)
def test_every_post_route_refuses_a_request_without_its_csrf_token(app):
    from flask import url_for

    from tests.conftest import Auth
    from tests.test_bad_input import ANONYMOUS, _actor, _post_rules
    from tests.test_permissions_routes import build_world, url_params

    world = build_world()
    accepted = []
    for rule in _post_rules(app):
        with app.test_request_context():
            url = url_for(rule.endpoint, **url_params(rule.endpoint, rule, world))
        client = app.test_client()
        if rule.endpoint not in ANONYMOUS:
            Auth(client).as_user(world["visitors"][_actor(rule.endpoint)])
        response = client.post(url, data={"email": "x@example.org", "password": "cross-site"})
        if response.status_code != 400 or "came from another site" not in response.get_data(as_text=True):
            accepted.append(f"{rule.endpoint}: {response.status_code}")
    assert accepted == []


# -- a recovery link mailed earlier opens nothing once the password or the address changed -------

def _reset_path() -> str:
    return re.search(r"http://localhost(/login/reset/\S+)", outbox()[-1].get_content()).group(1)


@pytest.mark.parametrize("app", [{"MAIL_BACKEND": "memory"}], indirect=True)
def test_changing_the_password_or_the_address_voids_earlier_recovery_links(app, client):
    from tests.conftest import Auth

    user = factories.make_user("teacher", email="ana@school.example")
    new = "a brand new secret"
    client.post("/login/forgot", data={"email": user.email})
    link = _reset_path()
    owner = app.test_client()
    Auth(owner).login(user)
    assert owner.post("/account/password", data={"password-current_password": factories.PASSWORD,
                                                 "password-new_password": new, "password-confirm": new}
                      ).status_code == 302
    assert client.get(link).status_code == 410  # whoever holds the old mail gets nothing
    client.post("/login/forgot", data={"email": user.email})
    link = _reset_path()
    assert owner.post("/account/email", data={"email-email": "ana@new.example", "email-password": new}
                      ).status_code == 302
    confirm = re.search(r"http://localhost(/account/email/\S+)", outbox()[-2].get_content()).group(1)
    assert owner.post(confirm).status_code == 302
    assert client.get(link).status_code == 410  # the link went to the address given up


@pytest.mark.parametrize("app", [{"MAIL_BACKEND": "memory"}], indirect=True)
def test_a_new_password_voids_a_change_of_address_asked_from_a_stolen_session(app, client):
    from cbl.accounts.models import User
    from cbl.extensions import db
    from tests.conftest import Auth

    user = factories.make_user("student", email="maya@school.example")
    thief = app.test_client()
    Auth(thief).login(user)
    assert thief.post("/account/email", data={"email-email": "thief@evil.example",
                                              "email-password": factories.PASSWORD}).status_code == 302
    confirm = re.search(r"http://localhost(/account/email/\S+)", outbox()[-2].get_content()).group(1)
    client.post("/login/forgot", data={"email": user.email})  # the owner, warned, takes the account back
    new = "a brand new secret"
    assert client.post(_reset_path(), data={"new_password": new, "confirm": new}).status_code == 302
    assert thief.post(confirm).status_code == 410
    db.session.expire_all()
    assert db.session.get(User, user.id).email == "maya@school.example"


# -- signing up someone else's address makes no account the stranger can open ----------------------

@pytest.mark.parametrize("app", [{"MAIL_BACKEND": "memory"}], indirect=True)
def test_a_sign_up_link_needs_the_password_typed_on_the_sign_up_form(client):
    from sqlalchemy import select

    from cbl.accounts.models import User
    from cbl.extensions import db

    classroom = factories.make_classroom(factories.make_user("teacher"))
    client.post("/signup", data={"join_code": classroom.join_code, "display_name": "Maya Chen",
                                 "email": "maya@family.example", "password": "the stranger knows",
                                 "confirm": "the stranger knows"})  # typed by a stranger
    path = re.search(r"http://localhost(/signup/confirm/\S+)", outbox()[-1].get_content()).group(1)
    owner = client.application.test_client()  # Maya opens the mail and presses the button
    refused = owner.post(path, data={"password": "what maya would guess"})
    assert refused.status_code == 400 and "not the password typed on the sign-up form" in refused.get_data(as_text=True)
    assert owner.post(path, data={}).status_code == 400
    assert db.session.scalar(select(User).where(User.email == "maya@family.example")) is None
    assert client.post(path, data={"password": "the stranger knows"}).status_code == 302  # the one who typed it


# -- a roster previewed and never confirmed does not stay on the server --------------------------

def test_the_daily_purge_removes_roster_uploads_never_confirmed(app):
    import io
    import os
    import time

    from cbl.jobs.schedule import purge_deleted
    from cbl.rosters import uploads

    old = uploads.save(io.BytesIO(b"PK the whole district's students"))
    fresh = uploads.save(io.BytesIO(b"PK an upload being previewed now"))
    stale = time.time() - uploads.KEEP_SECONDS - 60
    os.utime(uploads.folder() / f"{old}.zip", (stale, stale))
    purge_deleted.call_local()
    assert not (uploads.folder() / f"{old}.zip").exists()
    assert uploads.path_of(fresh) is not None
    uploads.discard(fresh)


# -- the job queue holds mail with sign-in links: only the site's user reads it --------------------

@pytest.mark.parametrize("app", [{"JOBS_IMMEDIATE": False}], indirect=True)
def test_the_sqlite_job_queue_is_readable_by_the_site_only(app, tmp_path):
    import os
    import stat

    from cbl.jobs import init_app

    path = tmp_path / "jobs.sqlite"
    app.config["JOBS_URL"] = f"sqlite:///{path}"
    try:
        init_app(app)
        assert path.exists() and stat.S_IMODE(os.stat(path).st_mode) & 0o077 == 0
    finally:
        app.config["JOBS_URL"] = None
        init_app(app)
