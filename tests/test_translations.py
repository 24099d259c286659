"""The Spanish catalog is complete and current, and Spanish speakers get the interface in
Spanish: from their browser's Accept-Language, or from the language in their profile."""

import html
import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from cbl.i18n import TRANSLATIONS, compile_catalogs
from tests import factories

ROOT = Path(__file__).resolve().parent.parent
SPANISH = TRANSLATIONS / "es" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%%")


def _catalog(path: Path):
    with path.open("rb") as handle:
        return read_po(handle)


def _ids(catalog) -> set:
    return {m.id if isinstance(m.id, str) else tuple(m.id) for m in catalog if m.id}


def test_every_message_has_a_spanish_translation():
    missing = []
    for message in _catalog(SPANISH):
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, (tuple, list)) else [message.string]
        if message.fuzzy or not all(s and s.strip() for s in strings):
            missing.append(message.id)
    assert missing == [], f"{len(missing)} messages lack a Spanish translation, e.g. {missing[:5]}"


def test_translations_keep_every_placeholder():
    wrong = []
    for message in _catalog(SPANISH):
        if not message.id:
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        expected = sorted(set(PLACEHOLDER.findall(ids[-1])) | set(PLACEHOLDER.findall(ids[0])))
        for string in strings:
            if sorted(set(PLACEHOLDER.findall(string))) != expected and not (
                    len(ids) > 1 and set(PLACEHOLDER.findall(string)) <= set(expected)):
                wrong.append((ids[0], string))
    assert wrong == []


def test_the_catalog_holds_every_string_of_the_code(tmp_path):
    """A string added to a template or the code without `make messages` (and a translation)
    fails here."""
    pot = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "cbl/babel.cfg",
                    "-k", "_l", "-k", "lazy_gettext", "-o", str(pot), "."], cwd=ROOT, check=True,
                   capture_output=True)
    in_code, in_catalog = _ids(_catalog(pot)), _ids(_catalog(SPANISH))
    assert sorted(map(str, in_code - in_catalog)) == [], "run `make messages` and translate the new strings"


@pytest.fixture
def spanish():
    compile_catalogs()


def test_the_browser_language_picks_spanish(client, spanish):
    page = html.unescape(client.get("/login", headers={"Accept-Language": "es-ES,es;q=0.9"}).get_data(as_text=True))
    assert '<html lang="es"' in page and "Iniciar sesión" in page
    english = html.unescape(client.get("/login", headers={"Accept-Language": "en"}).get_data(as_text=True))
    assert "Iniciar sesión" not in english and "Sign in" in english


def test_the_profile_language_wins_and_dates_are_spanish(client, auth, spanish):
    teacher = factories.make_user("teacher")
    teacher.locale = "es"
    classroom = factories.make_classroom(teacher, name="Ciencias 8")
    from cbl.extensions import db

    db.session.commit()
    auth.as_user(teacher)
    page = html.unescape(client.get(f"/classes/{classroom.id}/invitations",
                                    headers={"Accept-Language": "en"}).get_data(as_text=True))
    assert '<html lang="es"' in page and "Invitaciones" in page and "Cerrar sesión" in page
