"""Downloading a project's portfolio as a ZIP of static pages."""

from flask import Response, abort, stream_with_context
from flask_babel import gettext as _
from flask_login import current_user, login_required

from cbl.permissions import can_edit_project
from cbl.portfolio.blueprint import bp
from cbl.portfolio.export import build_export, export_filename
from cbl.projects.blueprint import load_project
from cbl.storage import get_storage


@bp.get("/projects/<int:project_id>/export.zip")
@login_required
def export(project_id: int):
    """The portfolio as the visitor may read it, streamed as a ZIP: for the team and the
    class's teachers (404 for an invisible project, 403 for other readers)."""
    project = load_project(project_id)
    if not can_edit_project(current_user, project):
        abort(403, _("Only the team and its teachers can download the portfolio."))
    # The generator reloads the user and project by id: it runs after this view returns.
    chunks = build_export(current_user.id, project.id, get_storage())
    response = Response(stream_with_context(chunks), mimetype="application/zip")
    response.headers["Content-Disposition"] = f'attachment; filename="{export_filename(project)}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
