"""The project timeline's filters and pages, and a student's own portfolio."""

import pytest

from tests import factories


@pytest.fixture
def project_with_entries():
    teacher = factories.make_user("teacher")
    classroom = factories.make_classroom(teacher)
    maya, leo = factories.make_user("student", name="Maya Chen"), factories.make_user("student", name="Leo Martins")
    project = factories.make_project(factories.make_team(classroom, maya, leo))
    factories.make_entry(project, maya, title="Engage note by Maya", phase="engage")
    factories.make_entry(project, leo, title="Investigate link by Leo", kind="link", phase="investigate")
    factories.make_entry(project, maya, title="Investigate photo by Maya", kind="image", phase="investigate",
                         photo=True)
    return project, maya, leo, teacher


def _titles(client, url) -> set[str]:
    page = client.get(url).get_data(as_text=True)
    return {t for t in ("Engage note by Maya", "Investigate link by Leo", "Investigate photo by Maya") if t in page}


def test_timeline_filters_by_phase_kind_and_author(client, auth, project_with_entries):
    project, maya, leo, teacher = project_with_entries
    auth.as_user(teacher)
    base = f"/projects/{project.id}/portfolio"
    assert len(_titles(client, base)) == 3
    assert _titles(client, base + "?phase=investigate") == {"Investigate link by Leo", "Investigate photo by Maya"}
    assert _titles(client, base + "?kind=image") == {"Investigate photo by Maya"}
    assert _titles(client, base + f"?author={leo.id}") == {"Investigate link by Leo"}
    assert _titles(client, base + f"?phase=engage&author={leo.id}") == set()
    assert len(_titles(client, base + "?phase=nonsense&kind=x&author=abc")) == 3  # unknown filters are ignored


def test_timeline_paginates(app, client, auth, project_with_entries):
    project, maya, _, teacher = project_with_entries
    app.config["PAGE_SIZE"] = 2
    auth.as_user(teacher)
    first = client.get(f"/projects/{project.id}/portfolio").get_data(as_text=True)
    assert "Page 1 of 2" in first
    second = client.get(f"/projects/{project.id}/portfolio?page=2").get_data(as_text=True)
    assert "Engage note by Maya" in second  # oldest last


def test_students_own_portfolio_spans_their_projects(client, auth, project_with_entries):
    project, maya, leo, _ = project_with_entries
    other_class = factories.make_classroom(factories.make_user("teacher"))
    other = factories.make_project(factories.make_team(other_class, maya))
    factories.make_entry(other, maya, title="From the other class")
    auth.as_user(maya)
    page = client.get("/portfolio").get_data(as_text=True)
    assert "From the other class" in page and "Engage note by Maya" in page
    assert "Investigate link by Leo" not in page


def test_choosing_an_active_chip_again_clears_it(client, auth, project_with_entries):
    project, _, leo, teacher = project_with_entries
    auth.as_user(teacher)
    page = client.get(f"/projects/{project.id}/portfolio?phase=investigate&author={leo.id}").get_data(as_text=True)
    assert f'href="/projects/{project.id}/portfolio?author={leo.id}" aria-current="true">Investigate' in page


def test_a_web_address_without_https_gets_it(client, auth, project_with_entries):
    project, maya, _, _ = project_with_entries
    auth.as_user(maya)
    response = client.post(f"/projects/{project.id}/entries/new?kind=link", data={
        "title": "Video", "body": "", "phase": "engage", "visibility": "team", "element_key": "",
        "link_url": "youtube.example/watch?v=1"})
    assert response.status_code == 302
    assert "https://youtube.example/watch?v=1" in client.get(response.headers["Location"]).get_data(as_text=True)
