"""Exports are complete: the ZIP carries each entry's competency tags and the feedback
threads (without guests' comments still waiting or hidden); printing a project prints every
phase, without navigation or the side panel's links."""

import html
import io
import re
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

from cbl.competencies.models import Competency
from cbl.competencies.services import install_default_framework
from cbl.extensions import db
from cbl.projects.models import ElementKey, Phase
from cbl.projects.services import save_element
from tests import factories


@pytest.fixture
def team():
    install_default_framework()
    teacher = factories.make_user("teacher", name="Ana Rivera")
    classroom = factories.make_classroom(teacher)
    maya = factories.make_user("student", name="Maya Chen")
    project = factories.make_project(factories.make_team(classroom, maya, name="Rain Catchers"),
                                     factories.make_challenge(classroom, title="Water in our school"))
    return project, maya, teacher


def _archive_text(client, project) -> dict[str, str]:
    response = client.get(f"/projects/{project.id}/export.zip")
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(response.get_data()))
    return {name: html.unescape(archive.read(name).decode("utf-8")) for name in archive.namelist()
            if name.endswith(".html")}


def test_zip_includes_competency_tags_and_published_feedback_threads(client, auth, team):
    project, maya, teacher = team
    entry = factories.make_entry(project, maya, title="Survey results")
    entry.competencies = list(db.session.scalars(select(Competency).where(Competency.code.in_(["CT.2", "COM.1"]))))
    db.session.commit()
    question = factories.make_comment(project, teacher, "Who answered the survey?")
    factories.make_comment(project, maya, "Forty neighbours on our street.", parent=question)
    guest = factories.make_user("partner", name="Pat Guest")
    factories.make_comment(project, guest, "Waiting guest words", status="pending")
    factories.make_comment(project, guest, "Hidden guest words", status="hidden")

    auth.as_user(teacher)
    pages = _archive_text(client, project)
    [entry_page] = [page for name, page in pages.items() if name.startswith("entries/")]
    assert "Competencies" in entry_page and "CT.2 · Weighs evidence" in entry_page and "COM.1" in entry_page
    story = pages["index.html"]
    assert "Feedback" in story
    assert "Who answered the survey?" in story and "Forty neighbours on our street." in story
    assert "Waiting guest words" not in story and "Hidden guest words" not in story


def test_printing_a_project_prints_every_phase(client, auth, team):
    project, maya, _ = team
    save_element(project, ElementKey.ESSENTIAL_QUESTION, "How can our school save rain?", 0, maya)
    save_element(project, ElementKey.EVALUATION, "The tank filled in a week.", 0, maya)
    factories.make_question(project, "How much rain falls?")
    project.phase = Phase.INVESTIGATE
    db.session.commit()
    auth.as_user(maya)
    page = html.unescape(client.get(f"/projects/{project.id}").get_data(as_text=True))
    printed = page.split('class="print-only print-phases"', 1)[1].split("</aside>")[0]
    for text in ("How can our school save rain?", "How much rain falls?", "The tank filled in a week."):
        assert text in printed
    assert all(f"print-phase-{phase}" in printed for phase in ("engage", "investigate", "act"))


def test_print_stylesheet_hides_navigation_editors_and_side_panel_actions():
    css = Path(__file__).resolve().parents[1].joinpath("static/css/print.css").read_text()
    hidden = " ".join(re.findall(r"([^{}]+)\{[^}]*display:\s*none", css))
    for selector in (".project-main", ".project-head nav", ".site-header", "form", ".project-side p:has(> a)"):
        assert selector in hidden, selector
    assert re.search(r"\.print-only\s*\{[^}]*display:\s*block", css)
