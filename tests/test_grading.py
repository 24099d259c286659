"""Assessing with the rubric: teachers grade teams and students, save drafts and release them;
students read their released assessments, assess themselves and their teammates; partners
rate; who may see and do what; stale saves, bad input and the grading page's query budget."""

import html
from datetime import date

import pytest
from sqlalchemy import func, select

from cbl.assessment.grading import services as grading
from cbl.assessment.grading import queries as grading_queries
from cbl.assessment.models import Assessment, AssessmentKind, AssessmentStatus
from cbl.assessment.partner.models import PartnerRating
from cbl.audit import Action, AuditEvent
from cbl.competencies.models import Competency, CompetencyFramework
from cbl.errors import Forbidden, NotFound, ValidationFailed
from cbl.extensions import db
from cbl.notifications.models import Notification, NotificationKind
from tests import factories
from tests.conftest import Auth


@pytest.fixture
def school():
    teacher = factories.make_user("teacher", name="Rosa Diaz")
    colleague = factories.make_user("teacher", name="Omar Haddad")
    stranger = factories.make_user("teacher", name="Tom Stranger")
    admin = factories.make_user("admin")
    classroom = factories.make_classroom(teacher, name="Grade 8")
    db.session.add(factories.ClassroomTeacher(classroom=classroom, user=colleague))
    factories.make_classroom(stranger)
    ana = factories.make_user("student", name="Ana Lopez")
    ben = factories.make_user("student", name="Ben Okafor")
    cleo = factories.make_user("student", name="Cleo Martin")
    challenge = factories.make_challenge(classroom, title="Rain")
    team1 = factories.make_team(classroom, ana, ben, name="Rain Catchers")
    team2 = factories.make_team(classroom, cleo, name="Tap Detectives")
    p1 = factories.make_project(team1, challenge)
    p2 = factories.make_project(team2, challenge)
    partner = factories.make_user("partner", name="Jordan Kim")
    factories.grant_partner(p1, partner)
    framework = CompetencyFramework(title="Skills", competencies=[Competency(code="C1", short_name="Research"),
                                                                  Competency(code="C2", short_name="Teamwork")])
    db.session.add(framework)
    db.session.commit()
    rubric = factories.make_grading_rubric(("Research", "Collaboration"), competencies=framework.competencies)
    factories.attach_grading_rubric(challenge, rubric)
    return dict(teacher=teacher, colleague=colleague, stranger=stranger, admin=admin, classroom=classroom, ana=ana,
                ben=ben, cleo=cleo, challenge=challenge, p1=p1, p2=p2, partner=partner, rubric=rubric)


def client_as(app, user):
    client = app.test_client()
    Auth(client).as_user(user)
    return client


def _levels(rubric, *labels):
    """Form data choosing, for each criterion in order, the level with that label (None: none)."""
    by_label = {level.label: level.id for level in rubric.levels}
    return {f"level_{c.id}": (by_label[label] if label else "") for c, label in zip(rubric.criteria, labels)}


def _grade(client, project, rubric, *labels, version=0, release=False, student=None, comments=(), overall="",
           work_date="2024-11-04", **extra):
    data = {"version": str(version), "rubric_id": str(rubric.id), "overall_comment": overall,
            "work_date": work_date, **_levels(rubric, *labels)}
    for criterion, comment in zip(rubric.criteria, comments):
        data[f"comment_{criterion.id}"] = comment
    data["release" if release else "save"] = "1"
    data.update(extra)
    url = f"/projects/{project.id}/grade" + (f"?student={student.id}" if student else "")
    return client.post(url, data=data)


def _teacher_assessment(project, student=None) -> Assessment | None:
    db.session.expire_all()
    return db.session.scalar(select(Assessment).where(
        Assessment.project_id == project.id, Assessment.kind == AssessmentKind.TEACHER,
        Assessment.student_id.is_(None) if student is None else Assessment.student_id == student.id))


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


# --- teachers grade ------------------------------------------------------------------------

