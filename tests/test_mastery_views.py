"""Mastery pages: who sees them, what they show (charts, tables, numbers), the gradebook CSV,
the transcript and the class's settings."""

import csv
import io
import re
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from cbl.accounts.models import Role
from cbl.assessment.mastery import services as service
from cbl.assessment.mastery.methods import Method
from cbl.competencies.models import Competency, CompetencyFramework
from cbl.extensions import db
from tests import factories
from tests.conftest import Auth


@pytest.fixture
def school():
    """Class A: a team of ana and ben; cam in another team; evidence of COL.1 and COM.1."""
    teacher, stranger = factories.make_user(Role.TEACHER), factories.make_user(Role.TEACHER)
    ana, ben, cam = (factories.make_user(name=n) for n in ("Ana Diaz", "Ben Okafor", "Cam Lee"))
    col1 = Competency(code="COL.1", short_name="Shares the work")
    com1 = Competency(code="COM.1", short_name="Explains clearly")
    unused = Competency(code="CR.1", short_name="Generates options")
    db.session.add(CompetencyFramework(title="Skills", competencies=[col1, com1, unused]))
    db.session.commit()
    classroom = factories.make_classroom(teacher, name="Grade 8")
    team = factories.make_team(classroom, ana, ben, name="Rain Catchers")
    factories.make_team(classroom, cam)
    project = factories.make_project(team, factories.make_challenge(classroom, title="Water"))
    rubric = factories.make_competency_rubric(col1, com1)
    make = factories.make_released_assessment
    make(project, rubric, {0: 2, 1: 3}, work_date=date(2024, 9, 1), comments={1: "=HYPERLINK(\"http://x\")"})
    make(project, rubric, {0: 4}, student=ana, work_date=date(2024, 10, 1))
    make(project, rubric, {0: 1, 1: 1}, student=ana, status="draft", work_date=date(2024, 12, 1))
    service.update_settings(classroom, method=Method.MEAN, weight=0.65, times=3, proficient_points=3,
                            count_other_voices=False)
    return dict(teacher=teacher, stranger=stranger, ana=ana, ben=ben, cam=cam, classroom=classroom,
                project=project, rubric=rubric, col1=col1, com1=com1)


def _client(app, user):
    client = app.test_client()
    if user is not None:
        Auth(client).as_user(user)
    return client


def _profile(school, student="ana"):
    return f"/classes/{school['classroom'].id}/students/{school[student].id}/profile"


def _text(response) -> str:
    return response.get_data(as_text=True)


def test_a_student_sees_their_profile_as_a_chart_and_a_table(app, school):
    response = _client(app, school["ana"]).get(_profile(school))
    assert response.status_code == 200
    html = _text(response)
    svg = re.search(r"<svg class=\"chart chart-profile\".*?</svg>", html, re.S).group(0)
    assert 'role="group"' in svg and "<title id=" in svg and "<desc id=" in svg
    assert f'href="#evidence-{school["col1"].id}"' in svg and 'aria-label="COL.1 Shares the work: 3. The evidence"' in svg
    assert "COL.1 Shares the work: 3" in svg  # (2 + 4) / 2, the draft's 1 left out
    assert '<table class="mastery-table">' in html
    assert f'id="evidence-{school["col1"].id}"' in html
    assert "Mean: (2 + 4) ÷ 2 = 3." in html
    assert f"/projects/{school['project'].id}/portfolio?competency={school['col1'].id}" in html
    assert "CR.1" not in html  # no rubric of the class names it
    if "assessment.view_assessment" in app.view_functions:  # the grading area's page of one assessment
        assert html.count("/assessments/") == 3  # each piece of evidence links its assessment
    assert 'style="' not in html


def test_the_profile_leaves_a_place_for_learning_goals(app, school):
    factories.make_goal(school["ana"], school["classroom"], title="Speak up in meetings")
    html = _text(_client(app, school["ana"]).get(_profile(school)))
    assert 'class="profile-goals"' in html


@pytest.mark.parametrize("visitor", ["ben", "cam", "stranger"])
def test_others_do_not_find_a_students_profile(app, school, visitor):
    assert _client(app, school[visitor]).get(_profile(school)).status_code == 404


def test_a_partner_does_not_find_a_profile(app, school):
    partner = factories.make_user(Role.PARTNER)
    factories.grant_partner(school["project"], partner)
    assert _client(app, partner).get(_profile(school)).status_code == 404


@pytest.mark.parametrize("visitor", ["teacher", "admin"])
def test_teachers_of_the_class_and_admins_see_a_profile(app, school, visitor):
    user = school["teacher"] if visitor == "teacher" else factories.make_user(Role.ADMIN)
    assert _client(app, user).get(_profile(school)).status_code == 200


