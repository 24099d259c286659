"""People manage their own account: a new email address takes effect only once it confirms,
and they see their signed-in sessions and end any of them."""

import hashlib
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from cbl.accounts import email_change, sessions
from cbl.accounts.email_change import EmailChange
from cbl.accounts.models import User, UserSession
from cbl.audit import Action, AuditEvent
from cbl.dbtypes import utcnow
from cbl.extensions import db
from cbl.mail import outbox
from tests import factories
from tests.conftest import Auth

MAIL = pytest.mark.parametrize("app", [{"MAIL_BACKEND": "memory"}], indirect=True, ids=["memory-mail"])
PHONE = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Mobile Safari/537.36"
LAPTOP = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"


def _ask(client, email, password=factories.PASSWORD):
    return client.post("/account/email", data={"email-email": email, "email-password": password})


def _confirm_link() -> str:
    mail = next(m for m in outbox() if m["Subject"].startswith("Confirm"))
    return re.search(r"http://localhost(/account/email/\S+)", mail.get_content()).group(1)


def _email_of(user) -> str | None:
    db.session.expire_all()
    return db.session.get(User, user.id).email


@MAIL
def test_a_new_address_counts_only_once_it_confirms(app, client, auth):
    user = factories.make_user("teacher", email="ana@school.example")
    auth.login(user)
    response = _ask(client, "Ana.Rivera@Mail.example")
    assert response.status_code == 302
    assert _email_of(user) == "ana@school.example"
    assert sorted(m["To"] for m in outbox()) == ["ana.rivera@mail.example", "ana@school.example"]
    told = next(m for m in outbox() if m["To"] == "ana@school.example").get_content()
    assert "ana.rivera@mail.example" in told and "/account/email/" not in told  # the old address only hears of it
    link = _confirm_link()
    [row] = db.session.scalars(select(EmailChange)).all()
    assert row.token_hash == hashlib.sha256(link.rsplit("/", 1)[1].encode()).hexdigest()
    assert app.test_client().get(link).status_code == 200
    assert _email_of(user) == "ana@school.example"  # opening the link changes nothing
    assert app.test_client().post(link).status_code == 302
    assert _email_of(user) == "ana.rivera@mail.example"
    assert app.test_client().post(link).status_code == 410  # single use
    signing_in = app.test_client().post("/login", data={"email": "ana.rivera@mail.example",
                                                        "password": factories.PASSWORD})
    assert signing_in.status_code == 302
    actions = [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert Action.EMAIL_CHANGE_ASKED in actions and Action.EMAIL_CHANGED in actions


@MAIL
def test_addresses_stay_unique_and_the_password_is_asked(client, auth):
    user = factories.make_user("teacher", email="ana@school.example")
    factories.make_user("teacher", email="bo@school.example")
    auth.as_user(user)
    wrong = _ask(client, "new@school.example", password="not my password")
    assert wrong.status_code == 400 and "The current password is not right." in wrong.get_data(as_text=True)
    assert outbox() == []
    # A taken address answers like any other (the form does not tell who has an account);
    # that address is told it serves one account only, and nothing changes.
    taken, free = _ask(client, "BO@school.example"), _ask(client, "cy@school.example")
    assert taken.status_code == free.status_code == 302
    [to_taken] = [m for m in outbox() if m["To"] == "bo@school.example"]
    assert "/account/email/" not in to_taken.get_content() and "already belongs to one" in to_taken.get_content()
    assert _email_of(user) == "ana@school.example"


@MAIL
def test_a_confirmation_expires_after_a_day_or_when_the_address_is_taken_meanwhile(client, auth, monkeypatch):
    user = factories.make_user("teacher")
    auth.as_user(user)
    _ask(client, "new@school.example")
    link = _confirm_link()
    start = utcnow()
    monkeypatch.setattr(email_change, "utcnow", lambda: start + timedelta(hours=25))
    late = client.post(link)
    assert late.status_code == 410 and "expired" in late.get_data(as_text=True)
    monkeypatch.undo()
    factories.make_user("partner", email="new@school.example")
    taken = client.post(link)
    assert taken.status_code == 410 and "Another account uses this address" in taken.get_data(as_text=True)
    assert client.get("/account/email/forged").status_code == 404


@pytest.mark.parametrize("app", [{"MAIL_BACKEND": "memory", "RATELIMIT_EMAIL_CHANGE_PER_ACCOUNT": "2 per hour"}],
                         indirect=True)
def test_email_changes_are_limited(client, auth):
    auth.as_user(factories.make_user("teacher"))
    assert [_ask(client, f"n{i}@school.example").status_code for i in range(3)] == [302, 302, 429]


# --- sessions ----------------------------------------------------------------------------------

def _browser(app, user, agent):
    browser = app.test_client()
    browser.environ_base["HTTP_USER_AGENT"] = agent
    assert Auth(browser).login(user).status_code == 302
    return browser


def test_my_sessions_are_listed_in_words_and_this_one_is_marked(app):
    user = factories.make_user("student")
    phone = _browser(app, user, PHONE)
    _browser(app, user, LAPTOP)
    page = phone.get("/account").get_data(as_text=True)
    assert "Chrome on Android" in page and "Firefox on Windows" in page
    assert page.count("this device") == 1
    assert page.index("this device") > page.index("Chrome on Android")
    rows = db.session.scalars(select(UserSession)).all()
    assert {r.device for r in rows} == {"Chrome · Android", "Firefox · Windows"}
    assert all(len(r.token_hash) == 64 for r in rows)  # a hash, never the cookie's secret


def test_ending_a_session_signs_that_browser_out(app):
    user = factories.make_user("student")
    phone = _browser(app, user, PHONE)
    laptop = _browser(app, user, LAPTOP)
    laptop_session = db.session.scalar(select(UserSession.id).where(UserSession.device == "Firefox · Windows"))
    assert phone.post("/account/sessions/end", data={"session_id": laptop_session}).status_code == 302
    assert laptop.get("/home").status_code == 302
    assert phone.get("/home").status_code == 200
    # Another account's session, an unknown one, or garbage: nothing ends, never a 500.
    stranger = _browser(app, factories.make_user("student"), LAPTOP)
    phone_session = db.session.scalar(select(UserSession.id).where(UserSession.device == "Chrome · Android"))
    assert stranger.post("/account/sessions/end", data={"session_id": phone_session}).status_code == 404
    assert stranger.post("/account/sessions/end", data={"session_id": "x"}).status_code == 400
    assert phone.get("/home").status_code == 200
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == Action.SESSIONS_ENDED)).all()
    assert event.actor_id == user.id