def test_grading_page_shows_the_portfolio_beside_the_rubric(app, school):
    factories.make_entry(school["p1"], school["ana"], title="Roof survey")
    page = client_as(app, school["teacher"]).get(f"/projects/{school['p1'].id}/grade")
    assert page.status_code == 200
    text = _text(page)
    assert "Roof survey" in text and "Research at Proficient" in text and "Collaboration at Beginning" in text
    assert 'type="radio"' in text and "<fieldset" in text and "<legend>Research" in text
    assert "Save draft" in text and "Save and release" in text
    assert "Next team: Tap Detectives" in text
    assert school["p1"].last_activity_at.date().isoformat() in text  # the date of the work, by default


def test_teacher_saves_a_draft_that_students_cannot_see(app, school):
    rubric = school["rubric"]
    teacher = client_as(app, school["teacher"])
    response = _grade(teacher, school["p1"], rubric, "Proficient", "Developing",
                      comments=("Solid sources", "Share the work"), overall="Good start")
    assert response.status_code == 302
    draft = _teacher_assessment(school["p1"])
    assert draft.status is AssessmentStatus.DRAFT and draft.released_at is None
    assert draft.overall_comment == "Good start" and draft.work_date == date(2024, 11, 4)
    levels = {s.criterion.title: (s.level.label, s.comment) for s in draft.scores}
    assert levels == {"Research": ("Proficient", "Solid sources"), "Collaboration": ("Developing", "Share the work")}
    ana = client_as(app, school["ana"])
    assert "Solid sources" not in _text(ana.get("/assessments"))
    assert ana.get(f"/assessments/{draft.id}").status_code == 404
    assert _count(Notification, Notification.kind == NotificationKind.ASSESSMENT_RELEASED) == 0


def test_release_shows_it_to_every_member_notifies_them_and_is_audited(app, school):
    rubric = school["rubric"]
    teacher = client_as(app, school["teacher"])
    _grade(teacher, school["p1"], rubric, "Proficient", "Developing", comments=("Solid sources", ""))
    draft = _teacher_assessment(school["p1"])
    response = _grade(teacher, school["p1"], rubric, "Advanced", "Developing", version=draft.version, release=True,
                      comments=("Excellent sources", ""))
    assert response.status_code == 302
    released = _teacher_assessment(school["p1"])
    assert released.status is AssessmentStatus.RELEASED and released.released_at is not None
    for student in (school["ana"], school["ben"]):
        page = _text(client_as(app, student).get("/assessments"))
        assert "Excellent sources" in page and "Research at Advanced" in page and "Advanced" in page
        assert client_as(app, student).get(f"/assessments/{released.id}").status_code == 200
        notice = db.session.scalar(select(Notification).where(Notification.user_id == student.id))
        assert notice.kind is NotificationKind.ASSESSMENT_RELEASED and notice.url == f"/assessments/{released.id}"
        assert notice.values["person"] == "Rosa Diaz" and notice.values["project"] == "Rain"
    assert "Excellent sources" not in _text(client_as(app, school["cleo"]).get("/assessments"))
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == Action.ASSESSMENT_RELEASED))
    assert event.object_id == released.id and event.actor_id == school["teacher"].id
    assert event.classroom_id == school["classroom"].id


def test_individual_assessment_is_only_for_that_student(app, school):
    rubric, ana, ben = school["rubric"], school["ana"], school["ben"]
    teacher = client_as(app, school["teacher"])
    assert teacher.get(f"/projects/{school['p1'].id}/grade?student={ana.id}").status_code == 200
    response = _grade(teacher, school["p1"], rubric, "Advanced", None, student=ana, release=True,
                      overall="Ana led the interviews")
    assert response.status_code == 302
    own = _teacher_assessment(school["p1"], ana)
    assert own.student_id == ana.id and own.status is AssessmentStatus.RELEASED
    assert _teacher_assessment(school["p1"]) is None  # the team's is another assessment
    assert "Ana led the interviews" in _text(client_as(app, ana).get("/assessments"))
    assert "Ana led the interviews" not in _text(client_as(app, ben).get("/assessments"))
    assert client_as(app, ben).get(f"/assessments/{own.id}").status_code == 404
    assert _count(Notification, Notification.user_id == ana.id) == 1
    assert _count(Notification, Notification.user_id == ben.id) == 0


