"""The card's QR code: drawn on our server with segno, as SVG inlined in the page (no image
requests, nothing sent to a third party)."""

import segno
from markupsafe import Markup

from cbl.jobs import external_url


def card_url(token: str) -> str:
    """The address a card's QR code holds: the card's sign-in page on this site (on
    ``BASE_URL`` when it is set, not on whatever host the teacher's request named)."""
    return external_url("cards.sign_in", token=token)


def qr_svg(url: str, label: str) -> Markup:
    """``url`` as an inline SVG QR code (medium error correction, the standard quiet zone),
    sized by CSS and titled ``label`` for screen readers."""
    code = segno.make(url, error="m", micro=False)
    return Markup(code.svg_inline(scale=4, border=4, omitsize=True, title=label, svgclass="qr",
                                  lineclass=None, dark="#000", light="#fff"))
