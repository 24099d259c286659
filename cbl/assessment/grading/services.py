"""Assessing with a rubric (issue 5, point 3): teachers grade teams and students and release
what they graded; students assess themselves and their teammates; partners rate a project.

The rules, decided here:

- **One teacher assessment per target.** A project has at most one teacher assessment of the
  whole team (``student_id`` None: evidence for every member) and one per member (individual).
  Any teacher of the class edits them, like a cell of a shared gradebook. Saving is refused
  when somebody saved since the page was opened (:class:`~cbl.errors.EditConflict`, from
  ``Assessment.version``).
- **Drafts, then release.** Teacher assessments start as drafts, which only the class's
  teachers read. Releasing one (or all drafts of a challenge at once) sets ``released_at``,
  notifies the students concerned and writes ``assessment_released`` to the audit log. A
  draft without a single level is not released. A released assessment can still be
  corrected: it stays released, and every change is written to the audit log
  (``assessment_changed``) without notifying anyone again.
- **Other voices are submitted, not drafted.** Self-assessments, peer evaluations and partner
  ratings are saved released (they are the writer's own words; the teacher reads them beside
  their own). Self-assessments and peer evaluations may be changed until a teacher releases an
  assessment of the project, then they are final; a partner's rating stays editable while the
  partner has access. Each voice needs its switch on in the challenge's settings.
- **Peer evaluation asks about contribution:** a level per question of the challenge's
  contribution scale (:mod:`cbl.assessment.grading.peer`, not the product rubric; every one
  optional: a student skips what they cannot judge) and one comment on the teammate's
  contribution; no comment per criterion. The partner rating form is alike: levels of the
  product rubric and one comment, about the team.
- **An empty form is not submitted:** a self-assessment, peer evaluation or rating without a
  level and without a comment is refused with a message (nothing is saved).
- **Which rubric:** an assessment keeps the rubric version it was made with; a new one uses
  the challenge's rubric of the moment.

Evidence for mastery is read by :func:`cbl.assessment.grading.queries.released_evidence`:
released scores with a level, team assessments counting for every member."""

from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import exists, select, update
from sqlalchemy.orm import joinedload, selectinload

from cbl import audit
from cbl.accounts.models import Role, User
from cbl.assessment.access import visible_assessments
from cbl.assessment.grading.peer import peer_rubric_id
from cbl.assessment.models import (Assessment, AssessmentKind, AssessmentStatus, ChallengeAssessment, Criterion,
                                   Rubric, RubricLevel, Score)
from cbl.dbtypes import utcnow
from cbl.errors import EditConflict, Forbidden, NotFound, ValidationFailed
from cbl.extensions import db
from cbl.notifications import NotificationKind, notify, site_path
from cbl.permissions import can_grade as can_grade_in, is_team_member, is_teacher_of
from cbl.projects.models import Challenge, Project
from cbl.teams.models import TeamMember

VOICES = (AssessmentKind.SELF, AssessmentKind.PEER, AssessmentKind.PARTNER)


# --- the rubric ----------------------------------------------------------------------------

@dataclass
class RubricGrid:
    """A rubric version with its levels (low to high), criteria and descriptors."""

    rubric: Rubric
    descriptors: dict[tuple[int, int], str]

    @property
    def levels(self) -> list[RubricLevel]:
        return self.rubric.levels

    @property
    def criteria(self) -> list[Criterion]:
        return self.rubric.criteria

    def descriptor(self, criterion_id: int, level_id: int) -> str:
        return self.descriptors.get((criterion_id, level_id), "")

    def level(self, level_id: int | None) -> RubricLevel | None:
        return next((level for level in self.levels if level.id == level_id), None)


def load_grid(rubric_id: int | None) -> RubricGrid | None:
    """The rubric with everything its grid shows, in four queries (None for no rubric)."""
    if rubric_id is None:
        return None
    rubric = db.session.scalar(select(Rubric).where(Rubric.id == rubric_id).options(
        selectinload(Rubric.levels),
        selectinload(Rubric.criteria).options(joinedload(Criterion.competency), selectinload(Criterion.descriptors))))
    if rubric is None:
        return None
    descriptors = {(d.criterion_id, d.level_id): d.text for c in rubric.criteria for d in c.descriptors}
    return RubricGrid(rubric, descriptors)


