"""Feedback: comments by teachers, the team, classmates and partners; kinds, replies one level
deep, safe markdown, addressed with the entry that answers it, open first; moderation of
guests' comments, hiding, and what each reader can see."""

import html

import pytest
from sqlalchemy import func, select

from cbl.audit import Action, AuditEvent
from cbl.extensions import db
from cbl.feedback.models import Comment, CommentStatus
from cbl.notifications.models import Notification, NotificationKind
from tests import factories


@pytest.fixture
def school():
    teacher = factories.make_user("teacher", name="Ana Rivera")
    classroom = factories.make_classroom(teacher, name="Grade 8 Science")
    maya = factories.make_user("student", name="Maya Chen")
    leo = factories.make_user("student", name="Leo Park")
    classmate = factories.make_user("student", name="Sam Ortiz")
    project = factories.make_project(factories.make_team(classroom, maya, leo, name="Rain Catchers"))
    factories.make_team(classroom, classmate, name="Tap Detectives")
    partner = factories.make_user("partner", name="Jordan Kim")
    factories.grant_partner(project, partner)
    return dict(teacher=teacher, classroom=classroom, maya=maya, leo=leo, classmate=classmate, project=project,
                partner=partner)


def _post(client, project, body="How much rain does the roof collect?", kind="question", **extra):
    return client.post(f"/projects/{project.id}/feedback", data={"kind": kind, "body": body, **extra})


def _page(client, project, **args) -> str:
    response = client.get(f"/projects/{project.id}/feedback", query_string=args)
    assert response.status_code == 200
    return html.unescape(response.get_data(as_text=True))


def _notices(user, kind) -> int:
    return db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == user.id, Notification.kind == kind))


def test_classmate_comment_shows_to_the_team_with_its_kind_and_notifies_it(client, auth, school):
    auth.as_user(school["classmate"])
    response = _post(client, school["project"], "Have you **measured** the gutter?", "suggestion")
    assert response.status_code == 302
    auth.as_user(school["maya"])
    page = _page(client, school["project"])
    assert "<strong>measured</strong>" in page and "Suggestion" in page and "Sam Ortiz" in page
    assert _notices(school["maya"], NotificationKind.NEW_FEEDBACK) == 1
    assert _notices(school["leo"], NotificationKind.NEW_FEEDBACK) == 1
    assert _notices(school["classmate"], NotificationKind.NEW_FEEDBACK) == 0  # not told of their own


def test_hostile_markdown_is_sanitized(client, auth, school):
    auth.as_user(school["maya"])
    _post(client, school["project"], '<script>alert(1)</script> [x](javascript:alert(2)) <img src=x onerror=alert(3)>')
    raw = client.get(f"/projects/{school['project'].id}/feedback").get_data(as_text=True)
    assert "<script>alert(1)" not in raw and "javascript:" not in raw and "<img src=x" not in raw
    assert "&lt;script&gt;" in raw  # shown as typed, harmlessly


def test_oversize_or_empty_comment_is_refused_with_the_text_kept(client, auth, school):
    auth.as_user(school["maya"])
    long_text = "word " * 1200
    response = _post(client, school["project"], long_text)
    assert response.status_code == 400
    page = html.unescape(response.get_data(as_text=True))
    assert "5000" in page and long_text.strip()[:200] in page  # told why, nothing lost
    assert _post(client, school["project"], "   ").status_code == 400
    assert _post(client, school["project"], "Fine text", kind="rant").status_code == 400
    assert db.session.scalar(select(func.count()).select_from(Comment)) == 0


def test_partner_comment_waits_for_approval_then_students_see_it(client, auth, school, app):
    project, partner = school["project"], school["partner"]
    auth.as_user(partner)
    response = _post(client, project, "Our utility could lend you a rain gauge.", "suggestion")
    assert response.status_code == 302
    comment = db.session.scalar(select(Comment))
    assert comment.status is CommentStatus.PENDING
    assert "rain gauge" in _page(client, project)  # the author sees it, marked as waiting
    assert _notices(school["teacher"], NotificationKind.FEEDBACK_WAITING) == 1
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == Action.COMMENT_POSTED, AuditEvent.actor_id == partner.id)) == 1

    auth.as_user(school["maya"])
    assert "rain gauge" not in _page(client, project)
    assert client.post(f"/comments/{comment.id}/reply", data={"body": "Thanks!"}).status_code == 404

    auth.as_user(school["teacher"])
    home = html.unescape(client.get("/home").get_data(as_text=True))
    assert "rain gauge" in home  # waiting on the teacher's home page
    assert client.post(f"/comments/{comment.id}/approve").status_code == 302

    auth.as_user(school["maya"])
    assert "rain gauge" in _page(client, project)
    assert _notices(school["maya"], NotificationKind.NEW_FEEDBACK) == 1


