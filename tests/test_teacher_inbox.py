"""The teacher's "Waiting for you": complete (requests, drafts, other voices, old questions,
goal progress), each item naming its class and challenge, computed from what still waits
(so it leaves the list and the digest once done); the digest's defaults by role; a team's
step back is told to its teachers."""

import html
from datetime import timedelta

import pytest

from cbl.assessment.goals import services as goal_services
from cbl.assessment.grading import services as grading_services
from cbl.dbtypes import utcnow
from cbl.extensions import db
from cbl.feedback import comments
from cbl.mail import outbox
from cbl.notifications import DigestChoice, NotificationKind, services
from cbl.notifications.models import Notification
from cbl.projects import phases
from cbl.projects.models import Phase
from tests import factories


@pytest.fixture
def app(app):
    app.config["MAIL_BACKEND"] = "memory"
    return app


@pytest.fixture
def school():
    teacher = factories.make_user("teacher", name="Ana Rivera")
    classroom = factories.make_classroom(teacher, name="Science 7B")
    noah, sofia = factories.make_user("student", name="Noah Williams"), factories.make_user("student", name="Sofía García")
    factories.enrol(classroom, noah, sofia)
    challenge = factories.make_challenge(classroom, title="Clean water")
    project = factories.make_project(factories.make_team(classroom, noah, sofia, name="Tap Detectives"), challenge)
    rubric = factories.make_grading_rubric()
    factories.attach_grading_rubric(challenge, rubric, self_assessment=True, peer_evaluation=True)
    return {"teacher": teacher, "classroom": classroom, "challenge": challenge, "project": project,
            "rubric": rubric, "noah": noah, "sofia": sofia}


def _waiting(client) -> str:
    page = html.unescape(client.get("/home").get_data(as_text=True))
    if "Waiting for you" not in page:
        return ""
    section = page.split('id="pending-heading"', 1)[1]
    return section.split("</section>", 1)[0]


def test_drafts_voices_old_questions_and_goal_progress_wait_with_class_and_challenge(client, auth, school):
    project, noah = school["project"], school["noah"]
    factories.make_grading_assessment(project, school["rubric"], school["teacher"])
    factories.make_grading_assessment(project, school["rubric"], noah, kind="self", status="released", student=noah)
    old = factories.make_comment(project, noah, "Can we interview the mayor?")
    old.created_at = utcnow() - timedelta(days=4)
    factories.make_comment(project, noah, "A fresh question, not yet waiting?")
    factories.make_goal(noah, school["classroom"], title="Speak up in meetings", note="I spoke twice today.")
    db.session.commit()

    auth.as_user(school["teacher"])
    waiting = _waiting(client)
    assert "The assessment of Tap Detectives is a draft" in waiting
    assert "Tap Detectives: 1 new self or peer assessment" in waiting
    assert "Noah Williams's feedback to Tap Detectives has had no answer for 4 days" in waiting
    assert "A fresh question" not in waiting
    assert "Noah Williams recorded progress on the goal “Speak up in meetings”" in waiting
    assert waiting.count("Science 7B · Clean water") == 3  # the goal belongs to the class only
    assert waiting.count("Science 7B") == 4


def test_items_leave_as_soon_as_they_are_done(client, auth, school):
    project, noah, teacher = school["project"], school["noah"], school["teacher"]
    draft = factories.make_grading_assessment(project, school["rubric"], teacher)
    factories.make_grading_assessment(project, school["rubric"], noah, kind="self", status="released", student=noah)
    question = factories.make_comment(project, noah, "Can we interview the mayor?")
    question.created_at = utcnow() - timedelta(days=5)
    goal = factories.make_goal(noah, school["classroom"], title="Speak up in meetings", note="I spoke twice today.")
    factories.make_request(project, noah)
    db.session.commit()
    auth.as_user(teacher)
    assert "asks to move to" in _waiting(client)

    grading_services.release_assessment(draft, teacher)
    comments.post(teacher, project, "Yes: write to the town hall first.", parent=question)
    goal_services.add_note(goal, teacher, "Well done, keep going.")
    phases.decide_request(phases.pending_request(project), teacher, True, "")
    assert _waiting(client) == ""


