"""A class chooses the competency frameworks it uses (issue 10 point 12): the entry form, the
timeline filter and the rubric builder offer only those, as a collapsible tree; a class with
no choice recorded uses the default framework."""

import re
import time

import pytest
from sqlalchemy import select

from cbl.accounts.models import Role
from cbl.competencies.models import Competency, CompetencyFramework, classroom_framework
from cbl.competencies.services import install_default_framework
from cbl.extensions import db
from cbl.portfolio.models import Entry
from tests import factories


def make_framework(title: str, count: int = 3, *, per_strand: int = 10) -> CompetencyFramework:
    """A framework of ``count`` competencies: strands of ``per_strand`` - 1 items each."""
    framework = CompetencyFramework(title=title)
    strand = None
    prefix = "".join(word[0] for word in title.split()).upper()
    for n in range(count):
        if n % per_strand == 0:
            strand = Competency(code=f"{prefix}{n // per_strand}", short_name=f"{title} strand {n // per_strand}",
                                position=n)
            framework.competencies.append(strand)
        else:
            framework.competencies.append(Competency(
                code=f"{prefix}{n // per_strand}.{n % per_strand}", short_name=f"{title} skill {n}",
                position=n, parent=strand))
    db.session.add(framework)
    db.session.commit()
    return framework


@pytest.fixture
def school():
    default = install_default_framework()
    water = make_framework("Water science", 4)
    teacher = factories.make_user("teacher")
    maya = factories.make_user("student")
    classroom = factories.make_classroom(teacher)
    project = factories.make_project(factories.make_team(classroom, maya))
    return default, water, teacher, maya, classroom, project


def _ids(framework: CompetencyFramework) -> list[int]:
    return [c.id for c in framework.competencies]


def _use(client, auth, teacher, classroom, *frameworks):
    auth.as_user(teacher)
    response = client.post(f"/classes/{classroom.id}/settings", data={
        "name": classroom.name, "term": "", "joining_open": "y", "frameworks_shown": "1",
        "frameworks": [f.id for f in frameworks]})
    assert response.status_code == 302


def _offered(page: str) -> set[int]:
    return {int(v) for v in re.findall(r'name="competencies" type="checkbox" value="(\d+)"', page)}


def test_a_new_class_has_the_default_framework_ticked_and_keeps_the_choice(client, auth, school):
    default, water, teacher, *_rest = school
    auth.as_user(teacher)
    page = client.get("/classes/new").get_data(as_text=True)
    assert re.search(rf'<input checked id="frameworks-\d+" name="frameworks" type="checkbox" value="{default.id}"', page)
    assert not re.search(rf'<input checked[^>]*value="{water.id}"', page)
    response = client.post("/classes/new", data={"name": "Grade 8 Science", "term": "", "joining_open": "y",
                                                 "frameworks_shown": "1", "frameworks": [water.id]})
    assert response.status_code == 302
    chosen = db.session.execute(select(classroom_framework.c.framework_id)).scalars().all()
    assert chosen == [water.id]


def test_a_class_must_keep_at_least_one_framework(client, auth, school):
    _default, _water, teacher, _maya, classroom, _project = school
    auth.as_user(teacher)
    response = client.post(f"/classes/{classroom.id}/settings", data={
        "name": "Renamed", "frameworks_shown": "1"})
    assert response.status_code == 400
    assert "Choose at least one competency framework." in response.get_data(as_text=True)
    assert db.session.get(type(classroom), classroom.id).name != "Renamed"


def test_a_class_without_a_choice_offers_the_default_framework(client, auth, school):
    default, water, _teacher, maya, _classroom, project = school
    auth.as_user(maya)
    offered = _offered(client.get(f"/projects/{project.id}/entries/new?kind=note").get_data(as_text=True))
    assert offered == set(_ids(default))


