"""Display names are the school's (issue 10, item 5): a student's new name is a request a
teacher of theirs (or an admin) decides; teachers and admins set names directly."""

import pytest
from sqlalchemy import select

from cbl.accounts.models import Role, User
from cbl.audit import Action, AuditEvent
from cbl.extensions import db
from cbl.notifications import Notification, NotificationKind
from tests import factories
from tests.conftest import Auth


@pytest.fixture
def school():
    teacher = factories.make_user(Role.TEACHER, name="Lena Rivera")
    other_teacher = factories.make_user(Role.TEACHER, name="Omar Haddad")
    admin = factories.make_user(Role.ADMIN, name="Ada Admin")
    maya = factories.make_user(name="Maya Chen")
    classroom = factories.make_classroom(teacher, name="Grade 8 Science")
    factories.make_team(classroom, maya, name="Otters")
    factories.make_classroom(other_teacher, name="Art")
    return dict(teacher=teacher, other_teacher=other_teacher, admin=admin, maya=maya, classroom=classroom)


def _as(app, user):
    client = app.test_client()
    Auth(client).as_user(user)
    return client


def _text(response) -> str:
    return response.get_data(as_text=True)


def _profile(name: str) -> dict:
    return {"profile-display_name": name, "profile-locale": ""}


def _name(user_id: int) -> tuple[str, str | None]:
    db.session.expire_all()
    user = db.session.get(User, user_id)
    return user.display_name, user.requested_name


def _request_rename(app, school, name="Lena Rivera"):
    response = _as(app, school["maya"]).post("/account", data=_profile(name), follow_redirects=True)
    assert response.status_code == 200
    return response


def test_student_rename_is_a_request_and_the_name_stays(app, school):
    response = _request_rename(app, school)
    assert "once your teacher approves it" in _text(response)
    assert "Requested: Lena Rivera — waiting for your teacher." in _text(response)
    assert _name(school["maya"].id) == ("Maya Chen", "Lena Rivera")
    # Classmates, teachers' lists and the team's pages still say Maya.
    roster = _text(_as(app, school["teacher"]).get(f"/classes/{school['classroom'].id}"))
    assert "Maya Chen" in roster
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == Action.NAME_REQUESTED)).all()
    assert event.detail == "Maya Chen → Lena Rivera"


def test_pending_name_is_shown_nowhere_public(app, school, client):
    _request_rename(app, school, "Queen Maya")
    assert "Queen Maya" not in _text(client.get("/showcase"))
    classmate = factories.make_user(name="Ben Okafor")
    factories.enrol(school["classroom"], classmate)
    assert "Queen Maya" not in _text(_as(app, classmate).get(f"/classes/{school['classroom'].id}"))


def test_typing_the_current_name_again_withdraws_the_request(app, school):
    _request_rename(app, school)
    _request_rename(app, school, "Maya Chen")
    assert _name(school["maya"].id) == ("Maya Chen", None)


def test_teacher_sees_the_request_and_approves_it(app, school):
    _request_rename(app, school, "Maya Chen-Ortiz")
    teacher = _as(app, school["teacher"])
    home = _text(teacher.get("/home"))
    assert "Waiting for you" in home and "Maya Chen asks to be called “Maya Chen-Ortiz”" in home
    assert "Maya Chen-Ortiz" in _text(teacher.get(f"/classes/{school['classroom'].id}"))
    response = teacher.post(f"/people/{school['maya'].id}/name/approve", data={"next": "/home"})
    assert response.status_code == 302
    assert _name(school["maya"].id) == ("Maya Chen-Ortiz", None)
    notice = db.session.scalar(select(Notification).where(Notification.user_id == school["maya"].id))
    assert notice.kind is NotificationKind.NAME_APPROVED
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == Action.NAME_APPROVED)).all()
    assert (event.actor_id, event.classroom_id) == (school["teacher"].id, school["classroom"].id)
    assert "asks to be called" not in _text(teacher.get("/home"))


