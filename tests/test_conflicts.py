"""Two people saving one record at once: the second is told, sees both texts and who saved
the other version, and nothing is lost (issue 10, item 4)."""

import html

import pytest
from sqlalchemy import select

from cbl.errors import EditConflict
from cbl.extensions import db
from cbl.projects import services
from cbl.projects.models import Activity, Challenge, GuidingQuestion, ProjectElement
from cbl.teams.models import Classroom, ClassroomTeacher, Team
from tests import factories


@pytest.fixture
def team():
    teacher = factories.make_user("teacher", name="Ana Rivera")
    classroom = factories.make_classroom(teacher)
    maya, leo = factories.make_user("student", name="Maya Chen"), factories.make_user("student", name="Leo Martins")
    project = factories.make_project(factories.make_team(classroom, maya, leo, name="Rain Catchers"))
    return project, maya, leo, teacher


def _activity_form(title, details, question_id, version):
    return {"kind": "activity", "title": title, "details": details, "url": "", "questions": [str(question_id)],
            "version": str(version)}


# --- activities --------------------------------------------------------------------------------

def test_stale_activity_save_gets_409_naming_the_other_saver_with_both_texts(client, auth, team):
    project, maya, leo, _ = team
    question = factories.make_question(project)
    activity = factories.make_activity(project, question, title="Measure the roof")
    url = f"/projects/{project.id}/activities/{activity.id}"
    auth.as_user(leo)
    assert 'name="version" type="hidden" value="1"' in client.get(url).get_data(as_text=True)

    auth.as_user(maya)  # both opened version 1; Maya saves first
    assert client.post(url, data=_activity_form("Measure the roof", "Maya: 14 m² of roof.", question.id, 1)
                       ).status_code == 302
    auth.as_user(leo)
    response = client.post(url, data=_activity_form("Measure the roof", "Leo: use a tape measure.", question.id, 1))
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Last saved by Maya Chen" in page and "ago" in page
    assert "Maya: 14 m² of roof." in page  # the saved version
    assert "Leo: use a tape measure." in page  # his own text, still in the form
    assert 'name="version" type="hidden" value="2"' in page  # saving again now works
    db.session.expire_all()
    assert db.session.get(Activity, activity.id).details == "Maya: 14 m² of roof."  # nothing lost

    response = client.post(url, data=_activity_form("Measure the roof", "Both: 14 m², tape measure.", question.id, 2))
    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.get(Activity, activity.id)
    assert (saved.details, saved.version, saved.updated_by_id) == ("Both: 14 m², tape measure.", 3, leo.id)


def test_update_activity_service_refuses_an_old_version(team):
    project, maya, leo, _ = team
    question = factories.make_question(project)
    activity = factories.make_activity(project, question)
    fields = dict(kind="activity", title="Survey", details="", url="", question_ids=[question.id])
    services.update_activity(project, activity.id, 1, acting=maya, **fields)
    with pytest.raises(EditConflict) as caught:
        services.update_activity(project, activity.id, 1, acting=leo, **{**fields, "title": "Interview"})
    assert caught.value.saved_by.id == maya.id and caught.value.current_version == 2
    assert "Survey" in caught.value.current_text and "Interview" in caught.value.your_text


# --- the other records people edit together ----------------------------------------------------

def test_stale_guiding_question_save_names_who_saved_it(client, auth, team):
    project, maya, leo, _ = team
    question = factories.make_question(project, "How much rain falls?")
    url = f"/projects/{project.id}/questions/{question.id}"
    data = {"text": "How much rain falls?", "category": "", "priority": "", "summary": "", "version": "1"}
    auth.as_user(maya)
    assert client.post(url, data={**data, "findings": "About 600 mm a year."}).status_code == 302
    auth.as_user(leo)
    response = client.post(url, data={**data, "findings": "We should ask the weather station."})
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Last saved by Maya Chen" in page and "About 600 mm a year." in page
    assert "We should ask the weather station." in page
    assert db.session.get(GuidingQuestion, question.id).findings == "About 600 mm a year."


def test_stale_element_save_names_who_saved_it(client, auth, team):
    project, maya, leo, _ = team
    url = f"/projects/{project.id}/elements/essential_question"
    auth.as_user(maya)
    assert client.post(url, data={"body": "How might we save rain water?", "version": "0"}).status_code == 302
    auth.as_user(leo)
    response = client.post(url, data={"body": "How might we stop flooding?", "version": "0"})
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Last saved by Maya Chen" in page and "How might we save rain water?" in page
    assert "How might we stop flooding?" in page
    assert db.session.scalar(select(ProjectElement.body)) == "How might we save rain water?"


def test_stale_entry_save_names_who_saved_it(client, auth, team):
    project, maya, leo, _ = team
    entry = factories.make_entry(project, maya, body="First notes.")
    data = {"title": entry.title, "phase": entry.phase.value, "visibility": "team", "element_key": "",
            "version": "1"}
    auth.as_user(maya)
    assert client.post(f"/entries/{entry.id}/edit", data={**data, "body": "Maya's update."}).status_code == 302
    auth.as_user(leo)
    response = client.post(f"/entries/{entry.id}/edit", data={**data, "body": "Leo's update."})
    assert response.status_code == 409
    page = html.unescape(response.get_data(as_text=True))
    assert "Last saved by Maya Chen" in page and "Maya's update." in page and "Leo's update." in page


@pytest.fixture
def co_teachers(team):
    project, _, _, ana = team
    ben = factories.make_user("teacher", name="Ben Okafor")
    db.session.add(ClassroomTeacher(classroom_id=project.team.classroom_id, user_id=ben.id))
    db.session.commit()
    return project, ana, ben


