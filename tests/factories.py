"""Small functions that make test data with sensible defaults."""

import itertools
from datetime import timedelta

from werkzeug.security import generate_password_hash

from cbl.accounts.models import Role, User
from cbl.dbtypes import utcnow
from cbl.extensions import db
from cbl.projects.models import (Activity, CandidateQuestion, Challenge, GuidingQuestion, PhaseRequest, Project,
                                 ProjectPartner)
from cbl.teams.models import Classroom, ClassroomTeacher, Enrolment, Team, TeamMember

PASSWORD = "correct horse battery"
# A cheap hash keeps the suite fast; the product hashes with Werkzeug's default.
_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
_seq = itertools.count(1)


def make_user(role: Role | str = Role.STUDENT, *, name: str | None = None, email: str | None = None,
              active: bool = True) -> User:
    n = next(_seq)
    role = Role(role)
    user = User(email=email or f"{role.value}{n}@school.example", display_name=name or f"{role.value.title()} Person{n}",
                password_hash=_HASH, role=role, active=active)
    db.session.add(user)
    db.session.commit()
    return user


def make_classroom(teacher: User | None = None, **settings) -> Classroom:
    classroom = Classroom(name=settings.pop("name", f"Class {next(_seq)}"), term="Fall", **settings)
    db.session.add(classroom)
    if teacher is not None:
        db.session.add(ClassroomTeacher(classroom=classroom, user=teacher))
    db.session.commit()
    return classroom


def make_school(name: str | None = None, members=(), classrooms=()):
    """A school with these people as its members and these classes in it."""
    from cbl.schools.models import School, SchoolMember
    school = School(name=name or f"School {next(_seq)}", identifier="")
    db.session.add(school)
    db.session.flush()
    for member in members:
        db.session.add(SchoolMember(school_id=school.id, user_id=member.id))
    for classroom in classrooms:
        classroom.school_id = school.id
    db.session.commit()
    return school


def make_term(school=None, title: str = "Fall 2026", classrooms=(), **fields):
    """A term of ``school`` (None: of the district) holding these classes (placed in its school)."""
    from cbl.schools.models import Term
    term = Term(title=title, school_id=school.id if school is not None else None, **fields)
    db.session.add(term)
    db.session.flush()
    for classroom in classrooms:
        classroom.term_id = term.id
        if school is not None:
            classroom.school_id = school.id
    db.session.commit()
    return term


def enrol(classroom: Classroom, *students: User) -> None:
    for student in students:
        db.session.add(Enrolment(classroom=classroom, user=student))
    db.session.commit()


def make_team(classroom: Classroom, *members: User, name: str | None = None) -> Team:
    team = Team(classroom=classroom, name=name or f"Team {next(_seq)}")
    db.session.add(team)
    for member in members:
        if not db.session.query(Enrolment).filter_by(classroom_id=classroom.id, user_id=member.id).first():
            db.session.add(Enrolment(classroom=classroom, user=member))
        team.memberships.append(TeamMember(user=member))
    db.session.commit()
    return team


def make_challenge(classroom: Classroom, **fields) -> Challenge:
    challenge = Challenge(classroom_id=classroom.id, title=fields.pop("title", "Water"),
                          big_idea=fields.pop("big_idea", "Water"), **fields)
    db.session.add(challenge)
    db.session.commit()
    return challenge


def make_project(team: Team, challenge: Challenge | None = None, **fields) -> Project:
    challenge = challenge or make_challenge(team.classroom)
    project = Project(team_id=team.id, challenge_id=challenge.id, **fields)
    db.session.add(project)
    db.session.commit()
    return project


def make_question(project: Project, text: str = "How much rain falls?", **fields) -> GuidingQuestion:
    question = GuidingQuestion(project_id=project.id, text=text, **fields)
    db.session.add(question)
    db.session.commit()
    return question


