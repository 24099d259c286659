"""Getting back into an account: "Forgot your password?" and its mailed link, one-time
passwords set by a teacher or an administrator, and the new password they must be swapped for."""

import hashlib
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from cbl.accounts import recovery
from cbl.accounts.models import User
from cbl.accounts.recovery import PasswordReset
from cbl.audit import Action, AuditEvent
from cbl.dbtypes import utcnow
from cbl.extensions import db
from cbl.mail import outbox
from cbl.schools.models import School, SchoolMember
from tests import factories
from tests.conftest import Auth

MAIL = pytest.mark.parametrize("app", [{"MAIL_BACKEND": "memory"}], indirect=True, ids=["memory-mail"])
NEW = "a brand new secret"


def _reset_link() -> str:
    return re.search(r"http://localhost(/login/reset/\S+)", outbox()[-1].get_content()).group(1)


def _signed_in(client) -> bool:
    return client.get("/account").status_code == 200


def _signed_in_client(app, user):
    other = app.test_client()
    assert Auth(other).login(user).status_code == 302
    return other


def _events(action: Action) -> list[AuditEvent]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_sign_in_page_offers_recovery(client):
    page = client.get("/login").get_data(as_text=True)
    assert 'href="/login/forgot"' in page and "Forgot your password?" in page
    assert "ask your teacher" in client.get("/login/forgot").get_data(as_text=True)


@MAIL
def test_the_link_is_mailed_and_only_its_hash_is_stored(client):
    user = factories.make_user("teacher", email="ana@school.example")
    response = client.post("/login/forgot", data={"email": " Ana@School.example "})
    assert response.status_code == 200 and "Check your mail" in response.get_data(as_text=True)
    [mail] = outbox()
    assert mail["To"] == "ana@school.example"
    token = _reset_link().rsplit("/", 1)[1]
    [row] = db.session.scalars(select(PasswordReset)).all()
    assert row.user_id == user.id
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest() and token not in row.token_hash
    assert timedelta(minutes=59) < row.expires_at - utcnow() <= timedelta(minutes=60)


@MAIL
def test_unknown_addresses_get_the_same_answer_and_no_mail(client):
    factories.make_user("teacher", email="ana@school.example")
    known = client.post("/login/forgot", data={"email": "ana@school.example"})
    unknown = client.post("/login/forgot", data={"email": "who@school.example"})
    assert known.status_code == unknown.status_code == 200
    assert known.get_data(as_text=True).replace("ana@school.example", "X") == \
        unknown.get_data(as_text=True).replace("who@school.example", "X")
    assert [m["To"] for m in outbox()] == ["ana@school.example"]
    # Both paths write an audit row (the same work); the unknown one names no account.
    assert sorted((e.object_id is None) for e in _events(Action.PASSWORD_RESET_ASKED)) == [False, True]


@MAIL
def test_deactivated_accounts_and_accounts_without_mail_get_nothing(client):
    factories.make_user("teacher", email="gone@school.example", active=False)
    assert client.post("/login/forgot", data={"email": "gone@school.example"}).status_code == 200
    assert outbox() == []
    response = client.post("/login/forgot", data={"email": "maya.chen"})  # a username
    assert response.status_code == 400
    assert "ask your teacher to reset your password" in response.get_data(as_text=True)
    assert outbox() == []


@MAIL
def test_the_link_sets_a_password_once_and_ends_every_other_session(app, client):
    user = factories.make_user("student", email="maya@school.example")
    phone, laptop = _signed_in_client(app, user), _signed_in_client(app, user)
    client.post("/login/forgot", data={"email": user.email})
    link = _reset_link()
    assert client.get(link).status_code == 200  # opening it spends nothing
    response = client.post(link, data={"new_password": NEW, "confirm": NEW})
    assert response.status_code == 302
    assert _signed_in(client)  # this browser is signed in with the new password
    assert not _signed_in(phone) and not _signed_in(laptop)
    db.session.expire_all()
    assert db.session.get(User, user.id).check_password(NEW)
    again = app.test_client().post(link, data={"new_password": "yet another one", "confirm": "yet another one"})
    assert again.status_code == 410
    page = again.get_data(as_text=True)
    assert "used already" in page and 'href="/login/forgot"' in page
    assert [e.object_id for e in _events(Action.PASSWORD_RESET_USED)] == [user.id]


