"""Archive, restore, delete and copy classes, challenges and teams (issue 10, item 11)."""

from datetime import date

import pytest
from sqlalchemy import select

from cbl.accounts.models import Role
from cbl.assessment.mastery import services as mastery
from cbl.assessment.models import ChallengeAssessment
from cbl.audit import Action, AuditEvent
from cbl.competencies.models import Competency, CompetencyFramework
from cbl.extensions import db
from cbl.projects.models import Challenge, ElementKey, Project, ProjectElement
from cbl.teams.models import Classroom, Team
from tests import factories
from tests.conftest import Auth


@pytest.fixture
def school():
    """Ms Rivera's class with the Otters (Ana, Ben) and the Herons (Cam) on "Water"; a
    released team assessment of the Otters on COL.1; a second class of hers; a stranger."""
    teacher = factories.make_user(Role.TEACHER, name="Lena Rivera")
    ana, ben, cam = (factories.make_user(name=n) for n in ("Ana Diaz", "Ben Okafor", "Cam Lee"))
    col1 = Competency(code="COL.1", short_name="Shares the work")
    db.session.add(CompetencyFramework(title="Skills", competencies=[col1]))
    db.session.commit()
    classroom = factories.make_classroom(teacher, name="Grade 8 Science")
    otters = factories.make_team(classroom, ana, ben, name="Otters")
    herons = factories.make_team(classroom, cam, name="Herons")
    water = factories.make_challenge(classroom, title="Water in our town", big_idea="Water",
                                     prompt_engage="What surprised you?")
    otters_water = factories.make_project(otters, water)
    herons_water = factories.make_project(herons, water)
    rubric = factories.make_competency_rubric(col1)
    factories.attach_grading_rubric(water, rubric, self_assessment=True, partner_rating=True)
    factories.make_released_assessment(otters_water, rubric, {0: 3}, work_date=date(2024, 10, 1), assessor=teacher)
    other_class = factories.make_classroom(teacher, name="Grade 7 Science")
    factories.make_team(other_class, factories.make_user(name="Dee Park"), name="Foxes")
    factories.make_team(other_class, factories.make_user(name="Eli Moss"), name="Owls")
    stranger = factories.make_user(Role.TEACHER, name="Sam Stranger")
    return dict(teacher=teacher, ana=ana, ben=ben, cam=cam, col1=col1, classroom=classroom, otters=otters,
                herons=herons, water=water, otters_water=otters_water, herons_water=herons_water, rubric=rubric,
                other_class=other_class, stranger=stranger)


def _as(client, user):
    Auth(client).as_user(user)
    return client


def _text(response) -> str:
    return response.get_data(as_text=True)


def _exists(model, object_id: int) -> bool:
    db.session.expire_all()
    return db.session.scalar(select(model.id).where(model.id == object_id)) is not None


def _events(action: Action) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


# --- archiving ---------------------------------------------------------------------------------

def test_archived_challenge_leaves_board_and_homes_but_stays_readable(client, school):
    _as(client, school["teacher"])
    response = client.post(f"/challenges/{school['water'].id}/archive", follow_redirects=True)
    assert "is archived" in _text(response)
    board = _text(client.get(f"/classes/{school['classroom'].id}/board"))
    assert "Water in our town" not in board
    assert "Water in our town" not in _text(client.get("/home"))  # no waiting request of it either
    archive = _text(client.get("/archive"))
    assert "Water in our town" in archive and "Archived" in archive

    student = _as(client.application.test_client(), school["ana"])
    assert "Water in our town" not in _text(student.get("/home"))
    assert "Water in our town" in _text(student.get("/archive"))
    page = student.get(f"/projects/{school['otters_water'].id}")
    assert page.status_code == 200
    assert "This project is archived" in _text(page)
    assert 'name="body"' not in _text(page)  # no element editor
    # Nothing is editable: the team's save is refused, the text stays as it was.
    refused = student.post(f"/projects/{school['otters_water'].id}/elements/{ElementKey.ESSENTIAL_QUESTION.value}",
                           data={"body": "Changed", "version": 0})
    assert refused.status_code == 403
    assert db.session.scalar(select(ProjectElement)) is None
    [event] = _events(Action.ARCHIVED)
    assert (event.object_type, event.object_id, event.actor_id) == ("challenge", school["water"].id,
                                                                     school["teacher"].id)


