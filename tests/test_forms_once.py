"""A re-sent create form never makes a second object (issue 10, item 3): every create form
carries a one-time token; sending the same form again answers with what the first sending
made, and says so; two forms shown separately make two objects; another person's token
does not count for them."""

import html
import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from cbl.accounts.models import Role, User
from cbl.assessment.models import GoalNote, LearningGoal, Rubric
from cbl.competencies.services import install_default_framework
from cbl.dbtypes import utcnow
from cbl.extensions import db
from cbl.feedback.models import Comment, Invitation
from cbl.once import FormSubmission, claim
from cbl.portfolio.models import Entry
from cbl.projects.models import (Activity, CandidateQuestion, Challenge, GuidingQuestion, Phase, PhaseChange,
                                 Project)
from cbl.teams.models import Classroom, Enrolment, Team, TeamMember
from tests import factories

ALREADY = "This was already saved"
PROMPTS = {"prompt_engage": "Why?", "prompt_investigate": "What changed?", "prompt_act": "What happened?"}


@pytest.fixture
def school():
    teacher = factories.make_user(Role.TEACHER, name="Ana Rivera")
    student = factories.make_user(Role.STUDENT, name="Maya Chen")
    classroom = factories.make_classroom(teacher, name="Grade 8 Science")
    team = factories.make_team(classroom, student, name="Rain Catchers")
    project = factories.make_project(team, factories.make_challenge(classroom, title="Water"),
                                     phase=Phase.INVESTIGATE)
    factories.make_question(project)  # activities answer a guiding question
    return dict(teacher=teacher, student=student, admin=factories.make_user(Role.ADMIN), classroom=classroom,
                team=team, project=project)


def _rubric_grid() -> dict:
    competency = install_default_framework().competencies[0]
    data = {"title": "Water rubric", "description": "", "action": "save"}
    for j, (label, points) in enumerate((("Beginning", "1"), ("Developing", "2"), ("Proficient", "3"))):
        data[f"levels-{j}-label"], data[f"levels-{j}-points"] = label, points
        data[f"criteria-0-descriptors-{j}"] = f"Asks at {label}"
    data["criteria-0-title"] = "Asks good questions"
    data["criteria-0-competency"] = str(competency.id)
    return data


def _own_rubric(s) -> Rubric:
    framework = install_default_framework()
    return factories.make_rubric(s["teacher"], [framework.competencies[0].id])


