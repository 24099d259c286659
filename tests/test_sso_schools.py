"""School sign-in per school: a school admin manages the buttons of their own schools only, and
requires school sign-in for their own school's people only; the district admin manages all."""

import html

from sqlalchemy import select

from cbl.accounts.models import Role
from cbl.extensions import db
from cbl.sso.models import ProviderKind, SsoProvider, SsoSettings
from tests import factories
from tests.conftest import Auth


def _provider(label: str, school=None, enabled=True) -> SsoProvider:
    row = SsoProvider(kind=ProviderKind.OIDC, label=label, discovery_url="http://127.0.0.1:9", client_id="cbl",
                      client_secret="secret-of-" + label, allowed="", enabled=enabled,
                      school_id=school.id if school else None)
    db.session.add(row)
    db.session.commit()
    return row


def _world():
    head_a = factories.make_user(Role.SCHOOL_ADMIN)
    head_b = factories.make_user(Role.SCHOOL_ADMIN)
    student_a, student_b = factories.make_user(Role.STUDENT), factories.make_user(Role.STUDENT)
    teacher_a = factories.make_user(Role.TEACHER)
    class_a = factories.make_classroom(teacher_a)
    factories.enrol(class_a, student_a)
    school_a = factories.make_school("Alpha School", members=[head_a, student_a, teacher_a])
    school_b = factories.make_school("Beta School", members=[head_b, student_b])
    return head_a, head_b, student_a, student_b, teacher_a, school_a, school_b


FORM = {"kind": "oidc", "label": "Alpha Keycloak", "discovery_url": "https://sso.alpha.example", "client_id": "cbl",
        "client_secret": "", "allowed": "", "create_domains": "", "create_role": "student", "roster_claim": "",
        "enabled": "y"}


def test_a_school_admin_sees_and_edits_only_their_schools_buttons(app, client):
    head_a, _head_b, *_rest, school_a, school_b = _world()
    mine, theirs, district = _provider("Alpha Google", school_a), _provider("Beta Google", school_b), _provider("District")
    Auth(client).as_user(head_a)
    page = html.unescape(client.get("/admin/sign-in").get_data(as_text=True))
    assert "Alpha Google" in page and "Beta Google" not in page and "District" not in page
    assert client.get(f"/admin/sign-in/{mine.id}").status_code == 200
    for other in (theirs, district):
        assert client.get(f"/admin/sign-in/{other.id}").status_code == 404
        assert client.post(f"/admin/sign-in/{other.id}", data={**FORM, "school": str(school_a.id)}).status_code == 404
    # Switching their own button off.
    response = client.post(f"/admin/sign-in/{mine.id}", data={**FORM, "label": "Alpha Google", "enabled": "",
                                                              "school": str(school_a.id)})
    assert response.status_code == 302
    db.session.refresh(mine)
    assert (mine.enabled, mine.school_id, mine.client_secret) == (False, school_a.id, "secret-of-Alpha Google")
    # A new button is their school's; the whole district and another school are not theirs to choose.
    assert client.post("/admin/sign-in/new", data={**FORM, "school": str(school_a.id)}).status_code == 302
    assert db.session.scalar(select(SsoProvider).where(SsoProvider.label == "Alpha Keycloak")).school_id == school_a.id
    for school in ("", str(school_b.id)):
        response = client.post("/admin/sign-in/new", data={**FORM, "label": "Sneaky", "school": school})
        assert response.status_code == 400
    assert db.session.scalar(select(SsoProvider).where(SsoProvider.label == "Sneaky")) is None


def test_the_district_admin_manages_every_button_and_may_make_one_district_wide(app, client):
    *_rest, school_a, school_b = _world()
    theirs = _provider("Beta Google", school_b)
    Auth(client).as_user(factories.make_user(Role.ADMIN))
    assert "Beta Google" in client.get("/admin/sign-in").get_data(as_text=True)
    response = client.post(f"/admin/sign-in/{theirs.id}", data={**FORM, "label": "Beta Google", "school": ""})
    assert response.status_code == 302
    db.session.refresh(theirs)
    assert theirs.school_id is None


def test_requiring_school_sign_in_at_school_a_leaves_school_b_alone(app, client):
    head_a, _head_b, student_a, student_b, teacher_a, school_a, school_b = _world()
    _provider("Alpha Google", school_a)
    Auth(client).as_user(head_a)
    # The district's own setting is not a school admin's to change.
    assert client.post("/admin/sign-in/settings", data={"require_for_students": "y"}).status_code == 400
    assert client.post("/admin/sign-in/settings", data={"require_for_students": "y",
                                                        "school": str(school_b.id)}).status_code == 404
    response = client.post("/admin/sign-in/settings", data={"require_for_students": "y", "school": str(school_a.id)})
    assert response.status_code == 302
    assert db.session.scalar(select(SsoSettings).where(SsoSettings.school_id == school_a.id)).require_for_students
    assert db.session.scalar(select(SsoSettings).where(SsoSettings.school_id.is_(None))) is None
    client.post("/logout")
    auth = Auth(client)
    refused = auth.login(student_a)
    assert refused.status_code == 403 and "not with a password" in html.unescape(refused.get_data(as_text=True))
    assert auth.login(teacher_a).status_code == 302  # teachers were not required
    auth.logout()
    assert auth.login(student_b).status_code == 302  # another school's student keeps their password
    auth.logout()
    assert auth.login(head_a).status_code == 302  # admins always keep their password
