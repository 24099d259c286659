"""A student's school id (the school's own number for them): set by an admin or their
teacher, unique in the installation, and carried by the gradebook (issue 10, item 16)."""

import html
import re

from sqlalchemy import select

from cbl.accounts.models import User
from cbl.extensions import db
from tests import factories


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def test_an_admin_creates_a_student_with_a_school_id_and_a_taken_one_is_refused_at_its_field(client, auth):
    auth.as_user(factories.make_user("admin"))
    data = {"email": "leo@school.example", "display_name": "Leo Martins", "role": "student",
            "password": "a long password 1", "school_id": " RMS-0007 "}
    assert client.post("/admin/users", data=data).status_code == 302
    assert db.session.scalar(select(User).where(User.email == "leo@school.example")).school_id == "RMS-0007"
    response = client.post("/admin/users", data={**data, "email": "leo2@school.example"})
    assert response.status_code == 400
    assert "Another account already has this school id." in _text(response)
    assert re.search(r'name="school_id"[^>]*value=" RMS-0007 "', _text(response))  # what was typed is kept
    assert db.session.scalar(select(User).where(User.email == "leo2@school.example")) is None


def test_a_teacher_sets_a_student_school_id_with_the_name(client, auth):
    teacher = factories.make_user("teacher")
    classroom = factories.make_classroom(teacher)
    maya, priya = factories.make_user("student", name="Maya Chen"), factories.make_user("student")
    factories.enrol(classroom, maya)
    factories.enrol(classroom, priya)
    priya.school_id = "RMS-0100"
    db.session.commit()
    auth.as_user(teacher)
    assert client.post(f"/people/{maya.id}/name", data={"display_name": "Maya Chen",
                                                           "school_id": "RMS-0099"}).status_code == 302
    assert db.session.get(User, maya.id).school_id == "RMS-0099"
    response = client.post(f"/people/{maya.id}/name", data={"display_name": "Maya Chen", "school_id": "RMS-0100"})
    assert response.status_code == 400 and "Another account already has this school id." in _text(response)
    assert db.session.get(User, maya.id).school_id == "RMS-0099"
