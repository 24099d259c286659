"""The class board and the project page run a fixed number of queries, however many teams."""

import pytest

from cbl.extensions import db
from cbl.portfolio.models import Entry
from cbl.projects.models import ChangeKind, Phase, PhaseChange
from tests import factories

# Includes the one query every signed-in page runs for the navigation's unread-notification count,
# and on the project page one for its feedback counts and one for the guests who can see it.
BUDGET = 16


def _class_with_teams(n_teams: int):
    teacher = factories.make_user("teacher")
    classroom = factories.make_classroom(teacher)
    challenge = factories.make_challenge(classroom)
    projects = []
    for i in range(n_teams):
        members = [factories.make_user("student") for _ in range(3)]
        team = factories.make_team(classroom, *members)
        project = factories.make_project(team, challenge, phase=list(Phase)[i % 3])
        questions = [factories.make_question(project, f"Question {j}?") for j in range(3)]
        factories.make_activity(project, *questions[:2])
        factories.make_candidate(project)
        if project.phase is not Phase.ACT:
            factories.make_request(project, members[0])
        db.session.add(PhaseChange(project_id=project.id, from_phase=Phase.ENGAGE, to_phase=project.phase,
                                   kind=ChangeKind.APPROVED, actor_id=teacher.id))
        projects.append(project)
    db.session.commit()
    return teacher, classroom, projects


def _count(client, url, queries) -> int:
    client.get(url)  # warm: the first request of an app compiles templates
    with queries() as counter:
        response = client.get(url)
    assert response.status_code == 200
    return counter.count


@pytest.mark.parametrize("page", ["board", "project"])
def test_page_queries_do_not_grow_with_the_number_of_teams(app, auth, queries, page):
    counts = []
    for n_teams in (2, 20):
        teacher, classroom, projects = _class_with_teams(n_teams)
        client = app.test_client()
        type(auth)(client).as_user(teacher)
        url = f"/classes/{classroom.id}/board" if page == "board" else f"/projects/{projects[1].id}"
        counts.append(_count(client, url, queries))
    assert counts[0] == counts[1], counts
    assert counts[1] <= BUDGET, counts


def test_project_page_queries_do_not_grow_with_its_questions(app, auth, queries):
    teacher, classroom, projects = _class_with_teams(1)
    project = projects[0]
    client = app.test_client()
    type(auth)(client).as_user(teacher)
    url = f"/projects/{project.id}?phase=investigate"
    before = _count(client, url, queries)
    more = [factories.make_question(project, f"Extra {i}?") for i in range(15)]
    for question in more[:-1:3]:
        factories.make_activity(project, question, more[-1])
    assert _count(client, url, queries) == before


def test_portfolio_timeline_queries_do_not_grow_with_its_entries(app, auth, queries):
    teacher, classroom, projects = _class_with_teams(1)
    project = projects[0]
    author = project.team.memberships[0].user
    client = app.test_client()
    type(auth)(client).as_user(teacher)
    counts = []
    for n in (2, 12):
        while len(project_entries := db.session.scalars(
                db.select(Entry).where(Entry.project_id == project.id)).all()) < n:
            factories.make_entry(project, author, title=f"Entry {len(project_entries)}", photo=True)
        counts.append(_count(client, f"/projects/{project.id}/portfolio", queries))
    assert counts[0] == counts[1] and counts[1] <= BUDGET, counts
