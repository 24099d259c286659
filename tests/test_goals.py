"""Learning goals: a student sets goals in a class, tied to a competency, links the entries she
may read in that class as evidence and records progress; her teachers see every student's
goals and comment (she is told); everyone else is kept out; hostile and oversize input is
refused without losing the text."""

import html
from datetime import date

import pytest
from flask import render_template_string
from flask_login import login_user
from sqlalchemy import func, select

from cbl.assessment.models import GoalEvidence, GoalNote, GoalStatus, LearningGoal
from cbl.competencies.models import Competency, CompetencyFramework
from cbl.extensions import db
from cbl.notifications.models import Notification, NotificationKind
from cbl.notifications.services import describe
from tests import factories


@pytest.fixture
def school():
    teacher = factories.make_user("teacher", name="Ana Rivera")
    classroom = factories.make_classroom(teacher, name="Grade 8 Science")
    maya = factories.make_user("student", name="Maya Chen")
    leo = factories.make_user("student", name="Leo Park")
    sam = factories.make_user("student", name="Sam Ortiz")
    project = factories.make_project(factories.make_team(classroom, maya, leo, name="Rain Catchers"))
    other_project = factories.make_project(factories.make_team(classroom, sam, name="Tap Detectives"),
                                           project.challenge)
    other_teacher = factories.make_user("teacher", name="Bo Lind")
    other_class = factories.make_classroom(other_teacher, name="Grade 9")
    elsewhere = factories.make_user("student", name="Kim Elsewhere")
    far_project = factories.make_project(factories.make_team(other_class, maya, elsewhere, name="Far Team"))
    partner = factories.make_user("partner", name="Jordan Kim")
    factories.grant_partner(project, partner)
    admin = factories.make_user("admin", name="Ada Admin")
    framework = CompetencyFramework(title="Skills", competencies=[
        Competency(code="COL", short_name="Collaboration"), Competency(code="COM", short_name="Communication")])
    db.session.add(framework)
    db.session.commit()
    return dict(teacher=teacher, classroom=classroom, maya=maya, leo=leo, sam=sam, project=project,
                other_project=other_project, other_teacher=other_teacher, other_class=other_class,
                far_project=far_project, partner=partner, admin=admin, competencies=framework.competencies)


def _create(client, classroom, **fields):
    data = {"title": "Speak up in team meetings", "description": "Ask **one** question per meeting.",
            "competency": "0", "target_date": "", **fields}
    return client.post(f"/classes/{classroom.id}/goals", data=data)


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def test_student_sets_a_goal_tied_to_a_competency_links_her_entry_and_records_progress(client, auth, school):
    maya, communication = school["maya"], school["competencies"][1]
    entry = factories.make_entry(school["project"], maya, title="Interview notes")
    auth.as_user(maya)
    response = _create(client, school["classroom"], competency=str(communication.id), target_date="2030-05-01")
    assert response.status_code == 302
    goal = db.session.scalar(select(LearningGoal))
    assert response.headers["Location"].endswith(f"/goals/{goal.id}")
    assert (goal.student_id, goal.classroom_id, goal.competency_id) == (maya.id, school["classroom"].id,
                                                                        communication.id)
    assert goal.status is GoalStatus.ACTIVE and goal.target_date == date(2030, 5, 1)

    page = _text(client.get(f"/goals/{goal.id}"))
    assert "Interview notes" in page  # offered as evidence
    assert client.post(f"/goals/{goal.id}/evidence", data={"entry": entry.id}).status_code == 302
    assert client.post(f"/goals/{goal.id}/notes", data={"body": "I asked *two* questions."}).status_code == 302

    page = _text(client.get(f"/goals/{goal.id}"))
    assert "<strong>one</strong>" in page and "<em>two</em>" in page
    assert "COM Communication" in page and "Interview notes" in page
    listing = _text(client.get(f"/classes/{school['classroom'].id}/goals"))
    assert "Speak up in team meetings" in listing and "1 evidence entry" in listing and "1 note" in listing