def test_partner_home_leaves_out_archived_projects_which_stay_readable(client, school):
    partner = factories.make_user(Role.PARTNER, name="Jordan Kim")
    factories.grant_partner(school["otters_water"], partner)
    guest = _as(client, partner)
    assert "Water in our town" in _text(guest.get("/home"))
    _as(client.application.test_client(), school["teacher"]).post(f"/challenges/{school['water'].id}/archive")
    assert "Water in our town" not in _text(guest.get("/home"))
    assert "Water in our town" in _text(guest.get("/archive"))
    page = guest.get(f"/projects/{school['otters_water'].id}")
    assert page.status_code == 200 and "This project is archived" in _text(page)


def test_nobody_comments_or_invites_on_an_archived_project(client, school):
    _as(client, school["teacher"]).post(f"/teams/{school['otters'].id}/archive")
    student = _as(client.application.test_client(), school["ana"])
    project_id = school["otters_water"].id
    assert student.post(f"/projects/{project_id}/feedback", data={"body": "Still here?"}).status_code == 403
    assert student.get(f"/projects/{project_id}/invite?kind=family").status_code == 403
    assert "Invite my family" not in _text(student.get(f"/projects/{project_id}"))


def test_restore_brings_the_challenge_back_to_the_board(client, school):
    _as(client, school["teacher"])
    client.post(f"/challenges/{school['water'].id}/archive", follow_redirects=True)
    client.post(f"/challenges/{school['water'].id}/restore")
    assert "Water in our town" in _text(client.get(f"/classes/{school['classroom'].id}/board"))
    student = _as(client.application.test_client(), school["ana"])
    assert "Water in our town" in _text(student.get("/home"))
    assert "This project is archived" not in _text(student.get(f"/projects/{school['otters_water'].id}"))
    assert len(_events(Action.RESTORED)) == 1


def test_archived_team_leaves_the_board_and_its_members_home(client, school):
    _as(client, school["teacher"])
    client.post(f"/teams/{school['otters'].id}/archive", follow_redirects=True)
    board = _text(client.get(f"/classes/{school['classroom'].id}/board"))
    assert "Otters" not in board and "Herons" in board
    assert client.get(f"/teams/{school['otters'].id}/edit").status_code == 403
    student = _as(client.application.test_client(), school["ana"])
    assert "Water in our town" not in _text(student.get("/home"))
    assert student.get(f"/projects/{school['otters_water'].id}").status_code == 200
    other = _as(client.application.test_client(), school["cam"])
    assert "Water in our town" in _text(other.get("/home"))  # the Herons go on


def test_archived_class_leaves_homes_opens_read_only_and_restores(client, school):
    _as(client, school["teacher"])
    client.post(f"/classes/{school['classroom'].id}/archive", follow_redirects=True)
    home = _text(client.get("/home"))
    assert "Grade 8 Science" not in home and "Grade 7 Science" in home
    assert "Grade 8 Science" not in _text(client.get("/classes"))
    assert "Grade 8 Science" in _text(client.get("/archive"))
    page = client.get(f"/classes/{school['classroom'].id}")
    assert page.status_code == 200 and "This class is archived" in _text(page)
    assert "New challenge" not in _text(page)
    assert client.get(f"/classes/{school['classroom'].id}/settings").status_code == 403
    assert client.get(f"/classes/{school['classroom'].id}/challenges/new").status_code == 403
    assert client.get(f"/classes/{school['classroom'].id}/board").status_code == 200
    client.post(f"/classes/{school['classroom'].id}/restore")
    assert "Grade 8 Science" in _text(client.get("/home"))
    assert client.get(f"/classes/{school['classroom'].id}/settings").status_code == 200


def test_archived_work_still_counts_for_mastery(client, school):
    before = mastery.class_mastery(school["teacher"], school["classroom"]).result(school["ana"].id,
                                                                                  school["col1"].id)
    _as(client, school["teacher"])
    client.post(f"/challenges/{school['water'].id}/archive", follow_redirects=True)
    client.post(f"/teams/{school['otters'].id}/archive", follow_redirects=True)
    client.post(f"/classes/{school['classroom'].id}/archive", follow_redirects=True)
    db.session.expire_all()
    assert db.session.get(Classroom, school["classroom"].id).archived
    after = mastery.class_mastery(school["teacher"], school["classroom"]).result(school["ana"].id, school["col1"].id)
    assert before is not None and after is not None and after.value == before.value == 3
    assert client.get(f"/classes/{school['classroom'].id}/heatmap").status_code == 200
    transcript = client.get(f"/classes/{school['classroom'].id}/students/{school['ana'].id}/transcript")
    assert transcript.status_code == 200 and "Shares the work" in _text(transcript)


