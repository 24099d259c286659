"""Rubrics: the builder (a grid of criteria × levels posted as one form, no JavaScript), its
rules, the library, copies, versions by copy on write once assessments use a rubric, deleting,
the CBL starter rubric, and a challenge's rubric and other voices."""

import html
from datetime import date

import pytest
from sqlalchemy import func, select

from cbl.accounts.models import Role
from cbl.assessment.rubrics import queries
from cbl.assessment.rubrics import services as rubrics
from cbl.assessment.models import (Assessment, AssessmentKind, AssessmentStatus, ChallengeAssessment, Rubric,
                                   Score)
from cbl.assessment.rubrics.grid import RubricInvalid, check_rubric, rubric_data
from cbl.competencies.services import install_default_framework
from cbl.extensions import db
from tests import factories

FOUR = (("Beginning", "1"), ("Developing", "2"), ("Proficient", "3"), ("Advanced", "4"))


@pytest.fixture
def school():
    framework = install_default_framework()
    codes = {c.code: c.id for c in framework.competencies}
    teacher = factories.make_user(Role.TEACHER, name="Ana Rivera")
    other_teacher = factories.make_user(Role.TEACHER, name="Ben Okafor")
    admin = factories.make_user(Role.ADMIN)
    student = factories.make_user(Role.STUDENT, name="Maya Chen")
    partner = factories.make_user(Role.PARTNER)
    classroom = factories.make_classroom(teacher, name="Grade 8 Science")
    challenge = factories.make_challenge(classroom, title="Water in our neighbourhood")
    project = factories.make_project(factories.make_team(classroom, student, name="Rain Catchers"), challenge)
    return dict(codes=codes, teacher=teacher, other_teacher=other_teacher, admin=admin, student=student,
                partner=partner, classroom=classroom, challenge=challenge, project=project)


def grid(school, *, title="Water rubric", levels=FOUR, criteria=None, action="save", token=None, **extra) -> dict:
    """The builder's form data: ``criteria`` as ``[(title, competency_id, [descriptor per level])]``."""
    if criteria is None:
        criteria = [("Asks good questions", school["codes"]["CT"], [f"Questions at {label}" for label, _ in levels])]
    data = {"title": title, "description": "For the water challenge.", "action": action, **extra}
    if token is not None:
        data["token"] = token
    for j, (label, points) in enumerate(levels):
        data[f"levels-{j}-label"], data[f"levels-{j}-points"] = label, points
    for i, (criterion, competency_id, descriptors) in enumerate(criteria):
        data[f"criteria-{i}-title"] = criterion
        data[f"criteria-{i}-competency"] = "" if competency_id is None else str(competency_id)
        for j, text in enumerate(descriptors):
            data[f"criteria-{i}-descriptors-{j}"] = text
    return data


def page(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def rubric_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Rubric))


def assess(rubric: Rubric, school, *, status=AssessmentStatus.RELEASED) -> Assessment:
    """A teacher's assessment made with ``rubric``: Proficient on its first criterion."""
    assessment = Assessment(rubric_id=rubric.id, project_id=school["project"].id, assessor_id=school["teacher"].id,
                            kind=AssessmentKind.TEACHER, status=status, work_date=date(2024, 10, 1))
    assessment.scores.append(Score(criterion_id=rubric.criteria[0].id, level_id=rubric.levels[2].id))
    db.session.add(assessment)
    db.session.commit()
    return assessment


def attach(challenge, rubric) -> None:
    db.session.add(ChallengeAssessment(challenge_id=challenge.id, rubric_id=rubric.id))
    db.session.commit()


def grid_shape(rubric: Rubric) -> list:
    return [(level.label, level.points) for level in rubric.levels] + [
        (row.criterion.title, row.criterion.competency_id, [text for _level, text in row.cells])
        for row in queries.rubric_rows(rubric)]


# --- building --------------------------------------------------------------------------------

