"""Schools within a district (issue 11, item 6): a school admin runs their own school and no
other, terms of a school or the district, the end of a term, the school's name to outsiders,
and an existing installation becoming one school."""

import html
from datetime import timedelta

import pytest
from sqlalchemy import select

from cbl.accounts.models import Role
from cbl.audit import Action, AuditEvent
from cbl.dbtypes import utcnow
from cbl.extensions import db
from cbl.mail import outbox
from cbl.portfolio.models import Publication, PublicationStatus
from cbl.school import save_settings
from cbl.schools.models import School, SchoolMember, Term
from cbl.teams.models import Classroom
from tests import factories
from tests.test_database import fresh_database  # noqa: F401  (a fixture)


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


@pytest.fixture
def district():
    """Two schools: A (teacher_a, student_a, class_a; its admin) and B (teacher_b, student_b,
    class_b; its admin), and the district admin."""
    teacher_a, teacher_b = factories.make_user(Role.TEACHER, name="Ana Rivera"), \
        factories.make_user(Role.TEACHER, name="Omar Haddad")
    student_a, student_b = factories.make_user(Role.STUDENT, name="Maya Chen"), \
        factories.make_user(Role.STUDENT, name="Ben Stone")
    class_a = factories.make_classroom(teacher_a, name="Grade 8 Science")
    class_b = factories.make_classroom(teacher_b, name="Grade 10 Biology")
    factories.enrol(class_a, student_a)
    factories.enrol(class_b, student_b)
    admin_a, admin_b = factories.make_user(Role.SCHOOL_ADMIN, name="Dana Brooks"), \
        factories.make_user(Role.SCHOOL_ADMIN, name="Lee Park")
    school_a = factories.make_school("Riverside Middle School", members=[admin_a, teacher_a, student_a],
                                     classrooms=[class_a])
    school_b = factories.make_school("Hillcrest High School", members=[admin_b, teacher_b, student_b],
                                     classrooms=[class_b])
    district_admin = factories.make_user(Role.ADMIN, name="Sam Okafor")
    return {"school_a": school_a, "school_b": school_b, "class_a": class_a, "class_b": class_b,
            "teacher_a": teacher_a, "teacher_b": teacher_b, "student_a": student_a, "student_b": student_b,
            "admin_a": admin_a, "admin_b": admin_b, "district_admin": district_admin}


# --- a school admin within their school, the district admin everywhere ------------------------------

def test_a_school_admin_does_not_find_another_schools_classes_or_people(client, auth, district):
    d = district
    auth.as_user(d["admin_a"])
    assert client.get(f"/classes/{d['class_a'].id}").status_code == 200
    assert client.get(f"/classes/{d['class_a'].id}/settings").status_code == 200
    for url in (f"/classes/{d['class_b'].id}", f"/classes/{d['class_b'].id}/settings",
                f"/classes/{d['class_b'].id}/board", f"/admin/schools/{d['school_b'].id}"):
        assert client.get(url).status_code == 404, url
    classes = _text(client.get("/classes"))
    assert "Grade 8 Science" in classes and "Grade 10 Biology" not in classes
    people = _text(client.get("/admin/users"))
    assert "Maya Chen" in people and "Ana Rivera" in people
    assert "Ben Stone" not in people and "Omar Haddad" not in people and "Sam Okafor" not in people
    # Acting on them is refused as for an unknown id, and changes nothing.
    assert client.post(f"/admin/users/{d['student_b'].id}/active", data={}).status_code == 404
    assert client.post(f"/classes/{d['class_b'].id}/archive", data={}).status_code == 404
    db.session.expire_all()
    assert d["student_b"].active and not d["class_b"].archived
    # Within their own school they act.
    assert client.post(f"/admin/users/{d['student_a'].id}/active", data={}).status_code == 302
    db.session.expire_all()
    assert not d["student_a"].active


def test_the_district_admin_sees_and_acts_in_every_school(client, auth, district):
    d = district
    auth.as_user(d["district_admin"])
    for classroom in (d["class_a"], d["class_b"]):
        assert client.get(f"/classes/{classroom.id}").status_code == 200
    people = _text(client.get("/admin/users"))
    assert "Maya Chen" in people and "Ben Stone" in people and "Dana Brooks" in people
    assert client.post(f"/admin/users/{d['student_b'].id}/active", data={}).status_code == 302
    db.session.expire_all()
    assert not d["student_b"].active


