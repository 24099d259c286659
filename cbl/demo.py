"""The demo district that ``make run`` seeds: Riverside Middle School with one class, two teams
under way on a challenge, and Hillcrest High School with one teacher and a class of its own.

Its people and work are invented; any likeness to real people is accidental."""

import io
import secrets
from contextlib import contextmanager
from datetime import date, timedelta

from PIL import Image, ImageDraw
from sqlalchemy import select

from cbl.accounts.models import Role, User
from cbl.accounts.services import create_user
from cbl.assessment.goals import services as goals
from cbl.assessment.grading import services as grading
from cbl.assessment.grading.peer import peer_rubric_id
from cbl.assessment.rubrics import services as rubrics
from cbl.competencies.services import install_default_framework
from cbl.dbtypes import utcnow
from cbl.extensions import db
from cbl.feedback.invitations import hash_token
from cbl.feedback.models import Comment, CommentKind, CommentStatus, Invitation
from cbl.markdown import render_markdown
from cbl.images import process_image
from cbl.portfolio import publishing, services as portfolio
from cbl.portfolio.models import Entry, EntryKind, Visibility
from cbl.projects import phases, services
from cbl.projects.defaults import REFLECTION_PROMPTS
from cbl.projects.models import CandidateQuestion, ElementKey, Phase, Project, ProjectPartner
from cbl.school import save_settings
from cbl.schools import services as schools
from cbl.schools.models import School, Term, TermKind
from cbl.teams import services as teams

DEMO_PASSWORD = "cbl-demo-2026"

# What the admin fills in on "School settings": mail to families and partners names the school
# and comes from its office, as a real school's would (issue 10, item 9).
SCHOOL = ("Riverside Middle School", "Riverside Middle School", "office@riverside.example")
# The district admin runs every school; the principal runs Riverside only.
ADMIN = ("admin@riverside.example", "Sam Okafor")
SCHOOL_ADMIN = ("principal@riverside.example", "Dana Brooks")
TEACHER = ("rivera@riverside.example", "Ana Rivera")
SECOND_SCHOOL = ("Hillcrest High School", "HHS")
SECOND_TEACHER = ("haddad@hillcrest.example", "Omar Haddad")
PARTNER = ("jordan.kim@cityutility.example", "Jordan Kim")
TEAMS = {
    "Rain Catchers": [("maya@riverside.example", "Maya Chen"), ("leo@riverside.example", "Leo Martins"),
                      ("priya@riverside.example", "Priya Nair")],
    "Tap Detectives": [("noah@riverside.example", "Noah Williams"), ("sofia@riverside.example", "Sofía García"),
                       ("jamal@riverside.example", "Jamal Reed")],
}


@contextmanager
def _one_transaction():
    """Run the services the seed calls in one transaction: their commits only flush, and
    the whole school is committed at the end or not at all."""
    session = db.session()
    session.commit = session.flush  # type: ignore[method-assign]
    try:
        yield
    except BaseException:
        del session.commit
        session.rollback()
        raise
    del session.commit
    session.commit()


class NotADemoDatabase(Exception):
    """The database holds accounts of its own: the demo is never added to it."""


def seed_demo() -> bool:
    """Create the demo school unless it exists. Returns True when it was created. Raises
    :class:`NotADemoDatabase` for a database with other accounts: the demo's district admin has
    a published password, and its sign-in provider a published secret."""
    if db.session.scalar(select(User.id).where(User.email == TEACHER[0])) is not None:
        _demo_sign_in()  # a demo seeded before school sign-in existed gets it now
        return False
    if db.session.scalar(select(User.id).limit(1)) is not None:
        raise NotADemoDatabase()
    _demo_sign_in()
    with _one_transaction():
        _seed()
    _demo_sign_in(seeded=True)  # Riverside exists now: the demo button becomes Riverside's, its principal manages it
    return True


# The demo's school sign-in: a local provider standing in for Google (`make run` starts it:
# python -m cbl.sso.devprovider). Its people carry Riverside's addresses and hd.
DEMO_SIGN_IN_LABEL = "Riverside Google (demo)"
DEMO_SIGN_IN_ISSUER = "http://127.0.0.1:5001"