def test_teacher_builds_a_rubric_through_the_grid_and_sees_it_rendered(client, auth, school):
    auth.as_user(school["teacher"])
    form = client.get("/rubrics/new")
    assert form.status_code == 200
    text = form.get_data(as_text=True)
    assert 'value="Proficient"' in text and '<optgroup label="CBL Tracker cross-curricular competencies">' in text
    assert '<label for="criteria-0-descriptors-2">' in text  # every descriptor has its label

    criteria = [("Asks good questions", school["codes"]["CT"], ["Broad", "Some focus", "Focused", "Sharp"]),
                ("Shares the work", school["codes"]["COL.1"], ["Watches", "Helps", "Shares", "Leads"])]
    response = client.post("/rubrics/new", data=grid(school, criteria=criteria))
    assert response.status_code == 302
    rubric = db.session.scalar(select(Rubric))
    assert response.headers["Location"].endswith(f"/rubrics/{rubric.id}")
    assert (rubric.owner_id, rubric.family_id, rubric.version) == (school["teacher"].id, rubric.id, 1)
    assert grid_shape(rubric) == [("Beginning", 1.0), ("Developing", 2.0), ("Proficient", 3.0), ("Advanced", 4.0),
                                  *[(t, c, d) for t, c, d in criteria]]

    shown = page(client.get(response.headers["Location"]))
    assert "<caption" in shown and '<th scope="col">Proficient' in shown and '<th scope="row">Shares the work' in shown
    assert "COL.1 Shares the work" in shown and "Sharp" in shown


def test_wholly_blank_rows_are_skipped_and_decimal_commas_read(client, auth, school):
    auth.as_user(school["teacher"])
    levels = (("Not yet", "0"), ("Almost", "1,5"), ("Yes", "3"))
    criteria = [("Explains clearly", school["codes"]["COM"], ["a", "b", "c"]), ("", None, ["", "", ""])]
    extra = {"levels-3-label": "", "levels-3-points": ""}  # a blank fourth column, too
    assert client.post("/rubrics/new", data=grid(school, levels=levels, criteria=criteria, **extra)).status_code == 302
    rubric = db.session.scalar(select(Rubric))
    assert [(lvl.label, lvl.points) for lvl in rubric.levels] == [("Not yet", 0.0), ("Almost", 1.5), ("Yes", 3.0)]
    assert [c.title for c in rubric.criteria] == ["Explains clearly"]


def _nine_levels(school):
    levels = tuple((f"L{i}", str(i)) for i in range(1, 10))
    return dict(levels=levels, criteria=[("Reflects", school["codes"]["SD"], [f"cell {i}" for i in range(9)])])


INVALID = {
    "decreasing points": (lambda s: dict(levels=(("Beginning", "1"), ("Developing", "3"), ("Proficient", "2"),
                                                 ("Advanced", "4"))),
                          "give more than 3 points here", "Questions at Proficient"),
    "empty title": (lambda s: dict(title="  "), "Give the rubric a title.", "Questions at Advanced"),
    "unknown competency": (lambda s: dict(criteria=[("Asks good questions", 999_999, ["w", "x", "y", "z"])]),
                           "Choose a competency from the list.", "Asks good questions"),
    "nine levels": (_nine_levels, "A rubric has at most 8 levels", "cell 8"),
    "same label twice": (lambda s: dict(levels=(("Beginning", "1"), ("beginning", "2"), ("Proficient", "3"),
                                                ("Advanced", "4"))),
                         "Another level is called “beginning”", "Questions at Advanced"),
    "not a number": (lambda s: dict(levels=(("Beginning", "one"), ("Developing", "2"), ("Proficient", "3"),
                                            ("Advanced", "4"))),
                     "Give the points as a number", "Questions at Developing"),
    "oversize title": (lambda s: dict(title="T" * 201), "At most 200 characters — this has 201.", "T" * 201),
    "oversize descriptor": (lambda s: dict(criteria=[("Asks", s["codes"]["CT"], ["d" * 2001, "x", "y", "z"])]),
                            "At most 2,000 characters — this has 2,001.", "d" * 2001),
    "no criteria": (lambda s: dict(criteria=[("", None, ["", "", "", ""])]), "Add at least one criterion.",
                    "Water rubric"),
}