def test_a_student_or_another_teacher_cannot_archive(client, school):
    assert _as(client, school["ana"]).post(f"/challenges/{school['water'].id}/archive").status_code == 403
    stranger = _as(client.application.test_client(), school["stranger"])
    assert stranger.post(f"/challenges/{school['water'].id}/archive").status_code == 404
    assert stranger.post(f"/classes/{school['classroom'].id}/archive").status_code == 404
    db.session.expire_all()
    assert not db.session.get(Challenge, school["water"].id).archived


# --- deleting ----------------------------------------------------------------------------------

def test_delete_is_refused_while_student_work_exists(client, school):
    _as(client, school["teacher"])
    response = client.post(f"/challenges/{school['water'].id}/delete", follow_redirects=True)
    assert "already holds students" in _text(response)
    response = client.post(f"/teams/{school['otters'].id}/delete", follow_redirects=True)
    assert "already holds students" in _text(response)
    response = client.post(f"/classes/{school['classroom'].id}/delete", follow_redirects=True)
    assert "already holds students" in _text(response)
    db.session.expire_all()
    assert db.session.get(Challenge, school["water"].id) is not None
    assert db.session.get(Classroom, school["classroom"].id) is not None
    assert _events(Action.DELETED) == []


def test_element_text_alone_is_work(client, school):
    db.session.add(ProjectElement(project_id=school["herons_water"].id, key=ElementKey.ESSENTIAL_QUESTION,
                                  body="How clean is our river?"))
    db.session.commit()
    _as(client, school["teacher"])
    client.post(f"/teams/{school['herons'].id}/delete")
    db.session.expire_all()
    assert db.session.get(Team, school["herons"].id) is not None


def test_delete_is_allowed_without_work_and_audited(client, school):
    _as(client, school["teacher"])
    empty = factories.make_challenge(school["classroom"], title="Food")
    factories.make_project(school["herons"], empty)
    empty_id, herons_id = empty.id, school["herons"].id
    response = client.post(f"/challenges/{empty_id}/delete", follow_redirects=True)
    assert "is deleted" in _text(response)
    assert not _exists(Challenge, empty_id)
    client.post(f"/teams/{herons_id}/delete")
    assert not _exists(Team, herons_id)
    [team_event, challenge_event] = sorted(_events(Action.DELETED), key=lambda e: e.object_type)[::-1]
    assert (challenge_event.object_type, challenge_event.detail) == ("challenge", "Food")
    assert (team_event.object_type, team_event.detail) == ("team", "Herons")


def test_an_empty_class_can_be_deleted(client, school):
    _as(client, school["teacher"])
    class_id = school["other_class"].id
    response = client.post(f"/classes/{class_id}/delete")
    assert response.status_code == 302
    assert not _exists(Classroom, class_id)


def test_delete_buttons_ask_to_confirm(client, school):
    # Only what holds no student work offers Delete (tests/test_walk_delete_buttons.py).
    bridges = factories.make_challenge(school["classroom"], title="Bridges")
    page = _text(_as(client, school["teacher"]).get(f"/classes/{school['classroom'].id}"))
    assert f'action="/challenges/{bridges.id}/delete" class="inline" data-confirm=' in page
    assert f'action="/teams/{school["herons"].id}/delete" class="inline" data-confirm=' in page


# --- duplicate names -----------------------------------------------------------------------------

def test_duplicate_class_name_in_the_term_asks_to_confirm(client, school):
    _as(client, school["teacher"])
    form = {"name": "grade 8 science", "term": "Fall", "joining_open": "y"}
    response = client.post("/classes/new", data=form)
    assert response.status_code == 200
    assert "You already have a class called" in _text(response)
    assert db.session.scalar(select(db.func.count()).select_from(Classroom)) == 2
    response = client.post("/classes/new", data={**form, "confirm_duplicate": "y"})
    assert response.status_code == 302
    assert db.session.scalar(select(db.func.count()).select_from(Classroom)) == 3


def test_another_term_is_not_a_duplicate(client, school):
    response = _as(client, school["teacher"]).post("/classes/new", data={"name": "Grade 8 Science", "term": "Spring"})
    assert response.status_code == 302


