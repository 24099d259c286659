"""The audit log names its objects with links (issue 10, item 19), the archived, restored and
deleted teams and challenges of item 11 too (they read "team #2" before)."""

import pytest

from cbl.accounts.models import Role
from tests import factories
from tests.conftest import Auth


@pytest.fixture
def school():
    teacher = factories.make_user(Role.TEACHER, name="Lena Rivera")
    classroom = factories.make_classroom(teacher, name="Grade 8 Science")
    otters = factories.make_team(classroom, factories.make_user(name="Ana Diaz"), name="Otters")
    water = factories.make_challenge(classroom, title="Water in our town")
    return dict(teacher=teacher, classroom=classroom, otters=otters, water=water)


@pytest.mark.parametrize("locale, team, challenge", [
    ("en", "team Otters", "challenge “Water in our town”"),
    ("es", "equipo Otters", "reto «Water in our town»"),
])
def test_archived_team_and_challenge_are_named_with_a_link_to_their_class(client, school, locale, team, challenge):
    teacher = school["teacher"]
    teacher.locale = locale
    Auth(client).as_user(teacher)
    assert client.post(f"/teams/{school['otters'].id}/archive").status_code == 302
    assert client.post(f"/challenges/{school['water'].id}/archive").status_code == 302
    page = client.get("/audit").get_data(as_text=True)
    class_page = f"/classes/{school['classroom'].id}"
    assert f'<a href="{class_page}">{team}</a>' in page
    assert f'<a href="{class_page}">{challenge}</a>' in page
    assert "#" + str(school["otters"].id) not in page.split("<tbody>")[1]


def test_a_deleted_team_is_told_in_the_readers_language(client, school):
    herons_id = factories.make_team(school["classroom"], factories.make_user(name="Cam Lee"), name="Herons").id
    school["teacher"].locale = "es"
    Auth(client).as_user(school["teacher"])
    assert client.post(f"/teams/{herons_id}/delete").status_code == 302
    page = client.get("/audit").get_data(as_text=True)
    assert f"un equipo #{herons_id}" in page and "Herons" in page  # the details keep its name