@pytest.mark.parametrize("case", sorted(INVALID))
def test_invalid_grids_are_refused_with_messages_and_the_typed_text_kept(client, auth, school, case):
    make, message, kept = INVALID[case]
    auth.as_user(school["teacher"])
    response = client.post("/rubrics/new", data=grid(school, **make(school)))
    assert response.status_code == 400
    shown = page(response)
    assert message in shown and kept in shown
    assert 'class="error-summary" role="alert"' in shown
    assert rubric_count() == 0


def test_a_field_with_a_problem_says_so_to_screen_readers(client, auth, school):
    auth.as_user(school["teacher"])
    levels = (("Beginning", "1"), ("Developing", "1"), ("Proficient", "3"), ("Advanced", "4"))
    text = client.post("/rubrics/new", data=grid(school, levels=levels)).get_data(as_text=True)
    assert 'aria-describedby="levels-1-points-error"' in text and 'aria-invalid="true"' in text
    assert 'id="levels-1-points-error"' in text


def test_hostile_markup_is_kept_as_text_and_never_runs(client, auth, school):
    auth.as_user(school["teacher"])
    attack = "<script>alert(1)</script><img src=x onerror=alert(2)>"
    criteria = [(attack, school["codes"]["CT"], [attack, "b", "c", "d"])]
    refused = client.post("/rubrics/new", data=grid(school, title="", criteria=criteria))
    assert refused.status_code == 400
    assert "<script>alert(1)" not in refused.get_data(as_text=True) and attack in page(refused)

    saved = client.post("/rubrics/new", data=grid(school, title=attack, criteria=criteria))
    assert saved.status_code == 302
    shown = client.get(saved.headers["Location"]).get_data(as_text=True)
    assert "<script>alert(1)" not in shown and "&lt;script&gt;alert(1)&lt;/script&gt;" in shown
    assert "<img src=x" not in shown


def test_nul_bytes_are_dropped_from_what_is_saved(client, auth, school):
    auth.as_user(school["teacher"])
    criteria = [("Asks\x00 questions", school["codes"]["CT"], ["a\x00b", "c", "d", "e"])]
    assert client.post("/rubrics/new", data=grid(school, title="Wa\x00ter", criteria=criteria)).status_code == 302
    rubric = db.session.scalar(select(Rubric))
    assert rubric.title == "Water" and rubric.criteria[0].title == "Asks questions"


def test_add_and_remove_buttons_reshow_the_grid_with_everything_typed(client, auth, school):
    auth.as_user(school["teacher"])
    typed = grid(school, levels=(("Beginning", "1"), ("Developing", "two"), ("Proficient", "3"), ("Advanced", "4")),
                 action="add_criterion")
    added = client.post("/rubrics/new", data=typed)
    assert added.status_code == 200
    shown = page(added)
    assert 'name="criteria-1-title"' in shown and 'name="criteria-1-descriptors-3"' in shown
    assert 'value="two"' in shown and "Questions at Advanced" in shown and "For the water challenge." in shown
    assert "Please correct" not in shown and rubric_count() == 0

    more = client.post("/rubrics/new", data={**typed, "action": "add_level"})
    assert 'name="levels-4-label"' in more.get_data(as_text=True)
    assert 'name="criteria-0-descriptors-4"' in more.get_data(as_text=True)

    fewer = page(client.post("/rubrics/new", data={**typed, "action": "remove_level-1"}))
    assert "Questions at Developing" not in fewer and 'value="two"' not in fewer
    assert "Questions at Proficient" in fewer and fewer.count('class="level-row"') == 3
    assert fewer.count('_descriptors-') == 0 and fewer.count('name="criteria-0-descriptors-') == 3

    # The re-shown form keeps its field names (levels 0, 2, 3): saving it reads them in order.
    gapped = {k: v for k, v in grid(school).items() if "levels-1-" not in k and "descriptors-1" not in k}
    assert client.post("/rubrics/new", data=gapped).status_code == 302
    saved = db.session.scalar(select(Rubric))
    assert grid_shape(saved)[2:] == [("Advanced", 4.0), ("Asks good questions", school["codes"]["CT"],
                                                         ["Questions at Beginning", "Questions at Proficient",
                                                          "Questions at Advanced"])]

    two_rows = {**grid(school, criteria=[("First", school["codes"]["CT"], ["1a", "1b", "1c", "1d"]),
                                         ("Second", school["codes"]["CR"], ["2a", "2b", "2c", "2d"])]),
                "action": "remove_criterion-0"}
    shown = page(client.post("/rubrics/new", data=two_rows))
    assert "Second" in shown and "2d" in shown and 'value="First"' not in shown and "1a" not in shown