def test_assessing_someone_outside_the_team_is_not_found(app, school):
    teacher = client_as(app, school["teacher"])
    assert teacher.get(f"/projects/{school['p1'].id}/grade?student={school['cleo'].id}").status_code == 404
    assert teacher.get(f"/projects/{school['p1'].id}/grade?student=abc").status_code == 404
    assert _grade(teacher, school["p1"], school["rubric"], "Advanced", None, student=school["cleo"]).status_code == 404


def test_release_one_and_release_all_drafts(app, school):
    rubric = school["rubric"]
    teacher = client_as(app, school["teacher"])
    _grade(teacher, school["p1"], rubric, "Proficient", None)
    _grade(teacher, school["p2"], rubric, None, "Developing")
    _grade(teacher, school["p1"], rubric, None, None, student=school["ben"], overall="No level yet")
    team1 = _teacher_assessment(school["p1"])
    response = teacher.post(f"/assessments/{team1.id}/release", data={})
    assert response.status_code == 302
    assert _teacher_assessment(school["p1"]).status is AssessmentStatus.RELEASED
    listing = _text(teacher.get(f"/challenges/{school['challenge'].id}/grade"))
    assert "Rain Catchers" in listing and "Tap Detectives" in listing and "Release all 2 drafts" in listing
    response = teacher.post(f"/challenges/{school['challenge'].id}/grade/release", data={})
    assert response.status_code == 302
    assert _teacher_assessment(school["p2"]).status is AssessmentStatus.RELEASED
    assert _teacher_assessment(school["p1"], school["ben"]).status is AssessmentStatus.DRAFT  # nothing to release
    assert _count(AuditEvent, AuditEvent.action == Action.ASSESSMENT_RELEASED) == 2
    assert _count(Notification, Notification.user_id == school["cleo"].id) == 1
    assert _count(Notification, Notification.user_id == school["ana"].id) == 1  # once, for the team's


def test_release_without_any_level_is_refused_with_a_message(app, school):
    teacher = client_as(app, school["teacher"])
    response = _grade(teacher, school["p1"], school["rubric"], None, None, release=True, overall="Keep me")
    assert response.status_code == 400
    assert "Choose at least one level before releasing." in _text(response) and "Keep me" in _text(response)
    assert _teacher_assessment(school["p1"]) is None


def test_correcting_a_released_assessment_keeps_it_released_and_is_audited(app, school):
    rubric = school["rubric"]
    teacher = client_as(app, school["teacher"])
    _grade(teacher, school["p1"], rubric, "Developing", "Developing", release=True)
    version = _teacher_assessment(school["p1"]).version
    page = _text(teacher.get(f"/projects/{school['p1'].id}/grade"))
    assert "Save the correction" in page and "Save and release" not in page
    response = _grade(teacher, school["p1"], rubric, "Proficient", "Developing", version=version)
    assert response.status_code == 302
    corrected = _teacher_assessment(school["p1"])
    assert corrected.status is AssessmentStatus.RELEASED and corrected.version == version + 1
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == Action.ASSESSMENT_CHANGED))
    assert "Research: Developing → Proficient" in event.detail and event.object_id == corrected.id
    assert "released assessment changed" in _text(teacher.get("/audit"))


