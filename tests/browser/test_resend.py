"""Typed work survives and re-sent forms make nothing twice (issue 10, items 2 and 3), in
Chromium: "Create challenge", the back button, "Create challenge" again → one challenge; text
typed in an entry form → leaving the page asks first."""

import pytest

pytest.importorskip("playwright.sync_api", reason="Playwright is not installed: pip install -e '.[dev]'")
from playwright.sync_api import expect  # noqa: E402

from cbl.demo import TEACHER, TEAMS  # noqa: E402
from tests.browser.test_journeys import CHALLENGE, CLASS_NAME, flash, sign_in  # noqa: E402

pytestmark = pytest.mark.browser

TITLE = "Shade for the playground"


def test_back_button_and_create_again_makes_one_challenge(page):
    sign_in(page, TEACHER[0])
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Classes").click()
    page.get_by_role("link", name=CLASS_NAME, exact=True).click()
    class_url = page.url
    page.get_by_role("link", name="New challenge").click()
    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("Big idea").fill("Heat")
    page.get_by_role("button", name="Create challenge").click()
    expect(flash(page)).to_contain_text("created")

    page.go_back()
    expect(page.get_by_label("Title")).to_have_value(TITLE)  # the browser kept the form as sent
    page.get_by_role("button", name="Create challenge").click()
    expect(flash(page)).to_contain_text("This was already saved")

    page.goto(class_url)
    challenges = page.get_by_role("region", name="Challenges").get_by_role("listitem")
    expect(challenges.filter(has_text=TITLE)).to_have_count(1)


def test_leaving_an_entry_with_typed_text_asks_first(page):
    student = TEAMS["Rain Catchers"][0][0]
    sign_in(page, student)
    page.get_by_role("link", name=CHALLENGE).first.click()
    page.get_by_role("link", name="Add a note").first.click()
    dialogs = []
    page.on("dialog", lambda dialog: dialogs.append(dialog.type))  # accepted by the pages fixture
    home = page.get_by_role("navigation", name="Main").get_by_role("link", name="Home")

    home.click()  # nothing typed yet: no question
    expect(page).not_to_have_url("**/entries/new**")
    assert dialogs == []

    page.go_back()
    body = page.get_by_label("Text", exact=True)
    body.click()
    body.press_sequentially("We measured 12 mm")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Home").click()
    expect(page).not_to_have_url("**/entries/new**")
    assert dialogs == ["beforeunload"]
