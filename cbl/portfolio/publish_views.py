"""The public showcase, and the team's request to appear in it."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import format_number, gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from cbl.errors import ValidationFailed
from cbl.extensions import db
from cbl.paging import paginate
from cbl.permissions import (can_decide_publication, can_request_publication, public_entries, published_project_ids,
                             visible_entries)
from cbl.portfolio import publishing
from cbl.portfolio.blueprint import bp
from cbl.portfolio.models import Entry, EntryAttachment, Publication, PublicationStatus, Visibility
from cbl.projects.blueprint import load_project
from cbl.projects.models import Project
from cbl.projects.queries import project_options, project_page
from cbl.teams.forms import EmptyForm
from cbl.teams.models import Classroom, Team


def _back(project: Project):
    return redirect(url_for("portfolio.publication", project_id=project.id))


NOTE_MAX = 2000  # the team's note with its request, and the teacher's comment when returning it


def _too_long(text: str) -> str | None:
    """The message for a note over the limit (said at its field; the text is kept), or None."""
    if len(text) <= NOTE_MAX:
        return None
    return _("At most %(limit)s characters — this has %(count)s. Nothing was saved; shorten it and save again.",
             limit=format_number(NOTE_MAX), count=format_number(len(text)))


@bp.get("/projects/<int:project_id>/publication")
@login_required
def publication(project_id: int):
    """What publishing would show, and the team's request or the teacher's decision."""
    return _publication_page(load_project(project_id))


def _publication_page(project: Project, **typed):
    """The publication page; ``typed`` carries a refused note or comment back to its field."""
    # The preview shows the story as it will be once approved: every entry marked "Everyone".
    entries = list(db.session.scalars(
        visible_entries(current_user).where(Entry.project_id == project.id, Entry.visibility == Visibility.PUBLIC)
        .options(selectinload(Entry.attachments).joinedload(EntryAttachment.blob), selectinload(Entry.files))
        .order_by(Entry.created_at)))
    return render_template(
        "portfolio/publication.html", project=project, publication=publishing.get_publication(project),
        public_entries=entries, covers=publishing.public_photos(project), empty=EmptyForm(), page=project_page(project),
        changed=publishing.changed_since_publication(project),
        may_request=can_request_publication(current_user, project),
        may_decide=can_decide_publication(current_user, project), note_max=NOTE_MAX, **typed)


@bp.post("/projects/<int:project_id>/publication/request")
@login_required
def request_publication(project_id: int):
    project = load_project(project_id)
    if not can_request_publication(current_user, project):
        abort(403, _("Only the team can ask to publish its story."))
    if EmptyForm().validate_on_submit():
        cover = request.form.get("cover", "")
        cover_id = int(cover) if cover.isascii() and cover.isdecimal() and len(cover) < 10 else None
        note = request.form.get("note", "")
        if problem := _too_long(note):
            return _publication_page(project, note=note, note_error=problem), 400
        try:
            publishing.request_publication(project, current_user, note, cover_id)
        except ValidationFailed as err:
            flash(str(err), "error")
        else:
            flash(_("Your teacher has been asked to publish your story."), "success")
    return _back(project)


@bp.post("/projects/<int:project_id>/publication/decide")
@login_required
def decide_publication(project_id: int):
    project = load_project(project_id)
    if not can_decide_publication(current_user, project):
        abort(403, _("Only the class's teachers publish stories."))
    decision = request.form.get("decision")
    comment = request.form.get("comment", "")
    if decision == "return" and (problem := _too_long(comment)):
        return _publication_page(project, comment=comment, comment_error=problem), 400
    if EmptyForm().validate_on_submit() and decision in ("approve", "return"):
        try:
            publishing.decide_publication(project, current_user, decision == "approve", comment)
        except ValidationFailed as err:
            flash(str(err), "error")
        else:
            flash(_("The story is now public.") if decision == "approve"
                  else _("The request was returned with your comment."), "success")
    else:
        flash(_("Choose approve or return."), "error")
    return _back(project)


@bp.post("/projects/<int:project_id>/publication/changes")
@login_required
def publish_changes(project_id: int):
    """The teacher publishes what the team changed since the story was approved."""
    project = load_project(project_id)
    if not can_decide_publication(current_user, project):
        abort(403, _("Only the class's teachers publish stories."))
    if EmptyForm().validate_on_submit():
        try:
            publishing.publish_changes(project, current_user)
        except ValidationFailed as err:
            flash(str(err), "error")
        else:
            flash(_("The changes are public now."), "success")
    return _back(project)


@bp.post("/projects/<int:project_id>/publication/withdraw")
@login_required
def withdraw_publication(project_id: int):
    project = load_project(project_id)
    if not (can_request_publication(current_user, project) or can_decide_publication(current_user, project)):
        abort(403, _("Only the team or its teachers can take the story off the showcase."))
    if EmptyForm().validate_on_submit():
        try:
            publishing.unpublish(project, current_user)
        except ValidationFailed as err:
            flash(str(err), "error")
        else:
            flash(_("The story is no longer public."), "success")
    return _back(project)


@bp.get("/showcase")
def showcase():
    """Published stories, newest first, for anyone."""
    stmt = (select(Publication).where(Publication.status == PublicationStatus.PUBLISHED)
            .options(joinedload(Publication.project).joinedload(Project.challenge),
                     joinedload(Publication.project).joinedload(Project.team).joinedload(Team.classroom)
                     .joinedload(Classroom.school),
                     joinedload(Publication.cover).joinedload(EntryAttachment.blob))
            .order_by(Publication.published_at.desc(), Publication.id.desc()))
    page = paginate(stmt)
    # A cover is shown only while its entry is still public.
    cover_ids = [p.cover_attachment_id for p in page.items if p.cover_attachment_id]
    shown_covers = set(db.session.scalars(
        select(EntryAttachment.id).where(EntryAttachment.id.in_(cover_ids),
                                         EntryAttachment.entry_id.in_(public_entries().with_only_columns(Entry.id)))
    )) if cover_ids else set()
    return render_template("portfolio/showcase.html", page=page, shown_covers=shown_covers)


@bp.get("/showcase/<int:project_id>")
def public_project(project_id: int):
    """A published team's story: big idea, challenge, what they learned and did, how it
    went, and their public entries. Students appear by first name only."""
    project = db.session.scalar(select(Project).options(*project_options())
                                .where(Project.id == project_id, Project.id.in_(published_project_ids())))
    if project is None:
        abort(404)
    entries = db.session.scalars(
        public_entries().where(Entry.project_id == project.id)
        .options(selectinload(Entry.attachments).joinedload(EntryAttachment.blob), selectinload(Entry.files))
        .order_by(Entry.created_at))
    return render_template("portfolio/public_project.html", project=project, page=project_page(project),
                           entries=list(entries))
