"""Peer evaluation asks about contribution (issue 10, point 14): teammates rate each other on a
contribution scale (a default ships, in English and Spanish; the teacher edits it per
challenge), never on the product rubric; an empty self- or peer assessment is not submitted;
"n times at or above proficient" names the level; other voices never outrank the teacher."""

import html
from datetime import date

import pytest
from sqlalchemy import func, select

from cbl.accounts.models import Role
from cbl.assessment.grading.peer import peer_rubric_id
from cbl.assessment.mastery import services as mastery_service
from cbl.assessment.mastery.methods import Method
from cbl.assessment.models import Assessment, AssessmentKind, ChallengeAssessment, Rubric
from cbl.competencies.models import Competency, CompetencyFramework
from cbl.extensions import db
from tests import factories
from tests.conftest import Auth


@pytest.fixture
def school():
    teacher = factories.make_user(Role.TEACHER, name="Rosa Diaz")
    ana, ben = factories.make_user(name="Ana Lopez"), factories.make_user(name="Ben Okafor")
    research = Competency(code="R.1", short_name="Researches")
    db.session.add(CompetencyFramework(title="Skills", competencies=[research]))
    db.session.commit()
    classroom = factories.make_classroom(teacher)
    challenge = factories.make_challenge(classroom, title="Rain")
    project = factories.make_project(factories.make_team(classroom, ana, ben), challenge)
    rubric = factories.make_grading_rubric(("Research quality",), competencies=[research])
    factories.attach_grading_rubric(challenge, rubric, self_assessment=True, peer_evaluation=True)
    return dict(teacher=teacher, ana=ana, ben=ben, classroom=classroom, challenge=challenge, project=project,
                rubric=rubric, research=research)


def _client(app, user, **headers):
    client = app.test_client()
    Auth(client).as_user(user)
    if headers:
        client.environ_base.update(headers)
    return client


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _scale(school) -> Rubric:
    db.session.expire_all()
    return db.session.get(Rubric, db.session.get(ChallengeAssessment, school["challenge"].id).peer_rubric_id)


def _peer_url(school):
    return f"/projects/{school['project'].id}/peers/{school['ben'].id}"


def test_peer_evaluation_asks_about_contribution_not_the_product_rubric(app, school):
    page = _text(_client(app, school["ana"]).get(_peer_url(school)))
    for question in ("Did their share of the work", "Listened and built on others' ideas",
                     "Was reliable with deadlines"):
        assert question in page
    assert "Rarely" in page and "Always" in page
    assert "Research quality" not in page
    scale = _scale(school)
    assert all(criterion.competency_id is None for criterion in scale.criteria)


def test_the_default_scale_is_written_in_spanish_for_a_spanish_class(app, school):
    school["teacher"].locale = "es"
    db.session.commit()
    page = _text(_client(app, school["teacher"]).get(f"/challenges/{school['challenge'].id}/peer-scale"))
    assert "Hizo su parte del trabajo" in page and "Casi nunca" in page


def test_a_submitted_peer_evaluation_never_counts_toward_mastery(app, school):
    client = _client(app, school["ana"])
    client.get(_peer_url(school))
    scale = _scale(school)
    always = next(level.id for level in scale.levels if level.label == "Always")
    data = {"version": "0", "rubric_id": str(scale.id), "overall_comment": "Ben built the gauge",
            **{f"level_{c.id}": str(always) for c in scale.criteria}}
    assert client.post(_peer_url(school), data=data).status_code == 302
    peer = db.session.scalar(select(Assessment).where(Assessment.kind == AssessmentKind.PEER))
    assert peer.rubric_id == scale.id
    mastery_service.update_settings(school["classroom"], method=Method.HIGHEST, weight=0.65, times=3,
                                    proficient_points=3.0, count_other_voices=True)
    mastery = mastery_service.class_mastery(school["teacher"], school["classroom"])
    assert mastery.result(school["ben"].id, school["research"].id) is None
    # The teacher reads it beside their own, question by question.
    grading = _text(_client(app, school["teacher"]).get(
        f"/projects/{school['project'].id}/grade?student={school['ben'].id}"))
    assert "Did their share of the work: <strong>Always</strong>" in grading


