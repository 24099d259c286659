"""Mastery reads levels, not raw points, when a class's rubrics count points differently
(issue 10, point 15). Every expected number below is worked out by hand in the comments."""

import html
from datetime import date

import pytest

from cbl.accounts.models import Role
from cbl.assessment.mastery import services as service
from cbl.assessment.mastery.methods import Method
from cbl.assessment.mastery.scale import place
from cbl.competencies.models import Competency, CompetencyFramework
from cbl.extensions import db
from tests import factories
from tests.conftest import Auth

FOUR = (("Beginning", 1.0), ("Developing", 2.0), ("Proficient", 3.0), ("Advanced", 4.0))
TEN = (("Beginning", 2.0), ("Developing", 5.0), ("Proficient", 8.0), ("Advanced", 10.0))
THREE = (("Not yet", 0.0), ("Almost", 5.0), ("Got it", 10.0))


@pytest.fixture
def school():
    """A class whose first rubric is 1–4 (its scale), and a second rubric on 0–10."""
    teacher = factories.make_user(Role.TEACHER)
    ana = factories.make_user(name="Ana Diaz")
    research = Competency(code="R.1", short_name="Researches")
    db.session.add(CompetencyFramework(title="Skills", competencies=[research]))
    db.session.commit()
    classroom = factories.make_classroom(teacher)
    team = factories.make_team(classroom, ana)
    four = factories.make_competency_rubric(research, title="Four", levels=FOUR)
    ten = factories.make_competency_rubric(research, title="Ten", levels=TEN)
    three = factories.make_competency_rubric(research, title="Three", levels=THREE)
    projects = [factories.make_project(team, factories.make_challenge(classroom, title=f"C{i}")) for i in range(3)]
    factories.attach_grading_rubric(projects[0].challenge, four)  # the class's first rubric: its scale
    return dict(teacher=teacher, ana=ana, research=research, classroom=classroom, four=four, ten=ten, three=three,
                projects=projects)


def _settings(classroom, method, **extra):
    values = dict(method=method, weight=0.65, times=2, proficient_points=3.0, count_other_voices=False)
    values.update(extra)
    service.update_settings(classroom, **values)


def _result(school):
    mastery = service.class_mastery(school["teacher"], school["classroom"])
    return mastery.result(school["ana"].id, school["research"].id)


def test_a_developing_five_of_ten_is_not_mastered_on_a_one_to_four_class(app, school):
    make = factories.make_released_assessment
    make(school["projects"][0], school["four"], {0: 2}, work_date=date(2024, 9, 1))  # Developing 2
    make(school["projects"][1], school["ten"], {0: 5}, work_date=date(2024, 10, 1))  # Developing 5/10 → 2
    _settings(school["classroom"], Method.HIGHEST)
    result = _result(school)
    # Raw points would give max(2, 5) = 5 ≥ 3: "mastered". By level: max(2, 2) = 2.
    assert result.value == 2 and result.mastered is False
    explanation = result.explain()
    assert "largest of 2, 2 = 2" in explanation
    assert "by their level, not their points" in explanation
    assert "Developing (5 on a 2–10 rubric) is level 2 of 4" in explanation


def test_mean_of_mixed_scales_by_level(app, school):
    make = factories.make_released_assessment
    make(school["projects"][0], school["four"], {0: 3}, work_date=date(2024, 9, 1))  # 3
    make(school["projects"][1], school["ten"], {0: 10}, work_date=date(2024, 10, 1))  # Advanced → 4
    make(school["projects"][2], school["ten"], {0: 2}, work_date=date(2024, 11, 1))  # Beginning → 1
    _settings(school["classroom"], Method.MEAN)
    result = _result(school)
    # (3 + 4 + 1) ÷ 3 = 2.67 (raw points would give (3 + 10 + 2) ÷ 3 = 5).
    assert round(result.value, 2) == 2.67 and not result.mastered
    assert "(3 + 4 + 1) ÷ 3 = 2.67" in result.explain()


def test_a_rubric_with_another_number_of_levels_is_placed_proportionally(app, school):
    make = factories.make_released_assessment
    # "Almost" is level 2 of 3: half way along the class's four levels, position 1.5 of 0..3,
    # between Developing 2 and Proficient 3: 2.5.
    make(school["projects"][0], school["three"], {0: 5}, work_date=date(2024, 9, 1))
    make(school["projects"][1], school["three"], {0: 10}, work_date=date(2024, 10, 1))  # top → 4
    _settings(school["classroom"], Method.DECAYING_AVERAGE, weight=0.5)
    result = _result(school)
    # 0.5 × 4 + 0.5 × 2.5 = 3.25
    assert result.value == pytest.approx(3.25) and result.mastered
    explanation = result.explain()
    assert "placed proportionally" in explanation and "counts as 2.5" in explanation


def test_times_at_proficient_counts_levels_and_names_the_level(app, school):
    make = factories.make_released_assessment
    make(school["projects"][0], school["ten"], {0: 5}, work_date=date(2024, 9, 1))  # → 2: not proficient
    make(school["projects"][1], school["ten"], {0: 8}, work_date=date(2024, 10, 1))  # → 3
    make(school["projects"][2], school["four"], {0: 4}, work_date=date(2024, 11, 1))  # 4
    _settings(school["classroom"], Method.TIMES_PROFICIENT, times=2)
    result = _result(school)
    # Raw points: 5, 8, 4 are all ≥ 3 (3 times). By level: 3 and 4 (2 times).
    assert result.count == 2 and result.mastered
    assert "2 times at Proficient (3) or above; 2 needed: mastered." in result.explain()


def test_rubrics_on_the_class_scale_keep_their_points():
    levels = list(FOUR)
    same = [(1, 1.0, "B"), (2, 2.5, "M"), (3, 4.0, "A")]  # 1–4 with three levels: same scale
    assert place([(p, label) for label, p in levels], same) == {1: None, 2: None, 3: None}
    ten = place([(p, label) for label, p in levels], [(i, p, label) for i, (label, p) in enumerate(TEN)])
    assert [ten[i].value for i in range(4)] == [1.0, 2.0, 3.0, 4.0]


def test_growth_page_shows_the_original_points_beside_the_counted_value(app, school):
    factories.make_released_assessment(school["projects"][1], school["ten"], {0: 5}, work_date=date(2024, 10, 1))
    client = app.test_client()
    Auth(client).as_user(school["teacher"])
    page = client.get(f"/classes/{school['classroom'].id}/students/{school['ana'].id}/growth/"
                      f"{school['research'].id}").get_data(as_text=True)
    assert "Developing (5 on 2–10, counts as 2)" in page


def test_the_settings_page_names_the_class_scale(app, school):
    client = app.test_client()
    Auth(client).as_user(school["teacher"])
    page = html.unescape(client.get(f"/classes/{school['classroom'].id}/mastery-settings").get_data(as_text=True))
    assert "The class's scale: 1 Beginning · 2 Developing · 3 Proficient · 4 Advanced" in page
