"""Signing in and out, and sessions that end when the account says so."""

import pytest
from sqlalchemy import select

from cbl.accounts.models import Role, User
from cbl.extensions import db
from tests import factories


def _copied_cookie(client) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def _client_with(app, cookie_value: str):
    other = app.test_client()
    other.set_cookie("session", cookie_value)
    return other


def test_sign_in_with_right_password_opens_home(client, auth):
    student = factories.make_user("student", name="Maya Chen")
    response = auth.login(student)
    assert response.status_code == 302
    assert "Hello, Maya" in client.get("/home").get_data(as_text=True)


def test_email_is_matched_case_insensitively(client):
    factories.make_user("teacher", email="ana@school.example")
    response = client.post("/login", data={"email": "  ANA@School.example ", "password": factories.PASSWORD})
    assert response.status_code == 302


def test_sign_in_errors_do_not_say_whether_the_email_exists(client):
    factories.make_user("teacher", email="ana@school.example")
    wrong_password = client.post("/login", data={"email": "ana@school.example", "password": "nope nope nope"})
    unknown_email = client.post("/login", data={"email": "nobody@school.example", "password": "nope nope nope"})
    assert wrong_password.status_code == unknown_email.status_code == 400
    message = "That email or username and password do not match an active account."
    assert message in wrong_password.get_data(as_text=True)
    assert message in unknown_email.get_data(as_text=True)


def test_deactivated_account_cannot_sign_in(client):
    user = factories.make_user("student", active=False)
    response = client.post("/login", data={"email": user.email, "password": factories.PASSWORD})
    assert response.status_code == 400


def test_session_cookie_copied_before_sign_out_opens_nothing_after(app, client, auth):
    student = factories.make_user("student")
    auth.login(student)
    stolen = _copied_cookie(client)
    assert _client_with(app, stolen).get("/home").status_code == 200
    auth.logout()
    replay = _client_with(app, stolen).get("/home")
    assert replay.status_code == 302 and "/login" in replay.headers["Location"]


def test_changing_password_ends_other_sessions_but_keeps_this_one(app, client, auth):
    student = factories.make_user("student")
    auth.login(student)
    other_device = app.test_client()
    Auth = type(auth)
    Auth(other_device).login(student)
    response = client.post("/account/password", data={
        "password-current_password": factories.PASSWORD, "password-new_password": "a much longer secret",
        "password-confirm": "a much longer secret"})
    assert response.status_code == 302
    assert client.get("/home").status_code == 200
    assert other_device.get("/home").status_code == 302
    assert client.post("/logout").status_code == 302
    assert client.post("/login", data={"email": student.email, "password": "a much longer secret"}).status_code == 302


def test_wrong_current_password_changes_nothing(client, auth):
    student = factories.make_user("student")
    auth.login(student)
    response = client.post("/account/password", data={
        "password-current_password": "not it at all", "password-new_password": "a much longer secret",
        "password-confirm": "a much longer secret"})
    assert response.status_code == 400
    assert "The current password is not right." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, student.id).check_password(factories.PASSWORD)


def test_deactivating_an_account_ends_its_sessions_at_once(app, client, auth):
    admin = factories.make_user("admin")
    student = factories.make_user("student")
    student_client = app.test_client()
    type(auth)(student_client).login(student)
    assert student_client.get("/home").status_code == 200
    auth.as_user(admin)
    response = client.post(f"/admin/users/{student.id}/active", data={})
    assert response.status_code == 302
    assert student_client.get("/home").status_code == 302
    assert student_client.post("/login", data={"email": student.email, "password": factories.PASSWORD}).status_code == 400


def test_admin_cannot_deactivate_themselves(client, auth):
    admin = factories.make_user("admin")
    auth.as_user(admin)
    client.post(f"/admin/users/{admin.id}/active", data={})
    db.session.expire_all()
    assert db.session.get(User, admin.id).active


def test_next_parameter_only_follows_same_site_paths(client):
    user = factories.make_user("teacher")
    response = client.post("/login?next=https://evil.example/x", data={"email": user.email, "password": factories.PASSWORD})
    assert response.headers["Location"] == "/"


def test_create_user_command_makes_a_teacher(runner):
    result = runner.invoke(args=["create-user", "--role", "teacher", "--name", "Ana Rivera",
                                 "--password", "long enough password", "Ana@School.example"])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "ana@school.example"))
    assert user.role is Role.TEACHER and user.check_password("long enough password")


def test_create_user_command_refuses_a_taken_email(runner):
    factories.make_user("teacher", email="ana@school.example")
    result = runner.invoke(args=["create-user", "--role", "teacher", "--password", "long enough password",
                                 "ana@school.example"])
    assert result.exit_code != 0
    assert "already exists" in result.output


@pytest.mark.parametrize("app", [{"WTF_CSRF_ENABLED": True}], indirect=True)
def test_post_without_csrf_token_is_refused(client):
    user = factories.make_user("teacher")
    response = client.post("/login", data={"email": user.email, "password": factories.PASSWORD})
    assert response.status_code == 400
    assert "expired or came from another site" in response.get_data(as_text=True)
    assert client.get("/home").status_code == 302  # still signed out


@pytest.mark.parametrize("app", [{"WTF_CSRF_ENABLED": True}], indirect=True)
def test_post_with_csrf_token_from_the_form_is_accepted(client):
    import re

    user = factories.make_user("teacher")
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"email": user.email, "password": factories.PASSWORD, "csrf_token": token})
    assert response.status_code == 302


def test_anonymous_welcome_page_sets_no_cookie(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
