"""The notifications page, the unread count in the navigation, and ``send-digests``."""

import click
from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.exc import SQLAlchemyError

from cbl.errors import NotFound
from cbl.extensions import db
from cbl.notifications import services
from cbl.notifications.forms import DigestForm
from cbl.notifications.models import DigestChoice
from cbl.paging import paginate

# cli_group=None: the command is ``flask --app cbl send-digests``, beside the others.
bp = Blueprint("notifications", __name__, cli_group=None)


@bp.app_context_processor
def unread_notifications() -> dict:
    """``unread_notifications`` for the navigation of a signed-in person: one query a
    request, however many templates it renders; no query for anonymous visitors."""
    if not getattr(current_user, "is_authenticated", False):
        return {}
    if "cbl_unread_notifications" not in g:
        try:
            g.cbl_unread_notifications = services.unread_count(current_user)
        except SQLAlchemyError:  # the badge must never break a page (an error page above all)
            db.session.rollback()
            current_app.logger.exception("Could not count unread notifications")
            g.cbl_unread_notifications = None
    return {"unread_notifications": g.cbl_unread_notifications}


def _render(form: DigestForm, status: int = 200):
    page = paginate(services.list_for(current_user))
    items = [(notice, services.describe(notice)) for notice in page.items]
    return render_template("notifications/index.html", page=page, items=items, form=form), status


@bp.get("/notifications")
@login_required
def index():
    """The person's notices, newest first, unread ones marked, and their choice of email."""
    return _render(DigestForm(formdata=None, digest=services.get_preference(current_user).value))


@bp.post("/notifications/<int:notification_id>/open", endpoint="open")
@login_required
def open_notice(notification_id: int):
    """Mark the notice read and go where it leads (always a page of this site)."""
    try:
        target = services.open_notification(current_user, notification_id)
    except NotFound:
        abort(404)
    return redirect(target)


@bp.post("/notifications/read-all")
@login_required
def read_all():
    if services.mark_all_read(current_user):
        flash(_("All your notifications are marked as read."), "success")
    return redirect(url_for("notifications.index"))


@bp.post("/notifications/preferences")
@login_required
def preferences():
    form = DigestForm()
    if not form.validate_on_submit():
        return _render(form, 400)
    choice = DigestChoice(form.digest.data)
    services.set_preference(current_user, choice)
    flash(_("You will get a daily digest of what you have not read.") if choice is DigestChoice.DAILY
          else _("You will get no email about notifications."), "success")
    return redirect(url_for("notifications.index"))


@bp.cli.command("send-digests")
def send_digests_command() -> None:
    """Mail each person who wants one a digest of their unread notifications. Run it once a
    day (cron, a systemd timer); running it again sends nothing already sent."""
    config = current_app.config
    if not config.get("BASE_URL") and not config.get("SERVER_NAME"):
        click.echo("CBL_BASE_URL is not set: links in the mail point at http://localhost:5000.", err=True)
    sent = services.send_digests()
    click.echo(f"Sent {sent} digest{'' if sent == 1 else 's'}.")
