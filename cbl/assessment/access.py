"""Who may read which assessments and goals (DESIGN.md §4: "see assessments and mastery":
a student their own, released; teachers their classes; district admins all, school admins their schools'; partners none but the
rating forms they wrote themselves). Every read of assessments goes through these queries."""

from sqlalchemy import Select, and_, or_, select

from cbl.accounts.models import Role, User
from cbl.assessment.models import Assessment, AssessmentKind, AssessmentStatus, LearningGoal
from cbl.permissions import administered_classroom_ids, member_team_ids, taught_classroom_ids
from cbl.projects.models import Project
from cbl.teams.models import Team


def _anonymous(user: User | None) -> bool:
    return user is None or not getattr(user, "is_authenticated", False)


def taught_project_ids(user: User) -> Select:
    return (select(Project.id).join(Team, Team.id == Project.team_id)
            .where(Team.classroom_id.in_(taught_classroom_ids(user))))


def visible_assessments(user: User | None) -> Select:
    """Assessments the user may read: teachers every assessment of their classes (drafts
    included), admins all; students the released ones about them (their own or their team's;
    not partners' ratings, which are for the teachers) and those they wrote themselves (self
    and peer, drafts included); partners only the rating forms they wrote."""
    stmt = select(Assessment)
    if _anonymous(user):
        return stmt.where(False)
    if user.role is Role.ADMIN:
        return stmt
    if user.role is Role.SCHOOL_ADMIN:
        administered = (select(Project.id).join(Team, Team.id == Project.team_id)
                        .where(Team.classroom_id.in_(administered_classroom_ids(user))))
        return stmt.where(Assessment.project_id.in_(administered))
    if user.role is Role.TEACHER:
        return stmt.where(Assessment.project_id.in_(taught_project_ids(user)))
    written = Assessment.assessor_id == user.id
    if user.role is Role.PARTNER:
        return stmt.where(written)
    own_projects = select(Project.id).where(Project.team_id.in_(member_team_ids(user)))
    # Partners' ratings are for the teachers: an outsider's words reach students only through
    # the moderated feedback.
    about_me = and_(Assessment.status == AssessmentStatus.RELEASED, Assessment.project_id.in_(own_projects),
                    Assessment.kind != AssessmentKind.PARTNER,
                    or_(Assessment.student_id == user.id, Assessment.student_id.is_(None)))
    return stmt.where(or_(written, about_me))


def visible_goals(user: User | None) -> Select:
    """Learning goals: a student's own; their teachers' (the goals set in classes they teach);
    admins all; nobody else."""
    stmt = select(LearningGoal)
    if _anonymous(user):
        return stmt.where(False)
    if user.role is Role.ADMIN:
        return stmt
    if user.role is Role.SCHOOL_ADMIN:
        return stmt.where(LearningGoal.classroom_id.in_(administered_classroom_ids(user)))
    if user.role is Role.TEACHER:
        return stmt.where(LearningGoal.classroom_id.in_(taught_classroom_ids(user)))
    if user.role is Role.STUDENT:
        return stmt.where(LearningGoal.student_id == user.id)
    return stmt.where(False)
