"""What a 13-year-old met walking the merged product on a 375 px phone: check boxes and radio
buttons squeezed narrower than a finger by their long labels (an activity's guiding questions);
the timeline's competency filter laid out as a row of chips instead of a tree; words cut in the
middle ("documentatio|n") in the level tiles of the self-assessment."""

import pytest

pytest.importorskip("playwright.sync_api", reason="Playwright is not installed: pip install -e '.[dev]'")
from playwright.sync_api import Page, expect  # noqa: E402

from tests.browser.test_phone_capture import sign_in_and_open_project  # noqa: E402

pytestmark = pytest.mark.browser

# The words of each text node under `selector` that the browser laid out on two lines, not
# counting a break at a hyphen or a soft hyphen (a word hyphenated by the browser is fine).
CUT_WORDS = """(selector) => {
    const cut = [];
    for (const root of document.querySelectorAll(selector)) {
        const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            for (const match of node.data.matchAll(/[^\\s\\u00ad-]+/g)) {
                const range = document.createRange();
                range.setStart(node, match.index);
                range.setEnd(node, match.index + match[0].length);
                const lines = new Set([...range.getClientRects()].filter(b => b.width > 0).map(b => Math.round(b.top)));
                if (lines.size > 1) cut.push(match[0]);
            }
        }
    }
    return cut;
}"""


def test_long_labels_do_not_squeeze_check_boxes_on_a_phone(phone_page: Page):
    page = phone_page
    sign_in_and_open_project(page)
    page.locator("a[href*='/activities/']", has_text="Measure the roof with the caretaker").click()  # "Edit"
    boxes = page.get_by_role("main").locator("input[type=checkbox], input[type=radio]")
    assert boxes.count() >= 5
    widths = boxes.evaluate_all("els => els.map(e => Math.round(e.getBoundingClientRect().width))")
    assert min(widths) == max(widths) >= 19, f"check boxes of unequal or tiny widths: {widths}"


def test_timeline_competency_filter_is_a_tree_on_a_phone(phone_page: Page):
    page = phone_page
    sign_in_and_open_project(page)
    page.get_by_role("link", name="The whole portfolio").click()
    page.locator("summary", has_text="Competency:").click()
    framework = page.locator(".competency-filter details.tree-framework").first
    expect(framework).to_be_visible()
    tops = framework.locator(":scope > ul > li").evaluate_all(
        "items => items.map(li => Math.round(li.getBoundingClientRect().top))")
    assert len(tops) >= 3
    assert len(set(tops)) == len(tops), f"competencies share a line, as chips: {tops}"


def test_self_assessment_levels_keep_words_whole_on_a_phone(phone_page: Page):
    page = phone_page
    sign_in_and_open_project(page)
    page.get_by_role("link", name="Assess myself").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("My self-assessment")
    cut = page.evaluate(CUT_WORDS, ".level-cell")
    assert not cut, f"words cut in the middle in the level tiles: {cut}"