def test_a_school_admin_renames_their_school_and_only_the_district_admin_adds_schools(client, auth, district):
    d = district
    auth.as_user(d["admin_a"])
    page = _text(client.get("/admin/schools"))
    assert "Riverside Middle School" in page and "Hillcrest High School" not in page
    response = client.post(f"/admin/schools/{d['school_a'].id}", data={"name": "Riverside Middle"})
    assert response.status_code == 302
    assert client.post("/admin/schools", data={"name": "Mine"}).status_code == 403
    assert client.post(f"/admin/schools/{d['school_b'].id}", data={"name": "Taken over"}).status_code == 404
    db.session.expire_all()
    assert d["school_a"].name == "Riverside Middle" and d["school_b"].name == "Hillcrest High School"

    auth.as_user(d["district_admin"])
    assert client.post("/admin/schools", data={"name": "Lakeside Elementary", "identifier": "LES"}).status_code == 302
    lakeside = db.session.scalar(select(School).where(School.name == "Lakeside Elementary"))
    teacher = factories.make_user(Role.TEACHER, email="pat@lakeside.example")
    response = client.post(f"/admin/schools/{lakeside.id}/admins", data={"person": "PAT@lakeside.example"})
    assert response.status_code == 302
    db.session.expire_all()
    assert teacher.role is Role.SCHOOL_ADMIN
    assert db.session.scalar(select(SchoolMember).where(SchoolMember.user_id == teacher.id)).school_id == lakeside.id
    # The role change is in the audit log, naming the school.
    from cbl.audit import Action, AuditEvent
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == Action.ACCOUNT_EDITED,
                                                       AuditEvent.object_id == teacher.id))
    assert event is not None and "school_admin" in event.detail and lakeside.name in event.detail
    # A student cannot be made to run a school.
    response = client.post(f"/admin/schools/{lakeside.id}/admins", data={"person": d["student_a"].email})
    assert response.status_code == 400
    assert "Only a teacher or a school administrator can run a school." in _text(response)


def test_a_school_admin_creates_accounts_in_their_school_only(client, auth, district):
    d = district
    auth.as_user(d["admin_a"])
    page = _text(client.get("/admin/users"))
    create_form = page.split('id="new-user"')[1]
    assert 'value="admin"' not in create_form and 'value="school_admin"' not in create_form
    # Nor do they look for district admins, whom they never see.
    assert 'value="admin"' not in page.split('id="new-user"')[0]
    response = client.post("/admin/users", data={"email": "new@riverside.example", "display_name": "Nia Cole",
                                                 "role": "teacher", "password": "a long enough secret",
                                                 "school": d["school_a"].id})
    assert response.status_code == 302
    # Another school, or an admin role: refused at the field, nothing made.
    for data in ({"role": "teacher", "school": d["school_b"].id}, {"role": "admin", "school": d["school_a"].id}):
        response = client.post("/admin/users", data={"email": "x@riverside.example", "display_name": "X",
                                                     "password": "a long enough secret", **data})
        assert response.status_code == 400
    assert "Nia Cole" in _text(client.get("/admin/users"))
    assert "x@riverside.example" not in _text(client.get("/admin/users"))


# --- terms and the end of a term ------------------------------------------------------------------

def test_a_term_ends_after_it_starts(client, auth, district):
    auth.as_user(district["admin_a"])
    response = client.post("/admin/terms/new", data={"title": "Spring 2027", "kind": "term",
                                                     "school": district["school_a"].id,
                                                     "starts_on": "2027-06-01", "ends_on": "2027-01-10"})
    assert response.status_code == 400
    assert "The end date must come after the start date." in _text(response)
    assert db.session.scalar(select(Term)) is None
    response = client.post("/admin/terms/new", data={"title": "Spring 2027", "kind": "semester",
                                                     "school": district["school_a"].id,
                                                     "starts_on": "2027-01-10", "ends_on": "2027-06-01"})
    assert response.status_code == 302
    term = db.session.scalar(select(Term))
    assert term.school_id == district["school_a"].id and term.ends_on.isoformat() == "2027-06-01"
    # A school admin offers only their own schools; the whole district is the district admin's.
    assert client.post("/admin/terms/new", data={"title": "All", "kind": "term", "school": 0}).status_code == 400


