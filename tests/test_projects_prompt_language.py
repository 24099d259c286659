"""A challenge's default reflection prompts read in the reader's language (issue 10, item 19):
the demo and every challenge made with the defaults store them in the language of the teacher
who created it, and a Spanish-speaking family or student read them in English."""

import html

import pytest

from cbl.projects.defaults import REFLECTION_PROMPTS
from cbl.projects.models import Phase
from tests import factories

INVESTIGATE_EN = "What did you learn that changed your thinking? Which question was hardest to answer, and why?"
INVESTIGATE_ES = ("¿Qué aprendiste que cambió tu forma de pensar? ¿Qué pregunta fue la más difícil de responder "
                  "y por qué?")


def _client(app, user):
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
    return client


@pytest.fixture
def maya():
    return factories.make_user("student", name="Maya Chen")


def _project(maya, prompt: str):
    teacher = factories.make_user("teacher")
    classroom = factories.make_classroom(teacher)
    challenge = factories.make_challenge(classroom, prompt_investigate=prompt)
    return factories.make_project(factories.make_team(classroom, maya), challenge, phase=Phase.INVESTIGATE)


def _page(app, user, project, language: str) -> str:
    response = _client(app, user).get(f"/projects/{project.id}", headers={"Accept-Language": language})
    assert response.status_code == 200
    return html.unescape(response.get_data(as_text=True))


def test_the_catalog_translates_the_default_prompt():
    assert str(REFLECTION_PROMPTS[Phase.INVESTIGATE]) == INVESTIGATE_EN


def test_an_english_default_prompt_reads_in_spanish(app, maya):
    project = _project(maya, INVESTIGATE_EN)
    page = _page(app, maya, project, "es")
    assert INVESTIGATE_ES in page and INVESTIGATE_EN not in page


def test_a_spanish_default_prompt_reads_in_english(app, maya):
    project = _project(maya, INVESTIGATE_ES)
    page = _page(app, maya, project, "en")
    assert INVESTIGATE_EN in page and INVESTIGATE_ES not in page


def test_a_teachers_own_prompt_is_shown_as_written(app, maya):
    project = _project(maya, "Which interview surprised you most?")
    assert "Which interview surprised you most?" in _page(app, maya, project, "es")
