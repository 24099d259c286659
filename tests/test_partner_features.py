"""Partners and families: sign-in links, the dashboard's news since the last visit, removal
from a project, names, invitations sent by teams and by students to their families, and the
audit of expired invitations."""

import html
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from cbl.audit import Action, AuditEvent
from cbl.dbtypes import utcnow
from cbl.extensions import db
from cbl.feedback.models import Invitation, InvitationKind
from cbl.mail import outbox
from cbl.notifications.models import Notification, NotificationKind
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
    sam = factories.make_user("student", name="Sam Ortiz")
    project = factories.make_project(factories.make_team(classroom, maya, name="Rain Catchers"))
    other = factories.make_project(factories.make_team(classroom, sam, name="Tap Detectives"), project.challenge)
    partner = factories.make_user("partner", name="Jordan Kim", email="jordan@utility.example")
    factories.grant_partner(project, partner)
    return dict(teacher=teacher, classroom=classroom, maya=maya, sam=sam, project=project, other=other,
                partner=partner)


def _page(response) -> str:
    return html.unescape(response.get_data(as_text=True))


# --- single-use sign-in links ------------------------------------------------------------

def _request_link(client, email):
    return client.post("/login/link", data={"email": email})


def _mailed_link() -> str:
    return re.search(r"http://localhost(/login/link/\S+)", outbox()[-1].get_content()).group(1)


def test_partner_signs_in_with_a_mailed_link_that_works_once(app, school):
    client = app.test_client()
    response = _request_link(client, "Jordan@Utility.example ")
    assert response.status_code == 200 and "Check your mail" in _page(response)
    link = _mailed_link()
    assert "Welcome back, Jordan" in _page(client.get(link))  # opening it does not sign in yet
    assert client.get("/home").status_code == 302
    response = client.post(link)
    assert response.status_code == 302
    assert "Rain Catchers" in _page(client.get("/home"))
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == Action.SIGN_IN, AuditEvent.actor_id == school["partner"].id)) == 1
    again = app.test_client()
    assert "used already" in _page(again.post(link))
    assert again.get("/home").status_code == 302


def test_link_requests_never_tell_whether_an_account_exists(app, school):
    client = app.test_client()
    unknown = _page(_request_link(client, "nobody@example.org"))
    student = _page(_request_link(client, school["maya"].email))  # links are for guests only
    known = _page(_request_link(client, school["partner"].email))
    normalise = lambda page, email: page.replace(email, "ADDRESS")  # noqa: E731
    assert normalise(unknown, "nobody@example.org") == normalise(known, school["partner"].email)
    assert normalise(student, school["maya"].email) == normalise(known, school["partner"].email)
    assert [m["To"] for m in outbox()] == [school["partner"].email]


def test_expired_forged_and_deactivated_links_get_a_clear_page(app, school):
    from cbl.accounts.links import LoginLink

    client = app.test_client()
    _request_link(client, school["partner"].email)
    link = _mailed_link()
    assert client.get("/login/link/forged-token").status_code == 404
    assert client.get("/login/link/" + "x" * 500).status_code == 404
    row = db.session.scalar(select(LoginLink))
    row.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    response = client.post(link)
    assert response.status_code == 400 and "expired" in _page(response)
    assert client.get("/home").status_code == 302
    row.expires_at = utcnow() + timedelta(minutes=10)
    school["partner"].active = False
    db.session.commit()
    assert client.post(link).status_code == 400


def test_a_link_opened_while_signed_in_as_someone_else_is_refused(app, auth, client, school):
    _request_link(app.test_client(), school["partner"].email)
    link = _mailed_link()
    auth.as_user(school["maya"])
    response = client.post(link)
    assert response.status_code == 403 and "another account" in _page(response)
    # The page offers the way on: sign out here and come back to the link.
    assert "Sign out and open the link again" in _page(response) and "Email me a new link" not in _page(response)
    assert client.post("/logout", data={"next": link}).headers["Location"] == link
    assert "Sign in" in _page(client.get(link))


# --- the partner's dashboard -------------------------------------------------------------