def test_the_grid_stops_growing_at_its_limits_with_a_message(client, auth, school):
    auth.as_user(school["teacher"])
    levels = tuple((f"L{i}", str(i)) for i in range(1, 9))
    criteria = [("Reflects", school["codes"]["SD"], [f"c{i}" for i in range(8)])]
    response = client.post("/rubrics/new", data=grid(school, levels=levels, criteria=criteria, action="add_level"))
    assert response.status_code == 200
    shown = page(response)
    assert "A rubric has at most 8 levels." in shown and 'name="levels-8-label"' not in shown and "c7" in shown


def test_service_lists_every_problem_at_once(school):
    data = rubric_data("", [("A", 2.0), ("B", 1.0), ("", float("nan"))],
                       [("", None, ["x", "y"]), ("Fine", 999_999, ["a", "b", "c"])])
    with pytest.raises(RubricInvalid) as caught:
        check_rubric(data)
    where = {problem.where for problem in caught.value.problems}
    assert where == {("title",), ("levels", 1, "points"), ("levels", 2, "label"), ("levels", 2, "points"),
                     ("criteria", 0, "title"), ("criteria", 0, "competency_id"), ("criteria", 0, "descriptors"),
                     ("criteria", 1, "competency_id")}


# --- the library, copies, permissions ----------------------------------------------------------

def test_any_teacher_copies_a_rubric_from_the_library(client, auth, school):
    original = factories.make_rubric(school["teacher"], [school["codes"]["CT"], school["codes"]["COL"]])
    auth.as_user(school["other_teacher"])
    library = page(client.get("/rubrics"))
    assert "Water rubric" in library and "By Ana Rivera" in library
    response = client.post(f"/rubrics/{original.id}/copy")
    assert response.status_code == 302
    copy = db.session.scalar(select(Rubric).where(Rubric.id != original.id))
    assert response.headers["Location"].endswith(f"/rubrics/{copy.id}/edit")
    assert (copy.title, copy.owner_id, copy.family_id, copy.version) == (
        "Copy of Water rubric", school["other_teacher"].id, copy.id, 1)
    assert grid_shape(copy) == grid_shape(original)
    assert client.get(f"/rubrics/{copy.id}/edit").status_code == 200  # theirs to edit now
    mine = page(client.get("/rubrics?mine=1"))
    assert "Copy of Water rubric" in mine and "Water rubric</a>" not in mine.replace("Copy of Water rubric</a>", "")


def test_students_and_partners_get_403_on_rubric_pages(client, auth, school):
    rubric = factories.make_rubric(school["teacher"], [school["codes"]["CT"]])
    for visitor in ("student", "partner"):
        auth.as_user(school[visitor])
        for url in ("/rubrics", f"/rubrics/{rubric.id}", "/rubrics/new", f"/rubrics/{rubric.id}/edit"):
            assert client.get(url).status_code == 403, (visitor, url)
        assert client.post(f"/rubrics/{rubric.id}/copy").status_code == 403
    assert rubric_count() == 1