@MAIL
def test_password_rules_apply_and_a_refused_form_spends_nothing(client):
    user = factories.make_user("student")
    client.post("/login/forgot", data={"email": user.email})
    link = _reset_link()
    short = client.post(link, data={"new_password": "short", "confirm": "short"})
    assert short.status_code == 400 and "Use at least 10 characters." in short.get_data(as_text=True)
    differ = client.post(link, data={"new_password": NEW, "confirm": NEW + "!"})
    assert differ.status_code == 400 and "The two passwords differ." in differ.get_data(as_text=True)
    assert client.post(link, data={"new_password": NEW, "confirm": NEW}).status_code == 302


@MAIL
def test_the_link_expires_after_one_hour(client, monkeypatch):
    user = factories.make_user("student")
    client.post("/login/forgot", data={"email": user.email})
    link = _reset_link()
    start = utcnow()
    monkeypatch.setattr(recovery, "utcnow", lambda: start + timedelta(minutes=59))
    assert client.get(link).status_code == 200
    monkeypatch.setattr(recovery, "utcnow", lambda: start + timedelta(minutes=61))
    late = client.post(link, data={"new_password": NEW, "confirm": NEW})
    assert late.status_code == 410 and "expired" in late.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, user.id).check_password(factories.PASSWORD)


@MAIL
def test_a_newer_link_supersedes_the_older_and_forged_links_find_nothing(client):
    user = factories.make_user("student")
    client.post("/login/forgot", data={"email": user.email})
    first = _reset_link()
    client.post("/login/forgot", data={"email": user.email})
    second = _reset_link()
    old = client.get(first)
    assert old.status_code == 410 and "only the newest link works" in old.get_data(as_text=True)
    assert client.get(second).status_code == 200
    for forged in ("/login/reset/forged-token", "/login/reset/" + "x" * 500):
        response = client.get(forged)
        assert response.status_code == 404 and 'href="/login/forgot"' in response.get_data(as_text=True)
        assert client.post(forged, data={"new_password": NEW, "confirm": NEW}).status_code == 404


@pytest.mark.parametrize("app", [{"MAIL_BACKEND": "memory", "RATELIMIT_PASSWORD_RESET_PER_EMAIL": "2 per 15 minutes",
                                  "RATELIMIT_PASSWORD_RESET_PER_ADDRESS": "4 per hour"}], indirect=True)
def test_recovery_requests_are_limited_per_email_and_per_address(app):
    client = app.test_client()

    def ask(email, address="10.0.0.1"):
        return client.post("/login/forgot", data={"email": email}, environ_base={"REMOTE_ADDR": address}).status_code

    assert [ask("ana@school.example") for _ in range(3)] == [200, 200, 429]
    assert ask("ANA@school.example", address="10.0.0.2") == 429  # the same address, another network
    assert ask("bo@school.example") == 200
    assert ask("cy@school.example") == 200  # the 4th from 10.0.0.1
    assert ask("di@school.example") == 429
    assert ask("di@school.example", address="10.0.0.3") == 200


# --- one-time passwords ----------------------------------------------------------------------

@pytest.fixture
def school():
    teacher = factories.make_user("teacher", name="Ana Rivera")
    other_teacher = factories.make_user("teacher")
    maya = factories.make_user("student", name="Maya Chen")
    leo = factories.make_user("student", name="Leo Park")
    classroom = factories.make_classroom(teacher)
    factories.enrol(classroom, maya)
    factories.enrol(factories.make_classroom(other_teacher), leo)
    return {"teacher": teacher, "other_teacher": other_teacher, "maya": maya, "leo": leo, "classroom": classroom}


def _one_time_password(response) -> str:
    return re.search(r'id="one-time-password">([^<]+)<', response.get_data(as_text=True)).group(1)


