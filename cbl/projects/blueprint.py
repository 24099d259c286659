"""The projects blueprint and the loaders its views share."""

from flask import Blueprint, abort
from flask_babel import gettext as _
from flask_login import current_user

from cbl.permissions import can_edit_project, get_visible, show_full_names_of, visible_projects
from cbl.projects.models import Project
from cbl.projects.queries import project_options

bp = Blueprint("projects", __name__)


def load_project(project_id: int) -> Project:
    """The project if the visitor may see it, else 404."""
    project = get_visible(visible_projects(current_user).options(*project_options()), Project, project_id)
    show_full_names_of(project.team.classroom)
    return project


def load_editable_project(project_id: int) -> Project:
    """The project if the visitor may edit it: 404 when invisible, 403 when read-only."""
    project = load_project(project_id)
    if not can_edit_project(current_user, project):
        abort(403, _("You can read this project but not change it: only its team and its teachers can."))
    return project


@bp.record_once
def _template_globals(state) -> None:
    """Phase names, colours and element labels are used on every screen."""
    from cbl.projects.defaults import ELEMENT_HELP, ELEMENT_LABELS, PHASE_LABELS, PHASE_PURPOSE, PRIORITY_LABELS
    from cbl.projects.lifecycle import has_student_work
    from cbl.projects.models import ElementKey, Phase

    state.app.jinja_env.globals.update(
        phases=list(Phase), phase_labels=PHASE_LABELS, phase_purpose=PHASE_PURPOSE,
        element_labels=ELEMENT_LABELS, element_help=ELEMENT_HELP, element_keys=list(ElementKey), ElementKey=ElementKey,
        priority_labels=PRIORITY_LABELS,
        # A Delete button only where deleting can succeed (no student work yet).
        holds_student_work=has_student_work)
