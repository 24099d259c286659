"""Feedback in the teachers' inbox: guests' comments to approve, and questions and suggestions
nobody has answered for a few days."""

from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import exists, select
from sqlalchemy.orm import aliased, joinedload

from cbl.accounts.models import User
from cbl.dbtypes import utcnow
from cbl.extensions import db
from cbl.feedback.models import Comment, CommentKind, CommentStatus
from cbl.notifications import site_path
from cbl.notifications.inbox import InboxItem, inbox_source
from cbl.permissions import taught_classroom_ids
from cbl.projects.models import Project
from cbl.teams.models import Team

# A question or suggestion without a reply this long waits for the teacher (to answer it or
# to remind the team).
UNANSWERED_AFTER = timedelta(days=3)


def _comments(user: User):
    return (select(Comment).join(Project, Project.id == Comment.project_id).join(Team, Team.id == Project.team_id)
            .where(Team.classroom_id.in_(taught_classroom_ids(user)))
            .options(joinedload(Comment.author),
                     joinedload(Comment.project).joinedload(Project.team).joinedload(Team.classroom),
                     joinedload(Comment.project).joinedload(Project.challenge))
            .order_by(Comment.created_at, Comment.id).limit(50))


def _item(comment: Comment, kind: str, text: str, action: str) -> InboxItem:
    return InboxItem(kind=kind, text=text, action=action,
                     url=site_path("feedback.project_feedback", project_id=comment.project_id,
                                   _anchor=f"comment-{comment.parent_id or comment.id}"),
                     classroom=comment.project.team.classroom.name, challenge=comment.project.challenge.title,
                     since=comment.created_at)


def _author(comment: Comment) -> str:
    return comment.author.display_name if comment.author else _("Someone")


@inbox_source("comment_waiting")
def comments_waiting(user: User) -> list[InboxItem]:
    """Guests' comments waiting for approval in the teacher's classes (one query)."""
    return [_item(comment, "comment_waiting",
                  _("A comment by %(person)s on %(team)s's project waits for your approval",
                    person=_author(comment), team=comment.project.team.name), _("approve or hide it"))
            for comment in db.session.scalars(_comments(user).where(Comment.status == CommentStatus.PENDING))]


@inbox_source("unanswered_feedback")
def unanswered_feedback(user: User) -> list[InboxItem]:
    """Questions and suggestions by others than this teacher, older than UNANSWERED_AFTER,
    neither answered nor marked addressed (one query). An answer takes them off at once."""
    reply = aliased(Comment)
    answered = exists().where(reply.parent_id == Comment.id, reply.status == CommentStatus.VISIBLE)
    stale = db.session.scalars(_comments(user).where(
        Comment.parent_id.is_(None), Comment.status == CommentStatus.VISIBLE, Comment.addressed_at.is_(None),
        Comment.kind.in_((CommentKind.QUESTION, CommentKind.SUGGESTION)), Comment.created_at <= utcnow() - UNANSWERED_AFTER,
        (Comment.author_id != user.id) | Comment.author_id.is_(None), ~answered))
    now = utcnow()
    return [_item(comment, "unanswered_feedback",
                  _("%(person)s's feedback to %(team)s has had no answer for %(days)d days",
                    person=_author(comment), team=comment.project.team.name, days=(now - comment.created_at).days),
                  _("read it")) for comment in stale]