def test_another_teacher_reads_and_copies_but_may_not_edit_or_delete(client, auth, school):
    rubric = factories.make_rubric(school["teacher"], [school["codes"]["CT"]])
    auth.as_user(school["other_teacher"])
    detail = page(client.get(f"/rubrics/{rubric.id}"))
    assert "Copy to my rubrics" in detail and f"/rubrics/{rubric.id}/edit" not in detail
    assert client.get(f"/rubrics/{rubric.id}/edit").status_code == 403
    assert client.post(f"/rubrics/{rubric.id}/edit", data=grid(school, title="Mine now")).status_code == 403
    assert client.post(f"/rubrics/{rubric.id}/delete").status_code == 403
    db.session.expire_all()
    assert db.session.get(Rubric, rubric.id).title == "Water rubric"


def test_admins_edit_any_rubric(client, auth, school):
    rubric = factories.make_rubric(school["teacher"], [school["codes"]["CT"]])
    auth.as_user(school["admin"])
    token = queries.get_rubric(rubric.id) and rubrics.edit_token(rubric)
    assert client.post(f"/rubrics/{rubric.id}/edit", data=grid(school, title="Fixed", token=token)).status_code == 302
    db.session.expire_all()
    assert (db.session.get(Rubric, rubric.id).title, db.session.get(Rubric, rubric.id).owner_id) == (
        "Fixed", school["teacher"].id)


def test_unknown_rubric_ids_answer_404(client, auth, school):
    auth.as_user(school["teacher"])
    for url in ("/rubrics/999999", "/rubrics/999999/edit"):
        assert client.get(url).status_code == 404
    for url in ("/rubrics/999999/copy", "/rubrics/999999/delete", "/rubrics/99999999999/edit"):
        assert client.post(url).status_code == 404


# --- editing and versions ----------------------------------------------------------------------

def test_editing_a_rubric_no_assessment_uses_changes_it_in_place(client, auth, school):
    rubric = factories.make_rubric(school["teacher"], [school["codes"]["CT"]], criteria=2)
    level_ids = [level.id for level in rubric.levels]
    auth.as_user(school["teacher"])
    edit = page(client.get(f"/rubrics/{rubric.id}/edit"))
    assert 'value="Criterion 2"' in edit and "Saving makes version" not in edit
    token = rubrics.edit_token(rubric)
    levels = (("Starting", "1"), ("Growing", "2"), ("Strong", "3"))
    criteria = [("Questions", school["codes"]["CT"], ["q1", "q2", "q3"])]
    response = client.post(f"/rubrics/{rubric.id}/edit", data=grid(school, title="Renamed", levels=levels,
                                                                    criteria=criteria, token=token))
    assert response.status_code == 302
    db.session.expire_all()
    assert rubric_count() == 1
    edited = queries.get_rubric(rubric.id)
    assert (edited.title, edited.version, edited.superseded_at) == ("Renamed", 1, None)
    assert grid_shape(edited) == [("Starting", 1.0), ("Growing", 2.0), ("Strong", 3.0),
                                  ("Questions", school["codes"]["CT"], ["q1", "q2", "q3"])]
    assert [level.id for level in edited.levels] == level_ids[:3]  # rows are reused, not replaced

    grown = grid(school, levels=FOUR + (("Expert", "5"),), token=rubrics.edit_token(edited),
                 criteria=[(f"Row {i}", school["codes"]["CR"], list("abcde")) for i in range(3)])
    assert client.post(f"/rubrics/{rubric.id}/edit", data=grown).status_code == 302
    db.session.expire_all()
    assert grid_shape(queries.get_rubric(rubric.id))[-1] == ("Row 2", school["codes"]["CR"], list("abcde"))


