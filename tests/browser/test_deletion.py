"""Deleting is recoverable (issue 10, item 1), in Chromium on the demo school: a student
deletes her own entry, finds it under Recently deleted and restores it; a teammate sees no
Delete button on it (but may still edit it: team work)."""

import pytest

pytest.importorskip("playwright.sync_api", reason="Playwright is not installed: pip install -e '.[dev]'")
from playwright.sync_api import Page, expect  # noqa: E402

from cbl.demo import DEMO_PASSWORD  # noqa: E402

pytestmark = pytest.mark.browser

CHALLENGE = "Water in our neighbourhood"
PRIYA, LEO = "priya@riverside.example", "leo@riverside.example"  # both of Rain Catchers
TITLE = "Downpipe sketch to keep"


def sign_in(page: Page, email_address: str) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email_address)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()


def flash(page: Page):
    return page.get_by_role("status").filter(has=page.locator(".flash"))


def test_student_deletes_and_restores_her_entry_and_a_teammate_cannot_delete_it(page: Page, journey):
    sign_in(page, PRIYA)
    page.get_by_role("main").get_by_role("link", name=CHALLENGE, exact=True).first.click()
    page.get_by_role("link", name="Add a note").first.click()
    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("Text").fill("Where the **downpipe** meets the barrel.")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    entry_url = page.url
    journey.check(page, "own entry with delete")

    page.get_by_role("button", name="Delete").click()  # confirm.js asks; the test accepts
    expect(flash(page)).to_contain_text("Entry deleted")
    expect(page.get_by_role("main").get_by_text(TITLE)).to_have_count(0)  # gone from the timeline
    journey.check(page, "timeline after delete with undo")

    page.get_by_role("link", name="Recently deleted").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Recently deleted")
    item = page.get_by_role("listitem").filter(has_text=TITLE)
    expect(item).to_contain_text("Deleted by Priya Nair")
    journey.check(page, "recently deleted")
    item.get_by_role("button", name="Restore").click()
    expect(flash(page)).to_contain_text("Entry restored")
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    assert page.url == entry_url
    sign_out(page)

    sign_in(page, LEO)
    page.goto(entry_url)
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    actions = page.locator("footer.actions")
    expect(actions.get_by_role("link", name="Edit")).to_be_visible()
    expect(actions.get_by_role("button", name="Delete")).to_have_count(0)
    journey.check(page, "teammate sees no delete")
