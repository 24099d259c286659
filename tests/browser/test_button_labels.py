"""A long button label never widens a phone's page (issue 10, item 8): in Spanish, "Use the
default questions" is an <input> button reading "Usar las preguntas predeterminadas", which does
not wrap unless told to, and pushed the teacher's partner-questions page past 375 px."""

import pytest

pytest.importorskip("playwright.sync_api", reason="Playwright is not installed: pip install -e '.[dev]'")
from playwright.sync_api import expect  # noqa: E402

from cbl.demo import DEMO_PASSWORD, TEACHER  # noqa: E402
from tests.browser.checks import horizontal_overflow  # noqa: E402

pytestmark = pytest.mark.browser


def test_spanish_input_buttons_wrap_on_a_phone(pages):
    page = pages.new(phone=True, locale="es-ES")
    page.goto("/login")
    page.locator("input[name=email]").fill(TEACHER[0])
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.get_by_role("button", name="Cerrar sesión")).to_be_visible()
    page.goto("/challenges/1/partner-questions")
    expect(page.get_by_role("button", name="Usar las preguntas predeterminadas")).to_be_visible()
    assert horizontal_overflow(page) is None
