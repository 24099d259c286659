"""The audit log records what partners see and do, and who may read it."""

import pytest
from sqlalchemy import select

from cbl.audit import Action, AuditEvent
from cbl.extensions import db
from tests import factories


@pytest.fixture
def app(app):
    app.config["MAIL_BACKEND"] = "memory"
    return app


@pytest.fixture
def school():
    teacher = factories.make_user("teacher", name="Ana Rivera")
    classroom = factories.make_classroom(teacher)
    maya = factories.make_user("student")
    project = factories.make_project(factories.make_team(classroom, maya))
    other = factories.make_project(factories.make_team(classroom), project.challenge)
    partner = factories.make_user("partner", name="Jordan Kim")
    factories.grant_partner(project, partner)
    return project, other, teacher, partner


def _actions() -> list[Action]:
    db.session.expire_all()
    return [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def test_partner_sign_in_views_and_refusals_are_recorded(client, auth, school):
    project, other, _, partner = school
    auth.login(partner)
    client.get(f"/projects/{project.id}")
    client.get(f"/projects/{other.id}")
    client.post(f"/projects/{project.id}/elements/analysis", data={"body": "x", "version": 0})
    assert _actions() == [Action.SIGN_IN, Action.PARTNER_VIEW, Action.PARTNER_REFUSED, Action.PARTNER_REFUSED]
    refused = db.session.scalars(select(AuditEvent).where(AuditEvent.action == Action.PARTNER_REFUSED)).all()
    assert [e.detail for e in refused] == [f"404 GET /projects/{other.id}",
                                           f"403 POST /projects/{project.id}/elements/analysis"]


def test_students_viewing_projects_are_not_partner_events(client, auth, school):
    project, _, _, _ = school
    auth.as_user(project.team.memberships[0].user)
    client.get(f"/projects/{project.id}")
    assert _actions() == []


def test_invitations_sent_accepted_and_withdrawn_are_recorded(app, client, auth, school):
    project, _, teacher, _ = school
    auth.as_user(teacher)
    client.post(f"/projects/{project.id}/invite", data={"email": "a@x.example", "projects": [project.id]})
    client.post(f"/projects/{project.id}/invite", data={"email": "b@x.example", "projects": [project.id]})
    factories.make_invitation(project.team.classroom, project, email="c@x.example", token="tok", by=teacher)
    first = db.session.scalar(select(AuditEvent).where(AuditEvent.action == Action.INVITATION_SENT))
    client.post(f"/invitations/{first.object_id}/revoke")
    app.test_client().post("/invitations/accept/tok", data={"display_name": "C", "password": "long enough secret",
                                                            "confirm": "long enough secret"})
    assert _actions() == [Action.INVITATION_SENT, Action.INVITATION_SENT, Action.INVITATION_REVOKED,
                          Action.INVITATION_ACCEPTED]


def test_teachers_read_their_classes_events_and_admins_everything(app, client, auth, school):
    project, _, teacher, partner = school
    auth.login(partner)
    client.get(f"/projects/{project.id}")
    stranger = factories.make_user("teacher")
    factories.make_classroom(stranger)
    readers = {teacher: 2, stranger: 0, factories.make_user("admin"): 2}
    for reader, expected in readers.items():
        reader_client = app.test_client()
        type(auth)(reader_client).as_user(reader)
        page = reader_client.get("/audit").get_data(as_text=True)
        assert page.count("Jordan Kim") == expected, reader
    auth.as_user(teacher)
    filtered = client.get("/audit?action=partner_view").get_data(as_text=True)
    assert filtered.count("Jordan Kim") == 1


def test_students_and_partners_cannot_read_the_log(client, auth, school):
    project, _, _, partner = school
    auth.as_user(partner)
    assert client.get("/audit").status_code == 403
    auth.as_user(project.team.memberships[0].user)
    assert client.get("/audit").status_code == 403