def test_a_stale_save_is_refused_and_the_typed_comments_are_kept(app, school):
    rubric = school["rubric"]
    first, second = client_as(app, school["teacher"]), client_as(app, school["colleague"])
    _grade(first, school["p1"], rubric, "Developing", None, comments=("First look", ""))
    opened = _teacher_assessment(school["p1"]).version  # both teachers open the page now
    assert _grade(first, school["p1"], rubric, "Proficient", None, version=opened,
                  comments=("Rosa's words", "")).status_code == 302
    response = _grade(second, school["p1"], rubric, "Advanced", "Beginning", version=opened,
                      comments=("Omar's careful comment", "Needs more"), overall="Omar overall")
    assert response.status_code == 409
    text = _text(response)
    assert "Someone saved this assessment" in text
    assert "Omar's careful comment" in text and "Omar overall" in text  # nothing typed is lost
    assert "Rosa's words" in text  # the saved version, beside
    saved = _teacher_assessment(school["p1"])
    assert {s.comment for s in saved.scores} == {"Rosa's words"}
    assert f'value="{saved.version}"' in text  # saving again keeps Omar's version
    assert _grade(second, school["p1"], rubric, "Advanced", "Beginning", version=saved.version,
                  comments=("Omar's careful comment", "")).status_code == 302


def test_a_level_of_another_rubric_or_criterion_is_refused_clearly(app, school):
    rubric = school["rubric"]
    other = factories.make_grading_rubric(("Design",), title="Other rubric")
    teacher = client_as(app, school["teacher"])
    data = {f"level_{rubric.criteria[0].id}": str(other.levels[2].id)}
    response = _grade(teacher, school["p1"], rubric, None, None, comments=("Kept comment", ""), **data)
    assert response.status_code == 400
    assert "Choose one of the levels of this rubric." in _text(response) and "Kept comment" in _text(response)
    response = _grade(teacher, school["p1"], rubric, "Proficient", None, **{f"level_{other.criteria[0].id}":
                                                                            str(rubric.levels[0].id)})
    assert response.status_code == 400 and "not in the rubric" in _text(response)
    response = _grade(teacher, school["p1"], rubric, None, None, **{f"level_{rubric.criteria[0].id}": "abc"})
    assert response.status_code == 400
    assert _teacher_assessment(school["p1"]) is None


def test_the_service_refuses_levels_and_criteria_of_another_rubric(school):
    rubric = school["rubric"]
    other = factories.make_grading_rubric(("Design",), title="Other rubric")
    for levels in ({rubric.criteria[0].id: other.levels[0].id}, {other.criteria[0].id: rubric.levels[0].id}):
        with pytest.raises(ValidationFailed):
            grading.save_teacher_assessment(school["p1"], school["teacher"], student_id=None, rubric_id=rubric.id,
                                            base_version=0, marks=grading.Marks(levels, work_date=date(2024, 1, 1)))
    with pytest.raises(ValidationFailed):
        grading.save_teacher_assessment(school["p1"], school["teacher"], student_id=None, rubric_id=other.id,
                                        base_version=0, marks=grading.Marks({}, work_date=date(2024, 1, 1)))
    with pytest.raises(Forbidden):
        grading.save_teacher_assessment(school["p1"], school["stranger"], student_id=None, rubric_id=rubric.id,
                                        base_version=0, marks=grading.Marks({}, work_date=date(2024, 1, 1)))


@pytest.mark.parametrize("payload", [
    {"version": "99999999999999999999999"}, {"rubric_id": "-1"}, {"work_date": "not a date"},
    {"overall_comment": "x" * 20_000}, {"version": "a\x00b"}, {"level_X": "1"},
])
def test_hostile_input_gets_a_clear_400(app, school, payload):
    teacher = client_as(app, school["teacher"])
    response = _grade(teacher, school["p1"], school["rubric"], "Proficient", None, **payload)
    assert response.status_code == 400
    assert _teacher_assessment(school["p1"]) is None


def test_a_page_opened_before_the_rubric_changed_is_refused(app, school):
    teacher = client_as(app, school["teacher"])
    newer = factories.make_grading_rubric(("Research", "Collaboration"), title="Project rubric v2")
    factories.attach_grading_rubric(school["challenge"], newer)
    response = _grade(teacher, school["p1"], school["rubric"], "Proficient", None, comments=("Kept", ""))
    assert response.status_code == 400
    assert _teacher_assessment(school["p1"]) is None


