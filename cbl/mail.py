"""Sending mail through one interface.

By default mail is not sent: it is written to the log and, as a .eml file, to
``instance/mail/`` so that a newcomer can open the links in it. With ``MAIL_SERVER`` set it
goes out over SMTP. Tests use the ``memory`` backend and read ``outbox()``. Callers write
each message in its recipient's language (:func:`in_language`)."""

import secrets
import smtplib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from email.message import EmailMessage
from pathlib import Path

from flask import current_app
from flask_babel import force_locale

from cbl.school import mail_sender


def send_mail(to: str, subject: str, body: str) -> EmailMessage:
    """Send a plain-text message to one address with the configured backend."""
    message = EmailMessage()
    message["From"] = mail_sender()
    message["To"] = to
    message["Subject"] = subject
    # 8bit keeps links whole in the .eml files a newcomer opens (quoted-printable would wrap them).
    message.set_content(body, cte="8bit")
    backend = current_app.config.get("MAIL_BACKEND") or ("smtp" if current_app.config.get("MAIL_SERVER") else "file")
    if backend == "memory":
        outbox().append(message)
    elif backend == "smtp":
        _send_smtp(message)
    else:
        _write_file(message)
    return message


@contextmanager
def in_language(locale: str | None) -> Iterator[None]:
    """Write a message in its recipient's language: ``locale`` (their account's) if the site
    speaks it, else the current one (the page's, or the default without a request)."""
    if locale in current_app.config["LANGUAGES"]:
        with force_locale(locale):
            yield
    else:
        yield


def outbox() -> list[EmailMessage]:
    """Messages sent with the memory backend (tests)."""
    return current_app.extensions.setdefault("cbl_outbox", [])


def _write_file(message: EmailMessage) -> None:
    folder = Path(current_app.config.get("MAIL_FOLDER") or Path(current_app.instance_path) / "mail")
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
    path = folder / f"{stamp}-{secrets.token_hex(3)}.eml"
    path.write_bytes(bytes(message))
    current_app.logger.info("Mail to %s, %r, written to %s:\n%s", message["To"], message["Subject"], path,
                            message.get_content())


def _send_smtp(message: EmailMessage) -> None:
    config = current_app.config
    with smtplib.SMTP(config["MAIL_SERVER"], int(config.get("MAIL_PORT") or 587), timeout=20) as smtp:
        if config.get("MAIL_USE_TLS", True):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
        smtp.send_message(message)