def test_teacher_resets_a_student_of_their_class(app, client, auth, school):
    maya = school["maya"]
    maya_phone = _signed_in_client(app, maya)
    auth.as_user(school["teacher"])
    roster = client.get(f"/classes/{school['classroom'].id}").get_data(as_text=True)
    assert f'/people/{maya.id}/password' in roster
    assert client.get(f"/people/{maya.id}/password").status_code == 200
    response = client.post(f"/people/{maya.id}/password")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    password = _one_time_password(response)
    assert re.fullmatch(r"[a-z]+-[a-z]+-\d{2}", password)
    db.session.expire_all()
    stored = db.session.get(User, maya.id)
    assert stored.must_change_password and stored.check_password(password)
    assert password not in stored.password_hash
    assert not _signed_in(maya_phone)
    [event] = _events(Action.PASSWORD_RESET_BY_STAFF)
    assert (event.actor_id, event.object_id, event.classroom_id) == (school["teacher"].id, maya.id,
                                                                     school["classroom"].id)


def test_teachers_cannot_reset_anyone_outside_their_classes(client, auth, school):
    auth.as_user(school["teacher"])
    for person in (school["leo"], school["other_teacher"], school["teacher"]):
        assert client.get(f"/people/{person.id}/password").status_code == 404
        assert client.post(f"/people/{person.id}/password").status_code == 404
    assert client.post("/people/999999/password").status_code == 404
    db.session.expire_all()
    assert not db.session.get(User, school["leo"].id).must_change_password
    assert _events(Action.PASSWORD_RESET_BY_STAFF) == []


def test_admins_reset_anyone_and_school_admins_the_people_of_their_schools(client, auth, school):
    admin = factories.make_user("admin")
    auth.as_user(admin)
    assert f'/people/{school["teacher"].id}/password' in client.get("/admin/users").get_data(as_text=True)
    assert client.post(f"/people/{school['other_teacher'].id}/password").status_code == 200
    assert client.post(f"/people/{admin.id}/password").status_code == 404  # not oneself
    north = School(name="North")
    db.session.add(north)
    db.session.flush()
    head = factories.make_user("school_admin")
    db.session.add_all([SchoolMember(school=north, user=head), SchoolMember(school=north, user=school["maya"])])
    db.session.commit()
    auth.as_user(head)
    assert client.post(f"/people/{school['maya'].id}/password").status_code == 200
    assert client.post(f"/people/{school['leo'].id}/password").status_code == 404
    assert client.post(f"/people/{admin.id}/password").status_code == 404


def test_the_one_time_password_must_be_changed_before_anything_else(app, client, auth, school):
    maya = school["maya"]
    teacher_client = app.test_client()
    Auth(teacher_client).as_user(school["teacher"])
    password = _one_time_password(teacher_client.post(f"/people/{maya.id}/password"))
    response = client.post("/login", data={"email": maya.email, "password": password})
    assert response.headers["Location"] == "/account/new-password"
    for path in ("/home", "/account", f"/classes/{school['classroom'].id}", "/notifications"):
        assert client.get(path).headers.get("Location") == "/account/new-password", path
    static = client.get("/static/css/app.css")
    static.close()
    assert static.status_code == 200
    same = client.post("/account/new-password", data={"new_password": password, "confirm": password})
    assert same.status_code == 400 and "not the one you were given" in same.get_data(as_text=True)
    assert client.post("/account/new-password", data={"new_password": NEW, "confirm": NEW}).status_code == 302
    assert client.get("/home").status_code == 200
    db.session.expire_all()
    stored = db.session.get(User, maya.id)
    assert not stored.must_change_password and stored.check_password(NEW) and not stored.check_password(password)
    assert client.get("/account/new-password").headers["Location"] == "/account"


def test_signing_out_still_works_while_a_change_is_due(client, auth, school):
    maya = school["maya"]
    maya.must_change_password = True
    db.session.commit()
    auth.login(maya)
    assert client.post("/logout").status_code == 302
    assert client.get("/home").status_code == 302 and not _signed_in(client)