def test_without_a_rubric_the_grading_page_says_to_choose_one(app, school):
    factories.attach_grading_rubric(school["challenge"], None)
    response = client_as(app, school["teacher"]).get(f"/projects/{school['p1'].id}/grade")
    assert response.status_code == 200 and "Choose a rubric first" in _text(response)
    listing = client_as(app, school["teacher"]).get(f"/challenges/{school['challenge'].id}/grade")
    assert "Choose a rubric for this challenge first" in _text(listing)


# --- who may -------------------------------------------------------------------------------

def test_only_the_class_teachers_grade(app, school):
    p1, challenge = school["p1"], school["challenge"]
    teacher = client_as(app, school["teacher"])
    _grade(teacher, p1, school["rubric"], "Proficient", None)
    draft = _teacher_assessment(p1)
    stranger = client_as(app, school["stranger"])
    for url in (f"/projects/{p1.id}/grade", f"/challenges/{challenge.id}/grade", f"/assessments/{draft.id}"):
        assert stranger.get(url).status_code == 404, url
    assert stranger.post(f"/assessments/{draft.id}/release", data={}).status_code == 404
    assert stranger.post(f"/challenges/{challenge.id}/grade/release", data={}).status_code == 404
    assert _grade(stranger, p1, school["rubric"], "Advanced", None, version=draft.version).status_code == 404
    ana = client_as(app, school["ana"])
    assert ana.get(f"/projects/{p1.id}/grade").status_code == 403
    assert ana.get(f"/challenges/{challenge.id}/grade").status_code == 403
    assert ana.post(f"/assessments/{draft.id}/release", data={}).status_code == 404
    admin = client_as(app, school["admin"])
    assert admin.get(f"/projects/{p1.id}/grade").status_code == 403
    assert admin.get(f"/assessments/{draft.id}").status_code == 200  # admins read every assessment
    assert _teacher_assessment(p1).status is AssessmentStatus.DRAFT


def test_partners_see_no_assessment_but_rate_when_asked(app, school):
    p1, partner = school["p1"], school["partner"]
    _grade(client_as(app, school["teacher"]), p1, school["rubric"], "Proficient", None, release=True)
    released = _teacher_assessment(p1)
    guest = client_as(app, partner)
    assert guest.get(f"/assessments/{released.id}").status_code == 404
    assert guest.get("/assessments").status_code == 403
    assert guest.get(f"/projects/{p1.id}/grade").status_code == 403
    assert guest.get(f"/projects/{p1.id}/rating").status_code == 403  # not asked for
    assert "Rate this project" not in _text(guest.get(f"/projects/{p1.id}"))
    factories.attach_grading_rubric(school["challenge"], school["rubric"], partner_rating=True)
    assert "Rate this project" in _text(guest.get(f"/projects/{p1.id}"))
    form = guest.get(f"/projects/{p1.id}/rating")
    # The partner's short questions (tests/test_partner_rating.py), not the teacher's rubric.
    assert form.status_code == 200 and "Did the team understand the problem?" in _text(form)
    assert "Research at Advanced" not in _text(form) and "Solid" not in _text(form)
    data = {"answer_0": "2", "comment": "Great interviews"}
    assert guest.post(f"/projects/{p1.id}/rating", data=data).status_code == 302
    rating = db.session.scalar(select(PartnerRating))
    assert rating.partner_id == partner.id and rating.project_id == p1.id
    assert guest.get(f"/assessments/{released.id}").status_code == 404
    page = _text(client_as(app, school["teacher"]).get(f"/projects/{p1.id}/partner-ratings"))
    assert "Jordan Kim" in page and "Great interviews" in page
    other_project = school["p2"]
    assert guest.get(f"/projects/{other_project.id}/rating").status_code == 404


