"""No page shows a control its visitor cannot use (issue 10, items 11 and 19): the class page
offers "Delete" only for a class, challenge or team that holds no student work yet; the others
can only be archived, so their Delete button would always answer "cannot be deleted"."""

import re

import pytest

from cbl.accounts.models import Role
from tests import factories
from tests.conftest import Auth


@pytest.fixture
def school():
    teacher = factories.make_user(Role.TEACHER, name="Lena Rivera")
    ana, cam = factories.make_user(name="Ana Diaz"), factories.make_user(name="Cam Lee")
    classroom = factories.make_classroom(teacher, name="Grade 8 Science")
    otters = factories.make_team(classroom, ana, name="Otters")
    factories.make_team(classroom, cam, name="Herons")
    water = factories.make_challenge(classroom, title="Water in our town")
    factories.make_entry(factories.make_project(otters, water), ana)  # the Otters' work
    empty_class = factories.make_classroom(teacher, name="Grade 7 Science")
    factories.make_challenge(empty_class, title="Bridges")
    return dict(teacher=teacher, classroom=classroom, empty_class=empty_class)


def _delete_buttons(client, classroom) -> list[str]:
    page = client.get(f"/classes/{classroom.id}").get_data(as_text=True)
    return [" ".join(re.sub(r"<[^>]+>", " ", label).split())
            for label in re.findall(r'<button[^>]*button-danger[^>]*>(.*?)</button>', page, re.S) if "Delete" in label]


def test_delete_is_offered_only_where_it_can_succeed(client, school):
    Auth(client).as_user(school["teacher"])
    buttons = _delete_buttons(client, school["classroom"])
    assert "Delete Herons" in buttons  # no work yet
    assert "Delete Otters" not in buttons and "Delete Water in our town" not in buttons
    assert "Delete the class" not in buttons
    assert {"Delete Bridges", "Delete the class"} <= set(_delete_buttons(client, school["empty_class"]))