@pytest.mark.parametrize("app", [{"RATELIMIT_STAFF_RESET_PER_ACCOUNT": "2 per hour"}], indirect=True)
def test_staff_resets_are_limited(client, auth, school):
    auth.as_user(school["teacher"])
    answers = [client.post(f"/people/{school['maya'].id}/password").status_code for _ in range(3)]
    assert answers == [200, 200, 429]
    assert len(_events(Action.PASSWORD_RESET_BY_STAFF)) == 2


def test_one_time_passwords_are_words_and_a_number():
    seen = {recovery.one_time_password() for _ in range(50)}
    assert len(seen) > 45
    assert all(re.fullmatch(r"[a-z]+-[a-z]+-[1-9]\d", p) for p in seen)


@MAIL
def test_a_student_choosing_her_own_password_is_told_the_rule_and_a_guessable_one_is_refused(app, client, auth,
                                                                                             school):
    maya = school["maya"]
    teacher_client = app.test_client()
    Auth(teacher_client).as_user(school["teacher"])
    password = _one_time_password(teacher_client.post(f"/people/{maya.id}/password"))
    client.post("/login", data={"email": maya.email, "password": password})
    page = client.get("/account/new-password").get_data(as_text=True)
    assert "At least 10 characters, hard to guess." in page  # the rule before she types
    for weak in ("aaaaaaaaaa", "ababababab", "1234567890", "qwertyuiop", "password2026", "Minecraft11"):
        refused = client.post("/account/new-password", data={"new_password": weak, "confirm": weak})
        assert refused.status_code == 400, weak
        assert "too easy to guess" in refused.get_data(as_text=True), weak
    db.session.expire_all()
    assert db.session.get(User, maya.id).must_change_password
    assert client.post("/account/new-password", data={"new_password": "purple-turtle-jumps",
                                                       "confirm": "purple-turtle-jumps"}).status_code == 302


@MAIL
def test_the_recovery_link_and_sign_up_refuse_a_guessable_password_too(client, school):
    user = factories.make_user("student")
    client.post("/login/forgot", data={"email": user.email})
    link = _reset_link()
    refused = client.post(link, data={"new_password": "1111111111", "confirm": "1111111111"})
    assert refused.status_code == 400 and "too easy to guess" in refused.get_data(as_text=True)
    signup = client.post("/signup", data={"join_code": school["classroom"].join_code, "display_name": "Lucía Pérez",
                                          "email": "lucia@example.org", "password": "qwertyuiop",
                                          "confirm": "qwertyuiop"})
    assert signup.status_code == 400 and "too easy to guess" in signup.get_data(as_text=True)
    assert "At least 10 characters" in client.get("/signup").get_data(as_text=True)


@MAIL
def test_a_used_link_opened_again_while_signed_in_leads_home_not_to_sign_in(app, client):
    """Maya opens the mail's link a second time after choosing her password: "Ask for a new
    link" and "Back to sign in" only bounced her to her home page."""
    user = factories.make_user("student", email="maya@school.example")
    client.post("/login/forgot", data={"email": user.email})
    link = _reset_link()
    client.post(link, data={"new_password": NEW, "confirm": NEW})
    page = client.get(link).get_data(as_text=True)
    assert "used already" in page and "Go to my home page" in page and 'href="/"' in page
    assert 'href="/login/forgot"' not in page and "Sign out and open the link again" not in page


@MAIL
def test_a_link_opened_in_a_browser_signed_in_as_someone_else_offers_to_sign_out_and_come_back(app, client):
    maya = factories.make_user("student", email="maya@school.example")
    client.post("/login/forgot", data={"email": maya.email})
    link = _reset_link()
    tablet = _signed_in_client(app, factories.make_user("student", name="Leo Park"))
    page = tablet.get(link)
    assert page.status_code == 403
    text = page.get_data(as_text=True)
    assert "Sign out and open the link again" in text and f'name="next" value="{link}"' in text
    out = tablet.post("/logout", data={"next": link})
    assert out.headers["Location"] == link
    assert tablet.get(link).status_code == 200  # now the form to choose Maya's password