def make_activity(project: Project, *questions: GuidingQuestion, title: str = "Measure the roof") -> Activity:
    activity = Activity(project_id=project.id, title=title)
    activity.questions = list(questions)
    db.session.add(activity)
    db.session.commit()
    return activity


def make_candidate(project: Project, text: str = "Why does the yard flood?") -> CandidateQuestion:
    candidate = CandidateQuestion(project_id=project.id, text=text)
    db.session.add(candidate)
    db.session.commit()
    return candidate


def make_request(project: Project, by: User) -> PhaseRequest:
    request = PhaseRequest(project_id=project.id, from_phase=project.phase, to_phase=project.phase.next,
                           requested_by_id=by.id)
    db.session.add(request)
    db.session.commit()
    return request


def grant_partner(project: Project, partner: User, *, days: int = 30, revoked: bool = False) -> ProjectPartner:
    grant = ProjectPartner(project_id=project.id, user_id=partner.id, expires_at=utcnow() + timedelta(days=days),
                           revoked_at=utcnow() if revoked else None)
    db.session.add(grant)
    db.session.commit()
    return grant


def jpeg_bytes(color=(200, 80, 40), size=(64, 48)) -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "JPEG")
    return buffer.getvalue()


def make_entry(project: Project, author: User, *, kind: str = "note", title: str = "Rain gauge readings",
               body: str = "We measured 12 mm.", visibility: str = "team", phase: str | None = None,
               photo: bool = False, link_url: str = "", document: bytes | None = None):
    """An entry written through the portfolio service (with a revision and cached HTML)."""
    from cbl.files import process_file
    from cbl.images import process_image
    from cbl.portfolio import services
    from cbl.portfolio.models import EntryKind, Visibility
    from cbl.projects.models import Phase

    fields = services.EntryFields(title=title, body=body, phase=Phase(phase) if phase else project.phase,
                                  visibility=Visibility(visibility),
                                  link_url=link_url or ("https://example.org/rain" if kind == "link" else ""))
    images = [services.NewImage(process_image(jpeg_bytes()), "A photo")] if photo else []
    processed = process_file(document, "plan.pdf") if document is not None else None
    return services.create_entry(project, author, EntryKind(kind), fields, images, document=processed)


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def make_invitation(classroom: Classroom, *projects: Project, email: str = "partner@business.example",
                    token: str = "a-secret-token", by: User | None = None, days: int = 30,
                    revoked: bool = False):
    """An invitation whose link token is ``token`` (only its hash is stored)."""
    from cbl.feedback.invitations import hash_token
    from cbl.feedback.models import Invitation

    invitation = Invitation(classroom_id=classroom.id, email=email, token_hash=hash_token(token),
                            invited_by_id=by.id if by else None, projects=list(projects),
                            expires_at=utcnow() + timedelta(days=days), revoked_at=utcnow() if revoked else None)
    db.session.add(invitation)
    db.session.commit()
    return invitation


def make_comment(project: Project, author: User, body: str = "What did the neighbours say?", *,
                 kind: str | None = "question", entry=None, parent=None, status: str = "visible"):
    """A comment saved directly (no notifications, no moderation rules)."""
    from cbl.feedback.models import Comment, CommentKind, CommentStatus
    from cbl.markdown import render_markdown

    comment = Comment(project_id=project.id, entry_id=entry.id if entry is not None else None,
                      parent_id=parent.id if parent is not None else None, author_id=author.id,
                      kind=CommentKind(kind) if kind and parent is None else None, body=body,
                      body_html=str(render_markdown(body)), status=CommentStatus(status))
    db.session.add(comment)
    db.session.commit()
    return comment


