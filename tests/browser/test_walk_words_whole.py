"""Words stay whole and buttons stay on the page (issue 10, item 8, found walking as a teacher):
the root rule that lets any long word wrap must not break a table's column headings letter by
letter ("Detail s", "Eviden ce") nor a student's name in the roster on a phone, and a long
Spanish button label wraps instead of widening the page."""

import re

import pytest

pytest.importorskip("playwright.sync_api", reason="Playwright is not installed: pip install -e '.[dev]'")
from playwright.sync_api import Page, expect  # noqa: E402

from cbl.demo import ADMIN, TEACHER  # noqa: E402
from tests.browser.checks import horizontal_overflow  # noqa: E402
from tests.browser.test_journeys import CLASS_NAME, DEMO_PASSWORD, sign_in  # noqa: E402

pytestmark = pytest.mark.browser

LINES = """el => { const range = document.createRange(); range.selectNodeContents(el);
    return new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top))).size; }"""


def _one_word_headings_on_one_line(page: Page) -> None:
    headings = page.locator("thead th")
    assert headings.count() > 0
    for i in range(headings.count()):
        heading = headings.nth(i)
        text = heading.inner_text().strip()
        if text and " " not in text:
            assert heading.evaluate(LINES) == 1, f"the heading “{text}” of {page.url} breaks inside the word"


def test_column_headings_stay_whole_on_a_wide_screen(page: Page):
    sign_in(page, TEACHER[0])
    page.goto("/audit")
    expect(page.get_by_role("heading", level=1)).to_have_text("Audit log")
    _one_word_headings_on_one_line(page)
    page.goto("/classes")
    page.get_by_role("link", name=CLASS_NAME, exact=True).first.click()
    page.get_by_role("link", name="Class board").click()
    page.get_by_role("link", name="Competency heat map").click()
    page.get_by_role("link", name="Maya Chen").click()
    page.get_by_role("link", name="Transcript to print").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Competency transcript")
    _one_word_headings_on_one_line(page)


def test_roster_names_and_long_buttons_fit_a_phone_in_spanish(pages):
    page = pages.new(phone=True, locale="es-ES")
    page.goto("/login")
    page.get_by_label("Correo electrónico").fill(TEACHER[0])
    page.get_by_label("Contraseña").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Iniciar sesión").click()
    expect(page.get_by_role("button", name="Cerrar sesión")).to_be_visible()
    page.goto("/classes")
    page.get_by_role("link", name=CLASS_NAME, exact=True).first.click()
    name = page.locator("td .person-name", has_text="Jamal Reed")
    assert name.evaluate(LINES) == 1, "a student's name breaks inside its words"
    assert horizontal_overflow(page) is None
    page.get_by_role("link", name=re.compile(r"^Editar Water")).click()  # the challenge
    page.get_by_role("link", name="Rúbrica y ajustes de evaluación").click()
    page.get_by_role("link", name="Elegir o editar las preguntas para colaboradores").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Preguntas para colaboradores")
    assert horizontal_overflow(page) is None, horizontal_overflow(page)


def test_people_fit_a_phone_in_spanish(pages):
    page = pages.new(phone=True, locale="es-ES")
    page.goto("/login")
    page.get_by_label("Correo electrónico").fill(ADMIN[0])
    page.get_by_label("Contraseña").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Iniciar sesión").click()
    page.get_by_role("link", name="Personas", exact=True).click()
    role = page.get_by_role("cell", name="Administración del distrito", exact=True)
    # Three words may take three lines on a phone, never more: no word breaks inside.
    assert role.evaluate(LINES) <= 3, "a role breaks inside its words"
    deactivate = page.get_by_role("button", name=re.compile("^Desactivar")).first
    box = deactivate.bounding_box()
    assert box["x"] + box["width"] <= page.viewport_size["width"], "the Deactivate buttons are off the screen"
    assert horizontal_overflow(page) is None


def test_transcript_fits_a_phone_in_spanish(pages):
    page = pages.new(phone=True, locale="es-ES")
    page.goto("/login")
    page.get_by_label("Correo electrónico").fill(TEACHER[0])
    page.get_by_label("Contraseña").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Iniciar sesión").click()
    page.goto("/classes")
    page.get_by_role("link", name=CLASS_NAME, exact=True).first.click()
    page.get_by_role("link", name="Tablero de la clase").click()
    page.get_by_role("link", name="Mapa de calor de competencias").click()
    page.get_by_role("link", name="Maya Chen").click()
    page.get_by_role("link", name="Expediente de competencias para imprimir").click()
    competency = page.get_by_role("rowheader", name="COL Colaboración")
    assert competency.evaluate(LINES) == 1, "a competency's name breaks inside its words"
    expect(page.locator("td").filter(has_text="Media ponderada decreciente").first).to_be_visible()
    assert horizontal_overflow(page) is None
