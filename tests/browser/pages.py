"""Browser pages for the tests, and the journey that checks and photographs each page it
reaches (used by the fixtures in conftest.py)."""

import shutil
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tests.browser.checks import ARTIFACTS, PHONE_WIDTH, check_page, slug

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

DESKTOP = {"viewport": {"width": 1280, "height": 800}}
PHONE = {"viewport": {"width": 375, "height": 740}, "is_mobile": True, "has_touch": True}
TIMEOUT_MS = 10_000


@dataclass
class Pages:
    """Makes pages in fresh browser contexts (no shared cookies) and watches them for
    JavaScript errors and for styles, scripts or images that failed to load."""

    browser: "Browser"
    base_url: str
    contexts: list = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def new(self, phone: bool = False, locale: str | None = None) -> "Page":
        """A page in a fresh context; ``locale`` (e.g. "es-ES") sets the browser's language."""
        options = dict(PHONE if phone else DESKTOP)
        if locale:
            options["locale"] = locale
        context = self.browser.new_context(base_url=self.base_url, **options)
        context.set_default_timeout(TIMEOUT_MS)
        self.contexts.append(context)
        page = context.new_page()
        page.on("dialog", lambda dialog: dialog.accept())  # the "Are you sure?" of confirm.js
        page.on("pageerror", lambda error: self.problems.append(f"JavaScript error on {page.url}: {error}"))
        page.on("response", lambda response: self._check_resource(response))
        return page

    def _check_resource(self, response) -> None:
        if response.request.resource_type in ("stylesheet", "script", "image", "font") and response.status >= 400:
            self.problems.append(f"{response.request.resource_type} {response.url} answered {response.status}")

    def close(self) -> None:
        for context in self.contexts:
            context.close()


class Journey:
    """Numbers and checks the pages a journey reaches: ``journey.check(page, "class board")``
    runs :func:`check_page` and saves ``<artifacts>/<journey>/<nn>-class-board.png``; with
    ``phone=True`` (the default, for pages reached by a link) the same address is opened in a
    375 px phone with the same cookies and checked there too (``…-phone.png``)."""

    def __init__(self, name: str, pages: Pages):
        self.name = name
        self.pages = pages
        self.count = 0
        self._phone: "Page | None" = None
        shutil.rmtree(ARTIFACTS / name, ignore_errors=True)

    def check(self, page: "Page", name: str, phone: bool = True) -> None:
        self.count += 1
        shot = f"{self.name}/{self.count:02d}-{slug(name)}"
        self.assert_no_problems()
        check_page(page, shot)
        if phone and page.viewport_size and page.viewport_size["width"] > PHONE_WIDTH:
            phone_page = self.phone_for(page)
            phone_page.goto(page.url)
            check_page(phone_page, shot + "-phone")
        self.assert_no_problems()

    def phone_for(self, page: "Page") -> "Page":
        """The journey's phone page, signed in as whoever ``page`` is signed in as."""
        if self._phone is None:
            self._phone = self.pages.new(phone=True, locale=getattr(self, "locale", None))
        self._phone.context.clear_cookies()
        self._phone.context.add_cookies(page.context.cookies())
        return self._phone

    def assert_no_problems(self) -> None:
        assert not self.pages.problems, "\n".join(self.pages.problems)