def make_goal(student: User, classroom: Classroom, *, title: str = "Speak up in team meetings",
              description: str = "", competency=None, status: str = "active", note: str | None = None,
              evidence=()):
    """A learning goal of ``student`` in the class, with a progress note by them if ``note``
    is given and ``evidence`` (entries) linked, saved directly (no rules, no notices)."""
    from cbl.assessment.models import GoalEvidence, GoalNote, GoalStatus, LearningGoal
    from cbl.markdown import render_markdown

    goal = LearningGoal(student_id=student.id, classroom_id=classroom.id, title=title, description=description,
                        competency_id=competency.id if competency is not None else None, status=GoalStatus(status))
    db.session.add(goal)
    db.session.flush()
    if note is not None:
        db.session.add(GoalNote(goal_id=goal.id, author_id=student.id, body=note,
                                body_html=str(render_markdown(note))))
    for entry in evidence:
        db.session.add(GoalEvidence(goal_id=goal.id, entry_id=entry.id))
    db.session.commit()
    return goal


FOUR_LEVELS = (("Beginning", 1.0), ("Developing", 2.0), ("Proficient", 3.0), ("Advanced", 4.0))


def make_competency_rubric(*competencies, title: str = "Team rubric", levels=FOUR_LEVELS, owner: User | None = None):
    """A rubric with ``levels`` ((label, points), low to high) and one criterion per
    competency (None: a criterion tied to no competency), saved directly."""
    from cbl.assessment.models import Criterion, Rubric, RubricLevel

    rubric = Rubric(title=title, owner_id=owner.id if owner else None)
    rubric.levels = [RubricLevel(position=i, label=label, points=points) for i, (label, points) in enumerate(levels)]
    rubric.criteria = [Criterion(position=i, title=competency.short_name if competency is not None else f"Criterion {i}",
                                 competency_id=competency.id if competency is not None else None)
                       for i, competency in enumerate(competencies)]
    db.session.add(rubric)
    db.session.flush()
    rubric.family_id = rubric.id
    db.session.commit()
    return rubric


def make_released_assessment(project: Project, rubric, levels_by_criterion: dict, *, student: User | None = None,
                             work_date=None, kind: str = "teacher", status: str = "released",
                             assessor: User | None = None, comments: dict | None = None, released_at=None):
    """An assessment of ``project`` (the team, or ``student``) saved directly with a score per
    criterion: ``levels_by_criterion`` maps a Criterion (or its position) to the points of a
    level of the rubric (or None for a score without a level). Released unless ``status``."""
    from datetime import date

    from cbl.assessment.models import Assessment, AssessmentKind, AssessmentStatus, Score

    by_points = {level.points: level for level in rubric.levels}
    by_position = {criterion.position: criterion for criterion in rubric.criteria}
    status = AssessmentStatus(status)
    assessment = Assessment(rubric_id=rubric.id, project_id=project.id, student_id=student.id if student else None,
                            assessor_id=assessor.id if assessor else None, kind=AssessmentKind(kind), status=status,
                            work_date=work_date or date(2024, 10, 1),
                            released_at=(released_at or utcnow()) if status is AssessmentStatus.RELEASED else None)
    for key, points in levels_by_criterion.items():
        criterion = by_position[key] if isinstance(key, int) else key
        level = by_points[float(points)] if points is not None else None
        assessment.scores.append(Score(criterion_id=criterion.id, level_id=level.id if level else None,
                                       comment=(comments or {}).get(key, "")))
    db.session.add(assessment)
    db.session.commit()
    return assessment


def make_grading_rubric(criteria=("Research", "Collaboration"), *, levels=FOUR_LEVELS, competencies=(),
                        title: str = "Project rubric"):
    """A rubric with a criterion per title in ``criteria`` (tied to the competency at the same
    place in ``competencies``, if any), ``levels`` ((label, points), low to high) and a
    descriptor in every cell ("<criterion> at <level>"), saved directly."""
    from cbl.assessment.models import Criterion, Descriptor, Rubric, RubricLevel

    rubric = Rubric(title=title)
    rubric.levels = [RubricLevel(position=i, label=label, points=points) for i, (label, points) in enumerate(levels)]
    competencies = list(competencies)
    rubric.criteria = [Criterion(position=i, title=name,
                                 competency_id=competencies[i].id if i < len(competencies) else None)
                       for i, name in enumerate(criteria)]
    db.session.add(rubric)
    db.session.flush()
    rubric.family_id = rubric.id
    for criterion in rubric.criteria:
        for level in rubric.levels:
            db.session.add(Descriptor(criterion_id=criterion.id, level_id=level.id,
                                      text=f"{criterion.title} at {level.label}"))
    db.session.commit()
    return rubric


