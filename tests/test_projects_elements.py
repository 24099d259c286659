"""Elements, the Engage brainstorm, guiding questions and activities, through the pages."""

import html

import pytest
from sqlalchemy import select

from cbl.extensions import db
from cbl.projects.models import (Activity, CandidateQuestion, ElementKey, GuidingQuestion, Phase, Priority,
                                 ProjectElement, QuestionStatus)
from tests import factories


@pytest.fixture
def team_project():
    teacher = factories.make_user("teacher")
    classroom = factories.make_classroom(teacher)
    maya, leo = factories.make_user("student", name="Maya Chen"), factories.make_user("student", name="Leo Martins")
    team = factories.make_team(classroom, maya, leo, name="Rain Catchers")
    project = factories.make_project(team)
    return project, maya, leo, teacher


def _element(project, key):
    db.session.expire_all()
    return db.session.scalar(select(ProjectElement).where(ProjectElement.project_id == project.id,
                                                          ProjectElement.key == key))


def test_team_member_writes_the_challenge_statement(client, auth, team_project):
    project, maya, _, _ = team_project
    auth.as_user(maya)
    response = client.post(f"/projects/{project.id}/elements/challenge_statement",
                           data={"body": "Water the garden with rain.", "version": 0})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Water the garden with rain." in page
    assert _element(project, ElementKey.CHALLENGE_STATEMENT).version == 1


def test_second_save_from_a_stale_page_is_refused_and_shows_both_texts(app, client, auth, team_project):
    project, maya, leo, _ = team_project
    leo_client = app.test_client()
    auth.as_user(maya)
    type(auth)(leo_client).as_user(leo)
    url = f"/projects/{project.id}/elements/analysis"
    client.post(url, data={"body": "First version", "version": 0})
    assert client.post(url, data={"body": "Maya's findings", "version": 1}).status_code == 302
    conflict = leo_client.post(url, data={"body": "Leo's findings", "version": 1})
    assert conflict.status_code == 409
    page = html.unescape(conflict.get_data(as_text=True))
    assert "Someone else saved this while you were editing" in page
    assert "Maya's findings" in page and "Leo's findings" in page
    assert _element(project, ElementKey.ANALYSIS).body == "Maya's findings"
    # Saving again from the conflict page (which carries the new version) succeeds.
    assert leo_client.post(url, data={"body": "Both findings", "version": 2}).status_code == 302
    assert _element(project, ElementKey.ANALYSIS).body == "Both findings"


def test_two_first_saves_of_a_new_element_do_not_overwrite(app, client, auth, team_project):
    project, maya, leo, _ = team_project
    leo_client = app.test_client()
    auth.as_user(maya)
    type(auth)(leo_client).as_user(leo)
    url = f"/projects/{project.id}/elements/evaluation"
    assert client.post(url, data={"body": "Maya first", "version": 0}).status_code == 302
    assert leo_client.post(url, data={"body": "Leo first", "version": 0}).status_code == 409
    assert _element(project, ElementKey.EVALUATION).body == "Maya first"


@pytest.mark.parametrize("data", [{"body": "x"}, {"body": "x", "version": "abc"}, {"body": "x", "version": "-3"},
                                  {"body": "x" * 20_001, "version": "0"}])
def test_bad_element_input_gets_a_clear_answer_and_saves_nothing(client, auth, team_project, data):
    project, maya, _, _ = team_project
    auth.as_user(maya)
    response = client.post(f"/projects/{project.id}/elements/analysis", data=data)
    assert response.status_code == 400
    assert _element(project, ElementKey.ANALYSIS) is None


def test_unknown_element_key_answers_404(client, auth, team_project):
    project, maya, _, _ = team_project
    auth.as_user(maya)
    assert client.post(f"/projects/{project.id}/elements/grades", data={"body": "x", "version": 0}).status_code == 404


def test_classmate_of_another_team_reads_but_cannot_edit(client, auth, team_project):
    project, _, _, _ = team_project
    other = factories.make_user("student")
    factories.make_team(project.team.classroom, other)
    auth.as_user(other)
    page = client.get(f"/projects/{project.id}")
    assert page.status_code == 200
    assert "<textarea" not in page.get_data(as_text=True)
    assert client.post(f"/projects/{project.id}/elements/analysis", data={"body": "x", "version": 0}).status_code == 403


def test_element_text_is_rendered_as_sanitized_markdown(client, auth, team_project):
    project, maya, _, teacher = team_project
    auth.as_user(maya)
    client.post(f"/projects/{project.id}/elements/analysis",
                data={"body": "**Rain** <script>alert(1)</script> [x](javascript:alert(1))", "version": 0})
    other = factories.make_user("student")
    factories.make_team(project.team.classroom, other)
    auth.as_user(other)
    page = client.get(f"/projects/{project.id}?phase=investigate").get_data(as_text=True)
    assert "<strong>Rain</strong>" in page
    assert "<script>alert(1)" not in page and "javascript:" not in page


def test_brainstormed_question_becomes_the_essential_question(client, auth, team_project):
    project, maya, _, _ = team_project
    auth.as_user(maya)
    client.post(f"/projects/{project.id}/candidates", data={"text": "Why does the yard flood?"})
    client.post(f"/projects/{project.id}/candidates", data={"text": "Where does roof rain go?"})
    chosen = db.session.scalar(select(CandidateQuestion).where(CandidateQuestion.text == "Where does roof rain go?"))
    assert client.post(f"/projects/{project.id}/candidates/{chosen.id}/choose").status_code == 302
    assert _element(project, ElementKey.ESSENTIAL_QUESTION).body == "Where does roof rain go?"
    page = client.get(f"/projects/{project.id}?phase=engage").get_data(as_text=True)
    assert "chosen" in page


