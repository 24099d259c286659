"""A student who forgot their password (and has no mailbox to recover it) asks their teacher:
the teacher resets it from the class's roster, reads the one-time password aloud, and the
student signs in with it on a phone and must choose a password of their own first.

The module runs its own live server: it changes a demo student's password."""

import re

import pytest

pytest.importorskip("playwright.sync_api", reason="Playwright is not installed: pip install -e '.[dev]'")
from playwright.sync_api import Page, expect  # noqa: E402

from tests.browser.conftest import serve  # noqa: E402

pytestmark = pytest.mark.browser

TEACHER, STUDENT, DEMO_PASSWORD = "rivera@riverside.example", "maya@riverside.example", "cbl-demo-2026"
NEW_PASSWORD = "my own secret 2026"


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    with serve(tmp_path_factory.mktemp("password-reset-instance")) as server:
        yield server


def test_teacher_resets_a_student_who_then_chooses_a_new_password_on_a_phone(page: Page, pages, journey):
    page.goto("/login")
    page.get_by_label("Email").fill(TEACHER)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Classes").click()
    page.get_by_role("link", name="Grade 8 Science").first.click()
    page.get_by_role("link", name="Reset password of Maya Chen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reset the password of Maya Chen")
    journey.check(page, "reset confirmation")
    page.get_by_role("button", name="Reset the password").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("One-time password for Maya Chen")
    journey.check(page, "one-time password shown once", phone=False)
    password = page.locator("#one-time-password").inner_text().strip()
    assert re.fullmatch(r"[a-z]+-[a-z]+-\d{2}", password), password

    phone = pages.new(phone=True)
    phone.goto("/login")
    phone.get_by_label("Email").fill(STUDENT)
    phone.get_by_label("Password").fill(DEMO_PASSWORD)  # the old password no longer works
    phone.get_by_role("button", name="Sign in").click()
    expect(phone.get_by_text("That email or username and password do not match an active account.")).to_be_visible()
    phone.get_by_label("Password").fill(password)
    phone.get_by_role("button", name="Sign in").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Choose your own password")
    journey.check(phone, "student must choose a password")
    phone.goto("/portfolio")  # nothing else opens first
    expect(phone.get_by_role("heading", level=1)).to_have_text("Choose your own password")
    phone.get_by_label("New password", exact=True).fill("short")
    phone.get_by_label("Repeat the new password").fill("short")
    phone.get_by_role("button", name="Save my password").click()
    expect(phone.get_by_text("Use at least 10 characters.").first).to_be_visible()
    phone.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    phone.get_by_label("Repeat the new password").fill(NEW_PASSWORD)
    phone.get_by_role("button", name="Save my password").click()
    expect(phone.get_by_text("Your new password is saved.")).to_be_visible()
    journey.check(phone, "student home after the change")
    phone.get_by_role("button", name="Sign out").click()
    phone.get_by_label("Email").fill(STUDENT)
    phone.get_by_label("Password").fill(NEW_PASSWORD)
    phone.get_by_role("button", name="Sign in").click()
    expect(phone.get_by_role("button", name="Sign out")).to_be_visible()
    expect(phone.get_by_role("heading", level=1)).not_to_have_text("Choose your own password")
