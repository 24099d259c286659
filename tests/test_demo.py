"""The demo school that ``make run`` seeds."""

from sqlalchemy import func, select

from cbl.accounts.models import Role, User
from cbl.demo import DEMO_PASSWORD, PARTNER, SCHOOL_ADMIN, SECOND_TEACHER, TEACHER, TEAMS, seed_demo
from cbl.extensions import db
from cbl.mail import outbox
from cbl.projects.models import Phase, PhaseRequest, Project, RequestStatus


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_seed_demo_twice_creates_everything_once(runner):
    first = runner.invoke(args=["seed-demo"])
    assert "Demo school created" in first.output
    counts = {m: _count(m) for m in (User, Project, PhaseRequest)}
    second = runner.invoke(args=["seed-demo"])
    assert "already present" in second.output
    assert {m: _count(m) for m in counts} == counts
    # The district admin, Riverside's principal, two teachers (one per school), the partner.
    assert counts[User] == 5 + sum(len(people) for people in TEAMS.values())


def test_demo_has_a_challenge_under_way_with_a_request_waiting():
    seed_demo()
    phases = {p.team.name: p.phase for p in db.session.scalars(select(Project))}
    assert phases == {"Rain Catchers": Phase.INVESTIGATE, "Tap Detectives": Phase.ENGAGE}
    pending = db.session.scalars(select(PhaseRequest).where(PhaseRequest.status == RequestStatus.PENDING)).all()
    assert [r.project.team.name for r in pending] == ["Tap Detectives"]


def test_every_demo_account_signs_in_and_sees_its_home(client):
    seed_demo()
    emails = [TEACHER[0], PARTNER[0], "admin@riverside.example", SCHOOL_ADMIN[0], SECOND_TEACHER[0]] + \
        [p[0] for ps in TEAMS.values() for p in ps]
    for email in emails:
        response = client.post("/login", data={"email": email, "password": DEMO_PASSWORD}, follow_redirects=True)
        assert response.status_code == 200, email
        user = db.session.scalar(select(User).where(User.email == email))
        assert user.first_name in response.get_data(as_text=True)
        client.post("/logout")


def test_demo_pages_render_for_their_people(client):
    seed_demo()
    project = db.session.scalar(select(Project).where(Project.team.has(name="Rain Catchers")))
    classroom_id = project.team.classroom_id
    client.post("/login", data={"email": TEACHER[0], "password": DEMO_PASSWORD})
    for url in (f"/classes/{classroom_id}/board", f"/classes/{classroom_id}", "/home",
                *(f"/projects/{project.id}?phase={p.value}" for p in Phase)):
        assert client.get(url).status_code == 200, url
    client.post("/logout")
    client.post("/login", data={"email": "maya@riverside.example", "password": DEMO_PASSWORD})
    for url in ("/home", f"/classes/{classroom_id}", *(f"/projects/{project.id}?phase={p.value}" for p in Phase)):
        assert client.get(url).status_code == 200, url
    assert db.session.scalar(select(User).where(User.role == Role.ADMIN)) is not None


def test_demo_school_mails_guests_in_its_own_name(app, client):
    """A newcomer who invites a family in the demo sees the mail a parent would trust: it names
    the school and comes from the school's office, not from "CBL Tracker <no-reply@localhost>"."""
    app.config["MAIL_BACKEND"] = "memory"
    seed_demo()
    client.post("/login", data={"email": "maya@riverside.example", "password": DEMO_PASSWORD})
    project = db.session.scalar(select(Project).where(Project.team.has(name="Rain Catchers")))
    response = client.post(f"/projects/{project.id}/invite", query_string={"kind": "family"},
                           data={"email": "chen.family@example.com", "projects": [project.id]})
    assert response.status_code == 302
    mail = outbox()[-1]
    assert mail["From"] == "Riverside Middle School <office@riverside.example>"
    assert "Riverside Middle School" in mail["Subject"] and "Riverside Middle School" in mail.get_content()


def test_a_guest_sign_in_link_names_the_school_too(app, client):
    """The sign-in link a guest asks for is signed by the school, like the invitation."""
    app.config["MAIL_BACKEND"] = "memory"
    seed_demo()
    assert client.post("/login/link", data={"email": PARTNER[0]}).status_code in (200, 302)
    mail = outbox()[-1]
    assert mail["To"] == PARTNER[0] and "Sent for Riverside Middle School" in mail.get_content()


def test_demo_is_a_district_whose_principal_sees_only_her_school(client):
    """Riverside's principal finds Riverside's class and not Hillcrest's; the district admin both."""
    seed_demo()
    client.post("/login", data={"email": SCHOOL_ADMIN[0], "password": DEMO_PASSWORD})
    page = client.get("/classes").get_data(as_text=True)
    assert "Grade 8 Science" in page and "Grade 10 Biology" not in page
    client.post("/logout")
    client.post("/login", data={"email": "admin@riverside.example", "password": DEMO_PASSWORD})
    page = client.get("/classes").get_data(as_text=True)
    assert "Grade 8 Science" in page and "Grade 10 Biology" in page
    assert "Riverside Middle School" in page and "Hillcrest High School" in page
