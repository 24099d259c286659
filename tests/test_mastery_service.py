"""Mastery from the database: which scores count for whom, in what order, by which method."""

from datetime import date, datetime, timezone

import pytest

from cbl.accounts.models import Role
from cbl.assessment.mastery import services as service
from cbl.assessment.mastery.methods import Method
from cbl.assessment.models import MasterySettings
from cbl.competencies.models import Competency, CompetencyFramework
from cbl.errors import ValidationFailed
from cbl.extensions import db
from tests import factories


def _at(year, month, day):
    return datetime(year, month, day, 12, tzinfo=timezone.utc)


@pytest.fixture
def school():
    """A class with one team of two (ana, ben) and two challenges; a rubric on COL.1 and COM.1.

    Ana's COL.1 evidence, by the date of the work: team 2 (Sep, released in Dec), individual 4
    (Oct, released in Oct), team 3 (Nov, released in Nov). Ben shares the team evidence only."""
    teacher = factories.make_user(Role.TEACHER)
    ana, ben = factories.make_user(name="Ana Diaz"), factories.make_user(name="Ben Okafor")
    strand = Competency(code="COL", short_name="Collaboration")
    col1 = Competency(code="COL.1", short_name="Shares the work", parent=strand)
    com1 = Competency(code="COM.1", short_name="Explains clearly")
    db.session.add(CompetencyFramework(title="Skills", competencies=[strand, col1, com1]))
    db.session.commit()
    classroom = factories.make_classroom(teacher)
    team = factories.make_team(classroom, ana, ben)
    first = factories.make_project(team, factories.make_challenge(classroom, title="Water"))
    second = factories.make_project(team, factories.make_challenge(classroom, title="Food"))
    rubric = factories.make_competency_rubric(col1, com1, strand)
    make = factories.make_released_assessment
    make(first, rubric, {0: 2, 1: 1}, work_date=date(2024, 9, 1), released_at=_at(2024, 12, 1), assessor=teacher)
    make(second, rubric, {0: 4}, student=ana, work_date=date(2024, 10, 1), released_at=_at(2024, 10, 5))
    make(second, rubric, {0: 3, 1: 2}, work_date=date(2024, 11, 1), released_at=_at(2024, 11, 2))
    return dict(teacher=teacher, ana=ana, ben=ben, classroom=classroom, team=team, first=first, second=second,
                rubric=rubric, strand=strand, col1=col1, com1=com1)


def _set(classroom, **values):
    settings = dict(method=Method.DECAYING_AVERAGE, weight=0.65, times=3, proficient_points=3.0,
                    count_other_voices=False)
    settings.update(values)
    return service.update_settings(classroom, **settings)


def _value(school, student="ana", competency="col1", viewer=None):
    mastery = service.class_mastery(viewer or school["teacher"], school["classroom"])
    result = mastery.result(school[student].id, school[competency].id)
    return result.value if result else None


@pytest.mark.parametrize(("method", "extra", "expected"), [
    (Method.MOST_RECENT, {}, 3),  # November's work, though September's was released last
    (Method.HIGHEST, {}, 4),
    (Method.MEAN, {}, 3),  # (2 + 4 + 3) / 3
    (Method.DECAYING_AVERAGE, {}, 3.105),  # 2 → .65×4 + .35×2 = 3.3 → .65×3 + .35×3.3 = 3.105
    (Method.DECAYING_AVERAGE, {"weight": 0.5}, 3.0),  # 2 → 3 → 3
    (Method.TIMES_PROFICIENT, {"times": 2}, 3),  # 4 and 3 reach proficient: the second best is 3
])
def test_team_and_individual_evidence_by_date_of_the_work(school, method, extra, expected):
    _set(school["classroom"], method=method, **extra)
    assert _value(school) == pytest.approx(expected)


def test_evidence_is_ordered_by_work_date_with_team_and_individual_scores(school):
    mastery = service.class_mastery(school["teacher"], school["classroom"])
    items = mastery.items(school["ana"].id, school["col1"].id)
    assert [(i.work_date, i.points, i.team_assessment) for i in items] == [
        (date(2024, 9, 1), 2, True), (date(2024, 10, 1), 4, False), (date(2024, 11, 1), 3, True)]
    result = mastery.result(school["ana"].id, school["col1"].id)
    assert [e.ref for e in result.inputs] == [i.assessment_id for i in items]
    assert items[0].challenge_title == "Water" and items[0].level_label == "Developing"


def test_a_teammate_gets_the_team_evidence_only(school):
    _set(school["classroom"], method=Method.MEAN)
    assert _value(school, "ben") == pytest.approx(2.5)  # (2 + 3) / 2
    assert _value(school, "ben", "com1") == pytest.approx(1.5)


def test_times_proficient_is_not_mastered_until_enough_times(school):
    _set(school["classroom"], method=Method.TIMES_PROFICIENT, times=3)
    result = service.class_mastery(school["teacher"], school["classroom"]).result(school["ana"].id,
                                                                                   school["col1"].id)
    assert result.value == 2 and result.count == 2 and result.mastered is False


