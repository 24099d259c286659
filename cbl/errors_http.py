"""Error pages: a clear message for every failure, never a traceback."""

from flask import Flask, current_app, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, SecurityError

from cbl.extensions import db


def _messages() -> dict[int, tuple[str, str]]:
    return {
        400: (_("Bad request"), _("The request could not be understood. Please go back and try again.")),
        403: (_("Not allowed"), _("You can see this page, but you may not do that here.")),
        404: (_("Page not found"), _("There is nothing here, or you do not have access to it.")),
        405: (_("Not allowed"), _("That page cannot be used this way.")),
        413: (_("Too large"), _("What you sent is too large, so nothing was saved. Please go back, make it "
                                 "smaller and send it again.")),
        429: (_("Too many attempts"), _("This was tried too many times in a short while, so it is paused "
                                         "for now. Please wait and try again later.")),
        500: (_("Something went wrong"), _("We could not finish that. Nothing you had saved before was lost; please try again.")),
    }


def _audit_refused_partner(code: int) -> None:
    """A partner asking for what they may not see is written to the audit log."""
    from flask_login import current_user

    from cbl import audit
    from cbl.accounts.models import Role

    try:
        if getattr(current_user, "is_authenticated", False) and current_user.role is Role.PARTNER:
            # The refused request changes nothing: end its transaction first, so that on SQLite
            # its write lock (taken by a POST) does not hold up the log's own transaction.
            actor_id = current_user.id  # read before the rollback expires the user
            db.session.rollback()
            audit.record_now(audit.Action.PARTNER_REFUSED, actor_id=actor_id, object_type="path",
                             detail=f"{code} {request.method} {request.path}")
    except Exception:  # the error page must show even when the log cannot be written
        current_app.logger.exception("Could not write the audit event")


def _too_large_message() -> str:
    """Say what was too large: a form that carries only text (or whose files fit within the
    request limit) had a text too long for any field; otherwise the files were too large."""
    files_possible = (request.mimetype == "multipart/form-data"
                      and (request.content_length or 0) > (current_app.config.get("MAX_CONTENT_LENGTH") or 0))
    if files_possible:
        return _("The files you sent are too large together, so nothing was saved. Please go back and send "
                 "fewer or smaller files at once.")
    return _("The text you sent is far too long, so nothing was saved. Please go back (your browser keeps "
             "what you typed in the form), shorten it or split it into several entries, and save again.")


def render_error(code: int, detail: str | None = None):
    title, message = _messages().get(code, (_("Error"), _("Something went wrong.")))
    return render_template("errors/error.html", code=code, title=title, message=detail or message), code


# Everything comes from this site: no third-party scripts, styles, fonts or frames. (blob:
# images are the thumbnails photos.js shows of photos chosen on this device, before sending.)
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data: blob:; object-src 'none'; "
                               "frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def register(app: Flask) -> None:
    @app.after_request
    def security_headers(response):
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    @app.errorhandler(CSRFError)
    def csrf_error(err: CSRFError):
        return render_error(400, _("This form had expired or came from another site. "
                                   "Please go back, reload the page and send it again."))

    @app.errorhandler(413)
    def too_large(err: HTTPException):
        return render_error(413, _too_large_message())

    @app.errorhandler(429)
    def too_many_requests(err: HTTPException):
        # An abuse limit (cbl/ratelimit.py) refused the request before its view ran: nothing
        # is saved or logged, and the page is the same whether or not an account exists.
        return render_error(429)

    @app.errorhandler(SecurityError)
    def untrusted_host(err: SecurityError):
        # The request named a host not in TRUSTED_HOSTS: no page can be built on it (its links
        # would point there), so the answer is plain text.
        return _("This site does not answer to that address."), 400, {"Content-Type": "text/plain; charset=utf-8"}

    @app.errorhandler(HTTPException)
    def http_error(err: HTTPException):
        if err.code is None or err.code < 400:
            return err
        if err.code in (403, 404):
            _audit_refused_partner(err.code)
        # A refusal says what was refused: abort(403, _("…")) passes it (werkzeug's own English
        # default is not shown). A 404 says nothing more, so that ids do not leak.
        said = err.description if err.code == 403 and err.description != type(err).description else None
        return render_error(err.code, said)

    @app.errorhandler(Exception)
    def unexpected_error(err: Exception):
        db.session.rollback()
        app.logger.exception("Unhandled error")
        return render_error(500)