def _demo_sign_in(seeded: bool = False) -> None:
    from cbl.sso.devprovider import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET
    from cbl.sso.models import ProviderKind, SsoProvider

    riverside = db.session.scalar(select(School.id).where(School.identifier == "RMS"))
    row = db.session.scalar(select(SsoProvider).where(SsoProvider.label == DEMO_SIGN_IN_LABEL))
    if row is None:
        db.session.add(SsoProvider(kind=ProviderKind.GOOGLE, label=DEMO_SIGN_IN_LABEL, discovery_url=DEMO_SIGN_IN_ISSUER,
                                   client_id=DEMO_CLIENT_ID, client_secret=DEMO_CLIENT_SECRET,
                                   allowed="riverside.example", create_role=Role.STUDENT, enabled=True,
                                   school_id=riverside))
        db.session.commit()
    elif seeded and row.school_id is None and riverside is not None:
        row.school_id = riverside
        db.session.commit()


def _seed() -> None:
    save_settings(*SCHOOL)
    create_user(*ADMIN, DEMO_PASSWORD, Role.ADMIN)
    riverside = schools.create_school(SCHOOL[0], "RMS")
    fall = Term(title="Fall 2026", kind=TermKind.TERM, starts_on=date(2026, 8, 31), ends_on=date(2026, 12, 18))
    db.session.add(fall)  # a term of the whole district
    db.session.flush()
    principal = create_user(*SCHOOL_ADMIN, DEMO_PASSWORD, Role.SCHOOL_ADMIN)
    schools.add_member(riverside.id, principal)
    teacher = create_user(*TEACHER, DEMO_PASSWORD, Role.TEACHER)
    schools.add_member(riverside.id, teacher)
    partner = create_user(*PARTNER, DEMO_PASSWORD, Role.PARTNER)
    classroom = teams.create_classroom(teacher, "Grade 8 Science", fall.title, school_id=riverside.id,
                                       term_id=fall.id)
    _second_school(fall)
    students: dict[str, list[User]] = {}
    for team_name, people in TEAMS.items():
        students[team_name] = []
        for email, name in people:
            # Riverside's student numbers, as its student information system gives them.
            user = create_user(email, name, DEMO_PASSWORD, Role.STUDENT,
                               school_id=f"RMS-{4101 + sum(len(p) for p in students.values())}")
            teams.join_classroom(user, classroom.join_code)
            schools.add_member(riverside.id, user)
            students[team_name].append(user)
        teams.create_team(classroom, team_name, [u.id for u in students[team_name]])
    today = date.today()
    challenge = services.create_challenge(
        classroom, teacher, title="Water in our neighbourhood", big_idea="Water",
        description="Every drop we use comes from somewhere and goes somewhere. Find a water problem in "
                    "our neighbourhood that matters to you, and do something real about it.",
        essential_question_template="How might we … in our neighbourhood?", size="mini",
        starts_on=today - timedelta(days=12), ends_on=today + timedelta(days=30),
        prompt_engage=str(REFLECTION_PROMPTS[Phase.ENGAGE]),
        prompt_investigate=str(REFLECTION_PROMPTS[Phase.INVESTIGATE]),
        prompt_act=str(REFLECTION_PROMPTS[Phase.ACT]))
    projects = {p.team.name: p for p in db.session.scalars(select(Project).where(Project.challenge_id == challenge.id))}
    _rain_catchers(projects["Rain Catchers"], students["Rain Catchers"], teacher)
    _tap_detectives(projects["Tap Detectives"], students["Tap Detectives"])
    _portfolio(projects["Rain Catchers"], students["Rain Catchers"], projects["Tap Detectives"],
               students["Tap Detectives"])
    # The Rain Catchers' story so far is in the showcase.
    publishing.request_publication(projects["Rain Catchers"], students["Rain Catchers"][0],
                                   "Can we share our research with the neighbourhood?", None)
    publishing.decide_publication(projects["Rain Catchers"], teacher, True, "Well told. Published!")
    # Jordan was invited by Ms. Rivera and accepted; the link is spent.
    invitation = Invitation(classroom_id=classroom.id, email=partner.email, token_hash=hash_token(secrets.token_urlsafe()),
                            invited_by_id=teacher.id, projects=[projects["Rain Catchers"]],
                            message="Jordan runs the city's water-saving programme and offered to advise a team.",
                            expires_at=utcnow() + timedelta(days=30), accepted_at=utcnow(), accepted_by_id=partner.id)
    db.session.add(invitation)
    db.session.add(ProjectPartner(project_id=projects["Rain Catchers"].id, user_id=partner.id,
                                  granted_by_id=teacher.id, expires_at=utcnow() + timedelta(days=90)))
    _feedback(projects["Rain Catchers"], students["Rain Catchers"], teacher, partner, students["Tap Detectives"][1])
    _assessment(challenge, projects, students, teacher, classroom)