# name: (who, page showing the form, where it posts, form data, what it makes)
CREATE_FORMS = {
    "class": lambda s: ("teacher", "/classes/new", "/classes/new", {"name": "Grade 9", "term": "Spring"}, Classroom),
    "team": lambda s: ("teacher", f"/classes/{s['classroom'].id}/teams/new",
                       f"/classes/{s['classroom'].id}/teams/new", {"name": "Otters"}, Team),
    "challenge": lambda s: ("teacher", f"/classes/{s['classroom'].id}/challenges/new",
                            f"/classes/{s['classroom'].id}/challenges/new",
                            {"title": "Energy", "big_idea": "Energy", "size": "mini", **PROMPTS}, Challenge),
    "essential question": lambda s: ("student", f"/projects/{s['project'].id}?phase=engage",
                                     f"/projects/{s['project'].id}/candidates", {"text": "Why does it flood?"},
                                     CandidateQuestion),
    "guiding question": lambda s: ("student", f"/projects/{s['project'].id}?phase=investigate",
                                   f"/projects/{s['project'].id}/questions", {"text": "How much rain falls?"},
                                   GuidingQuestion),
    "activity": lambda s: ("student", f"/projects/{s['project'].id}?phase=investigate",
                           f"/projects/{s['project'].id}/activities", {"kind": "activity", "title": "Measure", "questions": "1"},
                           Activity),
    "entry": lambda s: ("student", f"/projects/{s['project'].id}/entries/new?kind=note",
                        f"/projects/{s['project'].id}/entries/new?kind=note",
                        {"title": "Rain readings", "body": "12 mm", "phase": "engage", "element_key": "",
                         "guiding_question": "", "visibility": "team", "link_url": ""}, Entry),
    "invitation": lambda s: ("teacher", f"/projects/{s['project'].id}/invite", f"/projects/{s['project'].id}/invite",
                             {"email": "partner@business.example", "projects": str(s["project"].id)}, Invitation),
    "comment": lambda s: ("teacher", f"/projects/{s['project'].id}/feedback",
                          f"/projects/{s['project'].id}/feedback", {"kind": "question", "body": "Where?"}, Comment),
    "reply": lambda s: ("student", f"/projects/{s['project'].id}/feedback",
                        f"/comments/{factories.make_comment(s['project'], s['teacher']).id}/reply",
                        {"body": "At the school gate."}, Comment),
    "goal": lambda s: ("student", f"/classes/{s['classroom'].id}/goals", f"/classes/{s['classroom'].id}/goals",
                       {"title": "Speak up", "competency": "0"}, LearningGoal),
    "goal note": lambda s: ("student", f"/goals/{factories.make_goal(s['student'], s['classroom']).id}",
                            "/goals/{id}/notes", {"body": "I asked two questions today."}, GoalNote),
    "rubric": lambda s: ("teacher", "/rubrics/new", "/rubrics/new", _rubric_grid(), Rubric),
    "rubric copy": lambda s: ("teacher", f"/rubrics/{_own_rubric(s).id}", "/rubrics/{id}/copy", {}, Rubric),
    "starter rubric": lambda s: ("teacher", "/rubrics", "/rubrics/starter", {}, Rubric),
    "account": lambda s: ("admin", "/admin/users", "/admin/users",
                          {"email": "new@school.example", "display_name": "Leo Park", "role": "student",
                           "password": "a long enough password"}, User),
}


def _count(model) -> int:
    db.session.commit()  # a fresh snapshot
    return db.session.scalar(select(func.count()).select_from(model))


def _forms(page: str) -> list[tuple[str, str]]:
    """(action, body) of each form on a page that posts (a search form's GET makes nothing)."""
    forms = []
    for m in re.finditer(r"<form\b([^>]*)>(.*?)</form>", page, re.S):
        if 'method="get"' in m.group(1).lower():
            continue
        action = re.search(r'action="([^"]*)"', m.group(1))
        forms.append((html.unescape(action.group(1)) if action else "", m.group(2)))
    return forms


def _shown_form(client, page_url: str, action: str) -> tuple[str, dict]:
    """The action the page's create form posts to, and its one-time token."""
    page = client.get(page_url)
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    path = page_url.split("#")[0]
    for form_action, inner in _forms(body):
        target = (form_action or path).split("#")[0]
        if re.fullmatch(re.escape(action).replace(r"\{id\}", r"\d+"), target):
            token = re.search(r'name="once_token" value="([^"]+)"', inner)
            assert token, f"the form posting to {target} carries no one-time token"
            return target, {"once_token": token.group(1)}
    raise AssertionError(f"no form posting to {action} on {page_url}")


@pytest.mark.parametrize("name", sorted(CREATE_FORMS))
def test_a_create_form_sent_twice_makes_one_object_and_leads_to_it(client, auth, school, name):
    who, page_url, action, data, model = CREATE_FORMS[name](school)
    auth.as_user(school[who])
    target, token = _shown_form(client, page_url, action)
    before = _count(model)

    first = client.post(target, data={**data, **token})
    assert first.status_code in (302, 303), first.get_data(as_text=True)[:2000]
    assert _count(model) == before + 1

    again = client.post(target, data={**data, **token})  # the back button, then "Create" again
    assert again.status_code in (302, 303)
    assert again.headers["Location"] == first.headers["Location"]
    assert _count(model) == before + 1
    assert ALREADY in client.get(again.headers["Location"]).get_data(as_text=True)