def test_unknown_or_unenrolled_students_are_not_found(app, school):
    client = _client(app, school["teacher"])
    other = factories.make_user()
    assert client.get(f"/classes/{school['classroom'].id}/students/999999/profile").status_code == 404
    assert client.get(f"/classes/{school['classroom'].id}/students/{other.id}/profile").status_code == 404
    assert client.get(f"/classes/{school['classroom'].id}/students/{school['teacher'].id}/profile").status_code == 404


def test_growth_shows_each_piece_of_evidence_and_the_running_value(app, school):
    url = f"{_profile(school).rsplit('/', 1)[0]}/growth/{school['col1'].id}"
    response = _client(app, school["ana"]).get(url)
    assert response.status_code == 200
    html = _text(response)
    svg = re.search(r"<svg class=\"chart chart-growth\".*?</svg>", html, re.S).group(0)
    assert 'role="img"' in svg and "<title id=" in svg and svg.count("<circle") == 2
    assert '<table class="evidence-table">' in html
    assert _client(app, school["ben"]).get(url).status_code == 404
    assert _client(app, school["ana"]).get(url.rsplit("/", 1)[0] + "/999999").status_code == 404


def test_heat_map_shows_each_students_number(app, school):
    response = _client(app, school["teacher"]).get(f"/classes/{school['classroom'].id}/heatmap")
    assert response.status_code == 200
    html = _text(response)
    rows = {name: re.search(rf">{name}</a></th>(.*?)</tr>", html, re.S).group(1)
            for name in ("Ana Diaz", "Ben Okafor", "Cam Lee")}
    cells = {name: re.findall(r'<td class="heat heat-(\w+)"><a [^>]*>([^<]*)<', row) for name, row in rows.items()}
    assert cells["Ana Diaz"] == [("met", "3"), ("met", "3")]  # COL.1 (2 + 4) / 2; COM.1 3
    assert cells["Ben Okafor"] == [("near", "2"), ("met", "3")]  # the team's evidence only
    assert cells["Cam Lee"] == [("none", ""), ("none", "")]
    assert f"/classes/{school['classroom'].id}/students/{school['ana'].id}/profile#evidence-" in html
    assert "released assessments only" in html


def test_heat_map_is_for_teachers_and_admins(app, school):
    url = f"/classes/{school['classroom'].id}/heatmap"
    assert _client(app, school["ana"]).get(url).status_code == 403
    assert _client(app, school["stranger"]).get(url).status_code == 404
    assert _client(app, factories.make_user(Role.ADMIN)).get(url).status_code == 200


def test_heat_map_queries_do_not_grow_with_the_class(app, school, queries):
    url = f"/classes/{school['classroom'].id}/heatmap"
    client = _client(app, school["teacher"])
    client.get(url)
    counts = []
    for _ in range(2):
        with queries() as counter:
            assert client.get(url).status_code == 200
        counts.append(counter.count)
        team = factories.make_team(school["classroom"], *(factories.make_user() for _ in range(8)))
        project = factories.make_project(team)
        factories.make_released_assessment(project, school["rubric"], {0: 3, 1: 2})
    assert counts[0] == counts[1], counts
    assert counts[1] <= 10, counts


def _gradebook(app, school, user=None):
    return _client(app, user or school["teacher"]).get(f"/classes/{school['classroom'].id}/gradebook.csv")


def test_gradebook_lists_released_scores_per_student_with_a_bom(app, school):
    response = _gradebook(app, school)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in response.headers["Content-Disposition"]
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0] == ["Class", "Student", "Team", "Challenge", "Assessment kind", "Scope", "Work date", "Released",
                       "Criterion", "Competency code", "Level", "Points", "Comment"]
    data = [tuple(r[1:2] + r[5:7] + r[9:12]) for r in rows[1:]]
    assert sorted(data) == sorted([
        ("Ana Diaz", "team", "2024-09-01", "COL.1", "Developing", "2"),
        ("Ana Diaz", "team", "2024-09-01", "COM.1", "Proficient", "3"),
        ("Ana Diaz", "individual", "2024-10-01", "COL.1", "Advanced", "4"),
        ("Ben Okafor", "team", "2024-09-01", "COL.1", "Developing", "2"),
        ("Ben Okafor", "team", "2024-09-01", "COM.1", "Proficient", "3"),
    ])  # the draft (level 1, December) is not there
    assert all(r[0] == "Grade 8" and r[2] == "Rain Catchers" and r[3] == "Water" for r in rows[1:])
    comments = [r[12] for r in rows[1:] if r[12]]
    assert comments and all(c == "'=HYPERLINK(\"http://x\")" for c in comments)
    from cbl.audit import Action, AuditEvent  # the download is in the audit log

    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == Action.GRADEBOOK_EXPORTED))
    assert event is not None and event.actor_id == school["teacher"].id


