from tests import factories


def test_home_redirects_signed_in_student_to_projects(client, auth):
    student = factories.make_user("student")
    auth.as_user(student)
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/home")