def test_a_class_using_another_framework_offers_only_it_everywhere(client, auth, school):
    default, water, teacher, maya, classroom, project = school
    _use(client, auth, teacher, classroom, water)
    auth.as_user(maya)
    form = client.get(f"/projects/{project.id}/entries/new?kind=note").get_data(as_text=True)
    assert _offered(form) == set(_ids(water))
    assert '<summary>Water science <span class="hint">(4)</span></summary>' in form
    assert "data-competency-tree" in form and 'type="search"' in form
    timeline = client.get(f"/projects/{project.id}/portfolio").get_data(as_text=True)
    radios = {int(v) for v in re.findall(r'name="competency" type="radio" value="(\d+)"', timeline)}
    assert radios == set(_ids(water))
    auth.as_user(teacher)
    builder = client.get("/rubrics/new").get_data(as_text=True)
    options = {int(v) for v in re.findall(r'<option value="(\d+)"', builder)}
    assert options == set(_ids(water))
    assert 'label="Water science"' in builder


def test_a_competency_of_another_framework_is_refused_with_a_message(client, auth, school):
    default, water, teacher, maya, classroom, project = school
    _use(client, auth, teacher, classroom, water)
    auth.as_user(maya)
    response = client.post(f"/projects/{project.id}/entries/new?kind=note", data={
        "title": "Sneaky", "body": "Text", "phase": "engage", "visibility": "team", "element_key": "",
        "guiding_question": "", "competencies": [default.competencies[0].id]})
    assert response.status_code == 400
    assert '<p class="error" id="competencies-error">Choose competencies from the list: one you chose is not ' \
           'offered in this class.</p>' in response.get_data(as_text=True)
    assert db.session.scalar(select(Entry)) is None

    auth.as_user(teacher)
    response = client.post("/rubrics/new", data={
        "title": "Water rubric", "description": "",
        "levels-0-label": "Low", "levels-0-points": "1", "levels-1-label": "High", "levels-1-points": "2",
        "criteria-0-title": "Evidence", "criteria-0-competency": str(default.competencies[0].id),
        "criteria-0-descriptors-0": "a", "criteria-0-descriptors-1": "b", "action": "save"})
    assert response.status_code == 400
    assert "Choose a competency from the list." in response.get_data(as_text=True)


def test_tags_of_a_framework_the_class_dropped_stay_on_the_entry(client, auth, school):
    default, water, teacher, maya, classroom, project = school
    auth.as_user(maya)
    collaboration = next(c for c in default.competencies if c.code == "COL.1")
    response = client.post(f"/projects/{project.id}/entries/new?kind=note", data={
        "title": "Roles", "body": "Who does what", "phase": "engage", "visibility": "team", "element_key": "",
        "guiding_question": "", "competencies": [collaboration.id]})
    assert response.status_code == 302
    entry = db.session.scalar(select(Entry))
    _use(client, auth, teacher, classroom, water)
    auth.as_user(maya)
    form = client.get(f"/entries/{entry.id}/edit").get_data(as_text=True)
    assert re.search(rf'<input checked id="competencies-{collaboration.id}"', form)
    assert "not used by this class" in form
    response = client.post(f"/entries/{entry.id}/edit", data={
        "title": "Roles", "body": "Who does what, again", "phase": "engage", "visibility": "team",
        "element_key": "", "guiding_question": "", "competencies": [collaboration.id, water.competencies[1].id],
        "version": entry.version})
    assert response.status_code == 302
    db.session.expire_all()
    assert {c.id for c in db.session.get(Entry, entry.id).competencies} == {collaboration.id,
                                                                            water.competencies[1].id}


def test_a_framework_of_two_thousand_competencies_renders_the_entry_form(client, auth, school):
    _default, _water, teacher, maya, classroom, project = school
    state = make_framework("State standards", 2000, per_strand=20)
    _use(client, auth, teacher, classroom, state)
    auth.as_user(maya)
    started = time.perf_counter()
    response = client.get(f"/projects/{project.id}/entries/new?kind=note")
    elapsed = time.perf_counter() - started
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert len(_offered(page)) == 2000
    assert page.count("<details") == 1 + 100  # the framework and its 100 strands, each collapsible
    assert len(response.data) < 600_000, len(response.data)
    assert elapsed < 10


