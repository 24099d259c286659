"""Capturing work on a phone (issue 10, items 6 and 7), at 375 px in Chromium: the project page
puts "Add a note" on the first screen and shows the investigation matrix as cards; a student
picks two photos at once, describes them, is stopped before sending when one description is
missing (keeping both photos), sends with a progress bar, and finds the entry with both photos."""

import io

import pytest

pytest.importorskip("playwright.sync_api", reason="Playwright is not installed: pip install -e '.[dev]'")
from playwright.sync_api import Page, expect  # noqa: E402

from cbl.demo import DEMO_PASSWORD  # noqa: E402
from tests.browser.checks import check_page, horizontal_overflow  # noqa: E402

pytestmark = pytest.mark.browser

STUDENT = "leo@riverside.example"  # Rain Catchers, in Investigate with guiding questions
CHALLENGE = "Water in our neighbourhood"
SCREEN_HEIGHT = 740


def sign_in_and_open_project(page: Page) -> str:
    page.goto("/login")
    page.get_by_label("Email").fill(STUDENT)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("main").get_by_role("link", name=CHALLENGE, exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(CHALLENGE)
    return page.url


def photo(size: tuple[int, int], kind: str = "JPEG") -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", size, (222, 235, 247))
    ImageDraw.Draw(image).rectangle([size[0] // 4, size[1] // 4, size[0] // 2, size[1] - 10], fill=(29, 95, 168))
    buffer = io.BytesIO()
    image.save(buffer, kind)
    return buffer.getvalue()


def test_project_page_on_a_phone_starts_with_the_actions_and_shows_the_matrix_as_cards(phone_page):
    page = phone_page
    sign_in_and_open_project(page)
    add_note = page.get_by_role("link", name="Add a note")
    box = add_note.bounding_box()
    assert box and box["y"] + box["height"] <= SCREEN_HEIGHT, f"'Add a note' is below the first screen: {box}"
    for name in ("Add photos", "Write my reflection"):
        assert page.get_by_role("link", name=name).first.bounding_box()["y"] < SCREEN_HEIGHT, name
    on_this_page = page.get_by_role("navigation", name="On this page")
    missing = on_this_page.locator("a").evaluate_all(
        "links => links.map(a => a.getAttribute('href')).filter(h => !document.getElementById(h.slice(1)))")
    assert not missing, f"anchors to nothing: {missing}"
    on_this_page.get_by_role("link", name="Investigation matrix").click()
    assert page.evaluate("() => location.hash") == "#matrix"

    matrix = page.locator(".matrix-wrap > table.matrix")  # not the print-only copy of every phase
    rows = matrix.locator("tbody tr")
    assert rows.count() >= 2
    assert not matrix.locator("thead").is_visible() or matrix.locator("thead").bounding_box()["height"] <= 1
    for index in range(rows.count()):
        card = rows.nth(index)
        assert card.evaluate("tr => getComputedStyle(tr).display") in ("block", "grid")  # not a table row
        card_box = card.bounding_box()
        assert card_box["x"] >= 0 and card_box["x"] + card_box["width"] <= 375, card_box
        labels = card.locator("td").evaluate_all(
            "cells => cells.map(td => getComputedStyle(td, '::before').content)")
        assert labels == ['"Category"', '"Priority"', '"Activities and resources"', '"Findings"'], labels
    assert horizontal_overflow(page) is None
    check_page(page, "phone-capture/project")


def test_student_sends_two_photos_from_a_phone(phone_page):
    page = phone_page
    project_url = sign_in_and_open_project(page)
    page.get_by_role("link", name="Add photos").click()
    page.get_by_label("Title").fill("Barrel and tap at breakfast")
    big, small = photo((3000, 2000)), photo((400, 300), "PNG")
    page.get_by_label("Take or choose photos").set_input_files([
        {"name": "barrel.jpg", "mimeType": "image/jpeg", "buffer": big},
        {"name": "tap.png", "mimeType": "image/png", "buffer": small}])

    thumbnails = page.locator(".photo-preview img")
    expect(thumbnails).to_have_count(2)
    for index in range(2):
        assert thumbnails.nth(index).evaluate("img => img.decode().then(() => img.naturalWidth)") > 0
    first = page.get_by_label("Describe photo 1 for someone who cannot see it")
    second = page.get_by_label("Describe photo 2 for someone who cannot see it")
    check_page(page, "phone-capture/two-photos-chosen")

    first.fill("A blue rain barrel by the gym wall")
    page.get_by_role("button", name="Save").click()
    # Caught before sending: the empty description has the focus and says why; both photos stay.
    expect(second).to_be_focused()
    expect(second).to_have_attribute("aria-invalid", "true")
    expect(page.locator(f"#{second.get_attribute('id')}-error")).to_contain_text("Describe this photo")
    expect(thumbnails).to_have_count(2)
    expect(first).to_have_value("A blue rain barrel by the gym wall")
    assert "/entries/new" in page.url

    second.fill("The barrel's brass tap, dripping")
    # Records, across the navigation, what the progress bar and the sent photos looked like.
    page.evaluate("""() => {
        const box = document.querySelector('[data-send-progress]');
        const note = () => sessionStorage.setItem('sent', JSON.stringify({
            progressShown: !box.hidden || JSON.parse(sessionStorage.getItem('sent') || '{}').progressShown || false,
            sizes: [...document.querySelectorAll('.photo-preview')].map(li => li.dataset.sentSize || '')}));
        new MutationObserver(note).observe(document.querySelector('main form[enctype]'), {attributes: true, subtree: true});
    }""")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Barrel and tap at breakfast")
    expect(page.get_by_role("status").filter(has_text="Entry saved.")).to_be_visible()
    sent = page.evaluate("() => JSON.parse(sessionStorage.getItem('sent'))")
    assert sent["progressShown"], sent
    assert sent["sizes"] == ["2500x1667", "400x300"], sent  # the large photo was made smaller first
    for alt in ("A blue rain barrel by the gym wall", "The barrel's brass tap, dripping"):
        image = page.get_by_role("img", name=alt)
        expect(image).to_be_visible()
        assert image.evaluate("img => img.decode().then(() => img.naturalWidth)") > 0
    check_page(page, "phone-capture/entry-saved")
    page.goto(project_url)
    expect(page.get_by_role("link", name="Barrel and tap at breakfast")).to_be_visible()


def test_a_photo_the_server_refuses_is_marked_and_the_chosen_photos_are_kept(phone_page):
    page = phone_page
    sign_in_and_open_project(page)
    page.get_by_role("link", name="Add photos").click()
    page.get_by_label("Title").fill("Rain gauge, take two")
    page.get_by_label("Take or choose photos").set_input_files([
        {"name": "gauge.jpg", "mimeType": "image/jpeg", "buffer": photo((640, 480))},
        {"name": "broken.jpg", "mimeType": "image/jpeg", "buffer": b"not a photo at all"}])
    page.get_by_label("Describe photo 1 for someone who cannot see it").fill("The rain gauge on the fence")
    broken = page.get_by_label("Describe photo 2 for someone who cannot see it")
    broken.fill("Something that is not a photo")
    page.get_by_role("button", name="Save").click()
    # The server's refusal lands on the photo it concerns; nothing chosen or typed is lost.
    expect(broken).to_have_attribute("aria-invalid", "true")
    expect(page.locator(f"#{broken.get_attribute('id')}-error")).not_to_be_empty()
    expect(page.locator(".photo-preview")).to_have_count(2)
    expect(page.get_by_label("Title")).to_have_value("Rain gauge, take two")
    page.get_by_role("button", name="Remove photo 2").click()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Rain gauge, take two")
    expect(page.get_by_role("img", name="The rain gauge on the fence")).to_be_visible()


def test_without_javascript_the_plain_photo_rows_still_work(pages, live_server):
    context = pages.browser.new_context(base_url=live_server.url, java_script_enabled=False,
                                        viewport={"width": 375, "height": SCREEN_HEIGHT})
    pages.contexts.append(context)
    page = context.new_page()
    sign_in_and_open_project(page)
    page.get_by_role("link", name="Add photos").click()
    expect(page.get_by_label("Take or choose photos")).to_be_hidden()
    page.get_by_label("Title").fill("Gutter, no script")
    page.get_by_label("Photo 1", exact=True).set_input_files(
        {"name": "gutter.jpg", "mimeType": "image/jpeg", "buffer": photo((320, 240))})
    page.get_by_label("Describe the photo for someone who cannot see it").first.fill("A gutter full of leaves")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Gutter, no script")
    expect(page.get_by_role("img", name="A gutter full of leaves")).to_be_visible()
