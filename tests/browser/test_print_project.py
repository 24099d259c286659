"""Printing a project (issue 10, item 20): the teacher's printout holds every phase and no
navigation, and no side panel left as a bare heading once its links are hidden."""

import pytest

pytest.importorskip("playwright.sync_api", reason="Playwright is not installed: pip install -e '.[dev]'")
from playwright.sync_api import expect  # noqa: E402

from cbl.demo import TEACHER  # noqa: E402
from tests.browser.test_journeys import CHALLENGE, sign_in  # noqa: E402

pytestmark = pytest.mark.browser


def test_printed_project_has_every_phase_and_no_empty_panels(pages):
    page = pages.new()
    sign_in(page, TEACHER[0])
    page.goto("/projects/1")  # the demo's first project
    expect(page.get_by_role("heading", level=1)).to_contain_text(CHALLENGE)
    expect(page.locator("#assessing")).to_be_visible()  # on screen: the links to grade the team
    page.emulate_media(media="print")
    for phase in ("engage", "investigate", "act"):
        expect(page.locator(f"#print-phase-{phase}")).to_be_visible()
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.locator("#assessing")).to_be_hidden()
