"""The project page speaks to its reader: a note meant for the team ("you can already prepare
it") is not told to a parent, a community partner or a teacher, who cannot edit the work."""

import html

import pytest

from cbl.projects.models import Phase
from tests import factories


def _client(app, user):
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
    return client


@pytest.fixture
def school():
    teacher = factories.make_user("teacher")
    maya = factories.make_user("student", name="Maya Chen")
    project = factories.make_project(factories.make_team(factories.make_classroom(teacher), maya),
                                     phase=Phase.INVESTIGATE)
    partner = factories.make_user("partner")
    factories.grant_partner(project, partner)
    return dict(teacher=teacher, maya=maya, partner=partner, project=project)


def _notice(app, user, project, phase: str) -> str:
    response = _client(app, user).get(f"/projects/{project.id}", query_string={"phase": phase})
    assert response.status_code == 200
    return html.unescape(response.get_data(as_text=True))


@pytest.mark.parametrize("who", ["partner", "teacher"])
def test_outsiders_are_not_told_to_prepare_or_improve_a_phase(app, school, who):
    later = _notice(app, school[who], school["project"], "act")
    assert "The team is not in this phase yet." in later and "you can already prepare it" not in later
    earlier = _notice(app, school[who], school["project"], "engage")
    assert "the team has moved on from it" in earlier and "You can still improve it" not in earlier


def test_the_team_is_still_invited_to_work_on_other_phases(app, school):
    assert "you can already prepare it" in _notice(app, school["maya"], school["project"], "act")
    assert "You can still improve it" in _notice(app, school["maya"], school["project"], "engage")


def test_a_guests_archive_speaks_of_projects_not_classes_or_transcripts(app, school):
    page = html.unescape(_client(app, school["partner"]).get("/archive").get_data(as_text=True))
    assert "Projects shared with you that their class has archived" in page
    assert "transcripts" not in page and "No archived class." not in page
    teacher = html.unescape(_client(app, school["teacher"]).get("/archive").get_data(as_text=True))
    assert "transcripts" in teacher and "No archived class." in teacher


def test_a_guest_reads_the_work_not_the_students_instructions(app, school):
    """The brainstorm instructions are for the team; a guest sees the questions themselves."""
    for phase, instruction in (("engage", "Ask many questions that connect the big idea"),
                               ("investigate", "Brainstorm everything you need to learn")):
        assert instruction not in _notice(app, school["partner"], school["project"], phase)
        assert instruction in _notice(app, school["maya"], school["project"], phase)