def test_without_moderation_partner_comments_show_at_once(client, auth, school):
    school["classroom"].moderate_outsider_comments = False
    db.session.commit()
    auth.as_user(school["partner"])
    _post(client, school["project"], "Great graphs!", "praise")
    assert db.session.scalar(select(Comment.status)) is CommentStatus.VISIBLE
    auth.as_user(school["maya"])
    assert "Great graphs!" in _page(client, school["project"])


def test_teacher_hides_a_comment_it_is_gone_from_view_but_kept_for_the_audit(client, auth, school):
    project = school["project"]
    comment = factories.make_comment(project, school["classmate"], "Something unkind")
    factories.make_comment(project, school["maya"], "A reply", parent=comment)
    auth.as_user(school["teacher"])
    assert client.post(f"/comments/{comment.id}/hide").status_code == 302
    for viewer in (school["maya"], school["teacher"], school["classmate"]):
        auth.as_user(viewer)
        page = _page(client, project)
        assert "Something unkind" not in page and "A reply" not in page
    assert db.session.get(Comment, comment.id).body == "Something unkind"  # kept
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == Action.COMMENT_HIDDEN))
    assert "Something unkind" in event.detail
    auth.as_user(school["maya"])
    assert client.post(f"/comments/{comment.id}/reply", data={"body": "hello"}).status_code == 404


def test_students_cannot_moderate_and_partners_cannot_mark_addressed(client, auth, school):
    comment = factories.make_comment(school["project"], school["partner"], "Pending", status="pending")
    visible = factories.make_comment(school["project"], school["teacher"], "Visible")
    auth.as_user(school["maya"])
    assert client.post(f"/comments/{visible.id}/hide").status_code == 403
    assert client.post(f"/comments/{comment.id}/approve").status_code == 404  # she cannot see it yet
    auth.as_user(school["partner"])
    assert client.post(f"/comments/{visible.id}/addressed", data={"answer_entry": 0}).status_code == 403
    assert db.session.get(Comment, visible.id).addressed_at is None


def test_replies_stay_one_level_deep_and_notify_the_comment_author(client, auth, school):
    project = school["project"]
    comment = factories.make_comment(project, school["teacher"], "Which roof did you measure?")
    auth.as_user(school["maya"])
    assert client.post(f"/comments/{comment.id}/reply", data={"body": "The gym roof."}).status_code == 302
    reply = db.session.scalar(select(Comment).where(Comment.parent_id == comment.id))
    auth.as_user(school["leo"])
    assert client.post(f"/comments/{reply.id}/reply", data={"body": "And the library."}).status_code == 302
    second = db.session.scalar(select(Comment).where(Comment.body == "And the library."))
    assert second.parent_id == comment.id  # attached to the top comment, not to the reply
    assert _notices(school["teacher"], NotificationKind.FEEDBACK_REPLY) == 2  # one for each reply
    page = _page(client, project)
    assert page.index("Which roof") < page.index("The gym roof.") < page.index("And the library.")


def test_team_marks_feedback_addressed_with_the_answering_entry_and_open_comes_first(client, auth, school):
    project = school["project"]
    older = factories.make_comment(project, school["teacher"], "Older question")
    newer = factories.make_comment(project, school["classmate"], "Newer suggestion", kind="suggestion")
    answer = factories.make_entry(project, school["maya"], title="Rain gauge readings", visibility="partners")
    hidden_answer = factories.make_entry(project, school["maya"], title="Team notes", visibility="team")
    auth.as_user(school["leo"])
    response = client.post(f"/comments/{newer.id}/addressed", data={"answer_entry": answer.id})
    assert response.status_code == 302
    page = _page(client, project)
    assert page.index("Older question") < page.index("Newer suggestion")  # open first
    assert "Rain gauge readings" in page
    assert "Newer suggestion" not in _page(client, project, show="open")
    assert "Older question" not in _page(client, project, show="addressed")
    # An entry of another project, or a forged id, is refused and nothing changes.
    other = factories.make_project(factories.make_team(school["classroom"], name="Others"), project.challenge)
    foreign = factories.make_entry(other, school["teacher"], title="Foreign")
    client.post(f"/comments/{older.id}/addressed", data={"answer_entry": foreign.id})
    client.post(f"/comments/{older.id}/addressed", data={"answer_entry": "not a number"})
    assert db.session.get(Comment, older.id).addressed_at is None
    # The partner sees the addressed note but only links to entries shared with them.
    client.post(f"/comments/{older.id}/addressed", data={"answer_entry": hidden_answer.id})
    auth.as_user(school["partner"])
    page = _page(client, project)
    assert "Rain gauge readings" in page and "Team notes" not in page
    auth.as_user(school["leo"])
    assert client.post(f"/comments/{older.id}/reopen").status_code == 302
    assert db.session.get(Comment, older.id).addressed_at is None