def challenge_settings(challenge_id: int) -> ChallengeAssessment | None:
    """How the challenge is assessed (None until a teacher chose a rubric or a voice)."""
    return db.session.get(ChallengeAssessment, challenge_id)


# --- who may assess ------------------------------------------------------------------------

def can_grade(user: User | None, project: Project) -> bool:
    """Only the class's teachers grade with the rubric (:func:`cbl.permissions.can_grade`)."""
    return can_grade_in(user, project.team.classroom)


def voice_on(settings: ChallengeAssessment | None, kind: AssessmentKind) -> bool:
    """Whether the challenge asks for this other voice (and has a rubric to answer with: the
    product rubric for self and partner; peer evaluation has its own contribution scale)."""
    if settings is None:
        return False
    if kind is AssessmentKind.PEER:
        return settings.peer_evaluation
    if settings.rubric_id is None:
        return False
    return {AssessmentKind.SELF: settings.self_assessment, AssessmentKind.PEER: settings.peer_evaluation,
            AssessmentKind.PARTNER: settings.partner_rating}.get(kind, False)


def may_use_voice(user: User | None, project: Project, settings: ChallengeAssessment | None,
                  kind: AssessmentKind) -> bool:
    """Self and peer: the team's members; partner rating: partners (who reach the project only
    through an active invitation); each only when the challenge's switch is on."""
    if not voice_on(settings, kind) or user is None or not getattr(user, "is_authenticated", False):
        return False
    if kind is AssessmentKind.PARTNER:
        return user.role is Role.PARTNER
    return is_team_member(user, project.team_id)


def voices_locked(project_id: int, existing: "Assessment | None") -> bool:
    """A submitted self-assessment or peer evaluation is final once a teacher released an
    assessment of the project after it was submitted (the student has seen the teacher's view
    since). One not given yet can always be given: a later round of the project asks again."""
    if existing is None or existing.released_at is None:
        return False
    return bool(db.session.scalar(select(exists().where(
        Assessment.project_id == project_id, Assessment.kind == AssessmentKind.TEACHER,
        Assessment.status == AssessmentStatus.RELEASED, Assessment.released_at >= existing.released_at))))


def team_member_ids(team_id: int) -> list[int]:
    return list(db.session.scalars(select(TeamMember.user_id).where(TeamMember.team_id == team_id)))


# --- reading -------------------------------------------------------------------------------

def find_assessment(reader: User, project_id: int, kind: AssessmentKind, *, student_id: int | None,
                    assessor_id: int | None = None) -> Assessment | None:
    """The one assessment of this kind about this target (the team when ``student_id`` is
    None) that ``reader`` may see; other voices are also told apart by their assessor."""
    stmt = visible_assessments(reader).where(
        Assessment.project_id == project_id, Assessment.kind == kind,
        Assessment.student_id.is_(None) if student_id is None else Assessment.student_id == student_id)
    if kind is not AssessmentKind.TEACHER:
        stmt = stmt.where(Assessment.assessor_id == assessor_id)
    return db.session.scalar(stmt.options(selectinload(Assessment.scores)).order_by(Assessment.id).limit(1))


@dataclass
class Marks:
    """What an assessor chose: a level (or none) and a comment per criterion, and overall."""

    levels: dict[int, int | None]
    comments: dict[int, str] = field(default_factory=dict)
    overall_comment: str = ""
    work_date: date | None = None


# --- saving --------------------------------------------------------------------------------

def _check_marks(grid: RubricGrid, marks: Marks) -> None:
    """Levels must be the rubric's own, criteria the rubric's own (ValidationFailed)."""
    criterion_ids = {c.id for c in grid.criteria}
    level_ids = {level.id for level in grid.levels}
    for criterion_id in (*marks.levels, *marks.comments):
        if criterion_id not in criterion_ids:
            raise ValidationFailed(_("This form holds a criterion that is not in the rubric. Reload the page "
                                     "and choose again."))
    for criterion_id, level_id in marks.levels.items():
        if level_id is not None and level_id not in level_ids:
            raise ValidationFailed(_("Choose one of the levels of this rubric."), field=f"level_{criterion_id}")