def attach_grading_rubric(challenge: Challenge, rubric, *, self_assessment: bool = False,
                          peer_evaluation: bool = False, partner_rating: bool = False):
    """The challenge's assessment settings: ``rubric`` (or None) and the other voices asked for."""
    from cbl.assessment.models import ChallengeAssessment

    settings = db.session.get(ChallengeAssessment, challenge.id) or ChallengeAssessment(challenge_id=challenge.id)
    settings.rubric_id = rubric.id if rubric is not None else None
    settings.self_assessment, settings.peer_evaluation = self_assessment, peer_evaluation
    settings.partner_rating = partner_rating
    db.session.add(settings)
    db.session.commit()
    return settings


def make_grading_assessment(project: Project, rubric, assessor: User | None, *, levels: dict | None = None,
                            kind: str = "teacher", status: str = "draft", student: User | None = None,
                            overall_comment: str = ""):
    """An assessment saved directly (no notices, no audit): ``levels`` maps a criterion's
    position to a level's position (default: the first criterion at the third level)."""
    from datetime import date

    from cbl.assessment.models import Assessment, AssessmentKind, AssessmentStatus, Score

    status = AssessmentStatus(status)
    assessment = Assessment(rubric_id=rubric.id, project_id=project.id, student_id=student.id if student else None,
                            assessor_id=assessor.id if assessor else None, kind=AssessmentKind(kind), status=status,
                            overall_comment=overall_comment, work_date=date(2024, 10, 1),
                            released_at=utcnow() if status is AssessmentStatus.RELEASED else None)
    for criterion_at, level_at in (levels if levels is not None else {0: 2}).items():
        assessment.scores.append(Score(criterion_id=rubric.criteria[criterion_at].id,
                                       level_id=rubric.levels[level_at].id))
    db.session.add(assessment)
    db.session.commit()
    return assessment


def make_rubric(owner: User | None, competency_ids=None, levels: int = 4, criteria: int = 2, *,
                title: str = "Water rubric"):
    """A rubric owned by ``owner`` built by the rubric service: ``levels`` levels (1, 2, 3…
    points) and ``criteria`` criteria, each tied to the next of ``competency_ids`` (a new
    one-competency framework when none are given), every cell described."""
    from cbl.assessment.rubrics.grid import rubric_data
    from cbl.assessment.rubrics.services import _new_rubric
    from cbl.competencies.models import Competency, CompetencyFramework

    if not competency_ids:
        framework = CompetencyFramework(title=f"Rubric skills {next(_seq)}",
                                        competencies=[Competency(code="RS1", short_name="Reasons from evidence")])
        db.session.add(framework)
        db.session.flush()
        competency_ids = [framework.competencies[0].id]
    labels = ["Beginning", "Developing", "Proficient", "Advanced", "Expert", "Master", "Leader", "Mentor"]
    level_list = [(labels[i] if i < len(labels) else f"Level {i + 1}", float(i + 1)) for i in range(levels)]
    rows = [(f"Criterion {i + 1}", competency_ids[i % len(competency_ids)],
             [f"Criterion {i + 1} at {label}" for label, _points in level_list]) for i in range(criteria)]
    rubric = _new_rubric(rubric_data(title, level_list, rows), owner_id=owner.id if owner is not None else None)
    db.session.commit()
    return rubric
