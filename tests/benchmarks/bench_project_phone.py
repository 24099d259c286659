"""How far a student on a phone is from "Add a note" on the project page; not part of the suite.

Signs in as a demo student in a 375×667 phone-sized Chromium (Debian's, as the browser tests),
opens the student's project from the home page and prints:

- screens of scrolling: the bottom of the "Add a note" control, in page pixels, ÷ 667;
- the page's whole height ÷ 667, for context;
- Tab presses from the top of the page until "Add a note" has the keyboard focus.

Run it against a server with the demo school (``flask --app cbl seed-demo``)::

    python tests/benchmarks/bench_project_phone.py http://127.0.0.1:5000 [--email maya@riverside.example]"""

import argparse
import os

from playwright.sync_api import sync_playwright

WIDTH, HEIGHT = 375, 667
MAX_TABS = 400
CHALLENGE = "Water in our neighbourhood"


def measure(base_url: str, email: str, password: str) -> dict:
    """The figures above, for the first project named ``CHALLENGE`` on the student's home page."""
    chromium = os.environ.get("CBL_CHROMIUM") or "/usr/bin/chromium"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-dev-shm-usage"])
        context = browser.new_context(base_url=base_url, viewport={"width": WIDTH, "height": HEIGHT},
                                      is_mobile=True, has_touch=True, locale="en-US")
        page = context.new_page()
        page.goto("/login")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state("load")
        page.get_by_role("main").get_by_role("link", name=CHALLENGE, exact=True).first.click()
        page.wait_for_load_state("load")
        add_note = page.get_by_role("link", name="Add a note").first
        box = page.evaluate("""el => { const r = el.getBoundingClientRect();
            return {bottom: r.bottom + window.scrollY, height: document.documentElement.scrollHeight}; }""",
                            add_note.element_handle())
        page.evaluate("() => { window.scrollTo(0, 0); document.activeElement && document.activeElement.blur(); }")
        tabs = 0
        while tabs < MAX_TABS:
            page.keyboard.press("Tab")
            tabs += 1
            if page.evaluate("el => document.activeElement === el", add_note.element_handle()):
                break
        else:
            tabs = -1
        browser.close()
    return {"url": page.url, "screens_to_add_note": box["bottom"] / HEIGHT, "page_screens": box["height"] / HEIGHT,
            "tabs_to_add_note": tabs}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("base_url")
    parser.add_argument("--email", default="maya@riverside.example")
    parser.add_argument("--password", default="cbl-demo-2026")
    args = parser.parse_args()
    figures = measure(args.base_url, args.email, args.password)
    print(f"project page: {figures['url']}")
    print(f"screens of scrolling to 'Add a note' (375x667): {figures['screens_to_add_note']:.1f}"
          f" (whole page {figures['page_screens']:.1f} screens)")
    print(f"Tab presses from the top to 'Add a note': {figures['tabs_to_add_note']}")


if __name__ == "__main__":
    main()
