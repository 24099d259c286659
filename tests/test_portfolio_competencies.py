"""Entries tagged with the competencies they show, and timelines filtered by them."""

import re

import pytest
from sqlalchemy import select

from cbl.competencies.models import Competency
from cbl.competencies.services import install_default_framework
from cbl.extensions import db
from cbl.portfolio.models import Entry
from tests import factories


@pytest.fixture
def team():
    install_default_framework()
    teacher = factories.make_user("teacher")
    maya = factories.make_user("student")
    project = factories.make_project(factories.make_team(factories.make_classroom(teacher), maya))
    return project, maya


def _id(code: str) -> int:
    return db.session.scalar(select(Competency.id).where(Competency.code == code))


def _post(client, project, title, competencies):
    return client.post(f"/projects/{project.id}/entries/new?kind=note", data={
        "title": title, "body": "Text", "phase": "investigate", "visibility": "team", "element_key": "",
        "guiding_question": "", "competencies": competencies})


def test_default_framework_is_installed_once_with_its_strands():
    first = install_default_framework()
    again = install_default_framework()
    assert first.id == again.id
    strands = {c.code for c in first.competencies if c.parent_id is None}
    assert strands == {"COL", "COM", "CT", "CR", "SD", "CIV"}
    assert all(c.parent.code == c.code.split(".")[0] for c in first.competencies if c.parent_id)


def test_entry_is_tagged_and_the_tags_are_shown(client, auth, team):
    project, maya = team
    auth.as_user(maya)
    form = client.get(f"/projects/{project.id}/entries/new?kind=note").get_data(as_text=True)
    assert "CT.2 Weighs evidence" in form
    assert _post(client, project, "Survey results", [_id("CT.2"), _id("COM.1")]).status_code == 302
    entry = db.session.scalar(select(Entry))
    assert [c.code for c in entry.competencies] == ["COM.1", "CT.2"]
    assert "CT.2 Weighs evidence" in client.get(f"/entries/{entry.id}").get_data(as_text=True)
    assert "COM.1 Explains clearly" in client.get(f"/projects/{project.id}/portfolio").get_data(as_text=True)


def test_unknown_competency_is_refused(client, auth, team):
    project, maya = team
    auth.as_user(maya)
    assert _post(client, project, "Sneaky", [999999]).status_code == 400
    assert db.session.scalar(select(Entry)) is None


def test_timeline_filters_by_a_strand_and_its_sub_competencies(client, auth, team):
    project, maya = team
    auth.as_user(maya)
    _post(client, project, "Weighing sources", [_id("CT.2")])
    _post(client, project, "Team roles", [_id("COL.1")])
    _post(client, project, "Untagged note", [])
    page = client.get(f"/projects/{project.id}/portfolio?competency={_id('CT')}").get_data(as_text=True)
    assert "Weighing sources" in page and "Team roles" not in page and "Untagged note" not in page
    exact = client.get(f"/projects/{project.id}/portfolio?competency={_id('COL.1')}").get_data(as_text=True)
    assert "Team roles" in exact and "Weighing sources" not in exact


def test_editing_keeps_or_changes_the_tags(client, auth, team):
    project, maya = team
    auth.as_user(maya)
    _post(client, project, "Survey", [_id("CT.1")])
    entry = db.session.scalar(select(Entry))
    form = client.get(f"/entries/{entry.id}/edit").get_data(as_text=True)
    checked = set(re.findall(r'<input checked id="competencies-\d+" name="competencies" type="checkbox" value="(\d+)"',
                             form))
    assert checked == {str(_id("CT.1"))}
    client.post(f"/entries/{entry.id}/edit", data={
        "title": "Survey", "body": "Text", "phase": "investigate", "visibility": "team", "element_key": "",
        "guiding_question": "", "competencies": [_id("CR.1")], "version": 1})
    db.session.expire_all()
    assert [c.code for c in db.session.get(Entry, entry.id).competencies] == ["CR.1"]
