"""Community partners read only the projects shared with them, and see first names only."""

import pytest

from tests import factories


@pytest.fixture
def shared():
    teacher = factories.make_user("teacher", name="Ana Rivera")
    classroom = factories.make_classroom(teacher)
    maya = factories.make_user("student", name="Maya Chen")
    team = factories.make_team(classroom, maya, name="Rain Catchers")
    project = factories.make_project(team)
    other = factories.make_project(factories.make_team(classroom, name="Tap Detectives"), project.challenge)
    partner = factories.make_user("partner", name="Jordan Kim")
    return project, other, partner


def test_partner_reads_the_shared_project_with_first_names_only(client, auth, shared):
    project, _, partner = shared
    factories.grant_partner(project, partner)
    auth.as_user(partner)
    page = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "Rain Catchers" in page and "Maya" in page
    assert "Chen" not in page and "@school.example" not in page
    assert "<textarea" not in page
    home = client.get("/home").get_data(as_text=True)
    assert f"/projects/{project.id}" in home


def test_partner_cannot_open_projects_not_shared_or_class_pages(client, auth, shared):
    project, other, partner = shared
    factories.grant_partner(project, partner)
    auth.as_user(partner)
    assert client.get(f"/projects/{other.id}").status_code == 404
    assert client.get(f"/classes/{project.team.classroom_id}").status_code == 404
    assert client.get(f"/classes/{project.team.classroom_id}/board").status_code == 404
    assert client.post(f"/projects/{project.id}/elements/analysis", data={"body": "x", "version": 0}).status_code == 403


@pytest.mark.parametrize("grant", [{"days": -1}, {"revoked": True}])
def test_expired_or_revoked_partner_sees_nothing(client, auth, shared, grant):
    project, _, partner = shared
    factories.grant_partner(project, partner, **grant)
    auth.as_user(partner)
    assert client.get(f"/projects/{project.id}").status_code == 404
    assert f"/projects/{project.id}" not in client.get("/home").get_data(as_text=True)


def test_every_page_carries_security_headers(client):
    response = client.get("/")
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
