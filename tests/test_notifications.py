"""Notifications: phase requests and decisions tell the right people, the unread count in
the navigation, opening and reading, the choice of email, and the daily digest."""

import html
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from cbl.dbtypes import utcnow
from cbl.extensions import db
from cbl.mail import outbox
from cbl.notifications import DigestChoice, Notification, NotificationKind, notify, services
from cbl.projects import phases
from cbl.teams.models import ClassroomTeacher
from tests import factories


@pytest.fixture
def app(app):
    app.config["MAIL_BACKEND"] = "memory"
    return app


@pytest.fixture
def school():
    """Class 1 (two teachers; Tap Detectives: Noah and Sofía; Rain Catchers: Maya) and a
    teacher of another class."""
    teacher = factories.make_user("teacher", name="Ana Rivera")
    co_teacher = factories.make_user("teacher", name="Ben Okafor")
    stranger = factories.make_user("teacher", name="Carla Stranger")
    classroom = factories.make_classroom(teacher)
    db.session.add(ClassroomTeacher(classroom_id=classroom.id, user_id=co_teacher.id))
    factories.make_classroom(stranger)
    noah, sofia, maya = (factories.make_user("student", name=n) for n in ("Noah Williams", "Sofía García", "Maya Chen"))
    challenge = factories.make_challenge(classroom, title="Clean water")
    project = factories.make_project(factories.make_team(classroom, noah, sofia, name="Tap Detectives"), challenge)
    factories.make_project(factories.make_team(classroom, maya, name="Rain Catchers"), challenge)
    return {"project": project, "teacher": teacher, "co_teacher": co_teacher, "stranger": stranger,
            "noah": noah, "sofia": sofia, "maya": maya}


def _notices(user) -> list[Notification]:
    db.session.expire_all()
    return db.session.scalars(select(Notification).where(Notification.user_id == user.id)
                              .order_by(Notification.id)).all()


def _kinds(user) -> list[NotificationKind]:
    return [n.kind for n in _notices(user)]


def _notice(user, text="Something", url="/home", kind=NotificationKind.NEW_FEEDBACK, **params) -> Notification:
    [notice] = notify([user.id], kind, url=url, person="Ana Rivera", project=text, **params)
    db.session.commit()
    return notice


# --- phase requests and decisions ------------------------------------------------------------

def test_a_phase_request_notifies_the_class_teachers_only(school):
    project, noah = school["project"], school["noah"]
    phases.request_next_phase(project, noah, "We are ready.")
    for teacher in (school["teacher"], school["co_teacher"]):
        [notice] = _notices(teacher)
        assert notice.kind is NotificationKind.PHASE_REQUESTED
        assert notice.url == f"/projects/{project.id}"
        assert notice.actor_id == noah.id
        assert services.describe(notice) == "Tap Detectives asks to move on to Investigate in “Clean water”."
    for other in ("stranger", "noah", "sofia", "maya"):
        assert _notices(school[other]) == [], other


def test_approval_notifies_the_team_members_and_nobody_else(school):
    project, noah, teacher = school["project"], school["noah"], school["teacher"]
    request = phases.request_next_phase(project, noah, "")
    phases.decide_request(request, teacher, True, "Go on")
    for member in ("noah", "sofia"):
        [notice] = _notices(school[member])
        assert notice.kind is NotificationKind.PHASE_APPROVED
        assert services.describe(notice) == "Ana Rivera approved the move to Investigate in “Clean water”."
    assert _notices(school["maya"]) == []
    # Nothing about the decision for the teachers; the request they were told about is settled.
    for someone in (teacher, school["co_teacher"]):
        [notice] = _notices(someone)
        assert notice.kind is NotificationKind.PHASE_REQUESTED and notice.read_at is not None


def test_a_returned_request_notifies_the_team_members(school):
    project, noah = school["project"], school["noah"]
    request = phases.request_next_phase(project, noah, "")
    phases.decide_request(request, school["co_teacher"], False, "Sharpen your question first.")
    assert _kinds(school["sofia"]) == [NotificationKind.PHASE_RETURNED]
    assert _kinds(noah) == [NotificationKind.PHASE_RETURNED]
    assert "Ben Okafor" in services.describe(_notices(noah)[0])
    assert _notices(school["maya"]) == []


def test_a_request_through_the_page_reaches_the_teachers_badge(app, client, auth, school):
    project = school["project"]
    auth.as_user(school["noah"])
    assert client.post(f"/projects/{project.id}/phase/request", data={"note": "Ready"}).status_code == 302
    teacher_client = app.test_client()
    type(auth)(teacher_client).as_user(school["teacher"])
    page = teacher_client.get("/home").get_data(as_text=True)
    assert "1 unread" in page


