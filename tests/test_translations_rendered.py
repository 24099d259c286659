"""Rendered Spanish pages carry no English from the catalog: for each role, the pages a
person reaches from their home (in the demo school) are read in Spanish, and no English
message of the catalog (of a length that cannot be a coincidence, and whose Spanish differs)
appears in their text. This catches strings that never reached the catalog's Spanish side:
a template the extractor skipped, a message built outside gettext, a name shown raw."""

import html
import re
from collections import deque
from urllib.parse import urljoin, urlsplit

import pytest
from babel.messages.pofile import read_po
from sqlalchemy import select

from cbl.accounts.models import User
from cbl.demo import ADMIN, PARTNER, TEACHER, TEAMS, seed_demo
from cbl.extensions import db
from cbl.i18n import TRANSLATIONS

MIN_LENGTH = 14  # shorter English (names, "Engage") may be a student's own words
MAX_PAGES = 60
SKIP = re.compile(r"^/(logout|static/|attachments/|files/)|\.(zip|csv|json)$")
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%%")


def _english_messages() -> list[str]:
    """The catalog's English that must not show in Spanish: each literal piece between
    placeholders, long enough, translated to something else."""
    with (TRANSLATIONS / "es" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle)
    pieces = set()
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, (tuple, list)) else [message.id]
        strings = message.string if isinstance(message.string, (tuple, list)) else [message.string]
        for english in ids:
            if english in strings:
                continue
            for piece in PLACEHOLDER.split(english):
                piece = " ".join(piece.split()).strip(" .,:;—-“”")
                if len(piece) >= MIN_LENGTH and not any(piece in " ".join(s.split()) for s in strings):
                    pieces.add(piece)
    return sorted(pieces)


def _stored_texts() -> str:
    """Everything people wrote (titles, prompts, rubrics a teacher made from the starter): it
    is shown as written, in its author's language, even where it began as a catalog default."""
    from sqlalchemy import String, Text, select as sql_select

    values = []
    for table in db.metadata.sorted_tables:
        if table.name in ("competency", "competency_framework"):
            continue  # the default framework is shown in the reader's language
        columns = [c for c in table.columns if isinstance(c.type, (String, Text))]
        for column in columns:
            values += [v for v in db.session.scalars(sql_select(column)) if v]
    return "\n".join(" ".join(v.split()) for v in values)


def _text(page: str) -> str:
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def _links(page: str, path: str) -> list[str]:
    found = []
    for href in re.findall(r'<a [^>]*href="([^"#]+)', page):
        parts = urlsplit(urljoin("http://localhost" + path, html.unescape(href)))
        if (not parts.netloc or parts.netloc == "localhost") and not SKIP.search(parts.path):
            found.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return found


@pytest.mark.parametrize("email", [TEACHER[0], ADMIN[0], PARTNER[0], TEAMS["Rain Catchers"][0][0]])
def test_spanish_pages_show_no_english_from_the_catalog(app, auth, email):
    seed_demo()
    user = db.session.scalar(select(User).where(User.email == email))
    client = app.test_client()
    type(auth)(client).as_user(user)
    stored = _stored_texts()
    english = [piece for piece in _english_messages() if piece not in stored]
    leaks: dict[str, set[str]] = {}
    seen, queue, read = {"/home", "/showcase"}, deque(["/home", "/showcase"]), 0
    while queue and read < MAX_PAGES:
        path = queue.popleft()
        response = client.get(path, headers={"Accept-Language": "es"})
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        read += 1
        page = response.get_data(as_text=True)
        text = _text(page)
        for piece in english:
            if piece in text:
                leaks.setdefault(piece, set()).add(path)
        for link in _links(page, path):
            if link not in seen:
                seen.add(link)
                queue.append(link)
    assert leaks == {}, "\n".join(f"{piece!r} on {sorted(paths)[:3]}" for piece, paths in sorted(leaks.items()))


# --- mails speak their recipient's language; the default framework speaks the reader's ----------

def test_a_sign_in_link_is_mailed_in_the_recipients_language(app, client):
    from cbl.mail import outbox
    from tests import factories

    app.config["MAIL_BACKEND"] = "memory"
    partner = factories.make_user("partner", name="Jordan Kim", email="jordan@utility.example")
    partner.locale = "es"
    db.session.commit()
    assert client.post("/login/link", data={"email": partner.email},
                       headers={"Accept-Language": "en"}).status_code in (200, 302)
    message = outbox()[-1]
    assert message["To"] == partner.email
    assert "CBL Tracker" in message["Subject"] and "Your sign-in link" not in message["Subject"]
    assert "Open this link" not in message.get_content()


def test_default_competency_names_are_shown_in_the_readers_language(client, auth):
    from cbl.competencies.services import install_default_framework
    from tests import factories

    framework = install_default_framework()
    auth.as_user(factories.make_user("teacher"))
    page = html.unescape(client.get(f"/competencies/{framework.id}", headers={"Accept-Language": "es"})
                         .get_data(as_text=True))
    assert "Sopesa la evidencia" in page and "Competencias transversales de CBL Tracker" in page
    assert "Weighs evidence" not in page
