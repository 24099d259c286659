"""A teacher brings a class list in on a phone (issue 11, item 2): pastes five students with
one bad line, reads the preview, fixes the line, saves, and sees the one-time passwords."""

import pytest

pytest.importorskip("playwright.sync_api", reason="Playwright is not installed: pip install -e '.[dev]'")
from playwright.sync_api import expect  # noqa: E402

from cbl.demo import TEACHER  # noqa: E402
from tests.browser.test_journeys import CLASS_NAME, sign_in  # noqa: E402

pytestmark = pytest.mark.browser

LIST = """Ana Flores,,R-5001
Bruno Díaz,,R-5002
Carla Ortiz, carla.ortiz@riverside.example, R-5003
Dario Vega, dario.vega@, R-5004
Elena Soto,,R-5005"""


def test_teacher_pastes_a_class_list_and_prints_the_passwords(phone_page, journey):
    page = phone_page
    sign_in(page, TEACHER[0])
    page.goto("/classes")
    page.get_by_role("link", name=CLASS_NAME, exact=True).click()
    page.get_by_role("link", name="Add students").click()
    journey.check(page, "add students")

    page.get_by_label("Students, one a line").fill(LIST)
    page.get_by_role("button", name="Check the list", exact=True).click()
    errors = page.get_by_role("alert")
    expect(errors).to_contain_text("Line 4 (Dario Vega)")
    expect(errors).to_contain_text("is not an email address")
    expect(page.get_by_role("button", name="Add 4 students")).to_have_count(0)  # nothing can be saved yet
    journey.check(page, "preview with an error")

    page.get_by_label("Students, one a line").fill(LIST.replace("dario.vega@", "dario.vega@riverside.example"))
    page.get_by_role("button", name="Check the list again").click()
    expect(page.get_by_text("5 new students: accounts are made")).to_be_visible()
    journey.check(page, "preview ready")
    page.get_by_role("button", name="Add 5 students").click()

    expect(page.get_by_role("heading", name=f"One-time passwords for {CLASS_NAME}")).to_be_visible()
    table = page.get_by_role("table")
    expect(table.get_by_role("row")).to_have_count(6)  # a header and five students
    expect(table).to_contain_text("anaf")  # a username made from the name
    expect(table).to_contain_text("carla.ortiz@riverside.example")
    journey.check(page, "one-time passwords")

    page.get_by_role("link", name=f"Back to {CLASS_NAME}").click()
    expect(page.get_by_role("table").filter(has_text="Students of the class")).to_contain_text("Elena Soto")