def _second_school(fall: Term) -> None:
    """Hillcrest High School: a teacher and a class of the same term, which Riverside's principal
    does not see."""
    hillcrest = schools.create_school(*SECOND_SCHOOL)
    teacher = create_user(*SECOND_TEACHER, DEMO_PASSWORD, Role.TEACHER)
    schools.add_member(hillcrest.id, teacher)
    teams.create_classroom(teacher, "Grade 10 Biology", fall.title, school_id=hillcrest.id, term_id=fall.id)


def _assessment(challenge, projects: dict[str, Project], students: dict[str, list[User]], teacher: User,
                classroom) -> None:
    """The challenge is assessed with the CBL starter rubric. The Rain Catchers have a
    released team assessment from their Engage work and a released one of Maya's own later
    work, so her profile shows growth; the Tap Detectives' assessment is a draft. Maya has a
    learning goal with evidence, a progress note and her teacher's comment."""
    rubric = rubrics.starter_rubric(teacher)
    rubrics.attach_rubric(challenge, rubric, self_assessment=True, peer_evaluation=True, partner_rating=True)
    peer_rubric_id(challenge, teacher)  # teammates rate each other's contribution on its own scale
    levels = [level.id for level in rubric.levels]  # Beginning, Developing, Proficient, Advanced
    criteria = [criterion.id for criterion in rubric.criteria]
    today = date.today()

    def marks(picks: list[int], comment: str, days_ago: int) -> grading.Marks:
        return grading.Marks(levels={c: levels[p] for c, p in zip(criteria, picks)}, overall_comment=comment,
                             work_date=today - timedelta(days=days_ago))

    rain, taps = projects["Rain Catchers"], projects["Tap Detectives"]
    maya = students["Rain Catchers"][0]
    grading.save_teacher_assessment(rain, teacher, student_id=None, rubric_id=rubric.id, base_version=0, release=True,
                                    marks=marks([1, 1, 2, 1, 1, 0], "A strong start: your essential question is "
                                                "yours and it matters. Next, plan how you will measure.", 12))
    grading.save_teacher_assessment(rain, teacher, student_id=maya.id, rubric_id=rubric.id, base_version=0,
                                    release=True, marks=marks([2, 2, 2, 1, 2, 1], "Your poster explains the data "
                                                              "clearly. Well done leading the interview notes.", 3))
    grading.save_teacher_assessment(taps, teacher, student_id=None, rubric_id=rubric.id, base_version=0,
                                    marks=marks([1, 0, 1, 1, 0, 0], "Draft: waiting for the survey results.", 2))
    communication = next((c.competency for c in rubric.criteria if c.competency and c.competency.code.startswith(
        "COM")), None)
    goal = goals.create_goal(maya, classroom, goals.GoalFields(
        title="Explain our rainfall data to the neighbourhood", competency_id=communication.id if communication else None,
        description="I want people who are not scientists to understand our numbers in one minute.",
        target_date=today + timedelta(days=21)))
    poster = db.session.scalar(select(Entry).where(Entry.project_id == rain.id, Entry.title == "Our rainfall poster"))
    if poster is not None:
        goals.add_evidence(goal, maya, poster.id)
    goals.add_note(goal, maya, "I showed the poster to my grandmother. She understood April at once but not the "
                               "axis labels.")
    goals.add_note(goal, teacher, "Good test! Try the poster with a younger student next.")