def test_a_teammates_team_entry_can_be_linked_but_not_his_private_one(client, auth, school):
    leo = school["leo"]
    shared = factories.make_entry(school["project"], leo, title="Leo's roof sketch", visibility="team")
    private = factories.make_entry(school["project"], leo, title="Leo's private draft", visibility="private")
    goal = factories.make_goal(school["maya"], school["classroom"])
    auth.as_user(school["maya"])
    page = _text(client.get(f"/goals/{goal.id}"))
    assert "Leo's roof sketch" in page and "Leo's private draft" not in page
    response = client.post(f"/goals/{goal.id}/evidence", data={"entry": private.id})
    assert response.status_code == 400
    assert "Choose one of your portfolio entries in this class." in _text(response)
    assert _count(GoalEvidence) == 0
    assert client.post(f"/goals/{goal.id}/evidence", data={"entry": shared.id}).status_code == 302
    assert db.session.scalar(select(GoalEvidence.entry_id)) == shared.id
    # linking it twice is refused, and nothing is duplicated
    assert client.post(f"/goals/{goal.id}/evidence", data={"entry": shared.id}).status_code == 400
    assert _count(GoalEvidence) == 1


def test_entries_of_another_team_or_another_class_or_unknown_are_refused(client, auth, school):
    classmates = factories.make_entry(school["other_project"], school["sam"], title="Sam's poster", visibility="class")
    far = factories.make_entry(school["far_project"], school["maya"], title="Maya's other class work")
    goal = factories.make_goal(school["maya"], school["classroom"])
    auth.as_user(school["maya"])
    page = _text(client.get(f"/goals/{goal.id}"))
    assert "Sam's poster" not in page and "Maya's other class work" not in page
    for entry_id in (classmates.id, far.id, 999_999, "abc", "99999999999999999999", "-3"):
        response = client.post(f"/goals/{goal.id}/evidence", data={"entry": entry_id})
        assert response.status_code == 400, entry_id
    assert _count(GoalEvidence) == 0


def test_teacher_sees_the_overview_and_comments_and_the_student_is_told(client, auth, school):
    maya = school["maya"]
    goal = factories.make_goal(maya, school["classroom"], title="Lead one meeting", note="I chaired Monday.",
                               competency=school["competencies"][0])
    factories.make_goal(maya, school["classroom"], title="Old goal", status="achieved")
    factories.make_goal(school["sam"], school["classroom"], title="Finish the poster")
    auth.as_user(school["teacher"])
    overview = _text(client.get(f"/classes/{school['classroom'].id}/goals"))
    for text in ("Maya Chen", "Lead one meeting", "COL Collaboration", "Sam Ortiz", "Finish the poster",
                 "Leo Park", "No active goal.", "1 goal achieved or set aside", "Old goal"):
        assert text in overview, text
    assert "Last progress" in overview

    assert "Lead one meeting" in _text(client.get(f"/goals/{goal.id}"))
    response = client.post(f"/goals/{goal.id}/notes", data={"body": "Great start. Try **summarising** too."})
    assert response.status_code == 302
    [notice] = db.session.scalars(select(Notification).where(Notification.user_id == maya.id)).all()
    assert notice.kind is NotificationKind.GOAL_COMMENT and notice.url == f"/goals/{goal.id}"
    assert describe(notice) == "Ana Rivera commented on your learning goal “Lead one meeting”."

    auth.as_user(maya)
    page = _text(client.get(f"/goals/{goal.id}"))
    assert "<strong>summarising</strong>" in page and "Ana Rivera" in page
    # her own progress notes tell nobody
    client.post(f"/goals/{goal.id}/notes", data={"body": "Summarised today."})
    assert _count(Notification) == 1


def test_others_cannot_see_or_change_a_goal(client, auth, school):
    goal = factories.make_goal(school["maya"], school["classroom"], note="Secret progress")
    url = f"/goals/{goal.id}"
    changes = [(f"{url}/edit", {"title": "Hijacked"}), (f"{url}/status", {"status": "achieved"}),
               (f"{url}/notes", {"body": "Hijacked"}), (f"{url}/evidence", {"entry": "1"})]
    for stranger in ("leo", "sam", "other_teacher", "partner"):
        auth.as_user(school[stranger])
        assert client.get(url).status_code == 404, stranger
        for target, data in changes:
            assert client.post(target, data=data).status_code == 404, (stranger, target)
    auth.as_user(school["partner"])
    assert client.get(f"/classes/{school['classroom'].id}/goals").status_code == 404
    auth.as_user(school["other_teacher"])
    assert client.get(f"/classes/{school['classroom'].id}/goals").status_code == 404
    auth.as_user(school["teacher"])  # reads and comments, changes nothing else
    for target, data in changes[:2] + changes[3:]:
        assert client.post(target, data=data).status_code == 403, target
    assert client.get(f"{url}/edit").status_code == 403
    auth.as_user(school["admin"])  # reads only
    assert "Secret progress" in _text(client.get(url))
    assert client.get(f"/classes/{school['classroom'].id}/goals").status_code == 200
    for target, data in changes:
        assert client.post(target, data=data).status_code == 403, target
    db.session.refresh(goal)
    assert goal.title == "Speak up in team meetings" and goal.status is GoalStatus.ACTIVE
    assert _count(GoalNote) == 1 and _count(Notification) == 0
    auth.as_user(school["maya"])
    assert client.get("/goals/999999").status_code == 404


