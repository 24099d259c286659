"""Feedback pages: a project's feedback, comments on entries, replies, addressing and
moderation. Routes register on the feedback blueprint."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from cbl.accounts.views import _safe_next
from cbl.accounts.models import Role
from cbl.errors import ValidationFailed
from cbl.extensions import db
from cbl.feedback import comments
from cbl.feedback.forms import AddressedForm, CommentForm, ReplyForm
from cbl.feedback.models import Comment, CommentKind, CommentStatus
from cbl.feedback.views import bp
from cbl.formtools import EmptyForm, choices
from cbl.permissions import get_visible, visible_entries
from cbl.portfolio.blueprint import load_entry
from cbl.portfolio.export import export_extra
from cbl.portfolio.models import Entry
from cbl.projects import hooks
from cbl.projects.blueprint import load_project
from cbl.projects.models import Project
from cbl.teams.models import Team

SHOW = ("all", "open", "addressed")


def _entry_choices(project: Project) -> list:
    """Entries of the project the visitor can read, newest first, to link as an answer."""
    entries = db.session.execute(visible_entries(current_user).with_only_columns(Entry.id, Entry.title)
                                 .where(Entry.project_id == project.id).order_by(Entry.created_at.desc()))
    return choices([(0, _("No entry")), *((e.id, e.title) for e in entries)])


def render_feedback(project: Project, status: int = 200, **forms):
    show = request.args.get("show", "all")
    show = show if show in SHOW else "all"
    addressed_form = AddressedForm(formdata=None)
    may_address = comments.can_address(current_user, project)
    if may_address:
        addressed_form.answer_entry.choices = _entry_choices(project)
    return render_template(
        "feedback/project_feedback.html", project=project, show=show,
        threads=comments.threads(current_user, project, show=show), counts=comments.counts(current_user, project),
        form=forms.get("form") or CommentForm(formdata=None), reply_form=ReplyForm(formdata=None),
        failed_reply=forms.get("failed_reply"), addressed_form=addressed_form, may_address=may_address,
        may_comment=comments.can_comment(current_user, project),
        may_moderate=comments.can_moderate(current_user, project), empty=EmptyForm()), status


@bp.get("/projects/<int:project_id>/feedback")
@login_required
def project_feedback(project_id: int):
    """All feedback on a project and its entries, open first."""
    return render_feedback(load_project(project_id))


@bp.post("/projects/<int:project_id>/feedback")
@login_required
def comment(project_id: int):
    """Comment on the project, or (with ``entry_id``) on one of its entries. A comment that
    cannot be saved comes back on the feedback page with its text."""
    project = load_project(project_id)
    if not comments.can_comment(current_user, project):
        abort(403, _("You can't comment on this project."))
    form = CommentForm()
    entry = None
    if form.entry_id.data:
        if not form.entry_id.data.isdigit() or int(form.entry_id.data) > 2**31 - 1:
            abort(404)
        entry = load_entry(int(form.entry_id.data))
        if entry.project_id != project.id:
            abort(404)
    if form.validate_on_submit():
        try:
            saved = comments.post(current_user, project, form.body.data, kind=CommentKind(form.kind.data),
                                  entry=entry)
        except ValidationFailed as err:
            getattr(form, err.field or "body").errors = [str(err)]
        else:
            flash(_("Thank you! Your feedback waits for the teacher's approval before the students see it.")
                  if saved.status.value == "pending" else _("Your feedback is posted."), "success")
            return redirect(_back(form.next.data, saved))
    if entry is not None:
        # Back on the entry's own page, with the text as typed and the errors beside it.
        return render_template("portfolio/entry.html", entry=entry, project=project, empty=EmptyForm(),
                               **hooks.entry_page_context(entry, comment_form=form)), 400
    return render_feedback(project, 400, form=form)


def _back(target: str | None, comment: Comment) -> str:
    """Where to go after an action on a comment: the page it was made from, at the comment."""
    safe = _safe_next(target)
    if safe:
        return f"{safe.split('#')[0]}#comment-{comment.id}"
    return url_for("feedback.project_feedback", project_id=comment.project_id, _anchor=f"comment-{comment.id}")


def _load_comment(comment_id: int) -> Comment:
    return get_visible(comments.visible_comments(current_user).options(
        joinedload(Comment.project).joinedload(Project.team)), Comment, comment_id)


@bp.post("/comments/<int:comment_id>/reply")
@login_required
def reply(comment_id: int):
    parent = _load_comment(comment_id)
    project = load_project(parent.project_id)
    if not comments.can_comment(current_user, project):
        abort(403, _("You can't comment on this project."))
    form = ReplyForm()
    if form.validate_on_submit():
        try:
            saved = comments.post(current_user, project, form.body.data, parent=parent)
        except ValidationFailed as err:
            form.body.errors = [str(err)]
        else:
            flash(_("Thank you! Your reply waits for the teacher's approval before the students see it.")
                  if saved.status.value == "pending" else _("Your reply is posted."), "success")
            return redirect(_back(form.next.data, saved))
    return render_feedback(project, 400, failed_reply=(parent.parent_id or parent.id, form))


@bp.post("/comments/<int:comment_id>/addressed")
@login_required
def mark_addressed(comment_id: int):
    target = _load_comment(comment_id)
    if not comments.can_address(current_user, target.project):
        abort(403, _("Only the team and its teachers mark feedback as addressed."))
    form = AddressedForm()
    form.answer_entry.choices = _entry_choices(target.project)
    if not form.validate_on_submit():
        flash(_("Choose an entry of this project, or none."), "error")
        return redirect(_back(form.next.data, target))
    answer = None
    if form.answer_entry.data:
        answer = db.session.scalar(visible_entries(current_user).where(
            Entry.id == form.answer_entry.data, Entry.project_id == target.project_id))
        if answer is None:
            flash(_("Choose an entry of this project, or none."), "error")
            return redirect(_back(form.next.data, target))
    try:
        comments.mark_addressed(target, current_user, answer)
    except ValidationFailed as err:
        flash(str(err), "error")
    else:
        flash(_("Marked as addressed."), "success")
    return redirect(_back(form.next.data, target))


@bp.post("/comments/<int:comment_id>/reopen")
@login_required
def reopen(comment_id: int):
    target = _load_comment(comment_id)
    if not comments.can_address(current_user, target.project):
        abort(403, _("Only the team and its teachers mark feedback as addressed."))
    if EmptyForm().validate_on_submit():
        comments.reopen(target)
        flash(_("The feedback is open again."), "success")
    return redirect(_back(request.form.get("next"), target))


def _moderate(comment_id: int, action, done: str):
    """Run a teacher's moderation ``action`` on a comment and go back where it was made."""
    target = _load_comment(comment_id)
    if not comments.can_moderate(current_user, target.project):
        abort(403, _("Only the class's teachers approve or hide comments."))
    if EmptyForm().validate_on_submit():
        try:
            action(target, current_user)
        except ValidationFailed as err:
            flash(str(err), "error")
        else:
            flash(done, "success")
    return redirect(_back(request.form.get("next"), target))