def test_duplicate_challenge_title_asks_to_confirm(client, school):
    _as(client, school["teacher"])
    form = {"title": "Water in our town", "big_idea": "Water", "size": "mini"}
    response = client.post(f"/classes/{school['classroom'].id}/challenges/new", data=form)
    assert response.status_code == 200 and "already has a challenge called" in _text(response)
    assert len(db.session.scalars(select(Challenge)).all()) == 1
    response = client.post(f"/classes/{school['classroom'].id}/challenges/new", data={**form, "confirm_duplicate": "y"})
    assert response.status_code == 302
    assert len(db.session.scalars(select(Challenge)).all()) == 2


def test_duplicate_team_name_asks_to_confirm_archived_teams_included(client, school):
    _as(client, school["teacher"])
    client.post(f"/teams/{school['otters'].id}/archive", follow_redirects=True)
    response = client.post(f"/classes/{school['classroom'].id}/teams/new", data={"name": "Otters"})
    assert response.status_code == 200 and "already has a team called" in _text(response)
    assert 'name="confirm_duplicate"' in _text(response)
    response = client.post(f"/teams/{school['herons'].id}/edit", data={"name": "OTTERS", "members": [school["cam"].id]})
    assert response.status_code == 200 and "already has a team called" in _text(response)
    response = client.post(f"/classes/{school['classroom'].id}/teams/new",
                           data={"name": "Otters", "confirm_duplicate": "y"})
    assert response.status_code == 302
    assert len(db.session.scalars(select(Team).where(Team.name == "Otters")).all()) == 2


# --- copying a challenge -------------------------------------------------------------------------

def test_copy_challenge_into_another_class(client, school):
    _as(client, school["teacher"])
    form = client.get(f"/challenges/{school['water'].id}/copy")
    assert form.status_code == 200 and "Grade 7 Science" in _text(form)
    response = client.post(f"/challenges/{school['water'].id}/copy", data={"classroom": school["other_class"].id})
    assert response.status_code == 302
    copy = db.session.scalar(select(Challenge).where(Challenge.classroom_id == school["other_class"].id))
    assert (copy.title, copy.big_idea, copy.prompt_engage) == ("Water in our town", "Water", "What surprised you?")
    settings = db.session.get(ChallengeAssessment, copy.id)
    assert settings.rubric_id == school["rubric"].id
    assert (settings.self_assessment, settings.partner_rating, settings.peer_evaluation) == (True, True, False)
    teams = set(db.session.scalars(select(Team.name).join(Project, Project.team_id == Team.id)
                                   .where(Project.challenge_id == copy.id)))
    assert teams == {"Foxes", "Owls"}
    [event] = _events(Action.CHALLENGE_COPIED)
    assert event.classroom_id == school["other_class"].id and event.object_id == copy.id


def test_a_copied_challenge_asks_partners_the_same_questions(client, school):
    from cbl.assessment.partner import services as partner
    partner.save_questions(school["water"], ["Did the team listen to the neighbours?", "Would it work on our street?"])
    db.session.commit()
    _as(client, school["teacher"])
    assert client.post(f"/challenges/{school['water'].id}/copy",
                       data={"classroom": school["other_class"].id}).status_code == 302
    copy = db.session.scalar(select(Challenge).where(Challenge.classroom_id == school["other_class"].id))
    assert partner.questions_for(copy.id) == ["Did the team listen to the neighbours?", "Would it work on our street?"]


def test_copy_into_a_class_with_that_title_asks_to_confirm(client, school):
    _as(client, school["teacher"])
    factories.make_challenge(school["other_class"], title="Water in our town")
    response = client.post(f"/challenges/{school['water'].id}/copy", data={"classroom": school["other_class"].id})
    assert response.status_code == 200 and "already has a challenge called" in _text(response)
    response = client.post(f"/challenges/{school['water'].id}/copy",
                           data={"classroom": school["other_class"].id, "confirm_duplicate": "y"})
    assert response.status_code == 302


def test_copy_only_into_a_class_the_teacher_teaches(client, school):
    theirs = factories.make_classroom(school["stranger"], name="Not yours")
    _as(client, school["teacher"])
    assert "Not yours" not in _text(client.get(f"/challenges/{school['water'].id}/copy"))
    response = client.post(f"/challenges/{school['water'].id}/copy", data={"classroom": theirs.id})
    assert response.status_code == 400
    assert db.session.scalar(select(Challenge).where(Challenge.classroom_id == theirs.id)) is None
