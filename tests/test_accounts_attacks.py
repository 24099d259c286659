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