def test_editing_a_rubric_with_an_assessment_saves_version_2_and_keeps_version_1(client, auth, school):
    v1 = factories.make_rubric(school["teacher"], [school["codes"]["CT"], school["codes"]["COL"]])
    before = grid_shape(v1)
    attach(school["challenge"], v1)
    assessment = assess(v1, school)
    auth.as_user(school["teacher"])
    assert "Saving makes version 2" in page(client.get(f"/rubrics/{v1.id}/edit"))

    response = client.post(f"/rubrics/{v1.id}/edit", data=grid(school, title="Water rubric, revised",
                                                                token=rubrics.edit_token(v1)))
    assert response.status_code == 302
    db.session.expire_all()
    v2 = db.session.scalar(select(Rubric).where(Rubric.id != v1.id))
    assert response.headers["Location"].endswith(f"/rubrics/{v2.id}")
    assert (v2.family_id, v2.version, v2.owner_id, v2.superseded_at) == (v1.id, 2, school["teacher"].id, None)
    old = queries.get_rubric(v1.id)
    assert old.superseded_at is not None and old.title == "Water rubric" and grid_shape(old) == before
    assessment = db.session.get(Assessment, assessment.id)
    assert assessment.rubric_id == v1.id and assessment.scores[0].level.label == "Proficient"
    assert assessment.scores[0].criterion.rubric_id == v1.id
    assert queries.current_rubric_for(school["challenge"]).id == v2.id
    assert "Saved as version 2. Assessments made with version 1 keep it." in page(client.get(response.headers["Location"]))

    library = page(client.get("/rubrics"))
    assert "Water rubric, revised" in library and f"/rubrics/{v1.id}\"" not in library
    assert [r.id for r in db.session.scalars(queries.library())] == [v2.id]
    old_page = page(client.get(f"/rubrics/{v1.id}"))
    assert "This is version 1, replaced on" in old_page and f"/rubrics/{v2.id}" in old_page

    # Editing version 2 while nothing assesses with it changes it in place.
    again = client.post(f"/rubrics/{v2.id}/edit", data=grid(school, title="Third title", token=rubrics.edit_token(v2)))
    assert again.status_code == 302 and rubric_count() == 2


def test_a_save_from_a_stale_page_is_refused_with_the_typed_text_kept(client, auth, school):
    rubric = factories.make_rubric(school["teacher"], [school["codes"]["CT"]])
    stale = rubrics.edit_token(rubric)
    auth.as_user(school["teacher"])
    assert client.post(f"/rubrics/{rubric.id}/edit", data=grid(school, title="First save", token=stale)).status_code == 302
    response = client.post(f"/rubrics/{rubric.id}/edit", data=grid(school, title="Second save", token=stale))
    assert response.status_code == 409
    shown = page(response)
    assert "Someone saved this rubric since you opened it" in shown and 'value="Second save"' in shown
    db.session.expire_all()
    fresh = rubrics.edit_token(db.session.get(Rubric, rubric.id))
    assert f'value="{fresh}"' in shown  # saving again now replaces the saved rubric
    assert client.post(f"/rubrics/{rubric.id}/edit", data=grid(school, title="Second save", token=fresh)).status_code == 302


def test_an_old_version_cannot_be_edited_its_form_leads_to_the_current_one(client, auth, school):
    v1 = factories.make_rubric(school["teacher"], [school["codes"]["CT"]])
    assess(v1, school, status=AssessmentStatus.DRAFT)  # drafts keep their version too
    token = rubrics.edit_token(v1)
    v2 = rubrics.update_rubric(v1, rubrics.data_of(queries.get_rubric(v1.id)), school["teacher"], token=token)
    assert v2.version == 2
    auth.as_user(school["teacher"])
    redirected = client.get(f"/rubrics/{v1.id}/edit")
    assert redirected.status_code == 302 and redirected.headers["Location"].endswith(f"/rubrics/{v2.id}/edit")
    refused = client.post(f"/rubrics/{v1.id}/edit", data=grid(school, title="From the old page", token=token))
    assert refused.status_code == 409 and 'value="From the old page"' in page(refused)
    assert f'action="/rubrics/{v2.id}/edit"' in refused.get_data(as_text=True)
    assert rubric_count() == 2