def test_teachers_and_other_students_do_not_set_goals_in_a_class(client, auth, school):
    auth.as_user(school["teacher"])
    assert _create(client, school["classroom"]).status_code == 403
    auth.as_user(school["maya"])  # she is in Grade 9 too, so that class's page is hers
    assert _create(client, school["other_class"]).status_code == 302
    outsider = factories.make_user("student")
    auth.as_user(outsider)
    assert _create(client, school["classroom"]).status_code == 404
    assert _count(LearningGoal) == 1


def test_hostile_markdown_is_sanitised(client, auth, school):
    hostile = '<script>alert(1)</script> [x](javascript:alert(2)) <img src=x onerror=alert(3)>'
    auth.as_user(school["maya"])
    _create(client, school["classroom"], description=hostile)
    goal = db.session.scalar(select(LearningGoal))
    client.post(f"/goals/{goal.id}/notes", data={"body": hostile})
    auth.as_user(school["teacher"])
    client.post(f"/goals/{goal.id}/notes", data={"body": hostile})
    for viewer in ("maya", "teacher"):
        auth.as_user(school[viewer])
        raw = client.get(f"/goals/{goal.id}").get_data(as_text=True)
        assert "<script>alert(1)" not in raw and "javascript:" not in raw and "<img src=x" not in raw
        assert raw.count("&lt;script&gt;") >= 3  # shown as typed, harmlessly


def test_oversize_or_empty_fields_answer_400_and_keep_the_text(client, auth, school):
    auth.as_user(school["maya"])
    long_title = "Become a clear speaker " * 10  # 230 characters
    response = _create(client, school["classroom"], title=long_title, description="Kept description")
    assert response.status_code == 400
    page = _text(response)
    assert "200" in page and long_title in page and "Kept description" in page
    long_description = "word " * 2001
    response = _create(client, school["classroom"], description=long_description)
    assert response.status_code == 400 and long_description.strip()[:300] in _text(response)
    assert _create(client, school["classroom"], title="   ").status_code == 400
    response = _create(client, school["classroom"], title="Dated", target_date="31/31/2030")
    assert response.status_code == 400 and "Dated" in _text(response)
    assert _create(client, school["classroom"], title="Unknown competency", competency="999999").status_code == 400
    assert _count(LearningGoal) == 0

    goal = factories.make_goal(school["maya"], school["classroom"])
    long_note = "progress " * 600
    response = client.post(f"/goals/{goal.id}/notes", data={"body": long_note})
    assert response.status_code == 400
    assert "5000" in _text(response) and long_note.strip()[:300] in _text(response)
    assert client.post(f"/goals/{goal.id}/notes", data={"body": "  "}).status_code == 400
    response = client.post(f"/goals/{goal.id}/edit", data={"title": long_title, "competency": "0"})
    assert response.status_code == 400 and long_title in _text(response)
    assert _count(GoalNote) == 0
    db.session.refresh(goal)
    assert goal.title == "Speak up in team meetings"


def test_the_student_edits_her_goal(client, auth, school):
    goal = factories.make_goal(school["maya"], school["classroom"], competency=school["competencies"][0])
    auth.as_user(school["maya"])
    form = _text(client.get(f"/goals/{goal.id}/edit"))
    assert "Speak up in team meetings" in form
    response = client.post(f"/goals/{goal.id}/edit", data={
        "title": "Speak up twice a meeting", "description": "More", "competency": "0", "target_date": "2031-01-02"})
    assert response.status_code == 302
    db.session.refresh(goal)
    assert (goal.title, goal.description, goal.competency_id, goal.target_date) == (
        "Speak up twice a meeting", "More", None, date(2031, 1, 2))


