"""Mastery methods: hand-computed cases for every method, and properties checked by hypothesis."""

from datetime import date, timedelta

import pytest
from hypothesis import given, strategies as st

from cbl.assessment.mastery import methods as mastery
from cbl.assessment.mastery.methods import Evidence, Method

# Four pieces of work by date; graded in another order, and passed in yet another.
SEP = Evidence(2, date(2024, 9, 1), ref=11, label="September")
OCT = Evidence(3, date(2024, 10, 1), ref=14, label="October")
NOV = Evidence(4, date(2024, 11, 1), ref=12, label="November")
DEC = Evidence(3, date(2024, 12, 1), ref=13, label="December")
SHUFFLED = [NOV, DEC, SEP, OCT]


def test_evidence_is_ordered_by_the_date_of_the_work():
    assert mastery.ordered(SHUFFLED) == (SEP, OCT, NOV, DEC)


def test_most_recent_is_the_level_of_the_latest_work():
    result = mastery.most_recent(SHUFFLED)
    assert result.value == 3
    assert result.used == (DEC,)
    assert result.inputs == (SEP, OCT, NOV, DEC)


def test_work_of_the_same_day_is_ordered_by_ref_then_level():
    a, b = Evidence(2, date(2024, 5, 1), ref=7), Evidence(4, date(2024, 5, 1), ref=5)
    assert mastery.most_recent([a, b]).value == 2
    assert mastery.most_recent([b, a]).value == 2
    same_ref = [Evidence(4, date(2024, 5, 1), ref=1), Evidence(1, date(2024, 5, 1), ref=1)]
    assert mastery.most_recent(same_ref).value == mastery.most_recent(same_ref[::-1]).value == 4


def test_highest_is_the_best_level_and_names_where_it_was_reached():
    result = mastery.highest(SHUFFLED)
    assert result.value == 4
    assert result.used == (NOV,)


def test_mean_of_every_level():
    # (2 + 3 + 4 + 3) / 4 = 12 / 4 = 3
    result = mastery.mean(SHUFFLED)
    assert result.value == 3
    assert result.used == (SEP, OCT, NOV, DEC)


def test_decaying_average_with_the_default_weight():
    # Oldest first, newest weight 0.65:
    #   start at SEP:              2
    #   OCT: 0.65×3 + 0.35×2      = 1.95 + 0.70     = 2.65
    #   NOV: 0.65×4 + 0.35×2.65   = 2.60 + 0.9275   = 3.5275
    #   DEC: 0.65×3 + 0.35×3.5275 = 1.95 + 1.234625 = 3.184625
    result = mastery.decaying_average(SHUFFLED)
    assert result.weight == 0.65
    assert result.steps == pytest.approx((2, 2.65, 3.5275, 3.184625))
    assert result.value == pytest.approx(3.184625)


def test_decaying_average_with_another_weight():
    # Newest weight 0.5: 2 → 0.5×3 + 0.5×2 = 2.5 → 0.5×4 + 0.5×2.5 = 3.25 → 0.5×3 + 0.5×3.25 = 3.125
    assert mastery.decaying_average(SHUFFLED, weight=0.5).value == pytest.approx(3.125)
    # Newest weight 0.8: 2 → 2.4 + 0.4 = 2.8 → 3.2 + 0.56 = 3.76 → 2.4 + 0.752 = 3.152
    assert mastery.decaying_average(SHUFFLED, weight=0.8).value == pytest.approx(3.152)


def test_decaying_average_of_one_piece_is_that_level():
    assert mastery.decaying_average([NOV]).value == 4


def test_decaying_average_refuses_a_weight_outside_zero_to_one():
    for weight in (0, -0.1, 1.5):
        with pytest.raises(ValueError):
            mastery.decaying_average(SHUFFLED, weight=weight)


def test_times_proficient_is_mastered_with_enough_evidence_at_or_above():
    # At or above 3: OCT 3, NOV 4, DEC 3 → 3 times. Levels high to low: 4, 3, 3, 2; the
    # highest level reached at least 3 times is the third: 3.
    result = mastery.times_proficient(SHUFFLED, proficient=3, times=3)
    assert (result.mastered, result.count, result.value) == (True, 3, 3)
    assert result.used == (OCT, NOV, DEC)


def test_times_proficient_is_not_mastered_with_too_few():
    # 4 times needed, 3 reached; the fourth highest level is 2.
    result = mastery.times_proficient(SHUFFLED, proficient=3, times=4)
    assert (result.mastered, result.count, result.value) == (False, 3, 2)


def test_times_proficient_with_less_evidence_than_needed_is_not_mastered():
    result = mastery.times_proficient([NOV], proficient=3, times=3)
    assert (result.mastered, result.count, result.value) == (False, 1, 4)
    assert "not yet mastered" in result.explain()


