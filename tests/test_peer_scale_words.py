"""The default contribution scale reads in each student's language (issue 10, points 14 and 19).

It is stored in its teacher's language (the teacher edits those words), but while a question or
a level name is still the one shipped, every reader sees it in their own language: a Spanish
student in an English teacher's class is not asked "Did their share of the work". Words a
teacher wrote are shown as written."""

import html

import pytest

from cbl.extensions import db
from tests.conftest import Auth
from tests.test_peer_contribution import _peer_url, _scale, school  # noqa: F401  (the fixture)


def _page(app, user, language: str, url: str) -> str:
    client = app.test_client()
    Auth(client).as_user(user)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    return html.unescape(client.get(url).get_data(as_text=True))


@pytest.mark.parametrize(("teacher_language", "reader_language", "expected", "not_expected"), [
    ("en", "es", ("Hizo su parte del trabajo", "Casi nunca", "Siempre"), ("Did their share of the work", "Rarely")),
    ("es", "en", ("Did their share of the work", "Rarely", "Always"), ("Hizo su parte del trabajo", "Casi nunca")),
])
def test_the_shipped_scale_reads_in_the_students_language(app, school, teacher_language, reader_language,
                                                         expected, not_expected):
    school["teacher"].locale = teacher_language
    db.session.commit()
    page = _page(app, school["ana"], reader_language, _peer_url(school))
    for words in expected:
        assert words in page
    for words in not_expected:
        assert words not in page
    stored = _scale(school)  # still the teacher's words, in the teacher's language
    assert stored.criteria[0].title == ("Did their share of the work" if teacher_language == "en"
                                        else "Hizo su parte del trabajo")


def test_words_the_teacher_wrote_are_shown_as_written(app, school):
    school["teacher"].locale = "en"
    db.session.commit()
    teacher = app.test_client()
    Auth(teacher).as_user(school["teacher"])
    saved = teacher.post(f"/challenges/{school['challenge'].id}/peer-scale",
                         data={"questions": "Kept the log\nDid their share of the work", "levels": "Not yet\nAlways"})
    assert saved.status_code == 302
    page = _page(app, school["ana"], "es", _peer_url(school))
    assert "Kept the log" in page and "Not yet" in page
    assert "Hizo su parte del trabajo" in page and "Siempre" in page  # the shipped ones still translated

