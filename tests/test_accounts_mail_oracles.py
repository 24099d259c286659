"""Asking for a sign-in link or a recovery link, and signing up with a class code answer the same page, with the
same work queued and no mail sent in the request, whether or not the address has an account;
the join-code sign-up makes the account only from its mailed link."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from cbl import mail
from cbl.accounts.models import User
from cbl.accounts.signup import SignupRequest, purge_expired
from cbl.extensions import db
from cbl.jobs import huey
from cbl.teams.models import Enrolment
from tests import factories

QUEUED = {"JOBS_IMMEDIATE": False, "JOBS_URL": "memory://", "MAIL_BACKEND": "memory", "TESTING": True}


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _run_queued() -> None:
    """Do what the worker would: run every queued job."""
    while (task := huey.dequeue()) is not None:
        huey.execute(task)


def _signup(client, code, email, name="Kai Moreno", password="puddle-patrol-26"):
    return client.post("/signup", data={"join_code": code, "display_name": name, "email": email,
                                        "password": password, "confirm": password})


# -- sign-in links ------------------------------------------------------------------------------

@pytest.mark.parametrize("app", [QUEUED], indirect=True)
def test_link_request_answers_the_same_and_sends_nothing_in_the_request(app, client):
    factories.make_user("partner", email="guest@example.org")
    answers = []
    for email in ("guest@example.org", "nobody@example.org"):
        sent = len(mail.outbox())
        response = client.post("/login/link", data={"email": email})
        answers.append((response.status_code, response.get_data(as_text=True).replace(email, "EMAIL")))
        assert len(mail.outbox()) == sent  # nothing sent while the page was made
        assert huey.pending_count() == 1  # one job queued either way: it looks the address up
        _run_queued()
    assert answers[0] == answers[1] and answers[0][0] == 200
    assert [m["To"] for m in mail.outbox()] == ["guest@example.org"]  # the worker sent the real one


# -- forgot your password? ---------------------------------------------------------------------

@pytest.mark.parametrize("app", [QUEUED], indirect=True)
def test_forgot_password_answers_the_same_and_sends_nothing_in_the_request(app, client):
    factories.make_user("student", email="maya@school.example")
    answers = []
    for email in ("maya@school.example", "nobody@school.example"):
        sent = len(mail.outbox())
        response = client.post("/login/forgot", data={"email": email})
        answers.append((response.status_code, response.get_data(as_text=True).replace(email, "EMAIL")))
        assert len(mail.outbox()) == sent and huey.pending_count() == 1  # one job either way
        _run_queued()
    assert answers[0] == answers[1] and answers[0][0] == 200
    [sent] = mail.outbox()
    assert sent["To"] == "maya@school.example" and "http://localhost/login/reset/" in sent.get_content()


# -- join-code sign-up --------------------------------------------------------------------------

@pytest.mark.parametrize("app", [QUEUED], indirect=True)
def test_signup_answers_the_same_for_a_new_and_a_taken_email(app, client):
    classroom = factories.make_classroom(factories.make_user("teacher"))
    factories.make_user("student", email="taken@school.example")
    answers = []
    for email in ("new@school.example", "taken@school.example"):
        sent = len(mail.outbox())
        response = _signup(client, classroom.join_code, email)
        answers.append((response.status_code, response.get_data(as_text=True).replace(email, "EMAIL")))
        assert len(mail.outbox()) == sent and huey.pending_count() == 1
        _run_queued()
    assert answers[0] == answers[1] and answers[0][0] == 200
    assert "Check your mail" in answers[0][1]
    new, taken = mail.outbox()
    assert new["To"] == "new@school.example" and "/signup/confirm/" in new.get_content()
    assert taken["To"] == "taken@school.example" and "/signup/confirm/" not in taken.get_content()
    assert "You already have a CBL Tracker account" in taken.get_content()
    assert "http://localhost/login" in taken.get_content() and classroom.join_code in taken.get_content()


@pytest.fixture
def memory_mail(app):
    app.config["MAIL_BACKEND"] = "memory"


def _confirm_path(message) -> str:
    return re.search(r"http://localhost(/signup/confirm/\S+)", message.get_content()).group(1)


def test_the_mailed_link_creates_the_account_once_and_signs_in(client, memory_mail):
    classroom = factories.make_classroom(factories.make_user("teacher"), name="Grade 8 Science")
    _signup(client, classroom.join_code, "Kai@School.example")
    assert _count(User, User.email == "kai@school.example") == 0
    path = _confirm_path(mail.outbox()[-1])
    page = client.get(path).get_data(as_text=True)
    assert "Almost done, Kai" in page and "Grade 8 Science" in page
    assert _count(User, User.email == "kai@school.example") == 0  # opening the link (a mail scanner) makes nothing
    response = client.post(path, data={"password": "puddle-patrol-26"})
    assert response.status_code == 302
    assert "Welcome, Kai! Your account is ready." in client.get("/home").get_data(as_text=True)
    user = db.session.scalar(select(User).where(User.email == "kai@school.example"))
    assert user.check_password("puddle-patrol-26")  # the password chosen on the form
    assert _count(Enrolment, Enrolment.user_id == user.id, Enrolment.classroom_id == classroom.id) == 1
    client.post("/logout")
    again = client.post(path, data={"password": "puddle-patrol-26"})
    assert again.status_code == 404 and "used already" in again.get_data(as_text=True)
    assert _count(User, User.email == "kai@school.example") == 1


def test_a_link_for_an_address_that_got_an_account_meanwhile_makes_none(client, memory_mail):
    classroom = factories.make_classroom(factories.make_user("teacher"))
    _signup(client, classroom.join_code, "kai@school.example")
    factories.make_user("student", email="kai@school.example")
    response = client.post(_confirm_path(mail.outbox()[-1]), data={"password": "puddle-patrol-26"})
    assert response.status_code == 400 and "exists already" in response.get_data(as_text=True)
    assert _count(User, User.email == "kai@school.example") == 1 and _count(Enrolment) == 0


def test_an_expired_or_forged_link_or_a_closed_class_is_refused_with_a_reason(client, memory_mail):
    classroom = factories.make_classroom(factories.make_user("teacher"))
    _signup(client, classroom.join_code, "kai@school.example")
    path = _confirm_path(mail.outbox()[-1])
    assert client.get("/signup/confirm/forged-token").status_code == 404
    assert client.get("/signup/confirm/" + "x" * 300).status_code == 404
    classroom.joining_open = False
    db.session.commit()
    response = client.post(path, data={"password": "puddle-patrol-26"})
    assert response.status_code == 400 and "no longer takes new students" in response.get_data(as_text=True)
    classroom.joining_open = True
    signup = db.session.scalar(select(SignupRequest))
    signup.expires_at -= timedelta(hours=49)
    db.session.commit()
    response = client.post(path, data={"password": "puddle-patrol-26"})
    assert response.status_code == 400 and "This link has expired" in response.get_data(as_text=True)
    assert _count(User, User.email == "kai@school.example") == 0
    assert purge_expired() == 1 and _count(SignupRequest) == 0


def test_the_sign_up_mail_speaks_the_pages_language_and_the_note_the_accounts(client, memory_mail):
    classroom = factories.make_classroom(factories.make_user("teacher"))
    taken = factories.make_user("student", email="taken@school.example")
    taken.locale = "es"
    db.session.commit()
    client.post("/signup", data={"join_code": classroom.join_code, "display_name": "Kai", "email":
                                 "kai@school.example", "password": "puddle-patrol-26", "confirm": "puddle-patrol-26"},
                headers={"Accept-Language": "es"})
    _signup(client, classroom.join_code, "taken@school.example")  # the page in English
    new, taken = mail.outbox()
    assert "Abre este enlace" in new.get_content()
    assert "Ya tienes una cuenta" in taken["Subject"]


@pytest.mark.parametrize("app", [{"MAIL_BACKEND": "memory", "RATELIMIT_SIGNUP_PER_EMAIL": "2 per 15 minutes"}],
                         indirect=True)
def test_sign_ups_mailed_to_one_address_are_limited_the_same_whether_it_has_an_account(app, client):
    classroom = factories.make_classroom(factories.make_user("teacher"))
    factories.make_user("student", email="taken@school.example")
    for email in ("new@school.example", "taken@school.example"):
        statuses = [_signup(client, classroom.join_code, email).status_code for _ in range(3)]
        assert statuses == [200, 200, 429]
    assert len(mail.outbox()) == 4
    assert _signup(client, "NOPE1234", "other@school.example").status_code == 400  # errors send nothing, count nothing
    assert _signup(client, classroom.join_code, "other@school.example").status_code == 200


def test_a_student_who_already_has_an_account_is_taken_straight_to_joining(app, client, memory_mail):
    """The mail to a taken address links to sign-in that then opens "Join a class" (it told
    her to find "Join a class", which is not in the menu), and joining works from there."""
    classroom = factories.make_classroom(factories.make_user("teacher"))
    maya = factories.make_user("student", email="maya@school.example")
    _signup(client, classroom.join_code, "maya@school.example")
    body = mail.outbox()[-1].get_content()
    link = re.search(r"http://localhost(/login\S*)", body).group(1)
    assert link == "/login?next=/join" and classroom.join_code in body
    signed_in = client.post(link, data={"email": maya.email, "password": factories.PASSWORD})
    assert signed_in.headers["Location"] == "/join"
    joined = client.post("/join", data={"join_code": classroom.join_code})
    assert joined.status_code == 302
    assert _count(Enrolment, Enrolment.user_id == maya.id, Enrolment.classroom_id == classroom.id) == 1


def test_email_change_mails_name_the_school_like_every_account_mail(app, client, memory_mail):
    from tests.conftest import Auth
    app.config["SCHOOL_NAME"] = "Riverside Middle School"
    maya = factories.make_user("student", email="maya@school.example")
    Auth(client).login(maya)
    client.post("/account/email", data={"email-email": "maya.new@example.org", "email-password": factories.PASSWORD})
    new, old = mail.outbox()[-2:]
    assert new["To"] == "maya.new@example.org" and old["To"] == "maya@school.example"
    for message in (new, old):
        assert "Sent for Riverside Middle School by CBL Tracker" in message.get_content()