def test_compute_dispatches_and_reports_mastery_against_proficient():
    assert mastery.compute("mean", SHUFFLED, proficient=3).mastered is True
    assert mastery.compute(Method.MOST_RECENT, SHUFFLED, proficient=4).mastered is False
    assert mastery.compute(Method.DECAYING_AVERAGE, SHUFFLED, weight=0.5).value == pytest.approx(3.125)
    assert mastery.compute(Method.TIMES_PROFICIENT, SHUFFLED, proficient=3, times=2).mastered is True
    with pytest.raises(ValueError):
        mastery.compute(Method.TIMES_PROFICIENT, SHUFFLED)
    with pytest.raises(ValueError):
        mastery.compute("median", SHUFFLED)


@pytest.mark.parametrize("method", list(Method))
def test_no_evidence_gives_no_result(method):
    assert mastery.compute(method, [], proficient=3) is None


def test_explanations_show_the_formula_with_its_numbers():
    assert "(2 + 3 + 4 + 3) ÷ 4 = 3" in mastery.mean(SHUFFLED).explain()
    assert "largest of 2, 3, 4, 3 = 4" in mastery.highest(SHUFFLED).explain()
    assert "Most recent: 3" in mastery.most_recent(SHUFFLED).explain()
    decaying = mastery.decaying_average(SHUFFLED).explain()
    assert "65%" in decaying and "start at 2" in decaying
    assert "0.65 × 3 + 0.35 × 2 = 2.65; 0.65 × 4 + 0.35 × 2.65 = 3.53; 0.65 × 3 + 0.35 × 3.53 = 3.18" in decaying
    times = mastery.times_proficient(SHUFFLED, proficient=3, times=3).explain()
    assert "3 times at proficient (3) or above; 3 needed: mastered." in times
    assert "mastered" in mastery.mean(SHUFFLED, proficient=3).explain()


def test_explanations_use_the_numbers_of_the_visitors_language(app):
    with app.test_request_context(headers={"Accept-Language": "es"}):
        text = mastery.decaying_average(SHUFFLED).explain()
    assert "0,65 × 3 + 0,35 × 2 = 2,65" in text


# --- properties ----------------------------------------------------------------------------

levels = st.one_of(st.integers(min_value=0, max_value=10),
                   st.floats(min_value=0, max_value=100, allow_nan=False, allow_infinity=False))
evidence_items = st.builds(Evidence, level=levels,
                           work_date=st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)),
                           ref=st.integers(min_value=0, max_value=50))
evidence_lists = st.lists(evidence_items, min_size=1, max_size=30)
weights = st.floats(min_value=0.01, max_value=1)


@given(evidence_lists, weights, st.integers(min_value=1, max_value=5))
def test_every_result_lies_between_the_lowest_and_highest_level(evidence, weight, times):
    low, high = min(e.level for e in evidence), max(e.level for e in evidence)
    for method in Method:
        result = mastery.compute(method, evidence, weight=weight, proficient=(low + high) / 2, times=times)
        assert low <= result.value <= high, method
        for step in result.steps:
            assert low <= step <= high


@given(evidence_lists, st.randoms(use_true_random=False))
def test_highest_and_mean_do_not_depend_on_the_order_of_the_work(evidence, random):
    dates = [e.work_date for e in evidence]
    random.shuffle(dates)
    redated = [Evidence(e.level, d, e.ref) for e, d in zip(evidence, dates)]
    assert mastery.highest(redated).value == mastery.highest(evidence).value
    assert mastery.mean(redated).value == mastery.mean(evidence).value


@given(evidence_lists, st.randoms(use_true_random=False))
def test_most_recent_picks_the_latest_work_whatever_the_input_order(evidence, random):
    latest = max(e.work_date for e in evidence)
    shuffled = list(evidence)
    random.shuffle(shuffled)
    result = mastery.most_recent(shuffled)
    assert result.used[0].work_date == latest
    assert result.value == mastery.most_recent(evidence).value
    assert list(result.inputs) == sorted(evidence, key=lambda e: e.order_key)


@given(evidence_lists)
def test_decaying_average_with_weight_one_is_the_most_recent(evidence):
    assert mastery.decaying_average(evidence, weight=1).value == mastery.most_recent(evidence).value


@given(st.lists(st.integers(min_value=1, max_value=4), min_size=1, max_size=20),
       st.integers(min_value=1, max_value=5))
def test_times_proficient_value_reaches_proficient_exactly_when_mastered(level_list, times):
    start = date(2024, 1, 1)
    evidence = [Evidence(level, start + timedelta(days=i)) for i, level in enumerate(level_list)]
    result = mastery.times_proficient(evidence, proficient=3, times=times)
    assert result.mastered == (sum(level >= 3 for level in level_list) >= times)
    if len(level_list) >= times:
        assert (result.value >= 3) == result.mastered