def test_the_class_form_offers_the_schools_terms_and_refuses_another_schools_term(client, auth, district):
    d = district
    own = factories.make_term(d["school_a"], "Fall 2026")
    other = factories.make_term(d["school_b"], "Hillcrest Fall")
    whole = factories.make_term(None, "School year 2026")
    auth.as_user(d["teacher_a"])
    page = _text(client.get("/classes/new"))
    assert "Fall 2026" in page and "School year 2026" in page and "Hillcrest Fall" not in page
    base = {"name": "Grade 7 Maths", "term": ""}
    assert client.post("/classes/new", data={**base, "school": d["school_a"].id,
                                             "academic_term": other.id}).status_code == 400
    assert client.post("/classes/new", data={**base, "school": d["school_a"].id,
                                             "academic_term": own.id}).status_code == 302
    made = db.session.scalar(select(Classroom).where(Classroom.name == "Grade 7 Maths"))
    assert made.school_id == d["school_a"].id and made.term_id == own.id and made.term == "Fall 2026"
    # A class of no term keeps its label.
    assert client.post("/classes/new", data={"name": "Club", "term": "Thursdays", "school": d["school_a"].id,
                                             "academic_term": 0}).status_code == 302
    club = db.session.scalar(select(Classroom).where(Classroom.name == "Club"))
    assert club.term_id is None and club.term == "Thursdays"
    assert whole.school_id is None


def test_the_end_of_a_term_archives_exactly_its_classes_in_scope(client, auth, district):
    d = district
    second_a = factories.make_classroom(factories.make_user(Role.TEACHER), name="Grade 8 Art")
    other_term = factories.make_classroom(d["teacher_a"], name="Next term's class")
    term = factories.make_term(None, "Fall 2026")  # a term of the whole district
    for classroom in (d["class_a"], second_a, d["class_b"]):
        classroom.term_id = term.id
    second_a.school_id = d["school_a"].id
    db.session.commit()

    # The teacher: their own class of the term only, after a confirmation page listing it.
    auth.as_user(d["teacher_a"])
    assert f"/terms/{term.id}/archive" in _text(client.get("/classes"))
    page = _text(client.get(f"/terms/{term.id}/archive"))
    assert "Grade 8 Science" in page and "Grade 8 Art" not in page and "Grade 10 Biology" not in page
    db.session.expire_all()
    assert not d["class_a"].archived  # the confirmation page changes nothing
    assert client.post(f"/terms/{term.id}/archive", data={}).status_code == 302
    db.session.expire_all()
    assert d["class_a"].archived and not second_a.archived and not d["class_b"].archived
    assert not other_term.archived

    # School A's admin: the rest of the term in school A, not school B's class.
    auth.as_user(d["admin_a"])
    page = _text(client.get(f"/terms/{term.id}/archive"))
    assert "Grade 8 Art" in page and "Grade 10 Biology" not in page
    assert client.post(f"/terms/{term.id}/archive", data={}).status_code == 302
    db.session.expire_all()
    assert second_a.archived and not d["class_b"].archived and term.archived_at is None

    # Nothing is deleted: the archive lists them and they open, read-only; each one is audited.
    archive = _text(client.get("/archive"))
    assert "Grade 8 Science" in archive and "Grade 8 Art" in archive
    assert client.get(f"/classes/{second_a.id}").status_code == 200
    archived = db.session.scalars(select(AuditEvent.object_id).where(AuditEvent.action == Action.ARCHIVED)).all()
    assert sorted(archived) == sorted([d["class_a"].id, second_a.id])

    # The district admin ends it for school B too; the term is then over.
    auth.as_user(d["district_admin"])
    assert client.post(f"/terms/{term.id}/archive", data={}).status_code == 302
    db.session.expire_all()
    assert d["class_b"].archived and term.archived_at is not None and not other_term.archived


def test_a_teacher_cannot_end_a_term_they_teach_nothing_in(client, auth, district):
    term = factories.make_term(district["school_b"], "Hillcrest Fall", classrooms=[district["class_b"]])
    auth.as_user(district["teacher_a"])
    assert client.get(f"/terms/{term.id}/archive").status_code == 404
    assert client.post(f"/terms/{term.id}/archive", data={}).status_code == 404
    db.session.expire_all()
    assert not district["class_b"].archived


# --- the school's name where outsiders look --------------------------------------------------------

def test_an_invitation_names_the_school_of_its_class(app, client, auth, district):
    app.config["MAIL_BACKEND"] = "memory"
    save_settings("Riverside School District", "", "")
    d = district
    team = factories.make_team(d["class_b"], d["student_b"])
    project = factories.make_project(team, factories.make_challenge(d["class_b"]))
    auth.as_user(d["teacher_b"])
    response = client.post(f"/projects/{project.id}/invite", data={"email": "guest@example.com",
                                                                   "projects": [project.id]})
    assert response.status_code == 302
    mail = outbox()[-1]
    assert "Hillcrest High School" in mail["Subject"] and "Hillcrest High School" in mail.get_content()
    assert "Riverside" not in mail.get_content()