def test_gradebook_defuses_formulas_in_names(app, school):
    school["ana"].display_name = "@SUM(1+1)"
    school["project"].team.name = "+cmd"
    db.session.commit()
    rows = list(csv.reader(io.StringIO(_gradebook(app, school).get_data().decode("utf-8-sig"))))
    assert {r[1] for r in rows[1:]} == {"'@SUM(1+1)", "Ben Okafor"}
    assert {r[2] for r in rows[1:]} == {"'+cmd"}


# Admins see assessments and mastery (DESIGN.md §4): the heat map that links the gradebook, and the gradebook.
@pytest.mark.parametrize(("visitor", "status"), [("ana", 403), ("stranger", 404), ("admin", 200)])
def test_gradebook_is_for_the_class_teachers_and_admins(app, school, visitor, status):
    user = factories.make_user(Role.ADMIN) if visitor == "admin" else school[visitor]
    response = _gradebook(app, school, user)
    response.get_data()  # read the stream to its end
    assert response.status_code == status


def test_transcript_prints_each_competency_with_its_goal(app, school):
    factories.make_goal(school["ana"], school["classroom"], title="Share the load", competency=school["col1"])
    url = _profile(school).replace("/profile", "/transcript")
    response = _client(app, school["ana"]).get(url)
    assert response.status_code == 200
    html = _text(response)
    assert "Competency transcript" in html and "Share the load" in html
    row = re.search(r"COL.1 Shares the work</th>(.*?)</tr>", html, re.S).group(1)
    assert ">3 <span class=\"level-name\">Proficient</span> — mastered<" in row and ">2<" in row and "Oct 1, 2024" in row
    assert 'class="transcript"' in html
    assert _client(app, school["ben"]).get(url).status_code == 404


def test_transcript_prints_cleanly(app):
    css = (Path(app.static_folder) / "css" / "print.css").read_text()
    assert ".screen-only" in css and ".transcript" in css


def _settings_url(school):
    return f"/classes/{school['classroom'].id}/mastery-settings"


def test_teacher_changes_the_method(app, school):
    client = _client(app, school["teacher"])
    assert client.get(_settings_url(school)).status_code == 200
    response = client.post(_settings_url(school), data={"method": "decaying_average", "weight": "0,5", "times": "2",
                                                          "proficient_points": "3", "count_other_voices": "y"})
    assert response.status_code == 302
    settings = service.get_settings(school["classroom"].id)
    assert (settings.method, settings.weight, settings.times, settings.count_other_voices) == (
        Method.DECAYING_AVERAGE, 0.5, 2, True)
    from cbl.audit import Action, AuditEvent  # a change of method changes every mastery: it is logged

    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == Action.MASTERY_SETTINGS_CHANGED)
                              .order_by(AuditEvent.id.desc()).limit(1))
    assert event.actor_id == school["teacher"].id and "decaying_average" in event.detail


@pytest.mark.parametrize(("field", "value", "message"), [
    ("method", "median", "Not a valid choice"),
    ("weight", "1.5", "between 0.05 and 0.95"),
    ("weight", "nan", "Not a valid float value"),
    ("times", "0", "whole number from 1 to 20"),
    ("proficient_points", "", "points of the proficient level"),
])
def test_settings_explain_what_is_wrong(app, school, field, value, message):
    data = {"method": "mean", "weight": "0.65", "times": "3", "proficient_points": "3", field: value}
    response = _client(app, school["teacher"]).post(_settings_url(school), data=data)
    assert response.status_code == 400
    assert message in _text(response)
    assert service.get_settings(school["classroom"].id).method is Method.MEAN


@pytest.mark.parametrize(("visitor", "status"), [("ana", 403), ("stranger", 404)])
def test_settings_are_for_the_class_teachers(app, school, visitor, status):
    assert _client(app, school[visitor]).get(_settings_url(school)).status_code == status


def test_links_from_the_board_and_the_student_home(app, school):
    board = _text(_client(app, school["teacher"]).get(f"/classes/{school['classroom'].id}/board"))
    assert f"/classes/{school['classroom'].id}/heatmap" in board
    home = _text(_client(app, school["ana"]).get("/home"))
    assert _profile(school) in home
