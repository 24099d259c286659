"""The one path from user markdown to HTML: useful formatting in, nothing dangerous out."""

from html.parser import HTMLParser

import pytest

from cbl.markdown import render_markdown


def _elements(markup: str) -> list[tuple[str, dict]]:
    found = []

    class Collector(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append((tag, dict(attrs)))

    Collector().feed(str(markup))
    return found


PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![img](javascript:alert(1))",
    '<p style="background:url(javascript:alert(1))">styled</p>',
    "<iframe src=https://evil.example></iframe>",
    '<svg onload="alert(1)"></svg>',
    "<details open ontoggle=alert(1)>",
    "[x](https://ok.example \"title\" onmouseover=alert(1))",
    "```\n</code><script>alert(1)</script>\n```",
    "<!-- <script>alert(1)</script> -->",
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_hostile_markdown_produces_no_script_handler_style_or_unsafe_link(payload):
    for tag, attrs in _elements(render_markdown(payload)):
        assert tag not in {"script", "iframe", "svg", "img", "style", "details", "object", "embed"}
        assert not any(name.startswith("on") or name == "style" for name in attrs)
        for name in ("href", "src"):
            assert not (attrs.get(name) or "").lower().startswith(("javascript:", "data:", "vbscript:"))


def test_useful_markdown_survives():
    html = str(render_markdown("**bold** *it* `code`\n\n- one\n- two\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n"
                               "```\nx = 1\n```\n\n> quoted\n\n[site](https://example.org)"))
    for fragment in ("<strong>bold</strong>", "<em>it</em>", "<code>code</code>", "<li>one</li>", "<table>",
                     "<td>1</td>", "<pre><code>x = 1", "<blockquote>"):
        assert fragment in html
    assert '<a href="https://example.org" rel="nofollow noopener noreferrer">site</a>' in html


def test_raw_html_is_shown_as_text_not_dropped():
    assert "&lt;b&gt;bold?&lt;/b&gt;" in str(render_markdown("<b>bold?</b>"))


def test_empty_text_renders_nothing():
    assert str(render_markdown("")) == "" and str(render_markdown(None)) == ""
