"""Mastery from the database: released scores become :class:`~cbl.assessment.mastery.Evidence`
and go through :func:`~cbl.assessment.mastery.compute` by the class's settings (DESIGN.md §5).

What counts as evidence of a competency for a student, in one class:

- every score with a level, of a **released** assessment of a project of that class, whose
  criterion is tied to **exactly** that competency. A strand (a competency with children)
  does not gather its children's scores: the profile shows the strand and each child as rows
  of their own, each from its own criteria. Rolling children up would count one score twice
  (for the child and the strand) and blend levels of different skills into one number;
- about that student: an individual assessment of them (``student_id``), or a team
  assessment (``student_id`` None) of a project of a team they are a member of;
- the teacher's assessments always; self, peer and partner assessments only when the class's
  :class:`MasterySettings` say ``count_other_voices``.

Evidence is ordered by the date of the work (``Assessment.work_date``), never by when it was
graded or released; ``ref`` is the assessment's id. Every read goes through
:func:`cbl.assessment.access.visible_assessments` for the acting user, so a page can only
compute from what its reader may see.

The competencies a class shows are those its rubrics name: the criteria of the rubrics of
its challenges and of the assessments made in it (ordered by framework, then code). One a
student has no evidence of yet is listed without a value.

A whole class (students × competencies) is computed in a fixed number of queries: the
settings, the students, the competencies, and one query for every score."""

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import Select, and_, func, select, union

from cbl import audit
from cbl.accounts.models import Role, User
from cbl.assessment.access import visible_assessments
from cbl.assessment.mastery.methods import DEFAULT_TIMES, DEFAULT_WEIGHT, Evidence, MasteryResult, Method, compute
from cbl.assessment.mastery.scale import ClassScale, load_scale
from cbl.assessment.models import (Assessment, AssessmentKind, AssessmentStatus, ChallengeAssessment, Criterion,
                                   MasterySettings, RubricLevel, Score)
from cbl.competencies.models import Competency
from cbl.errors import ValidationFailed
from cbl.extensions import db
from cbl.projects.models import Challenge, Project
from cbl.teams.models import Classroom, Enrolment, Team, TeamMember

WEIGHT_RANGE = (0.05, 0.95)  # the decaying average's share of the newest evidence
TIMES_RANGE = (1, 20)
PROFICIENT_RANGE = (0.0, 100.0)  # exclusive low end: proficient must be above zero
DEFAULT_PROFICIENT = 3.0

Key = tuple[int, int]  # (student id, competency id)


@dataclass(frozen=True)
class EvidenceItem:
    """One piece of evidence with what a page shows about it and links it to."""

    evidence: Evidence
    score_id: int
    student_id: int
    competency_id: int
    assessment_id: int
    project_id: int
    kind: AssessmentKind
    team_assessment: bool
    challenge_title: str
    criterion_title: str
    level_label: str
    comment: str
    released_at: datetime | None

    @property
    def work_date(self) -> date:
        return self.evidence.work_date

    @property
    def points(self) -> float:
        """The level's value on the class's scale (what mastery counts)."""
        return self.evidence.level

    @property
    def placed(self):
        """How the level was put on the class's scale, if its rubric counts points otherwise."""
        return self.evidence.placed


@dataclass
class Mastery:
    """Students × competencies of one class: the evidence and the result of each pair."""

    classroom: Classroom
    settings: MasterySettings
    students: list[User]
    competencies: list[Competency]
    evidence: dict[Key, list[EvidenceItem]] = field(default_factory=dict)
    results: dict[Key, MasteryResult] = field(default_factory=dict)
    scale: ClassScale = field(default_factory=lambda: ClassScale([]))

    def result(self, student_id: int, competency_id: int) -> MasteryResult | None:
        return self.results.get((student_id, competency_id))

    def items(self, student_id: int, competency_id: int) -> list[EvidenceItem]:
        """The evidence of the pair in the order of ``result.inputs`` (oldest work first)."""
        return self.evidence.get((student_id, competency_id), [])


# --- settings ------------------------------------------------------------------------------

def get_settings(classroom_id: int) -> MasterySettings:
    """The class's mastery settings; the defaults (not saved) when it has none."""
    settings = db.session.get(MasterySettings, classroom_id)
    if settings is None:
        settings = MasterySettings(classroom_id=classroom_id, method=Method.DECAYING_AVERAGE, weight=DEFAULT_WEIGHT,
                                   times=DEFAULT_TIMES, proficient_points=DEFAULT_PROFICIENT,
                                   count_other_voices=False)
    return settings