def test_the_teacher_edits_the_scale_and_submitted_evaluations_keep_theirs(app, school):
    ana = _client(app, school["ana"])
    ana.get(_peer_url(school))
    first = _scale(school)
    level = first.levels[0].id
    assert ana.post(_peer_url(school), data={"version": "0", "rubric_id": str(first.id), "overall_comment": "",
                                             f"level_{first.criteria[0].id}": str(level)}).status_code == 302
    teacher = _client(app, school["teacher"])
    url = f"/challenges/{school['challenge'].id}/peer-scale"
    refused = teacher.post(url, data={"questions": "Only one level", "levels": "Yes"})
    assert refused.status_code == 400 and "from 2 to 6 levels" in _text(refused)
    assert "Only one level" in _text(refused)  # what was typed is kept
    saved = teacher.post(url, data={"questions": "Shared the tools\nKept the log", "levels": "Not yet\nYes"})
    assert saved.status_code == 302
    now = _scale(school)
    assert now.id != first.id and [c.title for c in now.criteria] == ["Shared the tools", "Kept the log"]
    assert [level.label for level in now.levels] == ["Not yet", "Yes"]
    page = _text(_client(app, school["ben"]).get(f"/projects/{school['project'].id}/peers/{school['ana'].id}"))
    assert "Kept the log" in page
    assert db.session.scalar(select(Assessment.rubric_id).where(Assessment.kind == AssessmentKind.PEER)) == first.id


@pytest.mark.parametrize("which", ["self", "peer"])
def test_an_empty_self_or_peer_assessment_is_not_submitted(app, school, which):
    client = _client(app, school["ana"])
    url = _peer_url(school) if which == "peer" else f"/projects/{school['project'].id}/self-assessment"
    client.get(url)
    rubric_id = peer_rubric_id(school["challenge"]) if which == "peer" else school["rubric"].id
    response = client.post(url, data={"version": "0", "rubric_id": str(rubric_id), "overall_comment": "  "})
    assert response.status_code == 400
    assert "Choose at least one level or write a comment." in _text(response)
    assert db.session.scalar(select(func.count()).select_from(Assessment)) == 0


def test_times_at_proficient_names_the_level_and_voices_never_outrank_the_teacher(app, school):
    make = factories.make_released_assessment
    project, rubric, ana = school["project"], school["rubric"], school["ana"]
    for day in (1, 2, 3):
        make(project, rubric, {0: 3}, work_date=date(2024, 9, day), assessor=school["teacher"])
    make(project, rubric, {0: 4}, student=ana, kind="self", assessor=ana, work_date=date(2024, 9, 4))
    mastery_service.update_settings(school["classroom"], method=Method.TIMES_PROFICIENT, weight=0.65, times=3,
                                    proficient_points=3.0, count_other_voices=True)
    result = mastery_service.class_mastery(school["teacher"], school["classroom"]).result(
        ana.id, school["research"].id)
    explanation = result.explain()
    assert "4 times at Proficient (3) or above (3 by the teacher, 1 by self, peer or partner)" in explanation
    mastery_service.update_settings(school["classroom"], method=Method.HIGHEST, weight=0.65, times=3,
                                    proficient_points=3.0, count_other_voices=True)
    result = mastery_service.class_mastery(school["teacher"], school["classroom"]).result(
        ana.id, school["research"].id)
    assert result.value == 3  # her self-assessed 4 counts at the teacher's 3
    assert "never outrank the teacher" in result.explain()


def test_the_scale_stays_out_of_the_rubric_library(app, school):
    client = _client(app, school["teacher"])
    client.get(f"/challenges/{school['challenge'].id}/peer-scale")
    library = _text(client.get("/rubrics"))
    assert "Research quality" in library or school["rubric"].title in library
    assert "Contribution and collaboration" not in library
    choices = _text(client.get(f"/challenges/{school['challenge'].id}/assessment"))
    assert "<option" in choices and "Contribution and collaboration ·" not in choices


def test_a_student_asking_first_gets_the_scale_in_the_teachers_language(app, school):
    school["teacher"].locale = "es"
    db.session.commit()
    _client(app, school["ana"], HTTP_ACCEPT_LANGUAGE="en").get(_peer_url(school))
    # Stored in the teacher's language; each reader sees it in theirs (test_peer_scale_words.py).
    assert _scale(school).criteria[0].title == "Hizo su parte del trabajo"


def test_saving_the_settings_with_peer_evaluation_on_makes_the_scale(app, school):
    client = _client(app, school["teacher"])
    response = client.post(f"/challenges/{school['challenge'].id}/assessment",
                           data={"rubric": str(school["rubric"].id), "peer_evaluation": "y"})
    assert response.status_code == 302
    assert [c.title for c in _scale(school).criteria][0] == "Did their share of the work"
