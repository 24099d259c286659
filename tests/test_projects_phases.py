"""Moving a project through Engage, Investigate and Act, with the teacher signing off."""

import html

import pytest
from sqlalchemy import select

from cbl.extensions import db
from cbl.projects.models import ChangeKind, Phase, PhaseChange, PhaseRequest, Project, RequestStatus
from tests import factories


@pytest.fixture
def world():
    teacher = factories.make_user("teacher", name="Ana Rivera")
    classroom = factories.make_classroom(teacher)
    noah, sofia = factories.make_user("student", name="Noah Williams"), factories.make_user("student", name="Sofía García")
    team = factories.make_team(classroom, noah, sofia, name="Tap Detectives")
    project = factories.make_project(team)
    return project, noah, teacher


def _project(project) -> Project:
    db.session.expire_all()
    return db.session.get(Project, project.id)


def _pending(project) -> PhaseRequest | None:
    db.session.expire_all()
    return db.session.scalar(select(PhaseRequest).where(PhaseRequest.project_id == project.id,
                                                        PhaseRequest.status == RequestStatus.PENDING))


def test_team_goes_from_engage_to_act_with_the_teachers_approvals(app, client, auth, world):
    project, noah, teacher = world
    teacher_client = app.test_client()
    type(auth)(teacher_client).as_user(teacher)
    auth.as_user(noah)
    for target in (Phase.INVESTIGATE, Phase.ACT):
        assert client.post(f"/projects/{project.id}/phase/request", data={"note": "Ready!"}).status_code == 302
        assert _project(project).phase is not target  # waits for the teacher
        board = teacher_client.get(f"/classes/{project.team.classroom_id}/board").get_data(as_text=True)
        assert "Asks to move to" in board and "Ready!" in board
        request = _pending(project)
        response = teacher_client.post(f"/phase-requests/{request.id}/decide",
                                       data={"decision": "approve", "comment": "Go on"})
        assert response.status_code == 302
        assert _project(project).phase is target
    page = html.unescape(client.get(f"/projects/{project.id}").get_data(as_text=True))
    assert "Ana Rivera approved the move from Engage to Investigate." in page
    assert "Ana Rivera approved the move from Investigate to Act." in page
    assert "This is the last phase." in page


def test_returned_request_keeps_the_phase_and_the_teachers_comment(app, client, auth, world):
    project, noah, teacher = world
    request = factories.make_request(project, noah)
    auth.as_user(teacher)
    no_comment = client.post(f"/phase-requests/{request.id}/decide", data={"decision": "return", "comment": ""})
    assert no_comment.status_code == 302
    assert _pending(project) is not None  # a return needs a comment
    client.post(f"/phase-requests/{request.id}/decide", data={"decision": "return", "comment": "Sharpen the question."})
    assert _pending(project) is None
    db.session.expire_all()
    returned = db.session.get(PhaseRequest, request.id)
    assert returned.status is RequestStatus.RETURNED and returned.response == "Sharpen the question."
    assert _project(project).phase is Phase.ENGAGE


def test_a_decided_request_cannot_be_decided_again(client, auth, world):
    project, noah, teacher = world
    request = factories.make_request(project, noah)
    auth.as_user(teacher)
    client.post(f"/phase-requests/{request.id}/decide", data={"decision": "approve"})
    follow = client.post(f"/phase-requests/{request.id}/decide", data={"decision": "approve"}, follow_redirects=True)
    assert "This request was already answered." in follow.get_data(as_text=True)
    assert _project(project).phase is Phase.INVESTIGATE


def test_only_one_request_waits_at_a_time(client, auth, world):
    project, noah, _ = world
    auth.as_user(noah)
    client.post(f"/projects/{project.id}/phase/request", data={})
    again = client.post(f"/projects/{project.id}/phase/request", data={}, follow_redirects=True)
    assert "already asked to move on" in again.get_data(as_text=True)
    assert db.session.scalar(select(db.func.count()).select_from(PhaseRequest)) == 1