def test_versioning_moves_every_challenge_and_numbers_versions_in_order(school):
    v1 = factories.make_rubric(school["teacher"], [school["codes"]["CT"]])
    second_challenge = factories.make_challenge(school["classroom"], title="Food")
    attach(school["challenge"], v1)
    attach(second_challenge, v1)
    assess(v1, school)
    v2 = rubrics.update_rubric(v1, rubrics.data_of(v1), school["teacher"])
    assess(v2, school)
    v3 = rubrics.update_rubric(v2, rubrics.data_of(v2), school["teacher"])
    assert [v.version for v in queries.family_versions(v3)] == [1, 2, 3]
    assert queries.current_version(v1).id == v3.id
    for challenge in (school["challenge"], second_challenge):
        assert queries.current_rubric_for(challenge).id == v3.id


# --- deleting ---------------------------------------------------------------------------------

def test_only_an_unused_rubric_is_deleted_else_a_clear_message(client, auth, school):
    unused = factories.make_rubric(school["teacher"], [school["codes"]["CT"]], title="Unused")
    attached = factories.make_rubric(school["teacher"], [school["codes"]["CT"]], title="Attached")
    assessed = factories.make_rubric(school["teacher"], [school["codes"]["CT"]], title="Assessed")
    attach(school["challenge"], attached)
    assess(assessed, school)
    auth.as_user(school["teacher"])

    response = client.post(f"/rubrics/{attached.id}/delete", follow_redirects=True)
    assert "A challenge uses this rubric. Give the challenge another rubric first." in page(response)
    response = client.post(f"/rubrics/{assessed.id}/delete", follow_redirects=True)
    assert "Assessments were made with this rubric, so it stays" in page(response)
    response = client.post(f"/rubrics/{unused.id}/delete", follow_redirects=True)
    assert "Rubric deleted." in page(response)
    assert sorted(db.session.scalars(select(Rubric.title))) == ["Assessed", "Attached"]


# --- the starter rubric --------------------------------------------------------------------------

def test_the_starter_rubric_covers_the_default_competencies_on_four_levels(client, auth, school):
    auth.as_user(school["teacher"])
    response = client.post("/rubrics/starter")
    assert response.status_code == 302
    rubric = queries.get_rubric(db.session.scalar(select(Rubric.id)))
    assert response.headers["Location"].endswith(f"/rubrics/{rubric.id}/edit")
    assert rubric.owner_id == school["teacher"].id and rubric.title == "CBL starter rubric"
    assert [(level.label, level.points) for level in rubric.levels] == [
        ("Beginning", 1.0), ("Developing", 2.0), ("Proficient", 3.0), ("Advanced", 4.0)]
    assert [c.competency.code for c in rubric.criteria] == ["COL", "COM", "CT", "CR", "SD", "CIV"]
    texts = [text for row in queries.rubric_rows(rubric) for _level, text in row.cells]
    assert len(texts) == 24 and all(len(text) > 30 for text in texts) and len(set(texts)) == 24
    check_rubric(rubrics.data_of(rubric))  # it keeps every rule of the builder


# --- a challenge's rubric and voices ---------------------------------------------------------------