def test_admins_are_offered_every_framework_in_the_builder(client, auth, school):
    default, water, *_rest = school
    auth.as_user(factories.make_user(Role.ADMIN))
    builder = client.get("/rubrics/new").get_data(as_text=True)
    options = {int(v) for v in re.findall(r'<option value="(\d+)"', builder)}
    assert options == set(_ids(default)) | set(_ids(water))


# --- the migration ---------------------------------------------------------------------------

from tests.test_database import fresh_database  # noqa: E402,F401  (a fixture)


def test_the_migration_gives_every_class_the_default_and_the_frameworks_its_work_uses(fresh_database):  # noqa: F811
    from flask_migrate import upgrade
    from sqlalchemy import text

    from tests.conftest import make_app

    app = make_app(fresh_database)
    with app.app_context():
        # The revision before this one; its rows are written through the tables as they were then.
        from alembic.script import ScriptDirectory

        from tests.migration_rows import insert_row
        scripts = ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config())
        upgrade(revision=scripts.get_revision("a7c3e1f05b12").down_revision)
        connection = db.session.connection()
        teacher = insert_row(connection, "user", role="teacher", email="t@example.org")
        maya = insert_row(connection, "user", role="student", email="m@example.org")
        tagged, untouched = (insert_row(connection, "classroom", join_code=f"CODE{n}") for n in (1, 2))
        challenge = insert_row(connection, "challenge", classroom_id=tagged, created_by_id=teacher)
        team = insert_row(connection, "team", classroom_id=tagged)
        project = insert_row(connection, "project", team_id=team, challenge_id=challenge, phase="engage")
        entry = insert_row(connection, "entry", project_id=project, author_id=maya, kind="text", visibility="team",
                           phase="engage")
        db.session.execute(text("INSERT INTO competency_framework (title, description, created_at) "
                                "VALUES ('Local skills', '', CURRENT_TIMESTAMP)"))
        local = db.session.execute(text("SELECT id FROM competency_framework WHERE title = 'Local skills'")).scalar()
        db.session.execute(text("INSERT INTO competency (framework_id, code, short_name, description, position) "
                                "VALUES (:f, 'L1', 'Local one', '', 0)"), {"f": local})
        skill = db.session.execute(text("SELECT id FROM competency WHERE code = 'L1'")).scalar()
        db.session.execute(text("INSERT INTO entry_competency (entry_id, competency_id) VALUES (:e, :c)"),
                           {"e": entry, "c": skill})
        db.session.commit()
        default = db.session.execute(text("SELECT MIN(id) FROM competency_framework")).scalar()
        ids = (tagged, untouched)
        db.session.remove()
        upgrade()
        rows = set(db.session.execute(select(classroom_framework.c.classroom_id, classroom_framework.c.framework_id)))
        db.session.remove()
        db.engine.dispose()
    assert rows == {(ids[0], default), (ids[0], local), (ids[1], default)}


def test_learning_goals_offer_the_class_frameworks_and_keep_a_goal_competency(client, auth, school):
    """A student's goal is tied to a competency of her class's frameworks only; a goal whose
    competency the class no longer offers keeps it when edited."""
    from cbl.assessment.models import LearningGoal

    default, water, teacher, maya, classroom, project = school
    _use(client, auth, teacher, classroom, water)
    auth.as_user(maya)
    page = client.get(f"/classes/{classroom.id}/goals").get_data(as_text=True)
    offered = {int(v) for v in re.findall(r'<option value="(\d+)"', page)} - {0}
    assert offered == set(_ids(water))
    refused = client.post(f"/classes/{classroom.id}/goals", data={"title": "Read a map", "competency": _ids(default)[0]})
    assert refused.status_code == 400 and db.session.scalar(select(LearningGoal)) is None
    assert client.post(f"/classes/{classroom.id}/goals",
                       data={"title": "Read a map", "competency": _ids(water)[0]}).status_code == 302
    goal = db.session.scalar(select(LearningGoal))
    _use(client, auth, teacher, classroom, default)
    auth.as_user(maya)
    edit = client.get(f"/goals/{goal.id}/edit").get_data(as_text=True)
    assert f'<option selected value="{_ids(water)[0]}"' in edit