def test_self_assessment_only_when_switched_on(app, school):
    p1, ana = school["p1"], school["ana"]
    student = client_as(app, ana)
    assert student.get(f"/projects/{p1.id}/self-assessment").status_code == 403
    assert "Assess myself" not in _text(student.get(f"/projects/{p1.id}"))
    factories.attach_grading_rubric(school["challenge"], school["rubric"], self_assessment=True)
    assert "Assess myself" in _text(student.get(f"/projects/{p1.id}"))
    assert student.get(f"/projects/{p1.id}/self-assessment").status_code == 200
    data = {"version": "0", "rubric_id": str(school["rubric"].id), "overall_comment": "I learned to interview",
            f"comment_{school['rubric'].criteria[0].id}": "I read five sources",
            **_levels(school["rubric"], "Developing", "Proficient")}
    assert student.post(f"/projects/{p1.id}/self-assessment", data=data).status_code == 302
    own = db.session.scalar(select(Assessment).where(Assessment.kind == AssessmentKind.SELF))
    assert own.student_id == ana.id and own.assessor_id == ana.id and own.status is AssessmentStatus.RELEASED
    assert client_as(app, school["cleo"]).get(f"/projects/{p1.id}/self-assessment").status_code == 403
    assert client_as(app, school["teacher"]).get(f"/projects/{p1.id}/self-assessment").status_code == 403
    page = _text(client_as(app, school["teacher"]).get(f"/projects/{p1.id}/grade"))
    assert "Self-assessment by Ana Lopez" in page and "I learned to interview" in page
    # Changing it needs the version it was based on; it is final once the teacher released.
    data["version"] = str(own.version)
    assert student.post(f"/projects/{p1.id}/self-assessment", data=data).status_code == 302
    _grade(client_as(app, school["teacher"]), p1, school["rubric"], "Proficient", None, release=True)
    data["version"] = str(own.version + 1)
    assert student.post(f"/projects/{p1.id}/self-assessment", data=data).status_code == 403
    assert "is final" in _text(student.get(f"/projects/{p1.id}/self-assessment"))


def test_peer_evaluation_of_teammates_only(app, school):
    p1, ana, ben, cleo = school["p1"], school["ana"], school["ben"], school["cleo"]
    student = client_as(app, ana)
    assert student.get(f"/projects/{p1.id}/peers/{ben.id}").status_code == 403  # not switched on
    factories.attach_grading_rubric(school["challenge"], school["rubric"], peer_evaluation=True)
    assert "Evaluate my teammates" in _text(student.get(f"/projects/{p1.id}"))
    assert student.get(f"/projects/{p1.id}/peers/{cleo.id}").status_code == 404  # another team
    assert student.get(f"/projects/{p1.id}/peers/{ana.id}").status_code == 404  # herself
    assert student.get(f"/projects/{p1.id}/peers/999999").status_code == 404
    # Teammates answer on the challenge's contribution scale (issue 10, point 14), not the rubric.
    from cbl.assessment.grading.peer import peer_rubric_id
    from cbl.assessment.models import Rubric

    scale = db.session.get(Rubric, peer_rubric_id(school["challenge"]))
    data = {"version": "0", "rubric_id": str(scale.id), "overall_comment": "Ben built the gauge",
            **_levels(scale, None, "Always")}
    assert student.post(f"/projects/{p1.id}/peers/{cleo.id}", data=data).status_code == 404
    assert client_as(app, cleo).get(f"/projects/{p1.id}/peers/{ben.id}").status_code == 403
    with pytest.raises(NotFound):
        grading.submit_voice(p1, ana, AssessmentKind.PEER, student_id=cleo.id, rubric_id=school["rubric"].id,
                             base_version=0, marks=grading.Marks({}))
    assert student.post(f"/projects/{p1.id}/peers/{ben.id}", data=data).status_code == 302
    peer = db.session.scalar(select(Assessment).where(Assessment.kind == AssessmentKind.PEER))
    assert peer.student_id == ben.id and peer.assessor_id == ana.id
    # Ben reads it without Ana's name; the teacher reads who wrote it.
    ben_view = _text(client_as(app, ben).get(f"/assessments/{peer.id}"))
    assert "A teammate's evaluation" in ben_view and "Ana" not in ben_view
    assert client_as(app, cleo).get(f"/assessments/{peer.id}").status_code == 404
    page = _text(client_as(app, school["teacher"]).get(f"/projects/{p1.id}/grade?student={ben.id}"))
    assert "Ana Lopez on Ben Okafor" in page and "Ben built the gauge" in page


