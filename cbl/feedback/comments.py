"""Feedback: comments on a project or on one of its entries.

Teachers, the team, classmates and invited partners comment; a comment is a question, a
suggestion or praise, and may get replies one level deep. Outsiders' comments wait for a
teacher of the class before students see them when the class moderates (the default). A
teacher can hide any comment: it is kept for the audit log and shown to nobody. The team
marks feedback addressed and may link the entry that answers it."""

from dataclasses import dataclass, field
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import Select, and_, case, delete, func, or_, select
from sqlalchemy.orm import aliased, joinedload, selectinload

from cbl import audit
from cbl.accounts.models import Role, User
from cbl.dbtypes import utcnow
from cbl.errors import ValidationFailed
from cbl.extensions import db
from cbl.feedback.models import Comment, CommentKind, CommentStatus
from cbl.markdown import render_markdown
from cbl.notifications.models import Notification, NotificationKind
from cbl.notifications.services import notify, settle, site_path
from cbl.permissions import (family_project_ids, is_archived, is_team_member, is_teacher_of, taught_classroom_ids,
                             visible_entries, visible_projects)
from cbl.portfolio.models import Entry
from cbl.projects.models import Project
from cbl.teams.models import ClassroomTeacher, Team, TeamMember

MAX_LENGTH = 5000


# --- who sees and does what --------------------------------------------------------------

def visible_comments(user: User | None) -> Select:
    """Comments the user may read: on projects (and entries) they can see; visible ones, plus
    the comments waiting for approval that they wrote or, as a teacher of the class, may
    approve. Hidden comments are read by nobody (the audit log keeps them)."""
    stmt = select(Comment)
    if user is None or not getattr(user, "is_authenticated", False):
        return stmt.where(False)
    projects = visible_projects(user).with_only_columns(Project.id)
    entries = visible_entries(user).with_only_columns(Entry.id)
    waiting_for_me = Comment.author_id == user.id
    if user.role is Role.TEACHER:
        taught_projects = (select(Project.id).join(Team, Team.id == Project.team_id)
                           .where(Team.classroom_id.in_(taught_classroom_ids(user))))
        waiting_for_me = or_(waiting_for_me, Comment.project_id.in_(taught_projects))
    hidden = select(Comment.id).where(Comment.status == CommentStatus.HIDDEN).scalar_subquery()
    readable = or_(Comment.status == CommentStatus.VISIBLE,
                   and_(Comment.status == CommentStatus.PENDING, waiting_for_me))
    if user.role is Role.PARTNER:
        # A guest whose comment a teacher hid is told it was not published (on their own comment only).
        readable = or_(readable, and_(Comment.status == CommentStatus.HIDDEN, Comment.author_id == user.id))
    stmt = stmt.where(
        Comment.project_id.in_(projects),
        or_(Comment.entry_id.is_(None), Comment.entry_id.in_(entries)),
        readable,
        or_(Comment.parent_id.is_(None), Comment.parent_id.not_in(hidden)),  # a hidden comment takes its replies
    )
    if user.role is Role.PARTNER:
        stmt = stmt.where(_not_process_for_family(user))
    return stmt


def _not_process_for_family(user: User):
    """A teacher's feedback to the team (a comment a teacher started) and the replies under it
    are the team's process (:func:`cbl.permissions.sees_team_process`): not shown on the
    projects the guest sees as a student's family. A teacher's reply under someone else's
    comment (a parent's question, say) is not process and stays."""
    teachers = select(User.id).where(User.role == Role.TEACHER)
    parent = aliased(Comment)
    teacher_threads = select(parent.id).where(parent.parent_id.is_(None), parent.author_id.in_(teachers))
    return or_(Comment.project_id.not_in(family_project_ids(user)),
               and_(Comment.parent_id.is_(None), or_(Comment.author_id.is_(None), Comment.author_id.not_in(teachers))),
               Comment.parent_id.not_in(teacher_threads))


def can_comment(user: User | None, project: Project) -> bool:
    """Teachers of the class, its students (the team and classmates) and partners holding
    access comment on a project they can see; administrators read only. Nobody comments on
    an archived project (it is read-only)."""
    if user is None or not getattr(user, "is_authenticated", False) or is_archived(project):
        return False
    if user.role is Role.TEACHER:
        return is_teacher_of(user, project.team.classroom_id)
    return user.role in (Role.STUDENT, Role.PARTNER)


def can_address(user: User | None, project: Project) -> bool:
    """The team (and the class's teachers) mark feedback addressed (not in an archived project)."""
    if is_archived(project):
        return False
    return is_team_member(user, project.team_id) or is_teacher_of(user, project.team.classroom_id)


def can_moderate(user: User | None, project: Project) -> bool:
    """The class's teachers approve and hide comments."""
    return is_teacher_of(user, project.team.classroom_id)


def is_outsider(user: User | None) -> bool:
    return user is not None and user.role is Role.PARTNER


