"""Language choice and localized formatting.

Every interface string goes through gettext (``_`` in templates and code). The visitor's
language is their profile's choice, else the best match of the browser's
Accept-Language among the languages we ship.

The catalogs live in ``cbl/translations/<lang>/LC_MESSAGES/messages.po`` (in git); the
compiled ``.mo`` files beside them are built from them when the application starts and they
are missing or older (``make messages`` extracts new strings into the catalogs)."""

import logging
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, current_app, has_request_context, request
from flask_babel import format_date, format_datetime, format_timedelta, get_locale
from flask_login import current_user

from cbl.dbtypes import utcnow
from cbl.extensions import babel


def select_locale() -> str | None:
    if not has_request_context():
        return None  # command-line tasks use the default language
    languages = current_app.config["LANGUAGES"]
    if getattr(current_user, "is_authenticated", False) and current_user.locale in languages:
        return current_user.locale
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


TRANSLATIONS = Path(__file__).parent / "translations"
_compiled = False


def compile_catalogs(force: bool = False) -> list[Path]:
    """Build each ``messages.mo`` that is missing or older than its ``.po``; returns those
    built. A read-only installation keeps the files it shipped with (logged)."""
    built = []
    for po_path in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"):
        mo_path = po_path.with_suffix(".mo")
        if not force and mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        try:
            with po_path.open("rb") as source:
                catalog = read_po(source)
            with mo_path.open("wb") as target:
                write_mo(target, catalog)
        except OSError as err:
            logging.getLogger(__name__).warning("cannot compile %s: %s", po_path, err)
            continue
        built.append(mo_path)
    return built


def register(app: Flask) -> None:
    global _compiled
    if not _compiled:  # once per process
        compile_catalogs()
        _compiled = True
    babel.init_app(app, locale_selector=select_locale)
    from cbl.markdown import render_markdown, render_markdown_inline

    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.filters["markdown_inline"] = render_markdown_inline
    app.jinja_env.globals["current_locale"] = lambda: str(get_locale() or "en")
    app.jinja_env.filters["date"] = lambda value, fmt="medium": format_date(value, fmt) if value else ""
    app.jinja_env.filters["datetime"] = (
        lambda value, fmt="medium": format_datetime(value, fmt) if value else ""
    )
    # "5 minutes ago", "hace 5 minutos": how long since an aware UTC time.
    app.jinja_env.filters["ago"] = (
        lambda value: format_timedelta(value - utcnow(), add_direction=True, threshold=0.9) if value else ""
    )
