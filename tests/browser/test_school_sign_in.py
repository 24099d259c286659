"""A student signs in with the school account on a 375 px phone: the sign-in page's
"Riverside Google (demo)" button, the provider's page (a real OpenID Connect provider on
127.0.0.1, cbl/sso/devprovider.py), and back to their home, signed in."""

import sqlite3

import pytest

pytest.importorskip("playwright.sync_api", reason="Playwright is not installed: pip install -e '.[dev]'")
from playwright.sync_api import Page, expect  # noqa: E402

from cbl.demo import DEMO_SIGN_IN_LABEL  # noqa: E402
from cbl.sso.devprovider import DevProvider  # noqa: E402

pytestmark = pytest.mark.browser


@pytest.fixture
def provider(live_server):
    """The demo provider on a free port; the live server's demo button is pointed at it."""
    idp = DevProvider()
    running = idp.serve("127.0.0.1", 0)
    with sqlite3.connect(live_server.instance / "cbl.sqlite") as connection:
        connection.execute("UPDATE sso_provider SET discovery_url = ? WHERE label = ?", (idp.issuer, DEMO_SIGN_IN_LABEL))
    yield idp
    running.stop()


def test_a_student_signs_in_with_the_school_account_on_a_phone(phone_page: Page, live_server, provider):
    page = phone_page
    page.goto(live_server.url + "/login")
    button = page.get_by_role("link", name=f"Sign in with {DEMO_SIGN_IN_LABEL}")
    expect(button).to_be_visible()
    box = button.bounding_box()
    assert box["width"] <= 375 and box["height"] >= 44  # a full-width button a thumb can hit
    button.click()
    assert page.url.startswith(provider.issuer + "/authorize")
    page.get_by_role("button", name="Maya Chen").click()
    expect(page.get_by_text("You are signed in with your school account.")).to_be_visible()
    expect(page.get_by_role("heading", name="Hello, Maya")).to_be_visible()
    assert page.url.startswith(live_server.url)
