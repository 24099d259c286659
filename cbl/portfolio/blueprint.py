"""The portfolio blueprint, its loaders, and what it adds to the project page."""

from flask import Blueprint, abort
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from cbl.competencies.queries import picker_for
from cbl.extensions import db
from cbl.permissions import (can_edit_entry, can_edit_project, get_visible, show_full_names_of,
                             visible_entries)
from cbl.portfolio import publishing, queries
from cbl.portfolio.export import is_web_address
from cbl.portfolio.forms import VISIBILITY_LABELS, EntryForm
from cbl.portfolio.models import Entry, EntryKind, Publication, PublicationStatus, Visibility
from cbl.projects.defaults import ELEMENT_LABELS, PHASE_LABELS
from cbl.projects.hooks import board_extra, project_page_extra
from cbl.projects.models import ElementKey, GuidingQuestion, Phase, Project
from cbl.teams.models import Team

bp = Blueprint("portfolio", __name__)

KIND_LABELS = {
    EntryKind.NOTE: _l("Note"),
    EntryKind.IMAGE: _l("Photos"),
    EntryKind.REFLECTION: _l("Reflection"),
    EntryKind.LINK: _l("Link"),
    EntryKind.FILE: _l("File"),
}
# Kinds a person can choose when adding an entry.
ADDABLE_KINDS = (EntryKind.NOTE, EntryKind.IMAGE, EntryKind.LINK, EntryKind.FILE, EntryKind.REFLECTION)


def load_entry(entry_id: int) -> Entry:
    """The entry if the visitor may read it, else 404."""
    entry = get_visible(visible_entries(current_user).options(
        joinedload(Entry.project).joinedload(Project.team).joinedload(Team.classroom),
        joinedload(Entry.project).joinedload(Project.challenge), joinedload(Entry.author)), Entry, entry_id)
    show_full_names_of(entry.project.team.classroom)
    return entry


def load_editable_entry(entry_id: int) -> Entry:
    """The entry if the visitor may change it: 404 when invisible, 403 when read-only."""
    entry = load_entry(entry_id)
    if not can_edit_entry(current_user, entry):
        abort(403, _("You can read this entry but not change it."))
    return entry


def may_add_entries(project: Project) -> bool:
    """Team members document their project; so do the class's teachers."""
    return can_edit_project(current_user, project)


def entry_form(project: Project, kind: EntryKind, entry: Entry | None = None) -> EntryForm:
    """The entry form for this kind of entry, with its choices filled from the project."""
    form = EntryForm(obj=entry) if entry is not None else EntryForm()
    questions = [(str(q.id), q.text) for q in _questions(project)]
    # Only the class's frameworks are offered; tags the entry has already stay offered.
    form.competency_picker = picker_for([project.team.classroom_id], entry.competencies if entry else ())
    visibilities = ((Visibility.PRIVATE, Visibility.TEAM) if kind is EntryKind.REFLECTION else tuple(Visibility))
    form.set_choices(
        phases=[(p.value, PHASE_LABELS[p]) for p in Phase],
        elements=[(k.value, f"{PHASE_LABELS[k.phase]} · {ELEMENT_LABELS[k]}") for k in ElementKey],
        questions=questions,
        visibilities=[(v.value, VISIBILITY_LABELS[v]) for v in visibilities],
        competencies=form.competency_picker.choices())
    # A field the page does not show is not sent back, so it must not be checked either.
    unused = {"link_url": kind is not EntryKind.LINK, "document": kind is not EntryKind.FILE,
              "photos": kind is not EntryKind.IMAGE,
              "element_key": kind is EntryKind.REFLECTION, "competencies": kind is EntryKind.REFLECTION,
              "guiding_question": kind is EntryKind.REFLECTION or not questions}
    for name, drop in unused.items():
        if drop:
            delattr(form, name)
    return form


def _questions(project: Project):
    return db.session.scalars(select(GuidingQuestion).where(GuidingQuestion.project_id == project.id,
                                                            GuidingQuestion.deleted_at.is_(None))
                              .order_by(GuidingQuestion.id))


@project_page_extra
def _project_page(project: Project, *, member: bool, shown_phase: Phase, **_known) -> dict:
    """The project page's side panel: recent entries, and the student's own reflection."""
    return {
        "publication": publishing.get_publication(project),
        "recent_entries": queries.recent_entries(current_user, project),
        "own_reflection": queries.own_reflection(current_user, project, shown_phase) if member else None,
        "kind_labels": KIND_LABELS,
    }


def _publication_requests():
    return (select(Publication).where(Publication.status == PublicationStatus.REQUESTED)
            .join(Project, Project.id == Publication.project_id).join(Team, Team.id == Project.team_id)
            .options(joinedload(Publication.project).joinedload(Project.team),
                     joinedload(Publication.project).joinedload(Project.challenge)))


@board_extra
def _board(*, classroom, **_known) -> dict:
    """Publication requests waiting on the class board, by project."""
    waiting = db.session.scalars(_publication_requests().where(Team.classroom_id == classroom.id))
    return {"publication_requests": {publication.project_id: publication for publication in waiting}}


@bp.record_once
def _template_globals(state) -> None:
    # is_web_address: the read-only phases (projects/_all_phases.html) are printed on the project page too.
    state.app.jinja_env.globals.update(kind_labels=KIND_LABELS, visibility_labels=VISIBILITY_LABELS,
                                       is_web_address=is_web_address)