def test_project_page_links_each_visitor_to_their_part(app, school):
    p1 = school["p1"]
    assert "Assess with the rubric" in _text(client_as(app, school["teacher"]).get(f"/projects/{p1.id}"))
    student_page = _text(client_as(app, school["ana"]).get(f"/projects/{p1.id}"))
    # The navigation names "My assessments" for every student; the side panel only for the team.
    assert student_page.count("My assessments") == 2 and "Assess with the rubric" not in student_page
    assert _text(client_as(app, school["cleo"]).get(f"/projects/{p1.id}")).count("My assessments") == 1


def test_unknown_assessments_are_not_found_and_only_teacher_assessments_are_released(app, school):
    for user in (school["teacher"], school["ana"], school["partner"], school["admin"]):
        client = client_as(app, user)
        assert client.get("/assessments/999999").status_code == 404
        assert client.post("/assessments/999999/release", data={}).status_code == 404
    factories.attach_grading_rubric(school["challenge"], school["rubric"], self_assessment=True)
    own = factories.make_grading_assessment(school["p1"], school["rubric"], school["ana"], kind="self",
                                            status="released", student=school["ana"])
    assert client_as(app, school["teacher"]).post(f"/assessments/{own.id}/release", data={}).status_code == 403


# --- evidence and the query budget -----------------------------------------------------------

def test_released_evidence_counts_team_assessments_for_every_member(school):
    rubric, p1, ana, ben, teacher = school["rubric"], school["p1"], school["ana"], school["ben"], school["teacher"]
    levels = {level.label: level.id for level in rubric.levels}
    research, collaboration = rubric.criteria

    def save(student_id, marks, release=True):
        return grading.save_teacher_assessment(p1, teacher, student_id=student_id, rubric_id=rubric.id,
                                               base_version=0, marks=marks, release=release)

    factories.attach_grading_rubric(school["challenge"], rubric, self_assessment=True)
    grading.submit_voice(p1, ben, AssessmentKind.SELF, student_id=ben.id, rubric_id=rubric.id, base_version=0,
                         marks=grading.Marks({research.id: levels["Beginning"]}))
    save(None, grading.Marks({research.id: levels["Proficient"]}, work_date=date(2024, 10, 1)))
    save(ana.id, grading.Marks({collaboration.id: levels["Advanced"]}, work_date=date(2024, 11, 1)))
    save(ben.id, grading.Marks({collaboration.id: levels["Beginning"]}, work_date=date(2024, 12, 1)), release=False)
    evidence = grading_queries.released_evidence(teacher, [ana.id, ben.id])
    got = {(e.student_id, e.competency_id, e.points, e.work_date, e.kind) for e in evidence}
    assert got == {(ana.id, research.competency_id, 3.0, date(2024, 10, 1), AssessmentKind.TEACHER),
                   (ben.id, research.competency_id, 3.0, date(2024, 10, 1), AssessmentKind.TEACHER),
                   (ana.id, collaboration.competency_id, 4.0, date(2024, 11, 1), AssessmentKind.TEACHER)}
    assert {e.student_id for e in grading_queries.released_evidence(ana, [ana.id])} == {ana.id}
    assert grading_queries.released_evidence(school["stranger"], [ana.id]) == []
    assert all(e.kind is AssessmentKind.TEACHER for e in grading_queries.released_evidence(teacher, [ben.id]))
    voices = grading_queries.released_evidence(teacher, [ben.id], other_voices=True)
    assert {e.kind for e in voices} == {AssessmentKind.TEACHER, AssessmentKind.SELF}