def test_a_guests_sign_in_link_names_the_school_of_the_project_shared_with_them(app, client, district):
    app.config["MAIL_BACKEND"] = "memory"
    save_settings("Riverside School District", "", "")
    d = district
    project = factories.make_project(factories.make_team(d["class_b"], d["student_b"]),
                                     factories.make_challenge(d["class_b"]))
    partner = factories.make_user(Role.PARTNER, email="guest@example.com")
    factories.grant_partner(project, partner)
    assert client.post("/login/link", data={"email": "guest@example.com"}).status_code in (200, 302)
    mail = outbox()[-1]
    assert mail["To"] == "guest@example.com" and "Sent for Hillcrest High School" in mail.get_content()


def test_a_digest_names_the_school_of_its_reader(app, district):
    from cbl.notifications.models import DigestChoice, NotificationKind
    from cbl.notifications.services import notify, send_digests, set_preference

    app.config["MAIL_BACKEND"] = "memory"
    save_settings("Riverside School District", "", "")
    notify([district["student_b"].id], NotificationKind.PHASE_APPROVED, url="/home")
    db.session.commit()
    set_preference(district["student_b"], DigestChoice.DAILY)
    send_digests(utcnow() + timedelta(minutes=1))
    [mail] = [m for m in outbox() if m["To"] == district["student_b"].email]
    assert "Sent for Hillcrest High School" in mail.get_content()


def test_a_showcase_story_names_the_school_of_its_class(client, district):
    d = district
    team = factories.make_team(d["class_b"], d["student_b"])
    project = factories.make_project(team, factories.make_challenge(d["class_b"]))
    db.session.add(Publication(project_id=project.id, status=PublicationStatus.PUBLISHED,
                               published_at=utcnow() + timedelta(seconds=1)))
    db.session.commit()
    page = _text(client.get(f"/showcase/{project.id}"))
    assert "Hillcrest High School" in page and "Riverside Middle School" not in page
    assert "Hillcrest High School" in _text(client.get("/showcase"))


def test_a_class_of_no_school_falls_back_to_the_installation_name(app, client, auth):
    app.config["MAIL_BACKEND"] = "memory"
    save_settings("Riverside School District", "", "")
    teacher = factories.make_user(Role.TEACHER)
    classroom = factories.make_classroom(teacher)
    student = factories.make_user(Role.STUDENT)
    project = factories.make_project(factories.make_team(classroom, student), factories.make_challenge(classroom))
    auth.as_user(teacher)
    client.post(f"/projects/{project.id}/invite", data={"email": "guest@example.com", "projects": [project.id]})
    assert "Riverside School District" in outbox()[-1].get_content()


# --- an existing installation becomes one school ----------------------------------------------------

def test_the_migration_puts_every_class_and_person_in_one_school(fresh_database):  # noqa: F811
    from alembic.script import ScriptDirectory
    from flask_migrate import upgrade

    from tests.conftest import make_app
    from tests.migration_rows import insert_row

    app = make_app(fresh_database)
    with app.app_context():
        scripts = ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config())
        upgrade(revision=scripts.get_revision("b7d2f4a91c35").down_revision)
        connection = db.session.connection()
        insert_row(connection, "school_settings", id=1, name="Maple Grove School", sender_name="", sender_email="")
        teacher = insert_row(connection, "user", role="teacher", email="t@example.org")
        students = [insert_row(connection, "user", role="student", email=f"s{n}@example.org") for n in range(2)]
        partner = insert_row(connection, "user", role="partner", email="p@example.org")
        insert_row(connection, "user", role="admin", email="a@example.org")
        classes = [insert_row(connection, "classroom", join_code=f"CODE{n}") for n in range(2)]
        db.session.commit()
        db.session.remove()
        upgrade()
        schools = db.session.execute(select(School.id, School.name)).all()
        placed = db.session.execute(select(Classroom.id, Classroom.school_id)).all()
        members = set(db.session.scalars(select(SchoolMember.user_id)))
        db.session.remove()
        db.engine.dispose()
    [(school_id, name)] = schools
    assert name == "Maple Grove School"
    assert sorted(placed) == sorted((c, school_id) for c in classes)
    assert members == {teacher, *students}
    assert partner not in members


def test_the_migration_names_a_school_of_no_name_our_school(fresh_database):  # noqa: F811
    from alembic.script import ScriptDirectory
    from flask_migrate import upgrade

    from tests.conftest import make_app
    from tests.migration_rows import insert_row

    app = make_app(fresh_database)
    with app.app_context():
        scripts = ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config())
        upgrade(revision=scripts.get_revision("b7d2f4a91c35").down_revision)
        insert_row(db.session.connection(), "classroom", join_code="CODE1")
        db.session.commit()
        db.session.remove()
        upgrade()
        names = db.session.scalars(select(School.name)).all()
        db.session.remove()
        db.engine.dispose()
    assert names == ["Our school"]
