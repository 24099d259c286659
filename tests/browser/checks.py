"""What the browser tests check on every page they reach: accessibility (axe-core),
no sideways scrolling on a phone, visible keyboard focus; and a screenshot of each page."""

import os
import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import Page

ROOT = Path(__file__).resolve().parents[2]
# Screenshots of every page checked: $CBL_ARTIFACTS_DIR, or tests/browser/artifacts (ignored by git).
ARTIFACTS = Path(os.environ.get("CBL_ARTIFACTS_DIR") or ROOT / "tests" / "browser" / "artifacts")

# WCAG 2.0, 2.1 and 2.2, levels A and AA.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
FAILING_IMPACTS = {"serious", "critical"}
PHONE_WIDTH = 480  # a viewport this narrow or narrower is a phone: it must not scroll sideways

@cache
def _axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


def axe_violations(page: "Page") -> list[dict]:
    """The WCAG A/AA violations axe-core finds in the page as it is now (every impact)."""
    results = _axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS},
                                      "resultTypes": ["violations"]})
    return results.response["violations"]


def describe_violations(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"][:8]:
            target = " ".join(str(part) for part in node["target"])
            lines.append(f"    {target}   {node['html'][:160]}")
        if len(violation["nodes"]) > 8:
            lines.append(f"    … and {len(violation['nodes']) - 8} more")
    return "\n".join(lines)


def horizontal_overflow(page: "Page") -> dict | None:
    """None when the page fits its viewport's width; otherwise the widths and the elements
    that stick out (those whose right edge passes the viewport, outermost first)."""
    # The layout width, not window.innerWidth: a phone browser widens its layout viewport
    # (and so innerWidth) to fit content that is too wide, and zooms out.
    return page.evaluate("""() => {
        const width = document.documentElement.clientWidth, scroll = document.documentElement.scrollWidth;
        if (scroll <= width) return null;
        const out = [];
        for (const el of document.body.querySelectorAll('*')) {
            const box = el.getBoundingClientRect();
            if (box.right > width + 1 && box.width > 0 && !out.some(o => o.node.contains(el))) {
                out.push({node: el, right: Math.round(box.right)});
            }
        }
        const name = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
            + [...el.classList].map(c => '.' + c).join('');
        return {viewport: width, scrollWidth: scroll,
                elements: out.slice(0, 10).map(o => `${name(o.node)} (right edge ${o.right}px)`)};
    }""")


def screenshot_path(name: str) -> Path:
    path = ARTIFACTS / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def check_page(page: "Page", name: str) -> None:
    """Check the page as it is and save a full-page screenshot as ``<artifacts>/<name>.png``.

    Fails on any WCAG 2.x A/AA violation of impact serious or critical (naming the rule, its
    impact and the elements), and, on a phone-sized viewport, when the page scrolls sideways."""
    page.wait_for_load_state("load")
    page.screenshot(path=screenshot_path(name), full_page=True)
    problems = []
    violations = [v for v in axe_violations(page) if v["impact"] in FAILING_IMPACTS]
    if violations:
        problems.append(f"axe found serious or critical violations:\n{describe_violations(violations)}")
    headings = heading_problems(page)
    if headings:
        problems.append("headings out of order: " + "; ".join(headings))
    width = page.viewport_size["width"] if page.viewport_size else 0
    if width and width <= PHONE_WIDTH:
        overflow = horizontal_overflow(page)
        if overflow:
            problems.append(f"the page scrolls sideways at {overflow['viewport']}px (content is "
                            f"{overflow['scrollWidth']}px wide); too wide: {', '.join(overflow['elements'])}")
    if problems:
        raise AssertionError(f"{name} ({page.url}):\n" + "\n".join(problems))


def heading_problems(page: "Page") -> list[str]:
    """One h1 per page, and no level skipped on the way down (an h2 may follow an h4, not an
    h2 an h4 without an h3 between)."""
    levels = page.evaluate("""() => Array.from(document.querySelectorAll('h1,h2,h3,h4,h5,h6'))
        .filter(h => h.offsetParent !== null || getComputedStyle(h).position === 'fixed')
        .map(h => [parseInt(h.tagName[1]), h.innerText.trim().slice(0, 40)])""")
    problems = []
    if [level for level, _ in levels].count(1) != 1:
        problems.append(f"{[level for level, _ in levels].count(1)} h1 headings")
    previous = 1
    for level, text in levels:
        if level > previous + 1:
            problems.append(f"h{level} {text!r} after h{previous}")
        previous = level
    return problems


def focus_report(page: "Page") -> dict:
    """The focused element (a short description) and whether a focus indicator shows on it:
    an outline or a box shadow, as computed by the browser."""
    return page.evaluate("""() => {
        const el = document.activeElement;
        if (!el || el === document.body) return {element: 'body', visible: false};
        const style = getComputedStyle(el);
        const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
        const shadow = style.boxShadow && style.boxShadow !== 'none';
        const text = (el.innerText || el.value || el.getAttribute('aria-label') || el.name || '').trim();
        return {element: el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + ' ' + JSON.stringify(text.slice(0, 40)),
                visible: Boolean(outline || shadow)};
    }""")


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