def test_grading_page_queries_do_not_grow_with_criteria_entries_or_voices(app, school, queries):
    counts = []
    for size in (2, 12):
        rubric = factories.make_grading_rubric(tuple(f"Criterion {i}" for i in range(size)))
        factories.attach_grading_rubric(school["challenge"], rubric, self_assessment=True, peer_evaluation=True)
        project = factories.make_project(factories.make_team(school["classroom"], *(
            factories.make_user("student") for _ in range(3))), school["challenge"])
        members = [m.user for m in project.team.memberships]
        for i in range(size):
            factories.make_entry(project, members[i % 3], title=f"Entry {i}", photo=i % 2 == 0)
        for member in members:
            grading.submit_voice(project, member, AssessmentKind.SELF, student_id=member.id, rubric_id=rubric.id,
                                 base_version=0, marks=grading.Marks({c.id: rubric.levels[1].id
                                                                      for c in rubric.criteria}))
        grading.save_teacher_assessment(project, school["teacher"], student_id=None, rubric_id=rubric.id,
                                        base_version=0, marks=grading.Marks({c.id: rubric.levels[2].id
                                                                             for c in rubric.criteria},
                                                                            work_date=date(2024, 1, 1)))
        client = client_as(app, school["teacher"])
        url = f"/projects/{project.id}/grade"
        client.get(url)
        with queries() as counter:
            assert client.get(url).status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1], counts
    assert counts[1] <= 20, counts


def test_a_voice_not_given_before_the_release_can_still_be_given(app, school):
    p1 = school["p1"]
    factories.attach_grading_rubric(school["challenge"], school["rubric"], self_assessment=True)
    _grade(client_as(app, school["teacher"]), p1, school["rubric"], "Proficient", None, release=True)
    student = client_as(app, school["ana"])
    form = _text(student.get(f"/projects/{p1.id}/self-assessment"))
    assert "is final" not in form
    data = {"version": "0", "rubric_id": str(school["rubric"].id), "overall_comment": "Late but honest",
            **_levels(school["rubric"], "Developing", None)}
    assert student.post(f"/projects/{p1.id}/self-assessment", data=data).status_code == 302


def test_students_never_read_partner_ratings_and_an_empty_rating_is_refused(app, school):
    p1 = school["p1"]
    factories.attach_grading_rubric(school["challenge"], school["rubric"], partner_rating=True)
    guest = client_as(app, school["partner"])
    empty = {"comment": " "}
    assert guest.post(f"/projects/{p1.id}/rating", data=empty).status_code == 400
    data = {"comment": "An outsider's words", "answer_1": "0"}
    assert guest.post(f"/projects/{p1.id}/rating", data=data).status_code == 302
    student = client_as(app, school["ana"])
    assert student.get(f"/projects/{p1.id}/partner-ratings").status_code == 403
    assert "An outsider's words" not in _text(student.get("/assessments"))


def test_a_correction_tells_the_students(app, school):
    p1, teacher = school["p1"], client_as(app, school["teacher"])
    _grade(teacher, p1, school["rubric"], "Developing", None, release=True)
    released = _teacher_assessment(p1)
    _grade(teacher, p1, school["rubric"], "Proficient", None, version=released.version)
    told = db.session.scalars(select(Notification.user_id).where(
        Notification.kind == NotificationKind.ASSESSMENT_CHANGED)).all()
    assert sorted(told) == sorted([school["ana"].id, school["ben"].id])


def test_the_date_of_the_work_cannot_be_in_the_future_or_long_ago(app, school):
    teacher = client_as(app, school["teacher"])
    response = _grade(teacher, school["p1"], school["rubric"], "Developing", None, work_date="2099-01-01")
    assert response.status_code == 400 and "cannot be in the future" in _text(response)
    response = _grade(teacher, school["p1"], school["rubric"], "Developing", None, work_date="1900-01-01")
    assert response.status_code == 400 and "last five years" in _text(response)
    assert _teacher_assessment(school["p1"]) is None