def test_candidate_of_another_project_answers_404(client, auth, team_project):
    project, maya, _, _ = team_project
    elsewhere = factories.make_candidate(factories.make_project(factories.make_team(project.team.classroom)))
    auth.as_user(maya)
    assert client.post(f"/projects/{project.id}/candidates/{elsewhere.id}/choose").status_code == 404
    assert client.post(f"/projects/{project.id}/candidates/{elsewhere.id}/delete").status_code == 404


def test_guiding_question_goes_from_brainstorm_to_answered(client, auth, team_project):
    project, maya, _, _ = team_project
    auth.as_user(maya)
    client.post(f"/projects/{project.id}/questions", data={"text": "How much rain falls on the roof?"})
    question = db.session.scalar(select(GuidingQuestion).where(GuidingQuestion.project_id == project.id))
    assert question.category == "" and question.priority is None  # brainstorming does not judge
    url = f"/projects/{project.id}/questions/{question.id}"
    assert client.get(url).status_code == 200
    no_summary = client.post(url, data={"text": question.text, "category": "Science", "priority": "high",
                                        "findings": "About 60 mm in April.", "answered": "y", "summary": "",
                                        "version": 1})
    assert no_summary.status_code == 400
    assert "Write a summary" in no_summary.get_data(as_text=True)
    saved = client.post(url, data={"text": question.text, "category": "Science", "priority": "high",
                                   "findings": "About 60 mm in April.", "answered": "y",
                                   "summary": "36,000 litres a month.", "version": 1})
    assert saved.status_code == 302
    db.session.expire_all()
    question = db.session.get(GuidingQuestion, question.id)
    assert (question.status, question.priority, question.category) == (QuestionStatus.ANSWERED, Priority.HIGH, "Science")
    assert question.answered_at is not None
    matrix = client.get(f"/projects/{project.id}?phase=investigate").get_data(as_text=True)
    assert "36,000 litres a month." in matrix and "Science" in matrix


def test_stale_guiding_question_save_shows_a_conflict(client, auth, team_project):
    project, maya, _, _ = team_project
    question = factories.make_question(project, version=3)
    auth.as_user(maya)
    response = client.post(f"/projects/{project.id}/questions/{question.id}",
                           data={"text": "Changed", "category": "", "priority": "", "findings": "", "summary": "",
                                 "version": 2})
    assert response.status_code == 409
    assert "Someone else saved this question" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(GuidingQuestion, question.id).text == "How much rain falls?"


def test_activity_is_tied_to_guiding_questions_in_the_matrix(client, auth, team_project):
    project, maya, _, _ = team_project
    q1, q2 = factories.make_question(project, "Q one?"), factories.make_question(project, "Q two?")
    auth.as_user(maya)
    response = client.post(f"/projects/{project.id}/activities", data={
        "kind": "resource", "title": "City rainfall records", "details": "", "url": "https://example.org/rain",
        "questions": [q1.id, q2.id]})
    assert response.status_code == 302
    activity = db.session.scalar(select(Activity).where(Activity.project_id == project.id))
    assert {q.id for q in activity.questions} == {q1.id, q2.id}
    page = client.get(f"/projects/{project.id}?phase=investigate").get_data(as_text=True)
    screen = page.split('class="print-only print-phases"')[0]  # the printed copy of every phase follows
    assert screen.count("Resource: City rainfall records") == 2


@pytest.mark.parametrize("data, message", [
    ({"kind": "activity", "title": "Survey", "questions": []}, "Tie the activity to at least one guiding question."),
    ({"kind": "activity", "title": "Survey", "url": "javascript:alert(1)", "questions": ["Q"]}, "http://"),
    ({"kind": "spell", "title": "Survey", "questions": ["Q"]}, "Not a valid choice"),
    ({"kind": "activity", "title": "", "questions": ["Q"]}, "This field is required."),
])
def test_bad_activity_input_is_explained_and_nothing_is_saved(client, auth, team_project, data, message):
    project, maya, _, _ = team_project
    question = factories.make_question(project)
    data = {**data, "questions": [question.id if q == "Q" else q for q in data["questions"]]}
    auth.as_user(maya)
    response = client.post(f"/projects/{project.id}/activities", data=data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(Activity).where(Activity.project_id == project.id)) is None


def test_activity_cannot_point_at_another_projects_question(client, auth, team_project):
    project, maya, _, _ = team_project
    factories.make_question(project)
    foreign = factories.make_question(factories.make_project(factories.make_team(project.team.classroom)))
    auth.as_user(maya)
    response = client.post(f"/projects/{project.id}/activities",
                           data={"kind": "activity", "title": "Sneaky", "questions": [foreign.id]})
    assert response.status_code == 400
    assert db.session.scalar(select(Activity).where(Activity.title == "Sneaky")) is None


def test_project_page_shows_every_phase_tab(client, auth, team_project):
    project, maya, _, _ = team_project
    auth.as_user(maya)
    for phase in Phase:
        page = client.get(f"/projects/{project.id}?phase={phase.value}")
        assert page.status_code == 200
    assert client.get(f"/projects/{project.id}?phase=nonsense").status_code == 200


def test_after_a_question_conflict_saving_the_form_again_works(client, auth, team_project):
    import re

    project, maya, _, _ = team_project
    question = factories.make_question(project, version=3)
    auth.as_user(maya)
    url = f"/projects/{project.id}/questions/{question.id}"
    data = {"text": "Changed", "category": "", "priority": "", "findings": "", "summary": ""}
    conflict = client.post(url, data={**data, "version": 2})
    version = re.search(r'name="version" type="hidden" value="(\d+)"', conflict.get_data(as_text=True)).group(1)
    assert version == "3"
    assert client.post(url, data={**data, "version": version}).status_code == 302
