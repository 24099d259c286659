"""The card's QR code: drawn on our server with segno, as SVG inlined in the page (no image
requests, nothing sent to a third party)."""

import segno
from flask import url_for
from markupsafe import Markup


def card_url(token: str) -> str:
    """The address a card's QR code holds: the card's sign-in page on this site."""
    return url_for("cards.sign_in", token=token, _external=True)


def qr_svg(url: str, label: str) -> Markup:
    """``url`` as an inline SVG QR code (medium error correction, the standard quiet zone),
    sized by CSS and titled ``label`` for screen readers."""
    code = segno.make(url, error="m", micro=False)
    return Markup(code.svg_inline(scale=4, border=4, omitsize=True, title=label, svgclass="qr",
                                  lineclass=None, dark="#000", light="#fff"))