def test_two_forms_shown_separately_make_two_challenges(client, auth, school):
    auth.as_user(school["teacher"])
    url = f"/classes/{school['classroom'].id}/challenges/new"
    data = {"title": "Energy", "big_idea": "E", "size": "mini", **PROMPTS}
    _target, token = _shown_form(client, url, url)
    assert client.post(url, data={**data, **token}).status_code == 302
    # The same words typed again on purpose in a new form: the duplicate title is questioned
    # (item 11), and the teacher's confirmation with that form's token still saves it.
    _target, token = _shown_form(client, url, url)
    assert client.post(url, data={**data, **token}).status_code == 200
    assert client.post(url, data={**data, **token, "confirm_duplicate": "y"}).status_code == 302
    assert _count(Challenge) == 3  # the fixture's and these two


def test_a_resent_challenge_form_makes_no_second_project_for_any_team(client, auth, school):
    auth.as_user(school["teacher"])
    url = f"/classes/{school['classroom'].id}/challenges/new"
    _target, token = _shown_form(client, url, url)
    data = {"title": "Energy", "big_idea": "E", "size": "mini", **PROMPTS, **token}
    client.post(url, data=data)
    projects = _count(Project)
    client.post(url, data=data)
    assert _count(Project) == projects and _count(Challenge) == 2


def test_another_persons_token_does_not_count_for_them(client, auth, school):
    url = f"/projects/{school['project'].id}/entries/new?kind=note"
    data = {"title": "Rain readings", "body": "12 mm", "phase": "engage", "element_key": "", "guiding_question": "",
            "visibility": "team", "link_url": ""}
    auth.as_user(school["student"])
    _target, token = _shown_form(client, url, url)
    first = client.post(url, data={**data, **token})
    teammate = factories.make_user(Role.STUDENT, name="Leo Park")
    db.session.add(Enrolment(classroom_id=school["classroom"].id, user_id=teammate.id))
    db.session.add(TeamMember(team_id=school["team"].id, user_id=teammate.id))
    db.session.commit()
    auth.as_user(teammate)
    second = client.post(url, data={**data, **token})
    assert second.status_code == 302, re.findall(r'class="error"[^>]*>([^<]*)', second.get_data(as_text=True))
    assert second.headers["Location"] != first.headers["Location"]
    assert _count(Entry) == 2


def test_a_form_refused_for_its_input_can_be_corrected_and_sent_with_its_token(client, auth, school):
    auth.as_user(school["teacher"])
    url = f"/classes/{school['classroom'].id}/challenges/new"
    _target, token = _shown_form(client, url, url)
    assert client.post(url, data={"title": "", "big_idea": "E", "size": "mini", **PROMPTS, **token}).status_code == 400
    assert client.post(url, data={"title": "Energy", "big_idea": "E", "size": "mini", **PROMPTS, **token}).status_code == 302
    assert _count(Challenge) == 2
    assert _count(FormSubmission) == 1


def test_a_refused_service_gives_the_token_back(client, auth, school):
    """A challenge whose dates the service refuses is shown again; the same form then saves."""
    auth.as_user(school["teacher"])
    url = f"/classes/{school['classroom'].id}/challenges/new"
    _target, token = _shown_form(client, url, url)
    bad = {"title": "Energy", "big_idea": "E", "size": "mini", **PROMPTS, "starts_on": "2026-12-01", "ends_on": "2026-11-01"}
    assert client.post(url, data={**bad, **token}).status_code == 400
    assert _count(FormSubmission) == 0
    assert client.post(url, data={**bad, "ends_on": "2026-12-20", **token}).status_code == 302
    assert _count(Challenge) == 2


def test_edit_forms_carry_no_token_so_every_save_counts(client, auth, school):
    auth.as_user(school["teacher"])
    challenge = db.session.scalar(select(Challenge))
    page = client.get(f"/challenges/{challenge.id}/edit").get_data(as_text=True)
    assert "once_token" not in page