def _claim(assessment: Assessment, base_version: int) -> None:
    """Take the next version if nobody saved since ``base_version``; else EditConflict."""
    claimed = db.session.execute(
        update(Assessment).where(Assessment.id == assessment.id, Assessment.version == base_version)
        .values(version=Assessment.version + 1, updated_at=utcnow()).execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        assessment_id = assessment.id
        db.session.rollback()
        current = db.session.get(Assessment, assessment_id)
        raise EditConflict(_("Someone saved this assessment while you were working on it. Their version is "
                             "shown beside yours; your choices are still in the form. Save again to keep "
                             "yours."),
                           current_text=current.overall_comment if current else "", your_text="",
                           current_version=current.version if current else 0)
    db.session.refresh(assessment, ["version", "updated_at"])


def _apply(assessment: Assessment, grid: RubricGrid, marks: Marks) -> list[str]:
    """Write the marks on the assessment; return what changed, in words, for the audit log."""
    by_criterion = {score.criterion_id: score for score in assessment.scores}
    changes = []
    for criterion in grid.criteria:
        level_id = marks.levels.get(criterion.id)
        comment = (marks.comments.get(criterion.id) or "").strip()
        score = by_criterion.get(criterion.id)
        before = (score.level_id, score.comment) if score else (None, "")
        if (level_id, comment) == before:
            continue
        if level_id != before[0]:
            old, new = grid.level(before[0]), grid.level(level_id)
            changes.append(f"{criterion.title}: {old.label if old else '–'} → {new.label if new else '–'}")
        if comment != before[1]:
            changes.append(_("comment on %(criterion)s", criterion=criterion.title))
        if level_id is None and not comment:
            assessment.scores.remove(score)
        elif score is not None:
            score.level_id, score.comment = level_id, comment
        else:
            assessment.scores.append(Score(criterion_id=criterion.id, level_id=level_id, comment=comment))
    overall = marks.overall_comment.strip()
    if overall != assessment.overall_comment:
        changes.append(_("overall comment"))
        assessment.overall_comment = overall
    if marks.work_date is not None and marks.work_date != assessment.work_date:
        if assessment.work_date is not None:
            changes.append(_("date of the work: %(before)s → %(after)s", before=assessment.work_date.isoformat(),
                             after=marks.work_date.isoformat()))
        assessment.work_date = marks.work_date
    return changes


def _save(reader: User, project: Project, kind: AssessmentKind, *, student_id: int | None, rubric_id: int,
          base_version: int, marks: Marks, status: AssessmentStatus) -> tuple[Assessment, list[str]]:
    """Create or update the assessment of this kind and target (helpers only flush)."""
    # The first save of an assessment must not race another: lock the project row (PostgreSQL;
    # SQLite's writing transactions already begin one at a time).
    db.session.execute(select(Project.id).where(Project.id == project.id).with_for_update())
    assessor_id = reader.id if kind is not AssessmentKind.TEACHER else None
    existing = find_assessment(reader, project.id, kind, student_id=student_id, assessor_id=assessor_id)
    if existing is not None:
        expected_rubric = existing.rubric_id
    elif kind is AssessmentKind.PEER:
        expected_rubric = peer_rubric_id(project.challenge)
    else:
        settings = challenge_settings(project.challenge_id)
        expected_rubric = settings.rubric_id if settings else None
    if expected_rubric is None:
        raise ValidationFailed(_("Choose a rubric for this challenge first."))
    if rubric_id != expected_rubric:
        raise ValidationFailed(_("The rubric of this challenge changed since you opened the page. Check your "
                                 "choices against it and save again."), field="rubric_id")
    grid = load_grid(expected_rubric)
    _check_marks(grid, marks)
    if existing is None:
        if base_version != 0:
            raise EditConflict(_("This assessment is no longer there. Your choices are still in the form."),
                               current_text="", your_text="", current_version=0)
        existing = Assessment(rubric_id=grid.rubric.id, project_id=project.id, student_id=student_id, kind=kind,
                              assessor_id=reader.id, status=status, work_date=marks.work_date, scores=[])
        db.session.add(existing)
        _apply(existing, grid, marks)
        db.session.flush()
        return existing, []
    _claim(existing, base_version)
    if kind is not AssessmentKind.TEACHER or existing.status is AssessmentStatus.DRAFT:
        existing.assessor_id = reader.id  # a teacher's draft names the last teacher who worked on it
    return existing, _apply(existing, grid, marks)


def _release(assessment: Assessment, teacher: User, member_ids: list[int]) -> None:
    """Release, notify the students it is about, and log it (joins the caller's transaction)."""
    assessment.status = AssessmentStatus.RELEASED
    assessment.released_at = utcnow()
    db.session.flush()
    project = assessment.project
    recipients = [assessment.student_id] if assessment.student_id is not None else member_ids
    notify(recipients, NotificationKind.ASSESSMENT_RELEASED,
           url=site_path("assessment.view_assessment", assessment_id=assessment.id), actor_id=teacher.id,
           person=teacher.display_name, project=project.challenge.title)
    audit.record(audit.Action.ASSESSMENT_RELEASED, actor_id=teacher.id, classroom_id=project.team.classroom_id,
                 object_type="assessment", object_id=assessment.id, detail=_describe_target(assessment))


def _describe_target(assessment: Assessment) -> str:
    project = assessment.project
    who = assessment.student.display_name if assessment.student is not None else project.team.name
    return f"{project.challenge.title} · {who}"


def _has_level(assessment: Assessment) -> bool:
    return any(score.level_id is not None for score in assessment.scores)


def save_teacher_assessment(project: Project, teacher: User, *, student_id: int | None, rubric_id: int,
                            base_version: int, marks: Marks, release: bool = False) -> Assessment:
    """Save the teacher assessment of the team (``student_id`` None) or of one member, and
    release it if asked. Raises Forbidden (not a teacher of the class), NotFound (not a member
    of the team), ValidationFailed (no date, no level to release, a level or criterion not of
    the rubric, a rubric changed meanwhile) and EditConflict (saved by someone since
    ``base_version``; nothing is saved then)."""
    if not can_grade(teacher, project):
        raise Forbidden(_("Only the class's teachers assess with the rubric."))
    member_ids = team_member_ids(project.team_id)
    if student_id is not None and student_id not in member_ids:
        raise NotFound()
    if marks.work_date is None:
        raise ValidationFailed(_("Give the date of the work assessed."), field="work_date")
    # Mastery orders evidence by this date: a date to come would stay "most recent" for ever.
    if marks.work_date > date.today():
        raise ValidationFailed(_("The date of the work cannot be in the future."), field="work_date")
    if marks.work_date < date.today() - timedelta(days=5 * 366):
        raise ValidationFailed(_("Give a date within the last five years."), field="work_date")
    if release and not any(level is not None for level in marks.levels.values()):
        raise ValidationFailed(_("Choose at least one level before releasing."))
    assessment, changes = _save(teacher, project, AssessmentKind.TEACHER, student_id=student_id,
                                rubric_id=rubric_id, base_version=base_version, marks=marks,
                                status=AssessmentStatus.DRAFT)
    if assessment.status is AssessmentStatus.RELEASED and changes:
        audit.record(audit.Action.ASSESSMENT_CHANGED, actor_id=teacher.id, classroom_id=project.team.classroom_id,
                     object_type="assessment", object_id=assessment.id,
                     detail=f"{_describe_target(assessment)}: {'; '.join(changes)}")
        notify([assessment.student_id] if assessment.student_id is not None else member_ids,
               NotificationKind.ASSESSMENT_CHANGED, actor_id=teacher.id,
               url=site_path("assessment.view_assessment", assessment_id=assessment.id),
               person=teacher.display_name, project=project.challenge.title)
    if release and assessment.status is AssessmentStatus.DRAFT:
        _release(assessment, teacher, member_ids)
    db.session.commit()
    return assessment


def release_assessment(assessment: Assessment, teacher: User) -> bool:
    """Release one teacher assessment; False if it was released already. Raises Forbidden
    (not a teacher of the class, or not a teacher assessment) and ValidationFailed (no level
    chosen yet)."""
    if not can_grade(teacher, assessment.project) or assessment.kind is not AssessmentKind.TEACHER:
        raise Forbidden(_("Only the class's teachers release their assessments."))
    if assessment.status is AssessmentStatus.RELEASED:
        return False
    if not _has_level(assessment):
        raise ValidationFailed(_("Choose at least one level before releasing."))
    _release(assessment, teacher, team_member_ids(assessment.project.team_id))
    db.session.commit()
    return True


@dataclass
class ReleaseResult:
    released: int
    skipped: int  # drafts without a single level


def release_drafts(challenge: Challenge, teacher: User) -> ReleaseResult:
    """Release every draft teacher assessment of the challenge's projects that has a level;
    drafts without one stay drafts. Raises Forbidden for anyone but the class's teachers."""
    if not is_teacher_of(teacher, challenge.classroom_id):
        raise Forbidden(_("Only the class's teachers release their assessments."))
    drafts = list(db.session.scalars(
        visible_assessments(teacher).join(Project, Project.id == Assessment.project_id)
        .where(Project.challenge_id == challenge.id, Assessment.kind == AssessmentKind.TEACHER,
               Assessment.status == AssessmentStatus.DRAFT)
        .options(selectinload(Assessment.scores), joinedload(Assessment.student),
                 joinedload(Assessment.project).joinedload(Project.team),
                 joinedload(Assessment.project).joinedload(Project.challenge))
        .order_by(Assessment.id)))
    members: dict[int, list[int]] = {}
    for team_id, user_id in db.session.execute(
            select(TeamMember.team_id, TeamMember.user_id).join(Project, Project.team_id == TeamMember.team_id)
            .where(Project.challenge_id == challenge.id)):
        members.setdefault(team_id, []).append(user_id)
    result = ReleaseResult(0, 0)
    for draft in drafts:
        if not _has_level(draft):
            result.skipped += 1
            continue
        _release(draft, teacher, members.get(draft.project.team_id, []))
        result.released += 1
    db.session.commit()
    return result


def submit_voice(project: Project, assessor: User, kind: AssessmentKind, *, student_id: int | None,
                 rubric_id: int, base_version: int, marks: Marks) -> Assessment:
    """Submit (or change) a self-assessment (``student_id`` the assessor), a peer evaluation
    (``student_id`` a teammate) or a partner rating (``student_id`` None). Raises Forbidden
    when the challenge does not ask for it, the assessor may not give it, or it became final;
    NotFound for a ``student_id`` that is not a teammate; ValidationFailed and EditConflict as
    :func:`save_teacher_assessment`."""
    if kind not in VOICES:
        raise ValueError(kind)
    if not may_use_voice(assessor, project, challenge_settings(project.challenge_id), kind):
        raise Forbidden(_("This challenge does not ask you for that."))
    if kind is AssessmentKind.SELF and student_id != assessor.id:
        raise NotFound()
    if kind is AssessmentKind.PEER and (student_id == assessor.id
                                        or student_id not in team_member_ids(project.team_id)):
        raise NotFound()
    if kind is AssessmentKind.PARTNER and student_id is not None:
        raise NotFound()
    # An empty form is not a submission (it would tell the teacher "submitted" about nothing).
    if not any(level is not None for level in marks.levels.values()) and not marks.overall_comment.strip() \
            and not any(comment.strip() for comment in marks.comments.values()):
        raise ValidationFailed(_("Choose at least one level or write a comment."))
    given = find_assessment(assessor, project.id, kind, student_id=student_id, assessor_id=assessor.id)
    if kind is not AssessmentKind.PARTNER and voices_locked(project.id, given):
        raise Forbidden(_("Your teacher has released the team's assessment: this one is final now."))
    marks.work_date = project.last_activity_at.date()
    assessment, _changes = _save(assessor, project, kind, student_id=student_id, rubric_id=rubric_id,
                                 base_version=base_version, marks=marks, status=AssessmentStatus.RELEASED)
    if assessment.released_at is None:
        assessment.released_at = utcnow()
    db.session.commit()
    return assessment
