"""Read models of the grading pages: a fixed number of queries whatever the number of teams,
members, criteria or assessments. Every assessment is read through
:func:`cbl.assessment.access.visible_assessments`."""

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from cbl.accounts.models import User
from cbl.assessment.access import visible_assessments
from cbl.assessment.grading.services import VOICES, RubricGrid, challenge_settings, load_grid
from cbl.assessment.models import (Assessment, AssessmentKind, AssessmentStatus, ChallengeAssessment, Criterion,
                                   RubricLevel, Rubric, Score)
from cbl.errors import NotFound
from cbl.extensions import db
from cbl.permissions import person_name
from cbl.projects.models import (Activity, Challenge, ElementKey, GuidingQuestion, Project, ProjectElement,
                                 activity_question)
from cbl.projects.queries import _sorted_questions
from cbl.teams.models import Team, TeamMember

VOICE_ORDER = {AssessmentKind.SELF: 0, AssessmentKind.PEER: 1, AssessmentKind.PARTNER: 2}


def _score_options():
    return selectinload(Assessment.scores).options(joinedload(Score.level), joinedload(Score.criterion))


def full_options():
    """Everything a read-only assessment shows: its grid, its scores, who and what it is about."""
    return (_score_options(), joinedload(Assessment.assessor), joinedload(Assessment.student),
            joinedload(Assessment.rubric).options(
                selectinload(Rubric.levels),
                selectinload(Rubric.criteria).options(joinedload(Criterion.competency),
                                                      selectinload(Criterion.descriptors))),
            joinedload(Assessment.project).options(joinedload(Project.team).joinedload(Team.classroom),
                                                   joinedload(Project.challenge)))


def _members(team_ids) -> dict[int, list[User]]:
    members: dict[int, list[User]] = {}
    for team_id, user in db.session.execute(
            select(TeamMember.team_id, User).join(User, User.id == TeamMember.user_id)
            .where(TeamMember.team_id.in_(team_ids)).order_by(User.display_name, User.id)):
        members.setdefault(team_id, []).append(user)
    return members


# --- the grading page of one team ----------------------------------------------------------

@dataclass
class GradingPage:
    project: Project
    settings: ChallengeAssessment | None
    grid: RubricGrid | None
    members: list[User]
    student: User | None  # None: the team is assessed
    current: Assessment | None  # the teacher assessment of the target, if begun
    teacher_assessments: dict[int | None, Assessment]  # by student id (None: the team)
    voices: list[Assessment]  # self, peer and partner assessments about the target
    siblings: list[Project]  # the challenge's projects, in the order the page steps through them
    elements: dict[ElementKey, ProjectElement]  # every element of the project, Engage to Act
    questions: list[GuidingQuestion]  # the investigation matrix, in its order
    activities_by_question: dict[int, list[Activity]]

    def _step(self, offset: int) -> Project | None:
        ids = [p.id for p in self.siblings]
        index = ids.index(self.project.id) + offset if self.project.id in ids else -1
        return self.siblings[index] if 0 <= index < len(ids) else None

    @property
    def previous(self) -> Project | None:
        return self._step(-1)

    @property
    def next(self) -> Project | None:
        return self._step(1)

    @property
    def outdated_rubric(self) -> bool:
        """The assessment was made with an earlier version of the challenge's rubric."""
        return (self.current is not None and self.settings is not None and self.settings.rubric_id is not None
                and self.current.rubric_id != self.settings.rubric_id)

    def voices_on(self, criterion_id: int) -> list[tuple[Assessment, Score]]:
        """The other voices' levels on one criterion of the grid."""
        return [(voice, score) for voice in self.voices for score in voice.scores
                if score.criterion_id == criterion_id and score.level is not None]