# --- changes -----------------------------------------------------------------------------

def _clean(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise ValidationFailed(_("Write your comment first."), field="body")
    if len(body) > MAX_LENGTH:
        raise ValidationFailed(_("A comment holds at most %(n)d characters.", n=MAX_LENGTH), field="body")
    return body


def post(author: User, project: Project, body: str, *, kind: CommentKind | None = None,
         entry: Entry | None = None, parent: Comment | None = None) -> Comment:
    """Save a comment (or, with ``parent``, a reply) and tell the people concerned.
    The caller has loaded ``project``, ``entry`` and ``parent`` through the visitor's scope."""
    if not can_comment(author, project):
        raise ValidationFailed(_("You cannot comment on this project."))
    body = _clean(body)
    if parent is not None:
        parent = parent.parent or parent  # replies stay one level deep
        if parent.project_id != project.id or parent.status is CommentStatus.HIDDEN:
            raise ValidationFailed(_("This comment cannot be answered any more."), field="body")
        entry_id, kind = parent.entry_id, None
    else:
        if kind is None:
            raise ValidationFailed(_("Choose what kind of feedback this is."), field="kind")
        if entry is not None and entry.project_id != project.id:
            raise ValidationFailed(_("This entry belongs to another project."))
        entry_id = entry.id if entry is not None else None
    duplicate = db.session.scalar(select(Comment).where(
        Comment.author_id == author.id, Comment.project_id == project.id, Comment.entry_id == entry_id
        if entry_id is not None else Comment.entry_id.is_(None),
        Comment.parent_id == parent.id if parent is not None else Comment.parent_id.is_(None),
        Comment.body == body, Comment.created_at > utcnow() - timedelta(minutes=2)))
    if duplicate is not None:
        return duplicate  # a double click, or the form sent again: saved once
    classroom = project.team.classroom
    moderated = is_outsider(author) and classroom.moderate_outsider_comments
    comment = Comment(project_id=project.id, entry_id=entry_id, parent_id=parent.id if parent else None,
                      author_id=author.id, kind=kind, body=body, body_html=str(render_markdown(body)),
                      status=CommentStatus.PENDING if moderated else CommentStatus.VISIBLE)
    db.session.add(comment)
    db.session.flush()
    if is_outsider(author):
        audit.record(audit.Action.COMMENT_POSTED, actor_id=author.id, classroom_id=classroom.id,
                     object_type="comment", object_id=comment.id, detail=body)
    if moderated:
        notify(_teacher_ids(classroom.id), NotificationKind.FEEDBACK_WAITING, url=_url(comment),
               actor_id=author.id, project=_project_label(project), team=project.team.name,
               person=author.display_name)
    else:
        _announce(comment, project, author)
    db.session.commit()
    return comment


def _announce(comment: Comment, project: Project, author: User) -> None:
    """Tell the team about new feedback, and the author of the comment answered."""
    params = dict(project=_project_label(project), team=project.team.name, person=author.display_name)
    recipients = set(_member_ids(project.team_id))
    if comment.parent_id is not None:
        parent_author = db.session.scalar(select(Comment.author_id).where(Comment.id == comment.parent_id))
        if parent_author is not None:
            notify([parent_author], NotificationKind.FEEDBACK_REPLY, url=_url(comment), actor_id=author.id, **params)
            recipients.discard(parent_author)
    notify(recipients, NotificationKind.NEW_FEEDBACK, url=_url(comment), actor_id=author.id, **params)


def approve(comment: Comment, teacher: User) -> None:
    """Let students see an outsider's comment."""
    if comment.status is not CommentStatus.PENDING:
        raise ValidationFailed(_("This comment is not waiting for approval."))
    comment.status, comment.moderated_by_id, comment.moderated_at = CommentStatus.VISIBLE, teacher.id, utcnow()
    project = comment.project
    audit.record(audit.Action.COMMENT_APPROVED, actor_id=teacher.id, classroom_id=project.team.classroom_id,
                 object_type="comment", object_id=comment.id,
                 detail=f"{comment.author.display_name if comment.author else '?'}: {comment.body}")
    if comment.author is not None:
        _announce(comment, project, comment.author)
    settle(NotificationKind.FEEDBACK_WAITING, url=_url(comment))  # done: the other teachers' notices too
    db.session.commit()


def hide(comment: Comment, teacher: User) -> None:
    """Take a comment (and its replies) out of view; the audit log keeps its text."""
    if comment.status is CommentStatus.HIDDEN:
        return
    comment.status, comment.moderated_by_id, comment.moderated_at = CommentStatus.HIDDEN, teacher.id, utcnow()
    audit.record(audit.Action.COMMENT_HIDDEN, actor_id=teacher.id, classroom_id=comment.project.team.classroom_id,
                 object_type="comment", object_id=comment.id,
                 detail=f"{comment.author.display_name if comment.author else '?'}: {comment.body}")
    # Its notices go too: they would lead to nothing.
    db.session.execute(delete(Notification).where(Notification.url == _url(comment), Notification.kind.in_(
        (NotificationKind.NEW_FEEDBACK, NotificationKind.FEEDBACK_REPLY, NotificationKind.FEEDBACK_WAITING))))
    db.session.commit()


def mark_addressed(comment: Comment, user: User, answer: Entry | None = None) -> None:
    """The team notes that it acted on the feedback, with the entry that shows it if any."""
    if comment.parent_id is not None:
        raise ValidationFailed(_("Replies are not marked addressed; their comment is."))
    if answer is not None and answer.project_id != comment.project_id:
        raise ValidationFailed(_("Choose an entry of this project."), field="answer_entry")
    comment.addressed_at, comment.addressed_by_id = utcnow(), user.id
    comment.answer_entry_id = answer.id if answer is not None else None
    db.session.commit()


def reopen(comment: Comment) -> None:
    comment.addressed_at = comment.addressed_by_id = comment.answer_entry_id = None
    db.session.commit()


def _teacher_ids(classroom_id: int) -> list[int]:
    return list(db.session.scalars(select(ClassroomTeacher.user_id).where(ClassroomTeacher.classroom_id == classroom_id)))


def _member_ids(team_id: int) -> list[int]:
    return list(db.session.scalars(select(TeamMember.user_id).where(TeamMember.team_id == team_id)))


def _url(comment: Comment) -> str:
    path = site_path("feedback.project_feedback", project_id=comment.project_id)
    return f"{path}#comment-{comment.id}"


def _project_label(project: Project) -> str:
    """Names the project in notices: the challenge is shared by every team of the class."""
    return f"{project.challenge.title} · {project.team.name}"


# --- reading -----------------------------------------------------------------------------

@dataclass
class Thread:
    comment: Comment
    replies: list[Comment] = field(default_factory=list)
    answer_visible: bool = False  # the visitor may open the entry that answers it


def threads(user: User, project: Project, *, entry: Entry | None = None, show: str = "all") -> list[Thread]:
    """The feedback on a project (or on one entry), open first then addressed, newest first
    within each, with their replies oldest first. Three queries, whatever the numbers."""
    scope = visible_comments(user).where(Comment.project_id == project.id)
    if entry is not None:
        scope = scope.where(Comment.entry_id == entry.id)
    tops = scope.where(Comment.parent_id.is_(None))
    if show == "open":
        tops = tops.where(Comment.addressed_at.is_(None))
    elif show == "addressed":
        tops = tops.where(Comment.addressed_at.is_not(None))
    tops = tops.options(joinedload(Comment.author), joinedload(Comment.entry), joinedload(Comment.answer_entry)) \
        .order_by(case((Comment.addressed_at.is_(None), 0), else_=1), Comment.created_at.desc(), Comment.id.desc())
    result = [Thread(c) for c in db.session.scalars(tops).unique()]
    if not result:
        return result
    by_id = {t.comment.id: t for t in result}
    replies = scope.where(Comment.parent_id.in_(by_id)).options(joinedload(Comment.author)) \
        .order_by(Comment.created_at, Comment.id)
    for reply in db.session.scalars(replies).unique():
        by_id[reply.parent_id].replies.append(reply)
    answers = {t.comment.answer_entry_id for t in result if t.comment.answer_entry_id}
    if answers:
        readable = set(db.session.scalars(visible_entries(user).with_only_columns(Entry.id)
                                          .where(Entry.id.in_(answers))))
        for thread in result:
            thread.answer_visible = thread.comment.answer_entry_id in readable
    return result


def counts(user: User, project: Project) -> dict[str, int]:
    """Open and waiting feedback on the project, as the visitor sees it (one query)."""
    scope = visible_comments(user).where(Comment.project_id == project.id, Comment.parent_id.is_(None)).subquery()
    row = db.session.execute(select(
        func.count().filter(and_(scope.c.addressed_at.is_(None), scope.c.status == CommentStatus.VISIBLE)),
        func.count().filter(scope.c.status == CommentStatus.PENDING),
        func.count())).one()
    return {"open": row[0], "waiting": row[1], "all": row[2]}


def waiting_for_teacher(teacher: User) -> Select:
    """Outsiders' comments waiting in the classes this teacher teaches, oldest first."""
    return (select(Comment).join(Project, Project.id == Comment.project_id).join(Team, Team.id == Project.team_id)
            .where(Comment.status == CommentStatus.PENDING, Team.classroom_id.in_(taught_classroom_ids(teacher)))
            .options(joinedload(Comment.author), joinedload(Comment.entry),
                     joinedload(Comment.project).joinedload(Project.team).joinedload(Team.classroom),
                     joinedload(Comment.project).joinedload(Project.challenge),
                     selectinload(Comment.replies))
            .order_by(Comment.created_at, Comment.id))