def test_two_teachers_saving_one_challenge_do_not_overwrite_each_other(client, auth, co_teachers):
    project, ana, ben = co_teachers
    challenge = project.challenge
    url = f"/challenges/{challenge.id}/edit"
    auth.as_user(ben)
    assert 'name="version" type="hidden" value="1"' in client.get(url).get_data(as_text=True)
    data = {"title": challenge.title, "big_idea": "Water", "size": "mini", "version": "1"}
    auth.as_user(ana)
    assert client.post(url, data={**data, "description": "Ana's plan for the unit."}).status_code == 302
    auth.as_user(ben)
    response = client.post(url, data={**data, "description": "Ben's plan for the unit."})
    assert response.status_code == 409
    page = html.unescape(response.get_data(as_text=True))
    assert "Last saved by Ana Rivera" in page and "Ana's plan for the unit." in page
    assert "Ben's plan for the unit." in page
    db.session.expire_all()
    assert db.session.get(Challenge, challenge.id).description == "Ana's plan for the unit."


def test_two_teachers_saving_one_team_do_not_overwrite_each_other(client, auth, co_teachers):
    project, ana, ben = co_teachers
    team = project.team
    members = [str(m.user_id) for m in team.memberships]
    url = f"/teams/{team.id}/edit"
    auth.as_user(ana)
    assert client.post(url, data={"name": "Rain Savers", "members": members, "version": "1"}).status_code == 302
    auth.as_user(ben)
    response = client.post(url, data={"name": "Storm Chasers", "members": members, "version": "1"})
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Last saved by Ana Rivera" in page and "Rain Savers" in page and "Storm Chasers" in page
    db.session.expire_all()
    assert db.session.get(Team, team.id).name == "Rain Savers"


def test_two_teachers_saving_class_settings_do_not_overwrite_each_other(client, auth, co_teachers):
    project, ana, ben = co_teachers
    classroom_id = project.team.classroom_id
    url = f"/classes/{classroom_id}/settings"
    auth.as_user(ana)
    assert client.post(url, data={"name": "Science 8A", "term": "Fall", "version": "1"}).status_code == 302
    auth.as_user(ben)
    response = client.post(url, data={"name": "Science 8B", "term": "Fall", "version": "1"})
    assert response.status_code == 409
    assert "Last saved by Ana Rivera" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Classroom, classroom_id).name == "Science 8A"


def test_conflict_page_is_in_spanish_for_a_spanish_reader(client, auth, team):
    project, maya, leo, _ = team
    leo.locale = "es"
    db.session.commit()
    question = factories.make_question(project)
    activity = factories.make_activity(project, question)
    url = f"/projects/{project.id}/activities/{activity.id}"
    auth.as_user(maya)
    client.post(url, data=_activity_form("Medir el techo", "Maya", question.id, 1))
    auth.as_user(leo)
    page = client.post(url, data=_activity_form("Medir", "Leo", question.id, 1)).get_data(as_text=True)
    assert "Guardado por última vez por Maya Chen" in page and "hace" in page


def test_a_goal_saved_from_two_devices_keeps_the_first_save(client, auth, team):
    project, maya, _, _ = team
    goal = factories.make_goal(maya, project.team.classroom, title="Speak up in team meetings")
    url = f"/goals/{goal.id}/edit"
    auth.as_user(maya)
    assert 'name="version" type="hidden" value="1"' in client.get(url).get_data(as_text=True)
    data = {"competency": "0", "version": "1"}
    assert client.post(url, data={**data, "title": "Speak up twice a meeting"}).status_code == 302  # the phone
    response = client.post(url, data={**data, "title": "Lead one meeting"})  # the Chromebook, opened before
    assert response.status_code == 409
    page = html.unescape(response.get_data(as_text=True))
    assert "Speak up twice a meeting" in page and "Lead one meeting" in page
    # Her own other save: not "someone else" (a student would think her goal was tampered with).
    assert "You saved this in another tab or window" in page and "Saved by you" in page
    assert "Someone else" not in page
    db.session.expire_all()
    from cbl.assessment.models import LearningGoal

    assert db.session.get(LearningGoal, goal.id).title == "Speak up twice a meeting"


def test_saving_an_activity_a_teammate_removed_meanwhile_keeps_the_typed_text(client, auth, team):
    project, maya, leo, _ = team
    question = factories.make_question(project)
    activity = factories.make_activity(project, question)
    services.delete_activity(project, activity.id, maya)
    auth.as_user(leo)
    url = f"/projects/{project.id}/activities/{activity.id}"
    response = client.post(url, data=_activity_form("Measure the roof", "Leo's careful notes.", question.id, 1))
    assert response.status_code == 409
    page = html.unescape(response.get_data(as_text=True))
    assert "removed this while you were editing" in page and "Leo's careful notes." in page
    assert client.get(url).status_code == 404  # only a save in flight gets the form back
    services.restore_activity(project, activity.id)
    assert client.post(url, data=_activity_form("Measure the roof", "Leo's careful notes.", question.id, 1)
                       ).status_code == 302


def test_saving_a_question_a_teammate_removed_meanwhile_keeps_the_typed_text(client, auth, team):
    project, maya, leo, _ = team
    question = factories.make_question(project)
    services.delete_guiding_question(project, question.id, maya)
    auth.as_user(leo)
    response = client.post(f"/projects/{project.id}/questions/{question.id}", data={
        "text": "How much rain falls?", "findings": "Leo's findings.", "version": "1"})
    assert response.status_code == 409
    assert "Leo's findings." in html.unescape(response.get_data(as_text=True))
