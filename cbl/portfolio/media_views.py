"""Serving photos to those who may see them, markdown preview, and reflections."""

from flask import Response, abort, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from cbl.extensions import db
from cbl.markdown import render_markdown
from cbl.permissions import (can_read_reflections, get_visible, is_team_member, public_entries, visible_challenges,
                             visible_entries)
from cbl.portfolio import queries
from cbl.portfolio.blueprint import bp
from cbl.portfolio.forms import PreviewForm
from cbl.portfolio.models import Entry, EntryAttachment, EntryFile, EntryKind
from cbl.projects.blueprint import load_project
from cbl.projects.models import Challenge, Phase
from cbl.storage import get_storage

RENDITIONS = ("display", "thumb")


@bp.get("/attachments/<int:attachment_id>/<rendition>")
def attachment(attachment_id: int, rendition: str):
    """A photo, only for people who may see its entry (anyone, for a public entry of a
    published story); never sniffed as anything else."""
    if rendition not in RENDITIONS:
        abort(404)
    readable = visible_entries(current_user).with_only_columns(Entry.id).union(
        public_entries().with_only_columns(Entry.id))
    found = db.session.scalar(
        select(EntryAttachment).join(Entry, Entry.id == EntryAttachment.entry_id)
        .where(EntryAttachment.id == attachment_id, Entry.id.in_(readable)))
    if found is None:
        abort(404)
    blob = found.blob
    key, content_type = (blob.display_key, blob.display_type) if rendition == "display" else \
        (blob.thumb_key, blob.thumb_type)
    try:
        with get_storage().open(key) as handle:
            data = handle.read()
    except FileNotFoundError:
        abort(404)
    response = Response(data, content_type=content_type)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, max-age=3600"
    response.headers["Content-Disposition"] = "inline"
    return response


@bp.get("/files/<int:file_id>")
def download(file_id: int):
    """A shared document, only for people who may see its entry, always as a download."""
    readable = visible_entries(current_user).with_only_columns(Entry.id).union(
        public_entries().with_only_columns(Entry.id))
    found = db.session.scalar(select(EntryFile).where(EntryFile.id == file_id, EntryFile.entry_id.in_(readable)))
    if found is None:
        abort(404)
    try:
        with get_storage().open(found.storage_key) as handle:
            data = handle.read()
    except FileNotFoundError:
        abort(404)
    response = Response(data, content_type=found.content_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{found.filename}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


@bp.post("/markdown/preview")
@login_required
def preview():
    """The sanitized HTML of a draft, for the preview beside the editor."""
    form = PreviewForm()
    if not form.validate_on_submit():
        return jsonify(error="invalid"), 400
    return jsonify(html=str(render_markdown(form.body.data or "")))


@bp.get("/projects/<int:project_id>/reflect/<phase>")
@login_required
def reflect(project_id: int, phase: str):
    """A student's reflection on a phase: open theirs, or start it."""
    project = load_project(project_id)
    if phase not in {p.value for p in Phase}:
        abort(404)
    if not is_team_member(current_user, project.team_id):
        abort(403, _("Only the team's students write reflections here."))
    existing = queries.own_reflection(current_user, project, Phase(phase))
    if existing is not None:
        return redirect(url_for("portfolio.edit", entry_id=existing.id))
    return redirect(url_for("portfolio.create", project_id=project.id, kind=EntryKind.REFLECTION.value, phase=phase))


@bp.get("/challenges/<int:challenge_id>/reflections")
@login_required
def reflections(challenge_id: int):
    """For teachers: who has reflected in each phase, and every reflection to read."""
    challenge = get_visible(visible_challenges(current_user), Challenge, challenge_id)
    if not can_read_reflections(current_user, challenge.classroom_id):
        abort(403, _("Reflections are for their authors and their teachers only."))
    rows = queries.class_reflections(challenge.classroom, challenge)
    shown = request.args.get("phase")
    return render_template("portfolio/reflections.html", challenge=challenge, rows=rows,
                           shown_phase=Phase(shown) if shown in {p.value for p in Phase} else None)