def test_dashboard_shows_what_is_new_since_the_last_visit(client, auth, school):
    project, partner = school["project"], school["partner"]
    auth.as_user(partner)
    assert "not opened yet" in _page(client.get("/home"))
    assert client.get(f"/projects/{project.id}").status_code == 200
    assert "Nothing new since your last visit" in _page(client.get("/home"))
    grant = db.session.scalar(select(ProjectPartner).where(ProjectPartner.user_id == partner.id))
    grant.last_visited_at = utcnow() - timedelta(minutes=5)
    db.session.commit()
    factories.make_entry(project, school["maya"], title="Shared", visibility="partners")
    factories.make_entry(project, school["maya"], title="Team only", visibility="team")  # not for partners
    factories.make_comment(project, school["teacher"], "Nice start")
    factories.make_comment(project, school["teacher"], "Waiting", status="pending")  # not visible to them
    page = _page(client.get("/home"))
    assert "1 new or changed entry" in page and "1 new comment" in page
    client.get(f"/projects/{project.id}")
    assert "Nothing new since your last visit" in _page(client.get("/home"))


# --- removing a partner ------------------------------------------------------------------

def test_teacher_removes_a_partner_and_access_ends_at_once(app, client, auth, school):
    project, partner = school["project"], school["partner"]
    pending = factories.make_invitation(school["classroom"], project, email=partner.email, token="again",
                                        by=school["teacher"])
    partner_client = app.test_client()
    from tests.conftest import Auth

    Auth(partner_client).as_user(partner)
    assert partner_client.get(f"/projects/{project.id}").status_code == 200
    auth.as_user(school["teacher"])
    assert "Jordan Kim" in _page(client.get(f"/projects/{project.id}"))
    response = client.post(f"/projects/{project.id}/partners/{partner.id}/remove")
    assert response.status_code == 302
    assert partner_client.get(f"/projects/{project.id}").status_code == 404  # the same session, at once
    assert db.session.get(Invitation, pending.id).revoked_at is not None  # cannot bring it back
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == Action.PARTNER_REMOVED)) == 1
    assert client.post(f"/projects/{project.id}/partners/{partner.id}/remove").status_code == 404
    invitation = factories.make_invitation(school["classroom"], project, email=partner.email, token="used",
                                           by=school["teacher"])
    invitation.accepted_at, invitation.accepted_by_id = utcnow(), partner.id
    db.session.commit()
    listing = _page(client.get(f"/classes/{school['classroom'].id}/invitations"))
    assert "removed by a teacher" in listing


def test_students_see_who_can_see_their_project_but_cannot_remove_them(client, auth, school):
    auth.as_user(school["maya"])
    page = _page(client.get(f"/projects/{school['project'].id}"))
    assert "Guests who can see it" in page and "Jordan Kim" in page
    response = client.post(f"/projects/{school['project'].id}/partners/{school['partner'].id}/remove")
    assert response.status_code == 403


# --- names -------------------------------------------------------------------------------

def test_partners_see_first_names_unless_the_class_allows_full_names(client, auth, school):
    project = school["project"]
    auth.as_user(school["partner"])
    page = _page(client.get(f"/projects/{project.id}"))
    assert "Maya" in page and "Chen" not in page
    school["classroom"].partners_see_full_names = True
    db.session.commit()
    assert "Maya Chen" in _page(client.get(f"/projects/{project.id}"))


# --- invitations by teams and families ---------------------------------------------------

def _invite(client, project, email="grandma@family.example", kind=None, projects=None):
    return client.post(f"/projects/{project.id}/invite", query_string={"kind": kind} if kind else None, data={
        "email": email, "message": "Come and see our rain barrels!", "projects": projects or [project.id]})


def test_team_invites_a_partner_only_where_the_class_allows_and_the_teacher_is_told(client, auth, school):
    auth.as_user(school["maya"])
    assert _invite(client, school["project"], "expert@water.example").status_code == 403
    school["classroom"].teams_invite_partners = True
    db.session.commit()
    assert _invite(client, school["project"], "expert@water.example").status_code == 302
    assert outbox()[-1]["To"] == "expert@water.example"
    notice = db.session.scalar(select(Notification).where(Notification.user_id == school["teacher"].id,
                                                          Notification.kind == NotificationKind.TEAM_INVITED))
    assert notice is not None
    # Only their own team's projects.
    response = _invite(client, school["project"], "x@y.example", projects=[school["project"].id, school["other"].id])
    assert response.status_code == 400 and "Choose projects you may share" in _page(response)
    auth.as_user(school["sam"])
    assert _invite(client, school["project"]).status_code == 403  # not his team