def test_a_strand_does_not_gather_its_childrens_scores(school):
    mastery = service.class_mastery(school["teacher"], school["classroom"])
    assert mastery.result(school["ana"].id, school["strand"].id) is None
    assert [c.code for c in mastery.competencies] == ["COL", "COL.1", "COM.1"]


def test_other_voices_count_only_when_the_class_says_so(school):
    make = factories.make_released_assessment
    make(school["first"], school["rubric"], {0: 1}, student=school["ana"], kind="self",
         work_date=date(2024, 12, 1), assessor=school["ana"])
    make(school["first"], school["rubric"], {0: 1}, student=school["ana"], kind="peer",
         work_date=date(2024, 12, 2), assessor=school["ben"])
    make(school["first"], school["rubric"], {0: 1}, kind="partner", work_date=date(2024, 12, 3))
    _set(school["classroom"], method=Method.MOST_RECENT)
    assert _value(school) == 3
    _set(school["classroom"], method=Method.MEAN, count_other_voices=True)
    assert _value(school) == pytest.approx((2 + 4 + 3 + 1 + 1 + 1) / 6)
    assert _value(school, "ben") == pytest.approx((2 + 3 + 1) / 3)  # the partner rated the team


def test_drafts_never_count(school):
    factories.make_released_assessment(school["second"], school["rubric"], {0: 1}, student=school["ana"],
                                       status="draft", work_date=date(2025, 1, 1))
    _set(school["classroom"], method=Method.MOST_RECENT)
    assert _value(school) == 3
    assert _value(school, viewer=school["ana"]) == 3


def test_scores_without_a_level_or_a_competency_do_not_count(school):
    rubric = factories.make_competency_rubric(school["col1"], None, title="Other")
    factories.make_released_assessment(school["second"], rubric, {0: None, 1: 4}, student=school["ana"],
                                       work_date=date(2025, 1, 1))
    _set(school["classroom"], method=Method.MOST_RECENT)
    assert _value(school) == 3


def test_another_class_does_not_count(school):
    other = factories.make_classroom(school["teacher"])
    team = factories.make_team(other, school["ana"])
    project = factories.make_project(team)
    factories.make_released_assessment(project, school["rubric"], {0: 1}, work_date=date(2025, 1, 1))
    _set(school["classroom"], method=Method.MOST_RECENT)
    assert _value(school) == 3
    assert service.class_mastery(school["teacher"], other).result(school["ana"].id, school["col1"].id).value == 1


def test_a_student_reads_their_own_evidence_and_not_a_teammates_individual_one(school):
    factories.make_released_assessment(school["second"], school["rubric"], {0: 1}, student=school["ben"],
                                       work_date=date(2025, 1, 1))
    ana = school["ana"]
    mastery = service.class_mastery(ana, school["classroom"], students=[ana, school["ben"]])
    assert len(mastery.items(ana.id, school["col1"].id)) == 3
    assert all(i.team_assessment for i in mastery.items(school["ben"].id, school["col1"].id))


def test_partners_and_other_teachers_read_no_evidence(school):
    stranger = factories.make_user(Role.TEACHER)
    partner = factories.make_user(Role.PARTNER)
    for viewer in (stranger, partner):
        mastery = service.class_mastery(viewer, school["classroom"])
        assert mastery.results == {} and mastery.competencies == []


def test_growth_gives_the_running_value_after_each_piece(school):
    _set(school["classroom"], method=Method.DECAYING_AVERAGE)
    mastery = service.class_mastery(school["teacher"], school["classroom"])
    points = service.growth(mastery.settings, mastery.items(school["ana"].id, school["col1"].id))
    assert [round(p.running.value, 3) for p in points] == [2, 3.3, 3.105]


def test_settings_default_without_a_row(school):
    settings = service.get_settings(school["classroom"].id)
    assert (settings.method, settings.weight, settings.times, settings.proficient_points,
            settings.count_other_voices) == (Method.DECAYING_AVERAGE, 0.65, 3, 3.0, False)
    assert db.session.get(MasterySettings, school["classroom"].id) is None


@pytest.mark.parametrize(("field", "value"), [
    ("method", "median"), ("weight", 0.01), ("weight", 0.99), ("weight", float("nan")), ("times", 0),
    ("times", 21), ("proficient_points", 0), ("proficient_points", 101), ("proficient_points", None)])
def test_settings_out_of_range_are_refused(school, field, value):
    with pytest.raises(ValidationFailed) as err:
        _set(school["classroom"], **{field: value})
    assert err.value.field == field


def test_class_scale_lists_the_rubric_levels(school):
    assert service.class_scale(school["teacher"], school["classroom"].id) == [
        (1.0, "Beginning"), (2.0, "Developing"), (3.0, "Proficient"), (4.0, "Advanced")]