# --- notify --------------------------------------------------------------------------------

def test_notify_skips_the_actor_repeated_ids_inactive_people_and_an_identical_unread_notice(school):
    noah, sofia, maya = school["noah"], school["sofia"], school["maya"]
    maya.active = False
    db.session.commit()
    added = notify([noah.id, sofia.id, sofia.id, maya.id, None], NotificationKind.NEW_FEEDBACK,
                   url="/projects/1", actor_id=noah.id, person="Noah Williams", project="Clean water")
    db.session.commit()
    assert [n.user_id for n in added] == [sofia.id]
    again = notify([sofia.id], NotificationKind.NEW_FEEDBACK, url="/projects/1", actor_id=noah.id,
                   person="Noah Williams", project="Clean water")
    assert again == []
    assert len(_notices(sofia)) == 1


def test_notify_does_not_commit(school):
    notify([school["noah"].id], NotificationKind.NEW_FEEDBACK, url="/home", project="x")
    db.session.rollback()
    assert _notices(school["noah"]) == []


@pytest.mark.parametrize("url", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:x", ""])
def test_notify_refuses_a_link_that_is_not_a_path_of_this_site(school, url):
    with pytest.raises(ValueError):
        notify([school["noah"].id], NotificationKind.NEW_FEEDBACK, url=url)


def test_partners_read_first_names_only(school):
    partner = factories.make_user("partner")
    notify([partner.id, school["teacher"].id], NotificationKind.FEEDBACK_REPLY, url="/home",
           person="Noah Williams", project="Clean water")
    db.session.commit()
    assert services.describe(_notices(partner)[0]) == "Noah replied to your comment on “Clean water”."
    assert "Noah Williams" in services.describe(_notices(school["teacher"])[0])


def test_every_kind_has_a_text_and_missing_names_do_not_break_it(school):
    for kind in NotificationKind:
        notice = Notification(user_id=school["noah"].id, kind=kind, url="/home", params="{}")
        assert services.describe(notice)
    broken = Notification(user_id=school["noah"].id, kind=NotificationKind.NEW_FEEDBACK, url="/home", params="{oops")
    assert services.describe(broken).startswith("Someone")


# --- reading -----------------------------------------------------------------------------

def test_unread_count_shows_in_the_nav_and_falls_after_opening(client, auth, school):
    noah = school["noah"]
    first = _notice(noah, "First", url=f"/projects/{school['project'].id}")
    _notice(noah, "Second")
    auth.as_user(noah)
    page = client.get("/notifications").get_data(as_text=True)
    assert re.search(r'class="count-badge" aria-hidden="true">2<', page)
    assert "2 unread" in page
    response = client.post(f"/notifications/{first.id}/open")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/projects/{school['project'].id}"
    assert _notices(noah)[0].read_at is not None
    page = client.get("/home").get_data(as_text=True)
    assert "1 unread" in page and "2 unread" not in page


def test_no_badge_without_unread_notices(client, auth, school):
    auth.as_user(school["noah"])
    page = client.get("/home").get_data(as_text=True)
    assert "Notifications" in page and "count-badge" not in page


def test_the_page_lists_newest_first_and_marks_the_unread(client, auth, school):
    noah = school["noah"]
    old = _notice(noah, "Older")
    old.created_at = utcnow() - timedelta(days=2)
    old.read_at = utcnow()
    _notice(noah, "Newer")
    _notice(school["sofia"], "Not for Noah")
    auth.as_user(noah)
    page = html.unescape(client.get("/notifications").get_data(as_text=True))
    assert page.index("Ana Rivera gave feedback on “Newer”.") < page.index("Ana Rivera gave feedback on “Older”.")
    assert page.count("notification-unread") == 1
    assert "Not for Noah" not in page


def test_opening_another_persons_notification_answers_404(client, auth, school):
    notice = _notice(school["sofia"], "Sofía's")
    auth.as_user(school["noah"])
    assert client.post(f"/notifications/{notice.id}/open").status_code == 404
    assert client.post("/notifications/999999/open").status_code == 404
    assert _notices(school["sofia"])[0].read_at is None


def test_opening_never_leads_to_another_site(client, auth, school):
    notice = _notice(school["noah"])
    notice.url = "//evil.example/"
    db.session.commit()
    auth.as_user(school["noah"])
    response = client.post(f"/notifications/{notice.id}/open")
    assert response.headers["Location"] == "/notifications"


def test_read_all_marks_only_the_persons_own_notices(client, auth, school):
    noah, sofia = school["noah"], school["sofia"]
    _notice(noah, "One")
    _notice(noah, "Two")
    _notice(sofia, "Hers")
    auth.as_user(noah)
    assert client.post("/notifications/read-all").status_code == 302
    assert all(n.read_at is not None for n in _notices(noah))
    assert _notices(sofia)[0].read_at is None
    assert services.unread_count(noah) == 0 and services.unread_count(sofia) == 1


def test_every_role_has_a_notifications_page(client, auth, school):
    for user in (factories.make_user("partner"), factories.make_user("admin"), school["teacher"], school["noah"]):
        auth.as_user(user)
        assert client.get("/notifications").status_code == 200


def test_the_page_paginates(app, client, auth, school):
    app.config["PAGE_SIZE"] = 2
    for i in range(3):
        _notice(school["noah"], f"Item {i}")
    auth.as_user(school["noah"])
    page = html.unescape(client.get("/notifications").get_data(as_text=True))
    assert "Item 2" in page and "Item 0" not in page
    assert "Item 0" in html.unescape(client.get("/notifications?page=2").get_data(as_text=True))


# --- the choice of email and the digest --------------------------------------------------

def _wants_digest(*people) -> None:
    """Students get no digest unless they choose one."""
    for person in people:
        services.set_preference(person, DigestChoice.DAILY)


def test_the_choice_of_email_is_saved(client, auth, school):
    noah = school["noah"]
    auth.as_user(noah)
    # A student (a minor) gets no email until they ask for it.
    assert '<input checked id="digest-1" name="digest" required type="radio" value="none">' in \
        client.get("/notifications").get_data(as_text=True)
    assert client.post("/notifications/preferences", data={"digest": "none"}).status_code == 302
    assert services.get_preference(noah) is DigestChoice.NONE
    assert client.post("/notifications/preferences", data={"digest": "hourly"}).status_code == 400
    assert services.get_preference(noah) is DigestChoice.NONE
    assert client.post("/notifications/preferences", data={"digest": "daily"}).status_code == 302
    assert services.get_preference(noah) is DigestChoice.DAILY


def test_digest_mails_each_person_once_with_links_and_never_twice(app, school):
    noah, sofia, maya = school["noah"], school["sofia"], school["maya"]
    project_path = f"/projects/{school['project'].id}"
    _wants_digest(noah, sofia)
    _notice(noah, "First", url=project_path)
    _notice(noah, "Second")
    _notice(sofia, "Hers")
    _notice(maya, "Opted out")
    services.set_preference(maya, DigestChoice.NONE)
    read = _notice(school["teacher"], "Already read")
    services.open_notification(school["teacher"], read.id)

    assert services.send_digests() == 2
    by_address = {m["To"]: m for m in outbox()}
    assert set(by_address) == {noah.email, sofia.email}
    message = by_address[noah.email]
    assert message["Subject"] == "CBL Tracker: 2 new notifications"
    body = message.get_content()
    assert "Hello Noah," in body
    assert "Ana Rivera gave feedback on “First”." in body and "“Second”" in body
    assert f"http://localhost:5000{project_path}" in body
    assert "http://localhost:5000/notifications" in body
    assert all(n.emailed_at is not None for n in _notices(noah))
    assert _notices(maya)[0].emailed_at is None

    assert services.send_digests() == 0
    assert len(outbox()) == 2

    _notice(noah, "Third")
    assert services.send_digests() == 1
    body = outbox()[-1].get_content()
    assert "“Third”" in body and "“First”" not in body


def test_digest_links_start_with_the_configured_address(app, school):
    app.config["BASE_URL"] = "https://cbl.school.example/"
    _wants_digest(school["noah"])
    _notice(school["noah"], url="/projects/7")
    services.send_digests()
    assert "https://cbl.school.example/projects/7" in outbox()[-1].get_content()


def test_no_digest_for_inactive_people(school):
    _wants_digest(school["noah"])
    _notice(school["noah"])
    school["noah"].active = False
    db.session.commit()
    assert services.send_digests() == 0 and outbox() == []


def test_a_digest_that_cannot_be_sent_waits_for_the_next_run(app, school, monkeypatch):
    _wants_digest(school["noah"])
    _notice(school["noah"])

    def broken(*args, **kwargs):
        raise OSError("mail server down")

    monkeypatch.setattr(services, "send_mail", broken)
    assert services.send_digests() == 0
    assert _notices(school["noah"])[0].emailed_at is None
    monkeypatch.undo()
    assert services.send_digests() == 1


def test_send_digests_command(runner, school):
    _wants_digest(school["noah"])
    _notice(school["noah"])
    result = runner.invoke(args=["send-digests"])
    assert result.exit_code == 0, result.output
    assert "Sent 1 digest." in result.output
    assert len(outbox()) == 1
    assert "Sent 0 digests." in runner.invoke(args=["send-digests"]).output