def update_settings(classroom: Classroom, *, method: Method | str, weight: float, times: int,
                    proficient_points: float, count_other_voices: bool, acting=None) -> MasterySettings:
    """Save how the class computes mastery. Raises ValidationFailed (with the field) for an
    unknown method or a number out of range."""
    try:
        method = Method(method)
    except ValueError:
        raise ValidationFailed(_("Choose one of the methods."), field="method") from None
    if weight is None or not WEIGHT_RANGE[0] <= weight <= WEIGHT_RANGE[1]:
        raise ValidationFailed(_("The newest evidence's weight must be between 0.05 and 0.95."), field="weight")
    if times is None or not TIMES_RANGE[0] <= times <= TIMES_RANGE[1]:
        raise ValidationFailed(_("The number of times must be a whole number from 1 to 20."), field="times")
    if proficient_points is None or not PROFICIENT_RANGE[0] < proficient_points <= PROFICIENT_RANGE[1]:
        raise ValidationFailed(_("Proficient must be a number of points above 0 and at most 100."),
                               field="proficient_points")
    settings = db.session.get(MasterySettings, classroom.id)
    if settings is None:
        settings = MasterySettings(classroom_id=classroom.id)
        db.session.add(settings)
    settings.method, settings.weight, settings.times = method, float(weight), int(times)
    settings.proficient_points, settings.count_other_voices = float(proficient_points), bool(count_other_voices)
    audit.record(audit.Action.MASTERY_SETTINGS_CHANGED, actor_id=acting.id if acting else None,
                 classroom_id=classroom.id, object_type="classroom", object_id=classroom.id,
                 detail=f"{method.value}, weight {float(weight):g}, {int(times)} times, proficient "
                        f"{float(proficient_points):g}, other voices {'count' if count_other_voices else 'do not count'}")
    db.session.commit()
    return settings


# --- what a class shows ----------------------------------------------------------------------

def class_students(classroom_id: int) -> list[User]:
    """The students enrolled in the class, by name."""
    return list(db.session.scalars(
        select(User).join(Enrolment, Enrolment.user_id == User.id)
        .where(Enrolment.classroom_id == classroom_id, User.role == Role.STUDENT)
        .order_by(User.display_name, User.id)))


def class_assessment_ids(viewer: User | None, classroom_id: int) -> Select:
    """Ids of the assessments of the class's projects that ``viewer`` may read (drafts
    included for its teachers: callers that count evidence keep the released ones)."""
    return (visible_assessments(viewer).with_only_columns(Assessment.id)
            .join(Project, Project.id == Assessment.project_id).join(Team, Team.id == Project.team_id)
            .where(Team.classroom_id == classroom_id))


def class_rubric_ids(viewer: User | None, classroom_id: int) -> Select:
    """Ids of the rubrics of the class's challenges and of its assessments the viewer may read."""
    of_challenges = (select(ChallengeAssessment.rubric_id)
                     .join(Challenge, Challenge.id == ChallengeAssessment.challenge_id)
                     .where(Challenge.classroom_id == classroom_id, ChallengeAssessment.rubric_id.is_not(None)))
    of_assessments = select(Assessment.rubric_id).where(Assessment.id.in_(class_assessment_ids(viewer, classroom_id)))
    return select(union(of_challenges, of_assessments).subquery().c[0])


def class_competencies(viewer: User | None, classroom_id: int) -> list[Competency]:
    """The competencies the class's rubrics name, by framework and code (one query)."""
    named = select(Criterion.competency_id).where(Criterion.rubric_id.in_(class_rubric_ids(viewer, classroom_id)))
    return list(db.session.scalars(select(Competency).where(Competency.id.in_(named))
                                   .order_by(Competency.framework_id, Competency.code)))


def class_scale(viewer: User | None, classroom_id: int) -> list[tuple[float, str]]:
    """The class's scale as (points, label), low to high: the levels of its first rubric,
    on which every score is placed (:mod:`cbl.assessment.mastery.scale`), for the axis of a
    chart (one query)."""
    return load_scale(classroom_id).levels


def proficient_label(scale: ClassScale, settings: MasterySettings) -> str:
    """The name of the class's level at proficient ("Proficient"), if one sits exactly there."""
    return next((label for points, label in scale.levels if points == settings.proficient_points), "")


# --- evidence --------------------------------------------------------------------------------

def _scores(viewer: User | None, classroom_id: int, settings: MasterySettings) -> Select:
    """Every released score with a level that counts in the class, one row per student it
    is evidence for (a team assessment gives a row for each member of the team)."""
    student = func.coalesce(Assessment.student_id, TeamMember.user_id).label("for_student")
    stmt = (select(Score.id, Score.comment, Criterion.competency_id, Criterion.title, RubricLevel.id,
                   RubricLevel.points, RubricLevel.label, Assessment.id, Assessment.project_id, Assessment.kind,
                   Assessment.student_id,
                   Assessment.work_date, Assessment.released_at, Challenge.title, student)
            .join(Assessment, Assessment.id == Score.assessment_id)
            .join(Criterion, Criterion.id == Score.criterion_id)
            .join(RubricLevel, RubricLevel.id == Score.level_id)
            .join(Project, Project.id == Assessment.project_id)
            .join(Team, Team.id == Project.team_id)
            .join(Challenge, Challenge.id == Project.challenge_id)
            .outerjoin(TeamMember, and_(TeamMember.team_id == Team.id, Assessment.student_id.is_(None)))
            .where(Team.classroom_id == classroom_id, Assessment.status == AssessmentStatus.RELEASED,
                   Criterion.competency_id.is_not(None), student.is_not(None),
                   Assessment.id.in_(class_assessment_ids(viewer, classroom_id))))
    if not settings.count_other_voices:
        stmt = stmt.where(Assessment.kind == AssessmentKind.TEACHER)
    return stmt