def test_status_changes(client, auth, school):
    goal = factories.make_goal(school["maya"], school["classroom"])
    auth.as_user(school["maya"])
    for status in ("achieved", "set_aside", "active", "achieved"):
        assert client.post(f"/goals/{goal.id}/status", data={"status": status}).status_code == 302
        db.session.refresh(goal)
        assert goal.status is GoalStatus(status)
    response = client.post(f"/goals/{goal.id}/status", data={"status": "done"})
    assert response.status_code == 400 and "Mark it achieved" not in _text(response)  # it is achieved
    db.session.refresh(goal)
    assert goal.status is GoalStatus.ACHIEVED
    listing = _text(client.get(f"/classes/{school['classroom'].id}/goals"))
    assert "Achieved" in listing and "Working on it" not in listing


def test_evidence_is_unlinked_and_hidden_from_readers_who_lost_it(client, auth, school):
    entry = factories.make_entry(school["project"], school["leo"], title="Leo's survey", visibility="team")
    goal = factories.make_goal(school["maya"], school["classroom"], evidence=[entry])
    auth.as_user(school["maya"])
    assert "Leo's survey" in _text(client.get(f"/goals/{goal.id}"))
    entry.visibility = "private"  # Leo takes it back
    db.session.commit()
    assert "Leo's survey" not in _text(client.get(f"/goals/{goal.id}"))
    auth.as_user(school["teacher"])
    assert "Leo's survey" in _text(client.get(f"/goals/{goal.id}"))  # teachers read every entry
    auth.as_user(school["maya"])
    assert client.post(f"/goals/{goal.id}/evidence/{entry.id}/remove").status_code == 302
    assert _count(GoalEvidence) == 0
    assert client.post(f"/goals/{goal.id}/evidence/{entry.id}/remove").status_code == 404


def test_profile_panel_lists_the_students_active_goals_for_those_who_may_read_them(app, school):
    maya, classroom = school["maya"], school["classroom"]
    factories.make_goal(maya, classroom, title="Active one", competency=school["competencies"][0])
    factories.make_goal(maya, classroom, title="Done one", status="achieved")
    factories.make_goal(maya, school["other_class"], title="Other class goal")
    template = '{% include "assessment/goals/_profile_panel.html" ignore missing %}'
    for viewer, shown in (("maya", True), ("teacher", True), ("admin", True), ("sam", False),
                          ("other_teacher", False)):
        with app.test_request_context():
            login_user(school[viewer])
            page = html.unescape(render_template_string(template, student=maya, classroom=classroom))
        assert ("Active one" in page) is shown, viewer
        assert "Done one" not in page and "Other class goal" not in page
    with app.test_request_context():
        login_user(maya)
        assert render_template_string(template).strip() == ""  # without a student, no panel


def test_home_and_board_link_to_the_goals(client, auth, school):
    auth.as_user(school["maya"])
    assert f"/classes/{school['classroom'].id}/goals" in client.get("/home").get_data(as_text=True)
    auth.as_user(school["teacher"])
    board = client.get(f"/classes/{school['classroom'].id}/board").get_data(as_text=True)
    assert f"/classes/{school['classroom'].id}/goals" in board


def test_the_overview_runs_the_same_queries_however_many_goals(client, auth, school, queries):
    auth.as_user(school["teacher"])
    url = f"/classes/{school['classroom'].id}/goals"
    factories.make_goal(school["maya"], school["classroom"], note="One")
    client.get(url)
    with queries() as few:
        assert client.get(url).status_code == 200
    for student in ("maya", "leo", "sam"):
        for n in range(3):
            factories.make_goal(school[student], school["classroom"], title=f"Goal {n}", note="Progress",
                                competency=school["competencies"][n % 2])
    with queries() as many:
        assert client.get(url).status_code == 200
    assert many.count == few.count


def test_a_new_goal_cannot_be_due_in_the_past(client, auth, school):
    from cbl.assessment.models import LearningGoal

    auth.as_user(school["maya"])
    response = _create(client, school["classroom"], target_date="2020-01-01")
    assert response.status_code == 400 and "from today on" in _text(response)
    assert "Speak up in team meetings" in _text(response)  # nothing typed is lost
    assert _count(LearningGoal) == 0
