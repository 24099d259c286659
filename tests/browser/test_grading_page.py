"""The grading page shows the work (issue 10, point 13), in Chromium at 1280 and 375 px: the
teacher opens "Grade" from the class board, reads the project's sections beside the rubric,
finds a criterion's levels in one row on a wide screen, picks a level and saves."""

import pytest

pytest.importorskip("playwright.sync_api", reason="Playwright is not installed: pip install -e '.[dev]'")
from playwright.sync_api import Page, expect  # noqa: E402

from cbl.demo import TEACHER  # noqa: E402
from tests.browser.test_journeys import CLASS_NAME, flash, sign_in  # noqa: E402

pytestmark = pytest.mark.browser

SECTIONS = ("Engage", "Investigate", "Act", "Portfolio")


def _open_grading_from_the_board(page: Page, team: str) -> None:
    sign_in(page, TEACHER[0])
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Classes").click()
    page.get_by_role("link", name=CLASS_NAME, exact=True).click()
    page.get_by_role("link", name="Class board").click()
    page.get_by_role("link", name=f"Grade — {team}").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(team)


def _sections_are_there(page: Page) -> None:
    work = page.locator("section.grading-work")
    for name in SECTIONS:
        section = work.locator("details.work-section").filter(has=page.get_by_role("heading", name=name, exact=True))
        expect(section).to_have_attribute("open", "")
    expect(work.locator("#work-investigate")).to_contain_text("Investigation matrix")
    expect(work.locator("#work-engage")).to_contain_text("Big idea")


def test_teacher_grades_from_the_board_with_the_work_beside_the_rubric(page: Page, journey):
    _open_grading_from_the_board(page, "Tap Detectives")
    _sections_are_there(page)
    # The project's sections fold away.
    page.locator("#work-engage > summary").click()
    expect(page.locator("#work-engage")).not_to_have_attribute("open", "")
    page.locator("#work-engage > summary").click()
    # One member, so the test does not touch the team's draft that another journey releases.
    page.get_by_role("navigation", name="Whom to assess").get_by_role("link", name="Sofía García").click()
    journey.check(page, "grading page", phone=True)
    criterion = page.locator("fieldset.criterion").first
    tiles = criterion.locator("label.level-cell")
    assert tiles.count() == 4
    boxes = [tiles.nth(i).bounding_box() for i in range(tiles.count())]
    assert len({round(box["y"]) for box in boxes}) == 1, boxes  # one row at 1280 px
    none = criterion.locator("label.level-none")
    assert none.bounding_box()["height"] < boxes[0]["height"]  # "Not assessed" is the smaller choice
    tiles.filter(has_text="Advanced").click()
    expect(tiles.filter(has_text="Advanced").locator("input")).to_be_checked()
    page.get_by_role("button", name="Save draft").click()
    expect(flash(page)).to_contain_text("Draft saved")
    expect(page.locator("fieldset.criterion").first.locator("label.level-cell").filter(has_text="Advanced")
           .locator("input")).to_be_checked()
    journey.check(page, "draft saved", phone=False)


def test_grading_page_on_a_phone(phone_page: Page, journey):
    _open_grading_from_the_board(phone_page, "Rain Catchers")
    _sections_are_there(phone_page)
    work, rubric = (phone_page.locator(f"section.{name}").bounding_box() for name in ("grading-work", "grading-rubric"))
    assert work["width"] > 300 and rubric["y"] > work["y"] + work["height"] - 1  # stacked, full width
    phone_page.get_by_role("link", name="Go to the rubric").click()
    expect(phone_page.locator("fieldset.criterion").first).to_be_in_viewport()
    journey.check(phone_page, "grading page on a phone", phone=False)