def _feedback(rain: Project, rain_team: list[User], teacher: User, partner: User, sofia: User) -> None:
    """Feedback on the Rain Catchers: a teacher's open question, a partner's suggestion the
    team answered, a classmate's praise on the poster, and a partner's comment waiting for
    the teacher's approval."""
    maya, leo, _priya = rain_team
    poster = db.session.scalar(select(Entry).where(Entry.project_id == rain.id, Entry.title == "Our rainfall poster"))
    readings = db.session.scalar(select(Entry).where(Entry.project_id == rain.id, Entry.title == "City rainfall records"))

    def comment(author: User, body: str, kind: CommentKind | None = None, **extra) -> Comment:
        made = Comment(project_id=rain.id, author_id=author.id, kind=kind, body=body,
                       body_html=str(render_markdown(body)), **extra)
        db.session.add(made)
        db.session.flush()
        return made

    comment(teacher, "How will you **know** how much water a barrel saves? Think about what you could measure "
                     "each week.", CommentKind.QUESTION)
    advice = comment(partner, "Our utility lends rain gauges to schools for free. A gauge next to the barrel would "
                              "let you compare the rain that falls with the water you collect.", CommentKind.SUGGESTION,
                     moderated_by_id=teacher.id, moderated_at=utcnow(), addressed_at=utcnow(),
                     addressed_by_id=leo.id, answer_entry_id=readings.id if readings else None)
    comment(maya, "Thank you! We would love to borrow one. Can it stay outside over the holidays?", parent_id=advice.id)
    if poster is not None:
        comment(sofia, "Your poster makes April's rain really easy to see. Nice colours!", CommentKind.PRAISE,
                entry_id=poster.id)
    comment(partner, "If you send me your measurements at the end of the month, I can compare them with the "
                     "city's rain station.", CommentKind.SUGGESTION, status=CommentStatus.PENDING)


def _rain_catchers(project: Project, members: list[User], teacher: User) -> None:
    maya, leo, priya = members
    for text in ("Why does the school yard flood every time it rains?",
                 "Where does the rain from our roofs go?",
                 "Could rain water the community garden instead of the tap?"):
        services.add_candidate(project, text, maya)
    last = db.session.scalar(select(CandidateQuestion).where(CandidateQuestion.project_id == project.id)
                             .order_by(CandidateQuestion.id.desc()))
    services.choose_candidate(project, last.id, leo)
    services.save_element(project, ElementKey.CHALLENGE_STATEMENT,
                          "Collect the rain that falls on the school roof and use it to water the community "
                          "garden through the dry months.", 0, priya)
    request = phases.request_next_phase(project, maya, "We know our question and our challenge.")
    phases.decide_request(request, teacher, True, "Strong challenge statement. Go find out what you need to know!")
    questions = {}
    for text, category, priority in (
            ("How much rain falls on the school roof in a month?", "Science", "high"),
            ("How much water does the garden need each week?", "Science", "high"),
            ("Is roof rainwater safe for vegetables?", "Health", "medium"),
            ("What does a rain barrel cost, and who could pay for it?", "Costs", "medium"),
            ("Who decides what can be installed on school buildings?", "People", "low")):
        question = services.add_guiding_question(project, text, leo)
        questions[text[:12]] = services.update_guiding_question(
            project, question.id, question.version, text=text, category=category, priority=priority,
            findings="", answered=False, summary="")
    roof = questions["How much rai"]
    services.add_activity(project, priya, kind="activity", title="Measure the roof with the caretaker",
                          details="Pace out the roof and read the gutter plans.", url="",
                          question_ids=[roof.id])
    services.add_activity(project, maya, kind="resource", title="City rainfall records",
                          details="Monthly rainfall for the last ten years.",
                          url="https://example.org/rainfall", question_ids=[roof.id, questions["How much wat"].id])
    services.update_guiding_question(
        project, roof.id, roof.version, text=roof.text, category="Science", priority="high",
        findings="The roof is about 600 m². In an average April 60 mm of rain falls.", answered=True,
        summary="About 36,000 litres fall on the roof in an average April: far more than the garden needs.")