def test_student_invites_family_to_their_own_project_and_the_guest_accepts(app, client, auth, school):
    auth.as_user(school["maya"])
    form = _page(client.get(f"/projects/{school['project'].id}/invite?kind=family"))
    assert "Invite my family" in form
    assert _invite(client, school["project"], kind="family").status_code == 302
    invitation = db.session.scalar(select(Invitation).where(Invitation.email == "grandma@family.example"))
    assert invitation.kind is InvitationKind.FAMILY
    body = outbox()[-1].get_content()
    assert "Maya invites you to see their school project" in body and "Chen" not in body
    link = re.search(r"http://localhost(/invitations/accept/\S+)", body).group(1)
    guest = app.test_client()
    response = guest.post(link, data={"display_name": "Rosa Chen", "password": "long enough secret",
                                      "confirm": "long enough secret"})
    assert response.status_code == 302
    assert "Rain Catchers" in _page(guest.get("/home"))
    assert guest.get(f"/projects/{school['other'].id}").status_code == 404
    # Maya is told it was accepted; her own list shows it.
    assert db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == school["maya"].id, Notification.kind == NotificationKind.INVITATION_ACCEPTED)) == 1
    page = _page(client.get(f"/projects/{school['project'].id}/invite?kind=family"))
    assert "grandma@family.example" in page and "accepted" in page


def test_student_cannot_invite_family_to_another_team_and_withdraws_her_own(client, auth, school):
    auth.as_user(school["maya"])
    assert _invite(client, school["other"], kind="family").status_code == 403
    _invite(client, school["project"], kind="family")
    invitation = db.session.scalar(select(Invitation))
    auth.as_user(school["sam"])
    assert client.post(f"/invitations/{invitation.id}/revoke").status_code == 403
    auth.as_user(school["maya"])
    assert client.post(f"/invitations/{invitation.id}/revoke").status_code == 302
    assert db.session.get(Invitation, invitation.id).revoked_at is not None


# --- audit -------------------------------------------------------------------------------

def test_expired_invitations_appear_in_the_audit_log_once(client, auth, school):
    invitation = factories.make_invitation(school["classroom"], school["project"], email="late@x.example",
                                           token="late", by=school["teacher"], days=-1)
    auth.as_user(school["teacher"])
    page = _page(client.get("/audit?action=invitation_expired"))
    assert "late@x.example" in page and "invitation expired" in page
    client.get("/audit")
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == Action.INVITATION_EXPIRED, AuditEvent.object_id == invitation.id)) == 1


def test_audit_log_filters_by_class(client, auth, school):
    teacher = school["teacher"]
    second = factories.make_classroom(teacher, name="Grade 7 Biology")
    factories.make_invitation(school["classroom"], school["project"], email="a@first.example", token="a",
                              by=teacher, days=-1)
    project_b = factories.make_project(factories.make_team(second, name="Bees"))
    factories.make_invitation(second, project_b, email="b@second.example", token="b", by=teacher, days=-1)
    auth.as_user(teacher)
    page = _page(client.get(f"/audit?classroom={second.id}"))
    assert "b@second.example" in page and "a@first.example" not in page
    page = _page(client.get("/audit?classroom=999999"))  # unknown class: the filter is ignored, no error
    assert "b@second.example" in page and "a@first.example" in page


def test_teacher_sees_refused_requests_of_guests_invited_to_her_class(client, auth, school):
    stranger_class = factories.make_classroom(factories.make_user("teacher"), name="Elsewhere")
    foreign = factories.make_project(factories.make_team(stranger_class, name="Far"))
    auth.as_user(school["partner"])
    assert client.get(f"/projects/{foreign.id}").status_code == 404
    auth.as_user(school["teacher"])
    page = _page(client.get("/audit?action=partner_refused"))
    assert f"/projects/{foreign.id}" in page


def test_an_invitation_for_an_existing_account_asks_to_sign_in_and_a_mailed_link_brings_back(app, school):
    invitation_project = school["other"]
    factories.make_invitation(school["classroom"], invitation_project, email=school["partner"].email,
                              token="for-jordan", by=school["teacher"])
    guest = app.test_client()
    page = _page(guest.get("/invitations/accept/for-jordan"))
    assert "Sign in to accept" in page and "Create your guest account" not in page
    guest.post("/login/link?next=/invitations/accept/for-jordan", data={"email": school["partner"].email})
    link = _mailed_link()
    assert "next=" in link
    response = guest.post(link)
    assert response.headers["Location"].endswith("/invitations/accept/for-jordan")
    assert guest.post("/invitations/accept/for-jordan").status_code == 302
    assert guest.get(f"/projects/{invitation_project.id}").status_code == 200


def test_inviting_someone_who_can_already_see_the_project_says_so(client, auth, school):
    auth.as_user(school["teacher"])
    response = _invite(client, school["project"], school["partner"].email)
    assert response.status_code == 400 and "can already see these projects" in _page(response)
    assert outbox() == []
