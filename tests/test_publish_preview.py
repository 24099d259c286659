"""Publishing with a preview: the teacher's publish page shows the story as the public will
see it, empty sections are not shown, photos fit the screen, and showcase cards tell two
teams on one challenge apart."""

import html
import re
from pathlib import Path

import pytest

from cbl.projects.models import ElementKey
from cbl.projects.services import save_element
from tests import factories


@pytest.fixture
def story():
    teacher = factories.make_user("teacher", name="Ana Rivera")
    classroom = factories.make_classroom(teacher, name="Science 7B")
    maya = factories.make_user("student", name="Maya Chen")
    challenge = factories.make_challenge(classroom, title="Water in our neighbourhood", big_idea="Water")
    project = factories.make_project(factories.make_team(classroom, maya, name="Rain Catchers"), challenge)
    save_element(project, ElementKey.CHALLENGE_STATEMENT, "Water the garden with **rain**.", 0, maya)
    factories.make_entry(project, maya, title="Our rainfall poster", visibility="public", photo=True)
    factories.make_entry(project, maya, title="Team-only plan", visibility="team")
    return project, maya, teacher, classroom, challenge


def _story_text(page: str) -> str:
    """The words of the story article, heading levels aside."""
    article = re.search(r'<article class="story">.*?</article>\s*</section>|<article class="story">.*</article>',
                        page, re.S).group(0)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", article)).split())


def _publish(app, auth, project, maya, teacher):
    student = app.test_client()
    type(auth)(student).as_user(maya)
    student.post(f"/projects/{project.id}/publication/request", data={})
    teacher_client = app.test_client()
    type(auth)(teacher_client).as_user(teacher)
    return teacher_client


def test_publish_page_previews_the_story_as_the_public_will_see_it(app, auth, story):
    project, maya, teacher, *_ = story
    teacher_client = _publish(app, auth, project, maya, teacher)
    preview_page = teacher_client.get(f"/projects/{project.id}/publication").get_data(as_text=True)
    assert "Preview: the public page" in preview_page
    preview = _story_text(preview_page.split('id="preview-heading"', 1)[1])
    assert "Water the garden with rain ." in preview and "Our rainfall poster" in preview
    assert "Team-only plan" not in preview
    assert "<strong>rain</strong>" in preview_page  # rendered, not raw markdown

    teacher_client.post(f"/projects/{project.id}/publication/decide", data={"decision": "approve"})
    public = app.test_client().get(f"/showcase/{project.id}").get_data(as_text=True)
    assert _story_text(public) == preview
    # The preview keeps the page's headings in order: the story sits under the preview's h2.
    assert re.search(r'<h3>Water in our neighbourhood', preview_page)
    assert re.search(r'<h1>Water in our neighbourhood', public)


def test_empty_sections_are_not_shown(app, auth, story):
    project, maya, teacher, *_ = story
    _publish(app, auth, project, maya, teacher).post(f"/projects/{project.id}/publication/decide",
                                                     data={"decision": "approve"})
    public = html.unescape(app.test_client().get(f"/showcase/{project.id}").get_data(as_text=True))
    assert "The challenge" in public and "The big idea" in public
    for empty in ("What we learned", "What we did", "How it went", "still working on it", "still finding out"):
        assert empty not in public


def test_portrait_photos_fit_the_screen_and_lines_stay_readable():
    css = Path(__file__).resolve().parents[1].joinpath("static/css/app.css").read_text()
    story_rules = " ".join(re.findall(r"\.story[^{]*\{[^}]*\}", css))
    assert re.search(r"\.story img[^{]*\{[^}]*max-height:\s*\d+vh", story_rules)
    assert "object-fit: contain" in story_rules
    assert re.search(r"max-width:\s*70ch", story_rules)


def test_showcase_cards_tell_two_teams_on_one_challenge_apart(app, auth, story):
    project, maya, teacher, classroom, challenge = story
    leo = factories.make_user("student", name="Leo Martins")
    other = factories.make_project(factories.make_team(classroom, leo, name="Gutter Guards"), challenge)
    factories.make_entry(other, leo, title="Gutter photo", visibility="public", photo=True)
    for team_project, student in ((project, maya), (other, leo)):
        _publish(app, auth, team_project, student, teacher).post(
            f"/projects/{team_project.id}/publication/decide", data={"decision": "approve"})
    showcase = html.unescape(app.test_client().get("/showcase").get_data(as_text=True))
    cards = re.findall(r'<li class="card">.*?</li>', showcase, re.S)
    assert len(cards) == 2
    assert any("Rain Catchers" in card and "Science 7B" in card for card in cards)
    assert any("Gutter Guards" in card and "Science 7B" in card for card in cards)