def grading_page(reader: User, project: Project, student_id: int | None) -> GradingPage:
    """What the grading page of ``project`` shows to ``reader`` (a teacher of the class),
    for the team or for one member (NotFound if ``student_id`` is not one)."""
    settings = challenge_settings(project.challenge_id)
    members = _members([project.team_id]).get(project.team_id, [])
    student = None
    if student_id is not None:
        student = next((m for m in members if m.id == student_id), None)
        if student is None:
            raise NotFound()
    assessments = list(db.session.scalars(
        visible_assessments(reader).where(Assessment.project_id == project.id)
        .options(_score_options(), joinedload(Assessment.assessor), joinedload(Assessment.student))
        .order_by(Assessment.id)))
    teacher: dict[int | None, Assessment] = {}
    for assessment in assessments:
        if assessment.kind is AssessmentKind.TEACHER:
            teacher.setdefault(assessment.student_id, assessment)
    current = teacher.get(student_id)
    voices = sorted((a for a in assessments if a.kind in VOICES and a.status is AssessmentStatus.RELEASED
                     and (student_id is None or a.student_id in (None, student_id))),
                    key=lambda a: (VOICE_ORDER[a.kind], a.id))
    grid = load_grid(current.rubric_id if current else settings.rubric_id if settings else None)
    siblings = list(db.session.scalars(
        select(Project).join(Team, Team.id == Project.team_id).options(contains_eager(Project.team))
        .where(Project.challenge_id == project.challenge_id).order_by(Team.name, Project.id)))
    elements = {e.key: e for e in db.session.scalars(select(ProjectElement).where(
        ProjectElement.project_id == project.id))}
    questions, by_question = _matrix(project)
    return GradingPage(project, settings, grid, members, student, current, teacher, voices, siblings, elements,
                       questions, by_question)


def _matrix(project: Project) -> tuple[list[GuidingQuestion], dict[int, list[Activity]]]:
    """The project's guiding questions and, by question, its activities (one query)."""
    questions: dict[int, GuidingQuestion] = {}
    by_question: dict[int, list[Activity]] = {}
    for question, activity in db.session.execute(
            select(GuidingQuestion, Activity)
            .outerjoin(activity_question, activity_question.c.guiding_question_id == GuidingQuestion.id)
            .outerjoin(Activity, Activity.id == activity_question.c.activity_id)
            .where(GuidingQuestion.project_id == project.id).order_by(GuidingQuestion.id, Activity.id)):
        questions[question.id] = question
        if activity is not None:
            by_question.setdefault(question.id, []).append(activity)
    return _sorted_questions(list(questions.values())), by_question


# --- the teams of a challenge --------------------------------------------------------------

@dataclass
class TeamRow:
    project: Project
    members: list[User]
    team_assessment: Assessment | None
    individual: list[Assessment]

    @property
    def status(self) -> str:
        """``none``, ``draft`` or ``released``: the team assessment's state."""
        return self.team_assessment.status.value if self.team_assessment is not None else "none"

    @property
    def drafts(self) -> int:
        every = [*([self.team_assessment] if self.team_assessment else []), *self.individual]
        return sum(1 for a in every if a.status is AssessmentStatus.DRAFT)


def challenge_overview(reader: User, challenge: Challenge) -> list[TeamRow]:
    """Each team of the challenge with its teacher assessments (three queries)."""
    projects = list(db.session.scalars(
        select(Project).join(Team, Team.id == Project.team_id).options(contains_eager(Project.team))
        .where(Project.challenge_id == challenge.id).order_by(Team.name, Project.id)))
    members = _members([p.team_id for p in projects])
    rows = {p.id: TeamRow(p, members.get(p.team_id, []), None, []) for p in projects}
    for assessment in db.session.scalars(
            visible_assessments(reader).join(Project, Project.id == Assessment.project_id)
            .where(Project.challenge_id == challenge.id, Assessment.kind == AssessmentKind.TEACHER)
            .options(joinedload(Assessment.student)).order_by(Assessment.id)):
        row = rows.get(assessment.project_id)
        if row is None:
            continue
        if assessment.student_id is None:
            row.team_assessment = row.team_assessment or assessment
        else:
            row.individual.append(assessment)
    return list(rows.values())


# --- students' own ------------------------------------------------------------------------

def student_assessments(student: User) -> list[Assessment]:
    """The teacher assessments released about the student (their team's and their own),
    newest work first."""
    return list(db.session.scalars(
        visible_assessments(student)
        .where(Assessment.kind == AssessmentKind.TEACHER, Assessment.status == AssessmentStatus.RELEASED,
               or_(Assessment.student_id == student.id, Assessment.student_id.is_(None)))
        .options(*full_options()).order_by(Assessment.work_date.desc(), Assessment.id.desc())))


