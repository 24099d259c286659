"""Portfolio pages: the project timeline, one's own portfolio, writing and revising entries."""

import difflib

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from cbl import audit
from cbl.accounts.models import Role
from cbl.errors import EditConflict, NotFound, ValidationFailed
from cbl.extensions import db
from cbl.paging import paginate
from cbl.files import FileRejected, ProcessedFile, process_file
from cbl.images import ImageRejected, process_image
from cbl.competencies.models import Competency
from cbl.competencies.queries import picker_for
from cbl.permissions import (can_edit_entry, deleted_entries, enrolled_classroom_ids, readable_visibilities,
                             role_required)
from cbl.portfolio import queries, services
from cbl.portfolio.blueprint import (ADDABLE_KINDS, bp, entry_form, load_editable_entry, load_entry,
                                     may_add_entries)
from cbl.portfolio.forms import EntryFilterForm, EntryForm, read_contributors
from cbl.portfolio.models import Entry, EntryKind, EntryRevision, Visibility
from cbl.projects import hooks
from cbl.projects.blueprint import load_project
from cbl.projects.defaults import PHASE_LABELS
from cbl.projects.models import ElementKey, Phase, Project
from cbl.teams.forms import EmptyForm


def _filters() -> queries.TimelineFilter:
    """The timeline filters from the query string; unknown values are ignored."""
    form = EntryFilterForm(request.args)
    form.validate()
    phase = form.phase.data if form.phase.data in {p.value for p in Phase} else None
    kind = form.kind.data if form.kind.data in {k.value for k in EntryKind} else None
    return queries.TimelineFilter(Phase(phase) if phase else None, EntryKind(kind) if kind else None,
                                  form.author.data if not form.author.errors else None,
                                  form.competency.data if not form.competency.errors else None)


def _filtered(filters: queries.TimelineFilter) -> list[Competency]:
    """The competency the timeline is filtered by, kept in the filter even when no longer
    offered (retired, or of a framework the class dropped)."""
    competency = db.session.get(Competency, filters.competency_id) if filters.competency_id else None
    return [competency] if competency is not None else []


def _page(stmt):
    return paginate(stmt)


@bp.get("/projects/<int:project_id>/portfolio")
@login_required
def timeline(project_id: int):
    project = load_project(project_id)
    filters = _filters()
    return render_template("portfolio/timeline.html", project=project, filters=filters,
                           page=_page(queries.project_timeline(current_user, project, filters)),
                           members=queries.team_members(project), may_add=may_add_entries(project),
                           addable=ADDABLE_KINDS,
                           competency_picker=picker_for([project.team.classroom_id], _filtered(filters)))


@bp.get("/portfolio")
@role_required(Role.STUDENT)
def mine():
    filters = _filters()
    classroom_ids = db.session.scalars(enrolled_classroom_ids(current_user)).all()
    return render_template("portfolio/mine.html", filters=filters,
                           competency_picker=picker_for(classroom_ids, _filtered(filters)),
                           page=_page(queries.own_portfolio(current_user, filters)))


def _kind_from_request() -> EntryKind:
    try:
        kind = EntryKind(request.args.get("kind", "note"))
    except ValueError:
        abort(404)
    if kind not in ADDABLE_KINDS:
        abort(404)
    return kind


def _data(form: EntryForm, name: str):
    """A field's value, or None for a field this kind of entry does not have."""
    field = getattr(form, name, None)
    return field.data if field is not None else None


def _fields(form: EntryForm, contributors: dict[int, str], offered: set[int]) -> services.EntryFields:
    element, question = _data(form, "element_key"), _data(form, "guiding_question")
    competencies = _data(form, "competencies")
    return services.EntryFields(
        title=form.title.data or "", body=form.body.data or "", phase=Phase(form.phase.data),
        visibility=Visibility(form.visibility.data),
        element_key=ElementKey(element) if element else None,
        guiding_question_id=int(question) if question else None,
        link_url=_data(form, "link_url") or "", contributors=contributors, contributor_scope=offered,
        competency_ids=list(competencies) if competencies is not None else None)