@bp.post("/comments/<int:comment_id>/approve")
@login_required
def approve(comment_id: int):
    return _moderate(comment_id, comments.approve, _("Approved: the students can see this comment now."))


@bp.post("/comments/<int:comment_id>/hide")
@login_required
def hide(comment_id: int):
    return _moderate(comment_id, comments.hide, _("The comment is hidden. The audit log keeps it."))


# --- on other areas' pages -----------------------------------------------------------------

@hooks.project_page_extra
def _project_page(project: Project, *, teacher: bool, **_known) -> dict:
    """The feedback panel of the project page: counts and a link."""
    may_comment = teacher or current_user.role in (Role.STUDENT, Role.PARTNER)  # as comments.can_comment
    return {"feedback_counts": comments.counts(current_user, project), "may_comment": may_comment}


@hooks.entry_page_extra
def _entry_page(entry: Entry, comment_form: CommentForm | None = None, **_known) -> dict:
    """Comments on an entry, below it, with a form to add one (``comment_form``: the one
    that failed, to show again)."""
    project = entry.project
    form = comment_form or CommentForm(formdata=None)
    form.entry_id.data = str(entry.id)
    form.next.data = url_for("portfolio.detail", entry_id=entry.id)
    return {"entry_threads": comments.threads(current_user, project, entry=entry),
            "comment_form": form if comments.can_comment(current_user, project) else None,
            "reply_form": ReplyForm(formdata=None), "may_address": False,
            "may_moderate": comments.can_moderate(current_user, project)}


@export_extra
def _export(*, user, project, **_known) -> dict:
    """The feedback threads in a project's exported portfolio: what the team and its teachers
    read, without the guests' comments still waiting for approval (nor hidden ones)."""
    published = []
    for thread in comments.threads(user, project):
        if thread.comment.status is CommentStatus.VISIBLE:
            thread.replies = [reply for reply in thread.replies if reply.status is CommentStatus.VISIBLE]
            published.append(thread)
    return {"feedback_threads": published}


@hooks.teacher_home_extra
def _teacher_home(*, user, **_known) -> dict:
    """Outsiders' comments waiting for this teacher's approval."""
    return {"waiting_comments": list(db.session.scalars(comments.waiting_for_teacher(user).limit(50)))}


@hooks.board_extra
def _board(*, classroom, **_known) -> dict:
    """The number of comments waiting for approval, by project."""
    rows = db.session.execute(select(Comment.project_id, func.count()).join(Project, Project.id == Comment.project_id)
                              .join(Team, Team.id == Project.team_id)
                              .where(Team.classroom_id == classroom.id, Comment.status == CommentStatus.PENDING)
                              .group_by(Comment.project_id))
    return {"waiting_comments_by_project": dict(rows.all())}
