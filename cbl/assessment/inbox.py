"""Assessment in the teachers' inbox: drafts to release, new self and peer assessments, and
progress students recorded on their learning goals."""

from flask_babel import gettext as _, ngettext
from sqlalchemy import and_, exists, select
from sqlalchemy.orm import aliased, joinedload

from cbl.accounts.models import User
from cbl.assessment.access import taught_project_ids
from cbl.assessment.models import Assessment, AssessmentKind, AssessmentStatus, GoalNote, GoalStatus, LearningGoal
from cbl.extensions import db
from cbl.notifications import site_path
from cbl.notifications.inbox import InboxItem, inbox_source
from cbl.permissions import taught_classroom_ids
from cbl.projects.models import Project
from cbl.teams.models import Classroom, Team


def _assessments(user: User):
    return (select(Assessment).where(Assessment.project_id.in_(taught_project_ids(user)))
            .options(joinedload(Assessment.student),
                     joinedload(Assessment.project).joinedload(Project.team).joinedload(Team.classroom),
                     joinedload(Assessment.project).joinedload(Project.challenge))
            .order_by(Assessment.updated_at, Assessment.id).limit(100))


@inbox_source("draft_assessment")
def drafts(user: User) -> list[InboxItem]:
    """The teachers' draft assessments in the teacher's classes: released, they leave (one query)."""
    items = []
    for draft in db.session.scalars(_assessments(user).where(Assessment.kind == AssessmentKind.TEACHER,
                                                             Assessment.status == AssessmentStatus.DRAFT)):
        project = draft.project
        text = (_("The assessment of %(student)s (%(team)s) is a draft: the student does not see it yet",
                  student=draft.student.display_name, team=project.team.name) if draft.student else
                _("The assessment of %(team)s is a draft: the team does not see it yet", team=project.team.name))
        url = site_path("assessment.grade_project", project_id=project.id,
                        **({"student": draft.student_id} if draft.student_id else {}))
        items.append(InboxItem(kind="draft_assessment", text=text, url=url, action=_("release it"),
                               classroom=project.team.classroom.name, challenge=project.challenge.title,
                               since=draft.updated_at))
    return items


@inbox_source("new_voices")
def new_voices(user: User) -> list[InboxItem]:
    """Self and peer assessments given since the team's assessment was last released, one item
    per project (one query); releasing the team's assessment answers them."""
    teacher = aliased(Assessment)
    answered = exists().where(teacher.project_id == Assessment.project_id, teacher.kind == AssessmentKind.TEACHER,
                              teacher.status == AssessmentStatus.RELEASED, teacher.released_at >= Assessment.released_at)
    by_project: dict[int, list[Assessment]] = {}
    for voice in db.session.scalars(_assessments(user).where(
            Assessment.kind.in_((AssessmentKind.SELF, AssessmentKind.PEER)),
            Assessment.status == AssessmentStatus.RELEASED, ~answered)):
        by_project.setdefault(voice.project_id, []).append(voice)
    items = []
    for voices in by_project.values():
        project = voices[0].project
        items.append(InboxItem(
            kind="new_voices",
            text=ngettext("%(team)s: %(num)d new self or peer assessment", "%(team)s: %(num)d new self or peer "
                          "assessments", len(voices), team=project.team.name),
            url=site_path("assessment.grade_project", project_id=project.id), action=_("read them, then release the team's assessment"),
            classroom=project.team.classroom.name, challenge=project.challenge.title,
            since=max(voice.released_at or voice.updated_at for voice in voices)))
    return items


@inbox_source("goal_progress")
def goal_progress(user: User) -> list[InboxItem]:
    """Active learning goals whose latest note is the student's (one query): the teacher's
    comment answers it."""
    later = aliased(GoalNote)
    latest = ~exists().where(later.goal_id == GoalNote.goal_id, later.id != GoalNote.id,
                             (later.created_at > GoalNote.created_at)
                             | and_(later.created_at == GoalNote.created_at, later.id > GoalNote.id))
    rows = db.session.execute(
        select(GoalNote, Classroom.name).join(LearningGoal, LearningGoal.id == GoalNote.goal_id)
        .join(Classroom, Classroom.id == LearningGoal.classroom_id)
        .where(LearningGoal.classroom_id.in_(taught_classroom_ids(user)), LearningGoal.status == GoalStatus.ACTIVE,
               GoalNote.author_id == LearningGoal.student_id, latest)
        .options(joinedload(GoalNote.goal).joinedload(LearningGoal.student))
        .order_by(GoalNote.created_at).limit(50)).all()
    return [InboxItem(kind="goal_progress",
                      text=_("%(person)s recorded progress on the goal “%(goal)s”",
                             person=note.goal.student.display_name, goal=note.goal.title),
                      url=site_path("assessment.goal", goal_id=note.goal_id), action=_("comment on it"),
                      classroom=classroom, challenge="", since=note.created_at)
            for note, classroom in rows]