def voices_about(student: User, project_ids: list[int]) -> dict[int, list[Assessment]]:
    """By project: the student's self-assessments, their teammates' evaluations of them and
    the partners' ratings of their team, shown beside the teacher's."""
    voices: dict[int, list[Assessment]] = {}
    if not project_ids:
        return voices
    for assessment in db.session.scalars(
            visible_assessments(student)
            .where(Assessment.project_id.in_(project_ids), Assessment.kind.in_(VOICES),
                   Assessment.status == AssessmentStatus.RELEASED,
                   or_(Assessment.student_id == student.id, Assessment.student_id.is_(None)))
            .options(_score_options(), joinedload(Assessment.assessor), joinedload(Assessment.student))
            .order_by(Assessment.id)):
        voices.setdefault(assessment.project_id, []).append(assessment)
    for items in voices.values():
        items.sort(key=lambda a: (VOICE_ORDER[a.kind], a.id))
    return voices


def load_assessment(reader: User, assessment_id: int) -> Assessment:
    """One assessment the reader may see, with its grid (NotFound otherwise)."""
    assessment = db.session.scalar(visible_assessments(reader).where(Assessment.id == assessment_id)
                                   .options(*full_options()))
    if assessment is None:
        raise NotFound()
    return assessment


@dataclass
class ScoreRow:
    criterion: Criterion
    level: RubricLevel | None
    descriptor: str
    comment: str


def score_rows(assessment: Assessment) -> list[ScoreRow]:
    """The assessment criterion by criterion (its rubric loaded with :func:`full_options`)."""
    by_criterion = {score.criterion_id: score for score in assessment.scores}
    rows = []
    for criterion in assessment.rubric.criteria:
        score = by_criterion.get(criterion.id)
        level = score.level if score else None
        descriptor = next((d.text for d in criterion.descriptors if level and d.level_id == level.id), "")
        rows.append(ScoreRow(criterion, level, descriptor, score.comment if score else ""))
    return rows


def voice_label(assessment: Assessment, viewer: User) -> str:
    """Who gave an assessment, as the viewer may know it: a peer evaluation stays anonymous
    to the student it is about."""
    assessor = person_name(assessment.assessor) or _("someone")
    if assessment.kind is AssessmentKind.SELF:
        return _("Self-assessment by %(name)s", name=assessor)
    if assessment.kind is AssessmentKind.PEER:
        if assessment.student_id == viewer.id and assessment.assessor_id != viewer.id:
            return _("A teammate's evaluation")
        return _("%(assessor)s on %(student)s", assessor=assessor, student=person_name(assessment.student))
    if assessment.kind is AssessmentKind.PARTNER:
        return _("Partner rating by %(name)s", name=assessor)
    if assessment.student_id is None:
        return _("Teacher assessment of the team, by %(name)s", name=assessor)
    return _("Teacher assessment of %(student)s, by %(name)s", student=person_name(assessment.student),
             name=assessor)


# --- evidence for mastery ------------------------------------------------------------------

@dataclass(frozen=True)
class ScoreEvidence:
    """One released level on one criterion, for one student (a team assessment gives one
    per member)."""

    student_id: int
    competency_id: int | None
    criterion_id: int
    points: float
    level_label: str
    work_date: date
    assessment_id: int
    project_id: int
    kind: AssessmentKind


def released_evidence(reader: User, student_ids: list[int], *, other_voices: bool = False) -> list[ScoreEvidence]:
    """The released scores with a level about these students that ``reader`` may read, in
    the order of the work's date: team assessments count for every (current) member, an
    individual one (self, peer evaluation about them, teacher's) for that student. Self,
    peer and partner assessments only with ``other_voices`` (the class's setting)."""
    kinds = [AssessmentKind.TEACHER, *(VOICES if other_voices else ())]
    stmt = (select(TeamMember.user_id, Criterion.competency_id, Score.criterion_id, RubricLevel.points,
                   RubricLevel.label, Assessment.work_date, Assessment.id, Assessment.project_id, Assessment.kind)
            .select_from(Score)
            .join(Assessment, Assessment.id == Score.assessment_id)
            .join(RubricLevel, RubricLevel.id == Score.level_id)
            .join(Criterion, Criterion.id == Score.criterion_id)
            .join(Project, Project.id == Assessment.project_id)
            .join(TeamMember, TeamMember.team_id == Project.team_id)
            .where(TeamMember.user_id.in_(student_ids), Assessment.status == AssessmentStatus.RELEASED,
                   Assessment.kind.in_(kinds),
                   or_(Assessment.student_id.is_(None), Assessment.student_id == TeamMember.user_id),
                   Assessment.id.in_(visible_assessments(reader).with_only_columns(Assessment.id)))
            .order_by(Assessment.work_date, Assessment.id, Criterion.position))
    return [ScoreEvidence(*row) for row in db.session.execute(stmt)]
