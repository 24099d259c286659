"""The teacher's inbox names each item's class (issue 10, item 17), the name requests too:
a teacher of several classes, or an admin, sees whose student asks for a new name."""

import re

import pytest

from cbl.accounts.models import Role
from tests import factories
from tests.conftest import Auth


@pytest.fixture
def school():
    teacher = factories.make_user(Role.TEACHER, name="Lena Rivera")
    other_teacher = factories.make_user(Role.TEACHER, name="Omar Haddad")
    admin = factories.make_user(Role.ADMIN, name="Ada Admin")
    maya = factories.make_user(name="Maya Chen")
    science = factories.make_classroom(teacher, name="Grade 8 Science")
    factories.make_team(science, maya, name="Otters")
    factories.make_classroom(other_teacher, name="Secret Art Club")
    return dict(teacher=teacher, admin=admin, maya=maya)


def _as(app, user):
    client = app.test_client()
    Auth(client).as_user(user)
    return client


def _name_request_item(html: str) -> str:
    match = re.search(r'<li class="name-request">(.*?)</li>', html, re.S)
    assert match, "no name request on the home page"
    return match.group(1)


@pytest.mark.parametrize("who", ["teacher", "admin"])
def test_a_name_request_on_the_home_page_names_the_students_class(app, school, who):
    _as(app, school["maya"]).post("/account", data={"profile-display_name": "Maya Chen-Ortiz", "profile-locale": ""})
    item = _name_request_item(_as(app, school[who]).get("/home").get_data(as_text=True))
    assert "Maya Chen asks to be called" in item
    assert "Grade 8 Science" in item
    assert "Secret Art Club" not in item  # only the student's classes