def _images(form: EntryForm) -> list[services.NewImage] | None:
    """Decode and clean every chosen photo; on a refused one, mark it and return None."""
    images, failed = [], False
    for photo in getattr(form, "photos", None) or []:
        upload = photo.form.file.data
        if not upload or not getattr(upload, "filename", ""):
            continue
        try:
            processed = process_image(upload.read())
        except ImageRejected as err:
            photo.form.file.errors = [str(err)]
            failed = True
            continue
        images.append(services.NewImage(processed, photo.form.alt.data or ""))
    return None if failed else images


def _document(form: EntryForm) -> ProcessedFile | None | bool:
    """The chosen document, recognised; None when none was chosen; False when refused."""
    upload = _data(form, "document")
    if not upload or not getattr(upload, "filename", ""):
        return None
    try:
        return process_file(upload.read(), upload.filename)
    except FileRejected as err:
        form.document.errors = [str(err)]
        return False


def _save(form: EntryForm, project: Project, members, save) -> tuple[Entry | None, EditConflict | None]:
    """Validate, then call ``save(fields, images, document)``; errors go on the form's fields."""
    contributors, contributor_error = read_contributors(request.form, [m.id for m in members])
    if not form.validate_on_submit() or contributor_error:
        if contributor_error:
            form.title.errors = list(form.title.errors) + [contributor_error]
        return None, None
    images, document = _images(form), _document(form)
    if images is None or document is False:
        return None, None
    try:
        return save(_fields(form, contributors, {m.id for m in members}), images, document), None
    except ValidationFailed as err:
        if err.field == "photos" and getattr(form, "photos", None):
            target = form.photos[0].form.file
        else:
            target = getattr(form, {"contributors": "title", "guiding_question_id": "guiding_question"}.get(
                err.field or "", err.field or "title"), None) or form.title
        target.errors = list(target.errors) + [str(err)]
    except NotFound:
        abort(404)  # deleted by someone else while this form was open
    except EditConflict as conflict:
        # The form is shown again with the saved version's number, so saving it again works.
        form.version.data, form.version.raw_data = conflict.current_version, [str(conflict.current_version)]
        return None, conflict
    return None, None


@bp.route("/projects/<int:project_id>/entries/new", methods=["GET", "POST"])
@login_required
def create(project_id: int):
    project = load_project(project_id)
    if not may_add_entries(project):
        abort(403, _("You can read this project but not add entries to it."))
    kind = _kind_from_request()
    form = entry_form(project, kind)
    members = queries.team_members(project)
    if request.method == "GET":
        _prefill(form, project, kind)
    entry, _conflict = _save(form, project, members, lambda fields, images, document: services.create_entry(
        project, current_user, kind, fields, images,
        prompt=_prompt(project, form) if kind is EntryKind.REFLECTION else "", document=document))
    if entry is not None:
        return _saved(entry)
    return render_template("portfolio/entry_form.html", form=form, project=project, kind=kind, entry=None,
                           members=members, chosen=_chosen(members), conflict=None,
                           prompt=_prompt(project, form)), \
        400 if request.method == "POST" else 200


def _saved(entry: Entry):
    """After a save: the entry's page. The photo script (static/js/photos.js) sends the form
    itself to show its progress; it is told where to go instead of being redirected, so the
    "Entry saved." message is shown on the page the student opens, not on a fetched copy."""
    flash(_("Entry saved."), "success")
    target = url_for("portfolio.detail", entry_id=entry.id)
    if request.headers.get("X-Requested-With") == "XMLHttpRequest":
        return jsonify(location=target)
    return redirect(target)


def _prompt(project: Project, form: EntryForm) -> str:
    """The challenge's reflection prompt for the phase the form is about."""
    phase = form.phase.data if form.phase.data in {p.value for p in Phase} else project.phase.value
    return project.challenge.prompt_for(Phase(phase))


def _prefill(form: EntryForm, project: Project, kind: EntryKind) -> None:
    phase = request.args.get("phase")
    form.phase.data = phase if phase in {p.value for p in Phase} else project.phase.value
    form.visibility.data = (Visibility.PRIVATE if kind is EntryKind.REFLECTION else Visibility.TEAM).value
    question = request.args.get("question", "")
    if form.guiding_question is not None and question in {c.value for c in form.guiding_question.choices}:
        form.guiding_question.data = question
    if kind is EntryKind.REFLECTION:
        form.title.data = _("My reflection on %(phase)s", phase=PHASE_LABELS[Phase(form.phase.data)])