def test_teacher_attaches_a_rubric_and_sets_the_other_voices(client, auth, school):
    mine = factories.make_rubric(school["teacher"], [school["codes"]["CT"]], title="My rubric")
    theirs = factories.make_rubric(school["other_teacher"], [school["codes"]["CT"]], title="Their rubric")
    url = f"/challenges/{school['challenge'].id}/assessment"
    auth.as_user(school["teacher"])
    edit_page = page(client.get(f"/challenges/{school['challenge'].id}/edit"))
    assert url in edit_page
    form = page(client.get(url))
    assert "No rubric yet" in form and '<optgroup label="Your rubrics">' in form and "Their rubric" in form

    response = client.post(url, data={"rubric": str(theirs.id), "self_assessment": "y", "partner_rating": "y"})
    assert response.status_code == 302
    settings = db.session.get(ChallengeAssessment, school["challenge"].id)
    assert (settings.rubric_id, settings.self_assessment, settings.peer_evaluation, settings.partner_rating) == (
        theirs.id, True, False, True)
    shown = page(client.get(url))
    assert "Assessment settings saved." in shown and "<caption" in shown and "Criterion 1 at Proficient" in shown

    assert client.post(url, data={"rubric": str(mine.id), "peer_evaluation": "y"}).status_code == 302
    db.session.expire_all()
    settings = db.session.get(ChallengeAssessment, school["challenge"].id)
    assert (settings.rubric_id, settings.self_assessment, settings.peer_evaluation) == (mine.id, False, True)
    assert client.post(url, data={"rubric": ""}).status_code == 302
    db.session.expire_all()
    assert db.session.get(ChallengeAssessment, school["challenge"].id).rubric_id is None


def test_a_replaced_version_or_unknown_rubric_cannot_be_attached(client, auth, school):
    v1 = factories.make_rubric(school["teacher"], [school["codes"]["CT"]])
    assess(v1, school)
    rubrics.update_rubric(v1, rubrics.data_of(v1), school["teacher"])
    url = f"/challenges/{school['challenge'].id}/assessment"
    auth.as_user(school["teacher"])
    for value in (str(v1.id), "999999", "abc"):
        response = client.post(url, data={"rubric": value, "self_assessment": "y"})
        assert response.status_code == 400 and "Choose a rubric from the list." in page(response)
    assert db.session.get(ChallengeAssessment, school["challenge"].id) is None


def test_only_the_class_teachers_set_how_a_challenge_is_assessed(client, auth, school):
    url = f"/challenges/{school['challenge'].id}/assessment"
    expected = {"student": 403, "other_teacher": 404, "partner": 404, "admin": 200, "teacher": 200}
    for visitor, status in expected.items():
        auth.as_user(school[visitor])
        assert client.get(url).status_code == status, visitor
    auth.as_user(school["teacher"])
    assert client.get("/challenges/999999/assessment").status_code == 404


# --- hostile input ---------------------------------------------------------------------------------

def _hostile_grids(school) -> list:
    base = grid(school)
    return [
        {**base, "levels-99999999999999999999-label": "x", "criteria-0-descriptors-77777777777777777": "y"},
        {**base, "criteria-0-competency": "99999999999999999999999"},
        {**base, "levels-0-points": "1e400"},
        {**base, "levels-0-points": "nan"},
        {**base, "levels-0-points": "-5"},
        {**base, "action": "remove_level-99999999999999"},
        {**base, "action": "remove_criterion-7"},
        {**base, "action": "add_level-3"},
        {**base, "action": "\x00"},
        {**base, "token": "x" * 5000},
        {**{f"levels-{i}-label": f"L{i}" for i in range(40)}, **{f"criteria-{i}-title": "t" for i in range(60)},
         "title": "Big"},
        {"title": "a\x00b", "levels-0-label": "a\x00", "levels-0-points": "1\x00"},
    ]


def test_hostile_payloads_on_rubric_forms_never_answer_500(client, auth, school):
    from tests.test_bad_input import PAYLOADS

    rubric = factories.make_rubric(school["teacher"], [school["codes"]["CT"]])
    token = rubrics.edit_token(rubric)
    auth.as_user(school["teacher"])
    urls = ["/rubrics/new", f"/rubrics/{rubric.id}/edit", f"/challenges/{school['challenge'].id}/assessment"]
    payloads = [make() for make in PAYLOADS.values()] + _hostile_grids(school)
    for url in urls:
        for data in payloads:
            response = client.post(url, data=data if "token" in data or "edit" not in url else {**data, "token": token})
            assert response.status_code < 500, (url, str(data)[:80], response.status_code)
    db.session.expire_all()
    assert db.session.get(Rubric, rubric.id).title == "Water rubric"
