"""The only path from user-written markdown to HTML.

Markdown is rendered with a fixed set of extensions, then the HTML is cleaned by an
allow-list (nh3): raw HTML typed by the user never survives, links keep only safe schemes
and get ``rel="nofollow noopener noreferrer"``, and no attribute can carry script or style."""

from functools import lru_cache

import re

import markdown as md
import nh3
from markupsafe import Markup

EXTENSIONS = ["tables", "fenced_code", "sane_lists"]

ALLOWED_TAGS = {
    "p", "br", "hr", "em", "strong", "code", "pre", "blockquote", "ul", "ol", "li",
    "h1", "h2", "h3", "h4", "h5", "h6", "a", "table", "thead", "tbody", "tr", "th", "td", "del",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}, "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto"}


def _renderer() -> md.Markdown:
    """A Markdown instance that treats raw HTML as text: it is escaped and shown as typed,
    instead of reaching the sanitizer. (Instances keep state, so each call gets its own.)"""
    renderer = md.Markdown(extensions=EXTENSIONS, output_format="html")
    renderer.preprocessors.deregister("html_block")
    renderer.inlinePatterns.deregister("html")
    return renderer


def render_markdown(text: str | None) -> Markup:
    """Safe HTML for ``text``. Raw HTML in the input is escaped before rendering.

    Entries store their rendering with each revision; other texts (elements, findings) are
    rendered on view, and this process remembers recent results, so a page seen again does
    not render the same text again."""
    if not text:
        return Markup("")
    if len(text) <= CACHEABLE_LENGTH:
        return Markup(_render_cached(text))
    return Markup(_render(text))


CACHEABLE_LENGTH = 20_000


def render_markdown_inline(text: str | None) -> Markup:
    """:func:`render_markdown` for a place that takes phrasing content only (a rubric's
    descriptor inside the label of its radio button): paragraphs are unwrapped and joined by
    line breaks; lists and other blocks stay as they are."""
    html = str(render_markdown(text)).strip()
    paragraphs = re.fullmatch(r"<p>(.*?)</p>(?:\s*<p>.*?</p>)*", html, re.S)
    if paragraphs and "<p>" not in paragraphs.group(1):
        html = re.sub(r"</p>\s*<p>", "<br><br>", html[3:-4])
    return Markup(html)  # noqa: S704 (sanitized by render_markdown above)


@lru_cache(maxsize=1024)
def _render_cached(text: str) -> str:
    return _render(text)


def _render(text: str) -> str:
    html = _renderer().convert(text)
    return nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes=URL_SCHEMES,
                     link_rel="nofollow noopener noreferrer", strip_comments=True)


def from_cache(html: str | None) -> Markup:
    """HTML that :func:`render_markdown` produced and that was stored with its revision,
    so pages show it without rendering again. Never pass anything else here."""
    return Markup(html or "")