def test_team_can_withdraw_its_request(client, auth, world):
    project, noah, _ = world
    factories.make_request(project, noah)
    auth.as_user(noah)
    assert client.post(f"/projects/{project.id}/phase/withdraw").status_code == 302
    assert _pending(project) is None


def test_class_that_lets_teams_advance_freely_moves_at_once(client, auth, world):
    project, noah, _ = world
    project.team.classroom.teams_advance_freely = True
    db.session.commit()
    auth.as_user(noah)
    client.post(f"/projects/{project.id}/phase/request", data={"note": "Done with Engage"})
    assert _project(project).phase is Phase.INVESTIGATE
    change = db.session.scalar(select(PhaseChange))
    assert change.kind is ChangeKind.ADVANCED and change.reason == "Done with Engage"


def test_team_steps_back_with_a_reason_kept_in_the_history(client, auth, world):
    project, noah, _ = world
    project.phase = Phase.INVESTIGATE
    db.session.commit()
    factories.make_request(project, noah)  # moot once they step back
    auth.as_user(noah)
    no_reason = client.post(f"/projects/{project.id}/phase/back", data={"to_phase": "engage", "reason": ""})
    assert no_reason.status_code == 400 and _project(project).phase is Phase.INVESTIGATE
    not_earlier = client.post(f"/projects/{project.id}/phase/back", data={"to_phase": "act", "reason": "x"})
    assert not_earlier.status_code == 400
    response = client.post(f"/projects/{project.id}/phase/back",
                           data={"to_phase": "engage", "reason": "Our interviews changed our question."})
    assert response.status_code == 302
    assert _project(project).phase is Phase.ENGAGE
    assert _pending(project) is None
    page = html.unescape(client.get(f"/projects/{project.id}").get_data(as_text=True))
    assert "took the project back from Investigate to Engage" in page
    assert "Our interviews changed our question." in page


def test_the_last_phase_has_no_next(client, auth, world):
    project, noah, _ = world
    project.phase = Phase.ACT
    db.session.commit()
    auth.as_user(noah)
    response = client.post(f"/projects/{project.id}/phase/request", data={}, follow_redirects=True)
    assert "Act is the last phase" in response.get_data(as_text=True)


def test_teacher_cannot_ask_and_student_cannot_approve(client, auth, world):
    project, noah, teacher = world
    request = factories.make_request(project, noah)
    auth.as_user(teacher)
    assert client.post(f"/projects/{project.id}/phase/request", data={}).status_code == 403
    auth.as_user(noah)
    assert client.post(f"/phase-requests/{request.id}/decide", data={"decision": "approve"}).status_code == 403
    assert _project(project).phase is Phase.ENGAGE


def test_teacher_of_another_class_sees_no_request(client, auth, world):
    project, noah, _ = world
    request = factories.make_request(project, noah)
    stranger = factories.make_user("teacher")
    factories.make_classroom(stranger)
    auth.as_user(stranger)
    assert client.post(f"/phase-requests/{request.id}/decide", data={"decision": "approve"}).status_code == 404
    assert client.post("/phase-requests/999999/decide", data={"decision": "approve"}).status_code == 404
    assert _pending(project) is not None


def test_bad_decision_value_changes_nothing(client, auth, world):
    project, noah, teacher = world
    request = factories.make_request(project, noah)
    auth.as_user(teacher)
    response = client.post(f"/phase-requests/{request.id}/decide", data={"decision": "explode"}, follow_redirects=True)
    assert response.status_code == 200
    assert "Choose approve or return." in response.get_data(as_text=True)
    assert _pending(project) is not None


def test_team_sees_why_its_request_was_returned_until_it_asks_again(client, auth, world):
    project, noah, teacher = world
    request = factories.make_request(project, noah)
    auth.as_user(teacher)
    client.post(f"/phase-requests/{request.id}/decide", data={"decision": "return", "comment": "Ask a neighbour first."})
    auth.as_user(noah)
    assert "Ask a neighbour first." in client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "Ask a neighbour first." in client.get("/home").get_data(as_text=True)
    client.post(f"/projects/{project.id}/phase/request", data={"note": "Done"})
    assert "Ask a neighbour first." not in client.get(f"/projects/{project.id}").get_data(as_text=True)