def test_home_query_count_does_not_grow_with_what_waits(app, auth, queries, school):
    teacher = school["teacher"]
    client = app.test_client()
    type(auth)(client).as_user(teacher)

    def count() -> int:
        client.get("/home")
        with queries() as counter:
            assert client.get("/home").status_code == 200
        return counter.count

    def add_team(i: int) -> None:
        member = factories.make_user("student", name=f"Student {i}")
        factories.enrol(school["classroom"], member)
        project = factories.make_project(factories.make_team(school["classroom"], member, name=f"Team {i}"),
                                         school["challenge"])
        factories.make_grading_assessment(project, school["rubric"], teacher)
        factories.make_grading_assessment(project, school["rubric"], member, kind="self", status="released",
                                          student=member)
        factories.make_comment(project, member, "Anyone?").created_at = utcnow() - timedelta(days=4)
        factories.make_goal(member, school["classroom"], note="Progress.")
        factories.make_request(project, member)
        db.session.commit()

    add_team(0)
    before = count()
    for i in range(1, 6):
        add_team(i)
    assert count() == before


def test_digest_lists_what_still_waits_and_drops_what_was_done(school):
    project, noah, teacher = school["project"], school["noah"], school["teacher"]
    request = phases.request_next_phase(project, noah, "")
    assert services.send_digests() == 1
    body = outbox()[-1].get_content()
    assert "Waiting for you" in body and "Tap Detectives asks to move to Investigate" in body
    assert "(Science 7B · Clean water)" in body

    # Answered before the next digest: the request leaves it, though its notice was never read.
    phases.decide_request(request, teacher, True, "")
    factories.make_grading_assessment(project, school["rubric"], teacher)
    services.send_digests(utcnow() + timedelta(days=1))
    body = outbox()[-1].get_content()
    assert "The assessment of Tap Detectives is a draft" in body
    assert "asks to move to" not in body


def test_digest_is_off_for_students_and_on_for_teachers_by_default(school):
    noah, teacher = school["noah"], school["teacher"]
    assert services.get_preference(noah) is DigestChoice.NONE
    assert services.get_preference(teacher) is DigestChoice.DAILY
    services.notify([noah.id, teacher.id], NotificationKind.NEW_FEEDBACK, url="/home", person="Maya", project="X")
    db.session.commit()
    services.send_digests()
    assert [m["To"] for m in outbox()] == [teacher.email]
    services.set_preference(noah, DigestChoice.DAILY)
    services.notify([noah.id], NotificationKind.NEW_FEEDBACK, url="/home", person="Maya", project="Y")
    db.session.commit()
    services.send_digests()
    assert outbox()[-1]["To"] == noah.email


def test_teachers_are_told_when_a_team_steps_back(school):
    project, noah, teacher = school["project"], school["noah"], school["teacher"]
    project.phase = Phase.INVESTIGATE
    db.session.commit()
    phases.step_back(project, noah, Phase.ENGAGE, "Our question was too broad.")
    notices = db.session.scalars(db.select(Notification).where(Notification.user_id == teacher.id)).all()
    assert [n.kind for n in notices] == [NotificationKind.PHASE_STEPPED_BACK]
    assert services.describe(notices[0]).startswith("Tap Detectives went back to Engage in “Clean water”")


def test_approving_a_guests_comment_settles_every_teachers_notice(school):
    from cbl.teams.models import ClassroomTeacher

    project, teacher = school["project"], school["teacher"]
    co_teacher = factories.make_user("teacher")
    db.session.add(ClassroomTeacher(classroom_id=school["classroom"].id, user_id=co_teacher.id))
    school["classroom"].moderate_outsider_comments = True
    guest = factories.make_user("partner", name="Jordan Kim")
    factories.grant_partner(project, guest)
    comment = comments.post(guest, project, "Could you measure the tank?", kind=comments.CommentKind.QUESTION)
    assert services.unread_count(co_teacher) == 1
    comments.approve(comment, teacher)
    assert services.unread_count(co_teacher) == 0
