"""Language choice and localized formatting.

Every interface string goes through gettext (``_`` in templates and code). The visitor's
language is their profile's choice, else the best match of the browser's
Accept-Language among the languages we ship."""

from flask import Flask, current_app, has_request_context, request
from flask_babel import format_date, format_datetime, get_locale
from flask_login import current_user

from cbl.extensions import babel


def select_locale() -> str | None:
    if not has_request_context():
        return None  # command-line tasks use the default language
    languages = current_app.config["LANGUAGES"]
    if getattr(current_user, "is_authenticated", False) and current_user.locale in languages:
        return current_user.locale
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


def register(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)
    from cbl.markdown import render_markdown

    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.globals["current_locale"] = lambda: str(get_locale() or "en")
    app.jinja_env.filters["date"] = lambda value, fmt="medium": format_date(value, fmt) if value else ""
    app.jinja_env.filters["datetime"] = (
        lambda value, fmt="medium": format_datetime(value, fmt) if value else ""
    )