def test_teacher_declines_and_the_student_is_told(app, school):
    _request_rename(app, school)
    teacher = _as(app, school["teacher"])
    assert teacher.post(f"/people/{school['maya'].id}/name/decline").status_code == 302
    assert _name(school["maya"].id) == ("Maya Chen", None)
    notice = db.session.scalar(select(Notification).where(Notification.user_id == school["maya"].id))
    assert notice.kind is NotificationKind.NAME_DECLINED
    page = _text(_as(app, school["maya"]).get("/account"))
    assert "waiting for your teacher" not in page


def test_teacher_of_another_class_cannot_approve(app, school):
    _request_rename(app, school)
    stranger = _as(app, school["other_teacher"])
    assert stranger.post(f"/people/{school['maya'].id}/name/approve").status_code == 404
    assert stranger.get(f"/people/{school['maya'].id}/name").status_code == 404
    assert "asks to be called" not in _text(stranger.get("/home"))
    assert _name(school["maya"].id) == ("Maya Chen", "Lena Rivera")


def test_students_cannot_approve_their_own_request(app, school):
    _request_rename(app, school)
    maya = _as(app, school["maya"])
    assert maya.post(f"/people/{school['maya'].id}/name/approve").status_code == 403
    assert _name(school["maya"].id) == ("Maya Chen", "Lena Rivera")


def test_teacher_edits_a_students_name_directly(app, school):
    _request_rename(app, school, "Queen Maya")
    teacher = _as(app, school["teacher"])
    page = teacher.get(f"/people/{school['maya'].id}/name")
    assert page.status_code == 200 and "The student asked to be called “Queen Maya”" in _text(page)
    response = teacher.post(f"/people/{school['maya'].id}/name", data={"display_name": "Maya Chen Ortiz"})
    assert response.status_code == 302
    assert _name(school["maya"].id) == ("Maya Chen Ortiz", None)
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == Action.NAME_CHANGED)).all()
    assert event.detail == "Maya Chen → Maya Chen Ortiz"


def test_an_empty_name_is_refused_next_to_the_field(app, school):
    response = _as(app, school["teacher"]).post(f"/people/{school['maya'].id}/name", data={"display_name": "  "})
    assert response.status_code == 400 and 'id="display_name-error"' in _text(response)
    assert _name(school["maya"].id) == ("Maya Chen", None)


def test_admin_approves_any_students_request(app, school):
    _request_rename(app, school)
    admin = _as(app, school["admin"])
    assert "asks to be called" in _text(admin.get("/home"))
    admin.post(f"/people/{school['maya'].id}/name/approve")
    assert _name(school["maya"].id) == ("Lena Rivera", None)


def test_teachers_still_rename_themselves(app, school):
    _as(app, school["teacher"]).post("/account", data=_profile("Lena Rivera-Soto"))
    assert _name(school["teacher"].id) == ("Lena Rivera-Soto", None)
    partner = factories.make_user(Role.PARTNER, name="Pat Partner")
    _as(app, partner).post("/account", data=_profile("Pat P. Partner"))
    assert _name(partner.id) == ("Pat P. Partner", None)


def test_showcase_byline_keeps_the_approved_name_until_a_teacher_approves(app, school):
    """The incident of the issue: a published story's byline changed the moment a student
    renamed herself. Now it changes only once her teacher approves."""
    import html

    from cbl.projects.models import ElementKey
    from cbl.projects.services import save_element

    maya, teacher = school["maya"], school["teacher"]
    team = db.session.scalar(select(factories.Team).where(factories.Team.name == "Otters"))
    project = factories.make_project(team, factories.make_challenge(school["classroom"], title="Rain"))
    save_element(project, ElementKey.CHALLENGE_STATEMENT, "Water the garden with rain.", 0, maya)
    factories.make_entry(project, maya, title="Our rainfall poster", visibility="public")
    _as(app, maya).post(f"/projects/{project.id}/publication/request", data={"note": "Ready"})
    _as(app, teacher).post(f"/projects/{project.id}/publication/decide", data={"decision": "approve"})
    public = app.test_client()

    def story() -> str:
        response = public.get(f"/showcase/{project.id}")
        assert response.status_code == 200
        return html.unescape(_text(response))

    assert "Maya" in story()
    _as(app, maya).post("/account", data=_profile("Zelda Queen"))
    assert "Zelda" not in story() and "Maya" in story()
    _as(app, teacher).post(f"/people/{maya.id}/name/approve")
    assert "Zelda" in story()
