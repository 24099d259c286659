"""Deleting an entry, the project's Recently deleted, restoring entries and earlier versions."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from cbl.dbtypes import utcnow
from cbl.errors import EditConflict, NotFound
from cbl.extensions import db
from cbl.permissions import (can_delete_entry, can_edit_entry, can_edit_project, can_restore_entry,
                             deleted_entries, get_visible, readable_visibilities)
from cbl.portfolio import recovery
from cbl.portfolio.blueprint import bp, load_entry
from cbl.portfolio.models import Entry, EntryRevision
from cbl.portfolio.views import revision_history
from cbl.projects.blueprint import load_project
from cbl.projects.services import removed_items
from cbl.teams.forms import EmptyForm

MAX_NUMBER = 2**31 - 1  # a revision or version number beyond this came from a tampered form


@bp.post("/entries/<int:entry_id>/delete")
@login_required
def delete(entry_id: int):
    """Only the author or a teacher deletes; the entry waits in Recently deleted."""
    entry = load_entry(entry_id)
    if not can_delete_entry(current_user, entry):
        abort(403)
    project_id = entry.project_id
    if EmptyForm().validate_on_submit():
        recovery.delete_entry(entry, current_user)
        flash({"text": _("Entry deleted. It stays in Recently deleted for 30 days."),
               "undo": url_for("portfolio.restore", entry_id=entry_id)}, "success")
    return redirect(url_for("portfolio.timeline", project_id=project_id))


@bp.get("/projects/<int:project_id>/deleted")
@login_required
def recently_deleted(project_id: int):
    """What the team deleted in the last 30 days, to restore."""
    project = load_project(project_id)
    if not can_edit_project(current_user, project):
        abort(403)
    since = utcnow() - recovery.KEEP_DELETED
    entries = list(db.session.scalars(
        deleted_entries(current_user).where(Entry.project_id == project.id, Entry.deleted_at > since)
        .options(joinedload(Entry.author), joinedload(Entry.deleted_by)).order_by(Entry.deleted_at.desc())))
    candidates, questions, activities = removed_items(project, since)
    return render_template("portfolio/recently_deleted.html", project=project, entries=entries,
                           candidates=candidates, questions=questions, activities=activities, keep_days=recovery.KEEP_DELETED.days,
                           purge_date=recovery.purge_date, empty=EmptyForm())


@bp.post("/entries/<int:entry_id>/restore")
@login_required
def restore(entry_id: int):
    """The author, a teammate or a teacher brings a deleted entry back whole."""
    entry = get_visible(deleted_entries(current_user), Entry, entry_id)
    if not can_restore_entry(current_user, entry):
        abort(403)
    if EmptyForm().validate_on_submit():
        try:
            recovery.restore_entry(entry, current_user)
        except NotFound:
            abort(404)
        flash(_("Entry restored."), "success")
        return redirect(url_for("portfolio.detail", entry_id=entry.id))
    return redirect(url_for("portfolio.recently_deleted", project_id=entry.project_id))


def _number(name: str) -> int | None:
    value = request.form.get(name, "")
    return int(value) if value.isdigit() and 0 < int(value) <= MAX_NUMBER else None


@bp.post("/entries/<int:entry_id>/revisions/restore")
@login_required
def restore_revision(entry_id: int):
    """Make an earlier version current: saved as a new version, if nobody saved meanwhile."""
    entry = load_entry(entry_id)
    if not can_edit_entry(current_user, entry):
        abort(403)
    number, version = _number("number"), _number("version")
    if not EmptyForm().validate_on_submit() or number is None or version is None:
        abort(400)
    readable = db.session.scalar(select(EntryRevision.id).where(
        EntryRevision.entry_id == entry.id, EntryRevision.number == number,
        EntryRevision.visibility.in_(readable_visibilities(current_user, entry))))
    if readable is None:
        abort(404)
    try:
        recovery.restore_revision(entry, number, current_user, version)
    except NotFound:
        abort(404)
    except EditConflict as conflict:
        entry = load_entry(entry_id)
        return render_template("portfolio/revisions.html", entry=entry, project=entry.project,
                               empty=EmptyForm(), conflict=conflict, **revision_history(entry)), 409
    flash(_("Version %(n)d is the current text again (saved as a new version).", n=number), "success")
    return redirect(url_for("portfolio.detail", entry_id=entry.id))
