"""Teachers invite community partners by email; the link works once, expires, can be withdrawn."""

import html
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from cbl.accounts.models import Role, User
from cbl.dbtypes import utcnow
from cbl.extensions import db
from cbl.feedback.models import Invitation
from cbl.mail import outbox
from cbl.projects.models import ProjectPartner
from tests import factories


@pytest.fixture
def app(app):
    app.config["MAIL_BACKEND"] = "memory"
    return app


@pytest.fixture
def school():
    teacher = factories.make_user("teacher", name="Ana Rivera")
    classroom = factories.make_classroom(teacher, name="Grade 8 Science")
    maya = factories.make_user("student", name="Maya Chen")
    project = factories.make_project(factories.make_team(classroom, maya, name="Rain Catchers"))
    other = factories.make_project(factories.make_team(classroom, name="Tap Detectives"), project.challenge)
    return project, other, teacher, maya


def _invite(client, project, email="jordan@utility.example", projects=None):
    return client.post(f"/projects/{project.id}/invite", data={
        "email": email, "message": "Our water team would love your advice.",
        "projects": projects or [project.id]})


def _link() -> str:
    body = outbox()[-1].get_content()
    return re.search(r"http://localhost(/invitations/accept/\S+)", body).group(1)


def test_invited_partner_follows_the_emailed_link_and_sees_only_that_project(app, client, auth, school):
    project, other, teacher, _ = school
    auth.as_user(teacher)
    assert _invite(client, project).status_code == 302
    message = outbox()[-1]
    assert message["To"] == "jordan@utility.example"
    assert "Our water team would love your advice." in message.get_content()
    link = _link()
    token = link.rsplit("/", 1)[-1]
    assert token not in {i.token_hash for i in db.session.scalars(select(Invitation))}  # only a hash is kept
    partner = app.test_client()
    page = html.unescape(partner.get(link).get_data(as_text=True))
    assert "Rain Catchers" in page and "Tap Detectives" not in page
    response = partner.post(link, data={"display_name": "Jordan Kim", "password": "long enough secret",
                                        "confirm": "long enough secret"})
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "jordan@utility.example"))
    assert user.role is Role.PARTNER
    assert partner.get(f"/projects/{project.id}").status_code == 200
    assert partner.get(f"/projects/{other.id}").status_code == 404
    again = app.test_client().get(link)
    assert again.status_code == 410 and "already used" in again.get_data(as_text=True)


def test_existing_partner_signs_in_and_accepts(app, client, auth, school):
    project, _, teacher, _ = school
    jordan = factories.make_user("partner", email="jordan@utility.example")
    auth.as_user(teacher)
    _invite(client, project)
    link = _link()
    partner = app.test_client()
    type(auth)(partner).as_user(jordan)
    assert partner.get(link).status_code == 200
    assert partner.post(link).status_code == 302
    assert db.session.scalar(select(ProjectPartner).where(ProjectPartner.user_id == jordan.id)) is not None


def test_an_invitation_opened_while_signed_in_as_someone_else_is_refused(app, client, auth, school):
    project, _, teacher, maya = school
    auth.as_user(teacher)
    _invite(client, project)
    link = _link()
    auth.as_user(maya)
    for response in (client.get(link), client.post(link)):
        assert response.status_code == 403
        assert "sent to another address" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(ProjectPartner)) == 0


@pytest.mark.parametrize("state, expected", [
    ({"days": -1}, "has expired"), ({"revoked": True}, "withdrawn by the school")])
def test_expired_and_revoked_links_explain_themselves(client, school, state, expected):
    project, _, teacher, _ = school
    factories.make_invitation(project.team.classroom, project, token="t0ken", by=teacher, **state)
    response = client.get("/invitations/accept/t0ken")
    assert response.status_code == 410 and expected in response.get_data(as_text=True)
    post = client.post("/invitations/accept/t0ken", data={"display_name": "X", "password": "long enough secret",
                                                          "confirm": "long enough secret"})
    assert post.status_code == 410
    assert db.session.scalar(select(func.count()).select_from(User).where(User.role == Role.PARTNER)) == 0


@pytest.mark.parametrize("token", ["forged", "x" * 500, "%00", "..%2F..%2Fetc"])
def test_forged_tokens_find_nothing(client, token):
    response = client.get(f"/invitations/accept/{token}")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "not valid" in page or "Page not found" in page  # a token with a slash is no route at all


def test_teacher_withdraws_an_unused_invitation(client, auth, school):
    project, _, teacher, _ = school
    auth.as_user(teacher)
    _invite(client, project)
    link = _link()
    invitation = db.session.scalar(select(Invitation))
    listing = client.get(f"/classes/{project.team.classroom_id}/invitations").get_data(as_text=True)
    assert "jordan@utility.example" in listing and "waiting" in listing
    assert client.post(f"/invitations/{invitation.id}/revoke").status_code == 302
    assert client.get(link).status_code == 410


def test_invitations_only_name_projects_of_the_class_and_not_school_accounts(client, auth, school):
    project, _, teacher, maya = school
    elsewhere = factories.make_project(factories.make_team(factories.make_classroom(factories.make_user("teacher"))))
    auth.as_user(teacher)
    assert _invite(client, project, projects=[elsewhere.id]).status_code == 400
    refused = _invite(client, project, email=maya.email)
    assert refused.status_code == 400 and "belongs to a school account" in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Invitation)) == 0
    assert outbox() == []


def test_students_cannot_invite_yet(client, auth, school):
    project, _, _, maya = school
    auth.as_user(maya)
    assert _invite(client, project).status_code == 403


def test_mail_is_written_to_the_instance_folder_by_default(app, client, auth, school, tmp_path):
    project, _, teacher, _ = school
    app.config["MAIL_BACKEND"] = None
    app.config["MAIL_FOLDER"] = str(tmp_path / "mail")
    auth.as_user(teacher)
    _invite(client, project)
    files = list((tmp_path / "mail").glob("*.eml"))
    assert len(files) == 1
    link = re.search(rb"http://localhost/invitations/accept/([A-Za-z0-9_-]+)\s", files[0].read_bytes())
    assert link and len(link.group(1)) >= 40  # the whole link, unwrapped, can be copied from the file


def test_accepting_renews_an_expired_grant(app, client, auth, school):
    project, _, teacher, _ = school
    jordan = factories.make_user("partner", email="jordan@utility.example")
    old = factories.grant_partner(project, jordan, days=-1)
    factories.make_invitation(project.team.classroom, project, email=jordan.email, token="renew", by=teacher)
    auth.as_user(jordan)
    assert client.post("/invitations/accept/renew").status_code == 302
    db.session.expire_all()
    assert db.session.get(ProjectPartner, old.id).expires_at > utcnow() + timedelta(days=30)
