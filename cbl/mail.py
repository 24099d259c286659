"""Sending mail through one interface.

:func:`send_mail` builds the message where it is called (in the request, in its recipient's
language: :func:`in_language`) and queues it; the job worker (``cbl/jobs``) delivers it, so a
slow or unreachable mail server never makes a page slow or fail. A delivery that fails is
logged and tried again later (``MAIL_RETRIES`` times, waiting twice as long each time).

By default mail is not sent: it is written to the log and, as a .eml file, to
``instance/mail/`` so that a newcomer can open the links in it. With ``MAIL_SERVER`` set it
goes out over SMTP. Tests use the ``memory`` backend and read ``outbox()`` (their jobs run at
once)."""

import secrets
import smtplib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from flask import current_app
from flask_babel import force_locale

from cbl.jobs import huey, job
from cbl.school import mail_sender


def send_mail(to: str, subject: str, body: str) -> EmailMessage:
    """Queue a plain-text message to one address; the worker delivers it with the configured
    backend. Returns the message as built."""
    message = EmailMessage()
    message["From"] = mail_sender()
    message["To"] = to
    message["Subject"] = subject
    # 8bit keeps links whole in the .eml files a newcomer opens (quoted-printable would wrap them).
    message.set_content(body, cte="8bit")
    config = current_app.config
    huey.enqueue(deliver.s(bytes(message), retries=int(config["MAIL_RETRIES"]),
                           retry_delay=int(config["MAIL_RETRY_SECONDS"]), retry_backoff=2))
    return message


@job(context=True)
def deliver(data: bytes, task=None) -> None:
    """The job that hands a queued message to the backend. A failure is logged and raised,
    so that Huey tries again later (``retries`` left on ``task``)."""
    message = message_from_bytes(data, policy=policy.default)
    backend = current_app.config.get("MAIL_BACKEND") or ("smtp" if current_app.config.get("MAIL_SERVER") else "file")
    try:
        if backend == "memory":
            outbox().append(message)
        elif backend == "smtp":
            _send_smtp(message)
        else:
            _write_file(message)
    except (smtplib.SMTPException, OSError) as err:
        left = task.retries if task is not None else 0
        if left:
            current_app.logger.warning("Could not deliver the mail to %s, %r (%s); trying again later, %d more "
                                       "tries.", message["To"], message["Subject"], err, left)
        else:
            current_app.logger.error("Could not deliver the mail to %s, %r (%s); given up.", message["To"],
                                     message["Subject"], err)
        raise


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