def _tap_detectives(project: Project, members: list[User]) -> None:
    noah, sofia, jamal = members
    for text, author in (("Why do so many students buy bottled water when there are fountains?", noah),
                         ("Is the water from the old fountains safe to drink?", sofia),
                         ("How much plastic do bottled drinks add to our bins each week?", jamal)):
        services.add_candidate(project, text, author)
    first = db.session.scalar(select(CandidateQuestion).where(CandidateQuestion.project_id == project.id)
                              .order_by(CandidateQuestion.id))
    services.choose_candidate(project, first.id, sofia)
    services.save_element(project, ElementKey.CHALLENGE_STATEMENT,
                          "Get more students at our school to drink tap water instead of bottled water.", 0, jamal)
    phases.request_next_phase(project, noah, "We chose our question and wrote our challenge. Can we start investigating?")


def _chart() -> bytes:
    """A hand-drawn-looking rainfall chart, standing in for a student's photo of their poster."""
    image = Image.new("RGB", (960, 640), (250, 247, 238))
    draw = ImageDraw.Draw(image)
    months = [38, 45, 60, 72, 55, 30]
    for i, mm in enumerate(months):
        x = 120 + i * 130
        draw.rectangle([x, 560 - mm * 6, x + 80, 560], fill=(29, 95, 168))
        draw.text((x + 20, 575), ["Jan", "Feb", "Mar", "Apr", "May", "Jun"][i], fill=(28, 31, 36))
    draw.line([90, 560, 900, 560], fill=(28, 31, 36), width=4)
    draw.line([90, 80, 90, 560], fill=(28, 31, 36), width=4)
    draw.text((110, 40), "Rain on our school roof (mm per month)", fill=(28, 31, 36))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def _entry(project: Project, author: User, kind: EntryKind, title: str, body: str, phase: Phase,
           visibility: Visibility = Visibility.TEAM, **extra) -> None:
    images = extra.pop("images", [])
    prompt = extra.pop("prompt", "")
    fields = portfolio.EntryFields(title=title, body=body, phase=phase, visibility=visibility, **extra)
    portfolio.create_entry(project, author, kind, fields, images, prompt=prompt)


def _portfolio(rain: Project, rain_team: list[User], taps: Project, tap_team: list[User]) -> None:
    framework = install_default_framework()
    code = {c.code: c.id for c in framework.competencies}
    maya, leo, priya = rain_team
    _entry(rain, maya, EntryKind.REFLECTION, "My reflection on Engage",
           "I was surprised how much rain we waste. The garden is dry all summer, and it matters to me "
           "because my grandmother grows vegetables there.", Phase.ENGAGE, Visibility.PRIVATE,
           prompt=str(REFLECTION_PROMPTS[Phase.ENGAGE]))
    _entry(rain, leo, EntryKind.NOTE, "Interview with Mr. Diaz, the caretaker",
           "- The roof is about **600 m²**.\n- All the gutters go to one drain by the bike shed.\n"
           "- He would help us fit a barrel if the principal agrees.", Phase.INVESTIGATE,
           contributors={leo.id: "asked the questions", priya.id: "took notes"},
           competency_ids=[code["CIV.1"], code["CT.1"], code["COL.1"]])
    _entry(rain, priya, EntryKind.LINK, "City rainfall records",
           "Monthly rainfall for the last ten years. April is the wettest month.", Phase.INVESTIGATE,
           Visibility.CLASS, link_url="https://example.org/rainfall", competency_ids=[code["CT.2"]])
    _entry(rain, maya, EntryKind.IMAGE, "Our rainfall poster",
           "We drew the city's numbers for the first half of the year.", Phase.INVESTIGATE, Visibility.PUBLIC,
           images=[portfolio.NewImage(process_image(_chart()),
                                      "Bar chart of monthly rainfall from January to June, highest in April")])
    noah, sofia, jamal = tap_team
    _entry(taps, sofia, EntryKind.NOTE, "Fountain survey tally",
           "| fountain | works | tastes OK |\n|---|---|---|\n| gym | yes | no |\n| library | yes | yes |\n"
           "| canteen | no | — |", Phase.ENGAGE, Visibility.CLASS,
           contributors={sofia.id: "checked every fountain", jamal.id: "counted the bottles"},
           competency_ids=[code["CT.1"], code["COM.1"]])
