"""The partner rating is short (issue 10, item 10): a few plain questions on a short scale,
picked or edited by the teacher per challenge (a default ships, in English and Spanish);
only the class's teachers read the ratings, which never count for mastery; a family guest
cannot rate."""

import html

import pytest
from sqlalchemy import func, select

from cbl.assessment.models import Assessment
from cbl.assessment.partner.models import PartnerQuestions, PartnerRating
from cbl.extensions import db
from tests import factories


@pytest.fixture
def school():
    teacher = factories.make_user("teacher", name="Ana Rivera")
    stranger = factories.make_user("teacher", name="Tom Other")
    classroom = factories.make_classroom(teacher, name="Grade 8 Science")
    maya = factories.make_user("student", name="Maya Chen")
    project = factories.make_project(factories.make_team(classroom, maya, name="Rain Catchers"))
    partner = factories.make_user("partner", name="Jordan Kim", email="jordan@utility.example")
    factories.grant_partner(project, partner)
    family = factories.make_user("partner", name="Rosa Chen", email="rosa@family.example")
    grant = factories.grant_partner(project, family)
    grant.family_of_id = maya.id
    db.session.commit()
    return dict(teacher=teacher, stranger=stranger, classroom=classroom, maya=maya, project=project,
                challenge=project.challenge, partner=partner, family=family)


def _client(app, user, language=None):
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
    if language:
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    return client


def _page(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _switch_on(school):
    factories.attach_grading_rubric(school["challenge"], factories.make_grading_rubric(), partner_rating=True)


def test_partner_rating_form_asks_the_short_default_questions_not_the_rubric(app, school):
    _switch_on(school)
    page = _page(_client(app, school["partner"]).get(f"/projects/{school['project'].id}/rating"))
    for words in ("Did the team understand the problem?", "Not yet", "Partly", "Yes, clearly"):
        assert words in page
    assert page.count('type="radio"') == 4 * 3  # four questions, three answers each
    assert "Research" not in page and "Advanced" not in page  # the teacher's rubric is not shown


def test_default_questions_are_in_spanish_for_a_spanish_reader(app, school):
    _switch_on(school)
    page = _page(_client(app, school["partner"], "es").get(f"/projects/{school['project'].id}/rating"))
    assert "Did the team understand the problem?" not in page
    assert "¿El equipo entendió el problema?" in page and "Sí, claramente" in page


def test_partner_rates_and_changes_the_rating_and_the_teacher_reads_it(app, school):
    _switch_on(school)
    project = school["project"]
    partner = _client(app, school["partner"])
    response = partner.post(f"/projects/{project.id}/rating", data={"answer_0": "2", "answer_2": "1",
                                                                    "comment": "Great interviews"})
    assert response.status_code == 302
    rating = db.session.scalar(select(PartnerRating))
    assert rating.answers == [2, None, 1, None] and rating.comment == "Great interviews"
    assert rating.questions[0] == "Did the team understand the problem?"
    # Changing it keeps one rating.
    assert partner.post(f"/projects/{project.id}/rating", data={"answer_0": "0"}).status_code == 302
    assert db.session.scalar(select(func.count()).select_from(PartnerRating)) == 1
    assert "Submitted" in _page(partner.get(f"/projects/{project.id}/rating"))

    page = _page(_client(app, school["teacher"]).get(f"/projects/{project.id}/partner-ratings"))
    assert "Jordan Kim" in page and "Did the team understand the problem?" in page and "Not yet" in page
    assert "Skipped" in page
    # Teacher-only; not an assessment, so nothing counts for mastery.
    assert _client(app, school["maya"]).get(f"/projects/{project.id}/partner-ratings").status_code == 403
    assert partner.get(f"/projects/{project.id}/partner-ratings").status_code == 403
    assert _client(app, school["stranger"]).get(f"/projects/{project.id}/partner-ratings").status_code == 404
    assert db.session.scalar(select(func.count()).select_from(Assessment)) == 0


def test_an_empty_or_tampered_rating_is_refused_with_a_message(app, school):
    _switch_on(school)
    partner = _client(app, school["partner"])
    url = f"/projects/{school['project'].id}/rating"
    response = partner.post(url, data={"comment": "  "})
    assert response.status_code == 400 and "Answer at least one question or write a comment" in _page(response)
    response = partner.post(url, data={"answer_0": "7", "comment": "Kept text"})
    assert response.status_code == 400 and "Kept text" in _page(response)
    assert db.session.scalar(select(func.count()).select_from(PartnerRating)) == 0


def test_family_guest_cannot_rate(app, school):
    _switch_on(school)
    family = _client(app, school["family"])
    url = f"/projects/{school['project'].id}/rating"
    assert family.get(url).status_code == 403
    assert family.post(url, data={"answer_0": "2"}).status_code == 403
    assert db.session.scalar(select(func.count()).select_from(PartnerRating)) == 0


def test_no_rating_unless_the_challenge_asks(app, school):
    assert _client(app, school["partner"]).get(f"/projects/{school['project'].id}/rating").status_code == 403


def test_teacher_edits_the_questions_and_partners_get_them(app, school):
    _switch_on(school)
    teacher = _client(app, school["teacher"])
    challenge = school["challenge"]
    assert "Pick or edit the partner questions" in _page(teacher.get(f"/challenges/{challenge.id}/assessment"))
    form = _page(teacher.get(f"/challenges/{challenge.id}/partner-questions"))
    assert 'value="Did the team understand the problem?"' in form
    response = teacher.post(f"/challenges/{challenge.id}/partner-questions", data={
        "question_1": "Would you use their rain barrel?", "question_2": "", "question_3": "Was it safe?",
        "question_4": "", "save": "1"})
    assert response.status_code == 302
    assert db.session.get(PartnerQuestions, challenge.id).questions == ["Would you use their rain barrel?",
                                                                        "Was it safe?"]
    page = _page(_client(app, school["partner"]).get(f"/projects/{school['project'].id}/rating"))
    assert "Would you use their rain barrel?" in page and "Did the team understand" not in page
    # Back to the defaults.
    assert teacher.post(f"/challenges/{challenge.id}/partner-questions", data={"restore": "1"}).status_code == 302
    assert db.session.get(PartnerQuestions, challenge.id) is None


def test_questions_need_one_and_stay_short(app, school):
    teacher = _client(app, school["teacher"])
    url = f"/challenges/{school['challenge'].id}/partner-questions"
    response = teacher.post(url, data={"question_1": " ", "save": "1"})
    assert response.status_code == 400 and "Write at least one question" in _page(response)
    response = teacher.post(url, data={"question_1": "x" * 201, "question_2": "Kept question", "save": "1"})
    assert response.status_code == 400 and "Kept question" in _page(response)
    assert _client(app, school["maya"]).get(url).status_code == 403
    assert _client(app, school["stranger"]).get(url).status_code == 404