def test_ending_every_other_session_keeps_only_this_one(app, client, auth):
    user = factories.make_user("student")
    others = [_browser(app, user, PHONE), _browser(app, user, LAPTOP)]
    old_style = app.test_client()
    Auth(old_style).as_user(user)  # a cookie of the account-wide kind
    auth.login(user)
    assert client.post("/account/sessions/end-others").status_code == 302
    assert client.get("/home").status_code == 200
    assert [b.get("/home").status_code for b in [*others, old_style]] == [302, 302, 302]


def test_signing_out_ends_only_this_session_and_a_password_change_ends_all(app, client, auth):
    user = factories.make_user("student")
    phone = _browser(app, user, PHONE)
    auth.login(user)
    client.post("/logout")
    assert client.get("/home").status_code == 302 and phone.get("/home").status_code == 200
    laptop = _browser(app, user, LAPTOP)
    laptop.post("/account/password", data={"password-current_password": factories.PASSWORD,
                                           "password-new_password": "a much longer secret",
                                           "password-confirm": "a much longer secret"})
    assert phone.get("/home").status_code == 302 and laptop.get("/home").status_code == 200


def test_an_older_cookie_becomes_a_session_of_its_own(app, client, auth):
    user = factories.make_user("student")
    auth.as_user(user)
    assert client.get("/home").status_code == 200
    [row] = db.session.scalars(select(UserSession)).all()
    assert row.user_id == user.id
    assert client.get("/account").status_code == 200 and "this device" in client.get("/account").get_data(as_text=True)


def test_last_active_is_written_at_most_every_few_minutes(app, monkeypatch):
    user = factories.make_user("student")
    phone = _browser(app, user, PHONE)
    first = db.session.scalar(select(UserSession.last_seen_at))
    phone.get("/home")
    db.session.expire_all()
    assert db.session.scalar(select(UserSession.last_seen_at)) == first
    start = utcnow()
    monkeypatch.setattr(sessions, "utcnow", lambda: start + timedelta(minutes=6))
    phone.get("/home")
    db.session.expire_all()
    assert db.session.scalar(select(UserSession.last_seen_at)) == start + timedelta(minutes=6)


def test_device_labels_keep_only_a_few_words():
    assert sessions.device_label(PHONE) == "Chrome · Android"
    assert sessions.device_label("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
                                 "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1") == "Safari · iPhone"
    assert sessions.device_label("curl/8.0") == "" and sessions.device_label(None) == ""


def test_a_session_idle_for_a_month_ends(app, monkeypatch):
    user = factories.make_user("student")
    phone = _browser(app, user, PHONE)
    start = utcnow()
    monkeypatch.setattr(sessions, "utcnow", lambda: start + timedelta(days=29))
    assert phone.get("/home").status_code == 200
    monkeypatch.setattr(sessions, "utcnow", lambda: start + timedelta(days=29 + 31))
    assert phone.get("/home").status_code == 302
    _browser(app, user, LAPTOP)  # a new sign-in clears the idle rows away
    assert [r.device for r in db.session.scalars(select(UserSession))] == ["Firefox · Windows"]