def test_comment_on_an_entry_shows_under_it_and_only_to_those_who_can_read_it(client, auth, school):
    project = school["project"]
    team_entry = factories.make_entry(project, school["maya"], title="Team only", visibility="team")
    shared = factories.make_entry(project, school["maya"], title="Shared", visibility="partners")
    auth.as_user(school["leo"])
    response = _post(client, project, "Add the units to the chart", "suggestion", entry_id=team_entry.id,
                     next=f"/entries/{team_entry.id}")
    assert response.status_code == 302 and response.headers["Location"].startswith(f"/entries/{team_entry.id}")
    entry_page = html.unescape(client.get(f"/entries/{team_entry.id}").get_data(as_text=True))
    assert "Add the units to the chart" in entry_page
    auth.as_user(school["partner"])
    assert "Add the units" not in _page(client, project)  # the entry is not shared with partners
    assert _post(client, project, "Sneaky", entry_id=team_entry.id).status_code == 404
    assert _post(client, project, "Forged", entry_id="99999999999").status_code == 404
    assert _post(client, project, "On shared", "praise", entry_id=shared.id).status_code == 302


def test_partner_guessing_other_projects_gets_404_and_it_is_logged(client, auth, school):
    other = factories.make_project(factories.make_team(school["classroom"], name="Elsewhere"),
                                   school["project"].challenge)
    comment = factories.make_comment(other, school["teacher"], "Private to the class")
    auth.as_user(school["partner"])
    assert client.get(f"/projects/{other.id}/feedback").status_code == 404
    assert _post(client, other, "Hello").status_code == 404
    assert client.post(f"/comments/{comment.id}/reply", data={"body": "hi"}).status_code == 404
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == Action.PARTNER_REFUSED, AuditEvent.actor_id == school["partner"].id)) >= 3


def test_admins_read_feedback_but_do_not_comment(client, auth, school):
    admin = factories.make_user("admin")
    factories.make_comment(school["project"], school["teacher"], "Visible to admins")
    auth.as_user(admin)
    assert "Visible to admins" in _page(client, school["project"])
    assert _post(client, school["project"]).status_code == 403


def test_project_page_shows_open_feedback_count(client, auth, school):
    factories.make_comment(school["project"], school["teacher"], "One")
    factories.make_comment(school["project"], school["classmate"], "Two")
    auth.as_user(school["maya"])
    page = html.unescape(client.get(f"/projects/{school['project'].id}").get_data(as_text=True))
    assert "2 open pieces of feedback" in page


def test_a_double_click_saves_one_reply(client, auth, school):
    comment = factories.make_comment(school["project"], school["teacher"], "Which roof?")
    auth.as_user(school["maya"])
    for _ in range(2):
        assert client.post(f"/comments/{comment.id}/reply", data={"body": "The gym roof."}).status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Comment).where(Comment.parent_id == comment.id)) == 1


def test_an_empty_reply_says_so_at_the_top_and_links_to_the_field(client, auth, school):
    comment = factories.make_comment(school["project"], school["teacher"], "Which roof?")
    auth.as_user(school["maya"])
    response = client.post(f"/comments/{comment.id}/reply", data={"body": " "})
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 400
    assert "Your reply was not sent." in page and f'href="#reply-{comment.id}"' in page


def test_a_failed_comment_on_an_entry_comes_back_on_the_entry_page(client, auth, school):
    entry = factories.make_entry(school["project"], school["maya"], title="Gutter photos", visibility="team")
    auth.as_user(school["leo"])
    response = _post(client, school["project"], "x" * 6000, "praise", entry_id=entry.id)
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 400
    assert "Gutter photos" in page and "Feedback on this entry" in page and "x" * 6000 in page


def test_hiding_a_comment_takes_its_notifications_away(client, auth, school):
    auth.as_user(school["classmate"])
    _post(client, school["project"], "Something unkind")
    assert _notices(school["maya"], NotificationKind.NEW_FEEDBACK) == 1
    comment = db.session.scalar(select(Comment))
    auth.as_user(school["teacher"])
    client.post(f"/comments/{comment.id}/hide")
    assert _notices(school["maya"], NotificationKind.NEW_FEEDBACK) == 0


def test_notices_name_the_team_as_well_as_the_challenge(client, auth, school):
    auth.as_user(school["classmate"])
    _post(client, school["project"], "Nice!", "praise")
    auth.as_user(school["maya"])
    page = html.unescape(client.get("/notifications").get_data(as_text=True))
    assert "Rain Catchers" in page
