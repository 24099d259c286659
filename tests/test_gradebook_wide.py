"""A gradebook a school can use (issue 10, point 16): one row per student with their email,
each competency's mastery and level name, each released assessment; teachers' voices only
unless asked; the long format stays; the transcript names school, teacher and term, shows
level names, has a print button and covers every class of the student."""

import csv
import io
from datetime import date

import pytest

from cbl.accounts.models import Role
from cbl.assessment.mastery import services as service
from cbl.assessment.mastery.methods import Method
from cbl.competencies.models import Competency, CompetencyFramework
from cbl.extensions import db
from tests import factories
from tests.conftest import Auth


@pytest.fixture
def school():
    teacher = factories.make_user(Role.TEACHER, name="Rosa Diaz")
    ana = factories.make_user(name="Ana Lopez", email="ana@school.example")
    ben = factories.make_user(name="Ben Okafor", email="ben@school.example")
    col = Competency(code="COL.1", short_name="Shares the work")
    com = Competency(code="COM.1", short_name="Explains clearly")
    db.session.add(CompetencyFramework(title="Skills", competencies=[col, com]))
    db.session.commit()
    classroom = factories.make_classroom(teacher, name="Grade 8")
    classroom.term = "Fall 2024"
    team = factories.make_team(classroom, ana, ben, name="Rain Catchers")
    water = factories.make_challenge(classroom, title="Water")
    food = factories.make_challenge(classroom, title="Food")
    p1, p2 = factories.make_project(team, water), factories.make_project(team, food)
    rubric = factories.make_competency_rubric(col, com)
    factories.attach_grading_rubric(water, rubric)
    make = factories.make_released_assessment
    make(p1, rubric, {0: 2, 1: 3}, work_date=date(2024, 9, 1), assessor=teacher)  # team
    make(p2, rubric, {0: 4}, student=ana, work_date=date(2024, 10, 1), assessor=teacher)  # Ana alone
    make(p2, rubric, {0: 1}, work_date=date(2024, 11, 1), status="draft")  # never exported
    make(p1, rubric, {0: 4, 1: 4}, student=ben, kind="self", assessor=ben, work_date=date(2024, 9, 2))
    service.update_settings(classroom, method=Method.MOST_RECENT, weight=0.65, times=3, proficient_points=3.0,
                            count_other_voices=False)
    return dict(teacher=teacher, ana=ana, ben=ben, classroom=classroom, col=col, com=com, rubric=rubric)


def _client(app, user):
    client = app.test_client()
    Auth(client).as_user(user)
    return client


def _rows(response):
    assert response.status_code == 200, response.status_code
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def _wide(app, school, query=""):
    return _rows(_client(app, school["teacher"]).get(
        f"/classes/{school['classroom'].id}/gradebook-students.csv{query}"))


def test_one_row_per_student_with_school_id_email_mastery_level_and_assessments(app, school):
    school["ana"].school_id = "RMS-0412"
    db.session.commit()
    rows = _wide(app, school)
    assert rows[0] == ["Student", "School id", "Email", "COL.1 Shares the work: mastery", "COL.1 Shares the work: level",
                       "COM.1 Explains clearly: mastery", "COM.1 Explains clearly: level",
                       "Water (team)", "Food (individual)"]
    by_name = {row[0]: row for row in rows[1:]}
    assert len(rows) == 3
    # Ana: COL.1 most recent is her individual 4 (Oct); COM.1 the team's 3. Water: (2 + 3) / 2.
    assert by_name["Ana Lopez"] == ["Ana Lopez", "RMS-0412", "ana@school.example", "4", "Advanced", "3", "Proficient", "2.5", "4"]
    # Ben: the team's levels only (his self-assessment does not count); no individual assessment.
    assert by_name["Ben Okafor"] == ["Ben Okafor", "", "ben@school.example", "2", "Developing", "3", "Proficient",
                                     "2.5", ""]


def test_self_peer_and_partner_only_when_asked(app, school):
    rows = _wide(app, school, "?voices=1")
    assert "Water · self (individual)" in rows[0]
    ben = next(row for row in rows[1:] if row[0] == "Ben Okafor")
    assert ben[rows[0].index("Water · self (individual)")] == "4"
    # Counted for mastery too, but never above the teacher's highest level (2 for COL.1, 3 for COM.1).
    assert ben[3:7] == ["2", "Developing", "3", "Proficient"]


def test_cells_typed_by_people_are_defused(app, school):
    school["ana"].display_name = "=HYPERLINK(\"http://x\")"
    db.session.commit()
    rows = _wide(app, school)
    assert "'=HYPERLINK(\"http://x\")" in {row[0] for row in rows[1:]}


def test_the_long_format_stays_and_the_heat_map_offers_both(app, school):
    client = _client(app, school["teacher"])
    long_rows = _rows(client.get(f"/classes/{school['classroom'].id}/gradebook.csv"))
    assert long_rows[0][:3] == ["Class", "Student", "Team"]
    page = client.get(f"/classes/{school['classroom'].id}/heatmap").get_data(as_text=True)
    assert "gradebook-students.csv" in page and 'name="voices"' in page and "gradebook.csv" in page


@pytest.mark.parametrize(("visitor", "status"), [("ana", 403), ("admin", 200)])
def test_the_wide_gradebook_is_for_the_class_teachers_and_admins(app, school, visitor, status):
    """Admins read a class's mastery and gradebooks (DESIGN.md §4), students never."""
    user = factories.make_user(Role.ADMIN) if visitor == "admin" else school[visitor]
    response = _client(app, user).get(f"/classes/{school['classroom'].id}/gradebook-students.csv")
    response.get_data()  # a streamed download: read it whole, so its context closes
    assert response.status_code == status


def test_transcript_names_school_teacher_term_and_levels(app, school):
    app.config["SCHOOL_NAME"] = "Lincoln Middle School"
    url = f"/classes/{school['classroom'].id}/students/{school['ana'].id}/transcript"
    html = _client(app, school["ana"]).get(url).get_data(as_text=True)
    assert "Lincoln Middle School" in html and "Rosa Diaz" in html and "Fall 2024" in html
    assert '4 <span class="level-name">Advanced</span>' in html
    assert "data-print" in html and "js/print.js" in html


def test_transcript_across_every_class_of_the_student(app, school):
    other_teacher = factories.make_user(Role.TEACHER, name="Omar Haddad")
    science = factories.make_classroom(other_teacher, name="Science 8")
    factories.enrol(science, school["ana"])
    url = f"/students/{school['ana'].id}/transcript"
    html = _client(app, school["ana"]).get(url).get_data(as_text=True)
    assert "Grade 8" in html and "Science 8" in html and "Omar Haddad" in html
    # A teacher sees only the classes they teach; a student never another's.
    teacher_view = _client(app, school["teacher"]).get(url).get_data(as_text=True)
    assert "Grade 8" in teacher_view and "Science 8" not in teacher_view
    assert _client(app, school["ben"]).get(url).status_code == 404
    assert _client(app, other_teacher).get(f"/students/{school['ben'].id}/transcript").status_code == 404
