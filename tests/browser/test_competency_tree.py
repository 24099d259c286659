"""The competency tree on a phone (issue 10 point 12): a student narrows the tree by typing
in its search box, ticks a competency, saves the entry, and the tag shows."""

import re

import pytest

pytest.importorskip("playwright.sync_api", reason="Playwright is not installed: pip install -e '.[dev]'")
from playwright.sync_api import Page, expect  # noqa: E402

from tests.browser.test_journeys import CHALLENGE, sign_in  # noqa: E402

pytestmark = pytest.mark.browser


def test_student_finds_a_competency_by_typing_and_tags_an_entry(phone_page: Page, journey):
    page = phone_page
    sign_in(page, "priya@riverside.example")
    page.get_by_role("link", name=CHALLENGE).first.click()
    project_id = re.search(r"/projects/(\d+)", page.url).group(1)
    page.goto(f"/projects/{project_id}/entries/new?kind=note")
    page.get_by_label("Title").fill("Which sources can we trust?")
    page.get_by_label("Text", exact=True).fill("We compared the city's report with our own readings.")

    search = page.get_by_label("Find a competency")
    expect(search).to_be_visible()
    wanted = page.get_by_label("CT.2 Weighs evidence")
    other = page.get_by_label("COL.1 Shares the work")
    expect(wanted).to_be_hidden()  # inside a closed strand at first
    search.fill("weighs")
    expect(wanted).to_be_visible()
    expect(other).to_be_hidden()
    expect(page.get_by_text("Competencies that match: 1")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    journey.check(page, "entry form narrowed to one competency", phone=False)

    wanted.check()
    search.fill("")
    expect(other).to_be_hidden()  # the tree is as it was, the other strands closed again,
    expect(wanted).to_be_checked()  # and the ticked one still in sight
    expect(wanted).to_be_visible()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Which sources can we trust?")).to_be_visible()
    expect(page.get_by_text("CT.2 Weighs evidence")).to_be_visible()
    journey.check(page, "entry with its competency", phone=False)


def test_teacher_finds_a_competency_for_a_rubric_criterion_by_typing(page: Page, journey):
    """The rubric builder's competency list, grouped under each framework, narrows as the
    teacher types (issue 10 point 12), and what was chosen stays chosen."""
    sign_in(page, "rivera@riverside.example")
    page.goto("/rubrics/new")
    search = page.get_by_label("Find a competency for criterion 1")
    expect(search).to_be_visible()
    competency = page.get_by_label("Criterion 1: Competency")
    everything = competency.locator("option").count()
    search.fill("weighs")
    expect(page.get_by_text("Competencies that match: 1")).to_be_visible()
    names = competency.locator("option").all_text_contents()
    assert len(names) < everything and [n for n in names if "Weighs evidence" in n], names
    competency.select_option(label=next(n for n in names if "Weighs evidence" in n))
    search.fill("")
    expect(competency.locator("option")).to_have_count(everything)
    assert "Weighs evidence" in competency.evaluate("s => s.options[s.selectedIndex].textContent")
    journey.check(page, "rubric builder with a competency found by typing", phone=False)