def _chosen(members, entry: Entry | None = None) -> dict[int, str]:
    """Contributors as the form should show them: the posted ticks, else the entry's."""
    if request.method == "POST":
        return read_contributors(request.form, [m.id for m in members])[0]
    if entry is not None:
        return {c.user_id: c.contribution for c in entry.contributors}
    return {current_user.id: ""} if current_user.id in {m.id for m in members} else {}


@bp.get("/entries/<int:entry_id>")
@login_required
def detail(entry_id: int):
    entry = load_entry(entry_id)
    if current_user.role is Role.PARTNER:
        audit.record_now(audit.Action.PARTNER_VIEW, actor_id=current_user.id,
                         classroom_id=entry.project.team.classroom_id, object_type="entry", object_id=entry.id)
    return render_template("portfolio/entry.html", entry=entry, project=entry.project, empty=EmptyForm(),
                           **hooks.entry_page_context(entry))


@bp.route("/entries/<int:entry_id>/edit", methods=["GET", "POST"])
@login_required
def edit(entry_id: int):
    if request.method == "POST":
        deleted = db.session.scalar(deleted_entries(current_user).where(Entry.id == entry_id))
        if deleted is not None and can_edit_entry(current_user, deleted):
            return _deleted_while_editing(deleted)
    entry = load_editable_entry(entry_id)
    project = entry.project
    form = entry_form(project, entry.kind, entry)
    members = queries.team_members(project)
    if request.method == "GET":
        form.phase.data, form.visibility.data = entry.phase.value, entry.visibility.value
        if form.element_key is not None:
            form.element_key.data = entry.element_key.value if entry.element_key else ""
        if form.guiding_question is not None:  # (a removed question is not offered)
            form.guiding_question.data = str(entry.guiding_question.id) if entry.guiding_question else ""
        if form.competencies is not None:
            form.competencies.data = [c.id for c in entry.competencies]
    removed = [int(v) for v in request.form.getlist("remove_photo") if v.isdigit()]
    saved, conflict = _save(form, project, members, lambda fields, images, document: services.update_entry(
        entry, current_user, form.version.data or 0, fields, images, document, remove_attachment_ids=removed))
    if saved is not None:
        return _saved(saved)
    status = 409 if conflict else (400 if request.method == "POST" else 200)
    return render_template("portfolio/entry_form.html", form=form, project=project, kind=entry.kind, entry=entry,
                           members=members, chosen=_chosen(members, entry), conflict=conflict,
                           prompt=entry.prompt), status


def _deleted_while_editing(entry: Entry):
    """Someone deleted the entry while this form was open: nothing is saved, and the form
    comes back with what was typed and the way to Recently deleted."""
    form = entry_form(entry.project, entry.kind)  # filled from the request, as sent
    members = queries.team_members(entry.project)
    return render_template("portfolio/entry_form.html", form=form, project=entry.project, kind=entry.kind,
                           entry=entry, members=members, chosen=_chosen(members), conflict=None,
                           deleted_meanwhile=True, prompt=entry.prompt), 409


@bp.get("/entries/<int:entry_id>/revisions")
@login_required
def revisions(entry_id: int):
    """Every saved version of the entry: who saved it, when, and what changed."""
    entry = load_entry(entry_id)
    return render_template("portfolio/revisions.html", entry=entry, project=entry.project, empty=EmptyForm(),
                           conflict=None, **revision_history(entry))


def revision_history(entry: Entry) -> dict:
    """The versions of the entry this reader may see, newest first, and what each changed."""
    # Only versions that were shared at least as widely as this reader may see.
    history = list(db.session.scalars(
        select(EntryRevision).options(joinedload(EntryRevision.editor))
        .where(EntryRevision.entry_id == entry.id,
               EntryRevision.visibility.in_(readable_visibilities(current_user, entry)))
        .order_by(EntryRevision.number.desc())))
    changes = {}
    for newer, older in zip(history, history[1:] + [None]):
        changes[newer.number] = _changes(older, newer)
    return {"history": history, "changes": changes}


def _changes(older: EntryRevision | None, newer: EntryRevision) -> list[tuple[str, str]]:
    """The lines a revision added ("+") and removed ("-"), title included."""
    before = [] if older is None else [older.title, *older.body.splitlines()]
    after = [newer.title, *newer.body.splitlines()]
    return [(line[0], line[2:]) for line in difflib.ndiff(before, after) if line[:1] in "+-" and line[2:].strip()]
