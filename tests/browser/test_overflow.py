"""Nothing scrolls sideways (issue 10, item 8): with a 200-character word and a long address in
every name, title, text, comment, table cell, rubric and goal of the demo school, a student, a
teacher and a community partner walk every page they can reach by a link, at 1280 px and at
375 px, and no page is wider than the window.

The module runs its own live server (its data is changed on purpose, so the other browser
tests keep the plain demo school)."""

import re
from collections import deque
from urllib.parse import urldefrag, urlsplit

import pytest

pytest.importorskip("playwright.sync_api", reason="Playwright is not installed: pip install -e '.[dev]'")
from playwright.sync_api import Error as PlaywrightError, Page, expect  # noqa: E402

from cbl.demo import DEMO_PASSWORD, PARTNER, TEACHER  # noqa: E402
from tests.browser.checks import horizontal_overflow  # noqa: E402
from tests.browser.conftest import serve  # noqa: E402

pytestmark = pytest.mark.browser

WORD = ("Regenwassersammelbehälter" * 9)[:200]  # one 200-character word
ADDRESS = "https://www.example.org/" + "/".join(["watershed-monitoring-programme"] * 8) + "?station=" + "7" * 60
# A markdown table whose cells hold a long word and an address: findings, an entry, a comment.
TABLE = (f"\n\n| Week | Rain (mm) | Notes |\n|---|---|---|\n| 1 | 12 | {WORD} |\n| 2 | 30 | {ADDRESS} |\n")

# The text columns people type into (names, titles, texts, comments, rubric and goal texts):
# each gets the long word (and, in free text, the long address and a markdown table).
TEXT_COLUMNS = {"alt_text", "big_idea", "body", "category", "comment", "contribution", "description", "details",
                "display_name", "essential_question_template", "filename", "findings", "label", "message", "name",
                "note", "overall_comment", "prompt", "prompt_engage", "prompt_investigate", "prompt_act", "reason",
                "response", "short_name", "summary", "term", "text", "title"}
MARKDOWN_COLUMNS = {"body", "findings", "description", "details", "overall_comment", "comment", "summary"}
URL_COLUMNS = {("activity", "url"), ("entry", "link_url")}

WIDTHS = (1280, 375)
SKIPPED = re.compile(r"/(static|attachments|files)/|export|download|\.(csv|zip|json|pdf|png|jpg|ics|xml)$|/logout")
SAME_KIND_LIMIT = 3  # pages whose addresses differ only in numbers or query are one kind of page


def lengthen(instance) -> None:
    """Puts the long word, address and table into every text the seeded school has."""
    import sqlalchemy as sa

    from cbl.extensions import db
    from cbl.markdown import render_markdown
    from tests.browser.server import build_app

    app = build_app(instance)  # the live server's database; the demo school is already there
    with app.app_context():
        for table in db.metadata.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, (sa.String, sa.Text))
                       and not isinstance(c.type, sa.Enum)
                       and (c.name in TEXT_COLUMNS or (table.name, c.name) in URL_COLUMNS)]
            if not columns:
                continue
            rows = db.session.execute(sa.select(table.c.id, *columns)).all() if "id" in table.c else []
            for row in rows:
                values = {}
                for column in columns:
                    old = getattr(row, column.name) or ""
                    if (table.name, column.name) in URL_COLUMNS:
                        new = ADDRESS
                    elif column.name in MARKDOWN_COLUMNS or isinstance(column.type, sa.Text):
                        new = f"{old} {WORD} {ADDRESS}" + (TABLE if column.name in MARKDOWN_COLUMNS else "")
                    else:
                        new = f"{old} {WORD}"
                    length = getattr(column.type, "length", None)
                    values[column.name] = new[:length] if length else new
                if "body_html" in table.c and "body" in values:
                    values["body_html"] = str(render_markdown(values["body"]))
                db.session.execute(sa.update(table).where(table.c.id == row.id).values(**values))
        db.session.commit()


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    """This module's own server, on the demo school with every text made long."""
    with serve(tmp_path_factory.mktemp("overflow-instance")) as server:
        lengthen(server.instance)
        yield server


def sign_in(page: Page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def links(page: Page, base: str) -> list[str]:
    hrefs = page.eval_on_selector_all(  # SVG links (the charts') too, whose .href is not a string
        "a[href]", "links => links.map(a => new URL(a.getAttribute('href'), document.baseURI).href)")
    found = []
    for href in hrefs:
        href = urldefrag(href)[0]
        if href.startswith(base) and not SKIPPED.search(urlsplit(href).path):
            found.append(href)
    return found


def walk(page: Page, base: str) -> tuple[list[str], list[str]]:
    """Every page reachable by a link from home, a few of each kind; the pages that scroll
    sideways at either width (with what sticks out) and the pages that were checked."""
    seen, kinds, problems, checked = set(), {}, [], []
    queue = deque([base + "/"])
    while queue:
        url = queue.popleft()
        kind = re.sub(r"\d+", "N", urlsplit(url).path)  # filters and pages of a list are that list
        if url in seen or kinds.get(kind, 0) >= SAME_KIND_LIMIT:
            continue
        seen.add(url)
        kinds[kind] = kinds.get(kind, 0) + 1
        try:
            response = page.goto(url)
        except PlaywrightError as error:  # a file to download, not a page
            if "Download is starting" in str(error):
                continue
            raise
        if response is None or response.status >= 400 or "text/html" not in response.headers.get("content-type", ""):
            continue
        checked.append(url)
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 800})
            overflow = horizontal_overflow(page)
            if overflow:
                problems.append(f"{url} at {width}px: {overflow['scrollWidth']}px wide; {', '.join(overflow['elements'])}")
        page.set_viewport_size({"width": WIDTHS[0], "height": 800})
        queue.extend(link for link in links(page, base) if link not in seen)
    return problems, checked


@pytest.mark.parametrize("email", ["maya@riverside.example", TEACHER[0], PARTNER[0]],
                         ids=["student", "teacher", "partner"])
def test_no_page_scrolls_sideways_with_long_words_and_addresses(pages, live_server, email):
    page = pages.new()
    sign_in(page, email)
    problems, checked = walk(page, live_server.url)
    assert len(checked) >= 8, checked
    print(f"{email}: {len(checked)} pages checked at {WIDTHS}")
    page.goto("/")
    assert WORD[:40] in page.content()  # the long data is there to be shown
    assert not problems, (f"{len(problems)} views of the {len(checked)} pages (each at {len(WIDTHS)} widths) "
                          "scroll sideways:\n" + "\n".join(problems))