def gather_evidence(viewer: User | None, classroom_id: int, settings: MasterySettings, *,
                    student_ids: Iterable[int] | None = None, competency_id: int | None = None,
                    scale: ClassScale | None = None) -> dict[Key, list[EvidenceItem]]:
    """The evidence of every (student, competency) pair of the class the viewer may read,
    each list oldest work first, each level put on the class's ``scale`` (one query, and one
    for the scale when not given). ``student_ids`` and ``competency_id`` narrow it."""
    scale = load_scale(classroom_id) if scale is None else scale
    stmt = _scores(viewer, classroom_id, settings)
    if student_ids is not None:
        stmt = stmt.where(func.coalesce(Assessment.student_id, TeamMember.user_id).in_(list(student_ids)))
    if competency_id is not None:
        stmt = stmt.where(Criterion.competency_id == competency_id)
    found: dict[Key, list[EvidenceItem]] = {}
    for (score_id, comment, comp_id, criterion, level_id, points, level_label, assessment_id, project_id, kind,
         about, work_date, released_at, challenge, student_id) in db.session.execute(stmt):
        label = f"{challenge} · {criterion}"
        value, placed = scale.value(level_id, float(points))
        voice = "" if kind == AssessmentKind.TEACHER else AssessmentKind(kind).value
        item = EvidenceItem(Evidence(value, work_date, ref=assessment_id, label=label, placed=placed, voice=voice),
                            score_id,
                            student_id, comp_id, assessment_id, project_id, AssessmentKind(kind), about is None,
                            challenge, criterion, level_label, comment or "", released_at)
        found.setdefault((student_id, comp_id), []).append(item)
    for key, items in found.items():
        found[key] = _cap_voices(items)
        # The order of result.inputs (stable sort on the same key), so a page pairs them up.
        found[key].sort(key=lambda item: (item.evidence.order_key, item.score_id))
    return found


def _cap_voices(items: list[EvidenceItem]) -> list[EvidenceItem]:
    """Self, peer and partner levels (counted only when the class says so) never outrank the
    teacher's: one above the teacher's highest level for the competency counts at it."""
    teacher = [item.points for item in items if not item.evidence.voice]
    if not teacher:
        return items
    ceiling = max(teacher)
    return [replace(item, evidence=replace(item.evidence, level=ceiling, capped_from=item.points))
            if item.evidence.voice and item.points > ceiling else item for item in items]


def compute_for(settings: MasterySettings, evidence: Iterable[Evidence],
                scale: ClassScale | None = None) -> MasteryResult | None:
    """The class's method on some evidence (None for none); ``scale`` names the proficient level."""
    return compute(settings.method, evidence, weight=settings.weight, proficient=settings.proficient_points,
                   times=settings.times, proficient_label=proficient_label(scale, settings) if scale else "")


def class_mastery(viewer: User | None, classroom: Classroom, *, students: list[User] | None = None,
                  competency_id: int | None = None, other_voices: bool | None = None) -> Mastery:
    """Mastery of every student of the class (or of ``students``) in every competency the
    class assesses, from what ``viewer`` may read, in five queries whatever the class's size.
    ``other_voices`` overrides the class's setting for this computation only (an export)."""
    settings = get_settings(classroom.id)
    if other_voices is not None and other_voices != settings.count_other_voices:
        settings = MasterySettings(classroom_id=classroom.id, method=settings.method, weight=settings.weight,
                                   times=settings.times, proficient_points=settings.proficient_points,
                                   count_other_voices=other_voices)
    students = class_students(classroom.id) if students is None else students
    competencies = class_competencies(viewer, classroom.id)
    scale = load_scale(classroom.id)
    evidence = gather_evidence(viewer, classroom.id, settings, student_ids=[s.id for s in students],
                               competency_id=competency_id, scale=scale)
    results = {key: result for key, items in evidence.items()
               if (result := compute_for(settings, [item.evidence for item in items], scale)) is not None}
    return Mastery(classroom, settings, students, competencies, evidence, results, scale)


@dataclass(frozen=True)
class GrowthPoint:
    """A piece of evidence and the mastery value once it is counted."""

    item: EvidenceItem
    running: MasteryResult


def growth(settings: MasterySettings, items: list[EvidenceItem],
           scale: ClassScale | None = None) -> list[GrowthPoint]:
    """The running mastery after each piece of evidence, oldest work first."""
    points = []
    for index, item in enumerate(items):
        running = compute_for(settings, [i.evidence for i in items[:index + 1]], scale)
        points.append(GrowthPoint(item, running))
    return points
