"""Grading shows the work (issue 10, point 13): the whole project beside the rubric in
collapsible sections; "Grade" links on the class board and class page for those who may
grade; "Not assessed" is a small secondary choice, not a tile; the page's queries stay
bounded however big the project grows."""

import re

import pytest

from cbl.accounts.models import Role
from cbl.extensions import db
from cbl.projects.models import ElementKey, ProjectElement, QuestionStatus
from tests import factories
from tests.conftest import Auth

ACT_TEXTS = {ElementKey.SOLUTION_CONCEPTS: "Three barrel designs", ElementKey.DEVELOPMENT: "Prototype from a drum",
             ElementKey.IMPLEMENTATION: "Installed at the library", ElementKey.AUDIENCE: "Neighbours on Elm St",
             ElementKey.EVALUATION: "Collected 400 litres"}


@pytest.fixture
def school():
    teacher = factories.make_user(Role.TEACHER, name="Rosa Diaz")
    ana, ben = factories.make_user(name="Ana Lopez"), factories.make_user(name="Ben Okafor")
    classroom = factories.make_classroom(teacher, name="Grade 8")
    challenge = factories.make_challenge(classroom, title="Rain")
    team = factories.make_team(classroom, ana, ben, name="Rain Catchers")
    project = factories.make_project(team, challenge)
    texts = {ElementKey.ESSENTIAL_QUESTION: "How can our school **save** water?",
             ElementKey.CHALLENGE_STATEMENT: "Catch the roof's rain", ElementKey.ANALYSIS: "The roof gives enough",
             **ACT_TEXTS}
    for key, body in texts.items():
        db.session.add(ProjectElement(project_id=project.id, key=key, body=body))
    question = factories.make_question(project, "How much rain falls here?", category="Climate",
                                       findings="About 800 mm a year", status=QuestionStatus.ANSWERED,
                                       summary="Enough for the garden")
    factories.make_activity(project, question, title="Read the weather station")
    factories.make_entry(project, ana, title="Gauge readings week 1")
    factories.attach_grading_rubric(challenge, factories.make_grading_rubric())
    db.session.commit()
    return dict(teacher=teacher, ana=ana, classroom=classroom, challenge=challenge, project=project)


def _get(app, user, url):
    client = app.test_client()
    Auth(client).as_user(user)
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data(as_text=True)


def _details(html: str, section_id: str) -> str:
    match = re.search(rf'<details[^>]*id="{section_id}"[^>]*>(.*?)</details>', html, re.S)
    assert match, f"no collapsible section {section_id}"
    return match.group(1)


def test_grading_page_shows_every_part_of_the_project_in_collapsible_sections(app, school):
    html = _get(app, school["teacher"], f"/projects/{school['project'].id}/grade")
    engage = _details(html, "work-engage")
    assert "<strong>save</strong>" in engage and "Catch the roof" in engage
    investigate = _details(html, "work-investigate")
    for text in ("How much rain falls here?", "Climate", "Read the weather station", "About 800 mm a year",
                 "Enough for the garden", "The roof gives enough"):
        assert text in investigate, text
    act = _details(html, "work-act")
    assert all(text in act for text in ACT_TEXTS.values())
    assert "Gauge readings week 1" in _details(html, "work-portfolio")


def test_not_assessed_is_a_small_choice_outside_the_level_tiles(app, school):
    html = _get(app, school["teacher"], f"/projects/{school['project'].id}/grade")
    levels = re.findall(r'<div class="levels">(.*?)</div>', html, re.S)
    assert levels and all("Not assessed" not in block for block in levels)
    assert 'class="level-none"' in html and 'class="level-cell level-none"' not in html


def test_board_and_class_page_link_grade_per_team_and_per_challenge(app, school):
    project, challenge = school["project"], school["challenge"]
    for url in (f"/classes/{school['classroom'].id}/board", f"/classes/{school['classroom'].id}"):
        html = _get(app, school["teacher"], url)
        assert f'href="/challenges/{challenge.id}/grade"' in html, url
        assert f'href="/projects/{project.id}/grade"' in html, url


def test_no_grade_links_for_those_who_may_not_grade(app, school):
    admin = factories.make_user(Role.ADMIN)
    for user, url in ((admin, f"/classes/{school['classroom'].id}/board"),
                      (admin, f"/classes/{school['classroom'].id}"),
                      (school["ana"], f"/classes/{school['classroom'].id}")):
        html = _get(app, user, url)
        assert "/grade" not in html, (user, url)


def test_grading_page_queries_do_not_grow_with_the_matrix(app, school, queries):
    client = app.test_client()
    Auth(client).as_user(school["teacher"])
    url = f"/projects/{school['project'].id}/grade"
    counts = []
    for round_ in range(2):
        client.get(url)
        with queries() as counter:
            assert client.get(url).status_code == 200
        counts.append(counter.count)
        for i in range(6):
            question = factories.make_question(school["project"], f"Question {round_}.{i}?", findings="Found")
            factories.make_activity(school["project"], question, title=f"Activity {round_}.{i}")
    assert counts[0] == counts[1], counts
    assert counts[1] <= 20, counts