def test_old_tokens_are_pruned_when_a_new_form_is_saved(app, school):
    with app.test_request_context("/", method="POST"):
        from flask_login import login_user

        login_user(school["teacher"])
        db.session.add(FormSubmission(user_id=school["teacher"].id, token_hash="x" * 64, url="/old",
                                      created_at=utcnow() - timedelta(days=2)))
        db.session.commit()
        claim("a-new-token")
        db.session.commit()
        assert [row.url for row in db.session.scalars(select(FormSubmission))] == [None]


def test_two_identical_posts_at_once_make_one_object(client, auth, school, monkeypatch):
    """The second of two simultaneous posts does not see the first's claim when it checks
    (the first has not committed yet); the unique constraint stops it when it saves."""
    from cbl import once

    auth.as_user(school["teacher"])
    url = f"/classes/{school['classroom'].id}/challenges/new"
    _target, token = _shown_form(client, url, url)
    data = {"title": "Energy", "big_idea": "E", "size": "mini", **PROMPTS, **token}
    first = client.post(url, data=data)
    projects = _count(Project)
    monkeypatch.setattr(once, "_find", lambda user_id, token_hash: None)  # as if it came at the same time
    second = client.post(url, data=data)
    assert second.status_code == 302 and second.headers["Location"] == first.headers["Location"]
    assert _count(Challenge) == 2 and _count(Project) == projects
    assert ALREADY in client.get(second.headers["Location"]).get_data(as_text=True)


def test_a_resent_move_on_moves_the_project_one_phase_only(client, auth, school):
    """In a class where teams advance by themselves, "Move on" sent twice moved two phases."""
    school["classroom"].teams_advance_freely = True
    project = school["project"]
    project.phase = Phase.ENGAGE
    db.session.commit()
    auth.as_user(school["student"])
    target, token = _shown_form(client, f"/projects/{project.id}", f"/projects/{project.id}/phase/request")
    first = client.post(target, data={"note": "", **token})
    again = client.post(target, data={"note": "", **token})
    assert again.headers["Location"] == first.headers["Location"]
    db.session.commit()
    assert db.session.get(Project, project.id).phase is Phase.INVESTIGATE
    assert _count(PhaseChange) == 1


def test_a_resent_step_back_steps_back_once(client, auth, school):
    project = school["project"]
    project.phase = Phase.ACT
    db.session.commit()
    auth.as_user(school["student"])
    target, token = _shown_form(client, f"/projects/{project.id}?phase=act", f"/projects/{project.id}/phase/back")
    data = {"to_phase": "investigate", "reason": "We need more data.", **token}
    client.post(target, data=data)
    client.post(target, data={**data, "to_phase": "engage"})  # the same form, changed after "Back"
    db.session.commit()
    assert db.session.get(Project, project.id).phase is Phase.INVESTIGATE


def test_a_resent_framework_import_makes_one_framework(client, auth, school):
    from cbl.competencies.models import CompetencyFramework

    auth.as_user(school["admin"])
    target, token = _shown_form(client, "/competencies/import", "/competencies/import")
    csv = b"code,short_name,description,parent_code\nA,Alpha,The first,\n"

    def send():
        return client.post(target, data={"file": (io.BytesIO(csv), "local.csv"), "format": "auto",
                                         "title": "Local skills", **token}, content_type="multipart/form-data")

    first, again = send(), send()
    assert first.status_code == again.status_code == 302
    assert again.headers["Location"] == first.headers["Location"]
    assert _count(CompetencyFramework) == 1


def test_a_refusal_answered_with_a_redirect_keeps_no_claim(client, auth, school):
    """A view that refuses with a message and a redirect saved nothing: the token stays usable."""
    project = school["project"]
    auth.as_user(school["student"])
    target, token = _shown_form(client, f"/projects/{project.id}", f"/projects/{project.id}/phase/request")
    factories.make_request(project, school["student"])  # a teammate asked meanwhile
    refused = client.post(target, data={"note": "", **token})
    assert refused.status_code == 302
    assert "already asked to move on" in client.get(refused.headers["Location"]).get_data(as_text=True)
    assert _count(FormSubmission) == 0
