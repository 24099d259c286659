"""Words a visitor understands, and links that keep their promise: a refusal says what was
refused; the audit log names its objects and tells details in words; and no page shows a
link its visitor may not follow (for each role, the links of the pages they reach never
answer 403)."""

import html
import re
from urllib.parse import urljoin, urlsplit

import pytest
from sqlalchemy import select

from cbl.accounts.models import User
from cbl.demo import ADMIN, PARTNER, SCHOOL_ADMIN, TEACHER, TEAMS, seed_demo
from cbl.extensions import db

# Links that are not pages to read (signing out, downloads the walk need not fetch whole).
SKIP = re.compile(r"^/(logout|static/|attachments/|files/)|\.zip$")
MAX_PAGES = 120


def _links(page: str, base: str) -> list[str]:
    found = []
    for href in re.findall(r'<a [^>]*href="([^"#]+)', page):
        url = urljoin(base, html.unescape(href))
        parts = urlsplit(url)
        if parts.netloc and parts.netloc != "localhost":
            continue
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if path.startswith("/") and not SKIP.search(parts.path):
            found.append(path)
    return found


def _walk(client) -> tuple[dict[str, list[str]], dict[str, str]]:
    """Every page reachable by links from home (up to MAX_PAGES): the refused paths (with the
    page linking each), and the forms that post (action -> a page showing it)."""
    seen, queue, refused, forms = {"/home"}, ["/home"], {}, {}
    linked_from: dict[str, str] = {}
    while queue and len(seen) <= MAX_PAGES:
        path = queue.pop(0)
        response = client.get(path)
        if response.status_code == 403:
            refused.setdefault(path, []).append(linked_from.get(path, "?"))
            continue
        if response.status_code != 200 or not response.mimetype.startswith("text/html"):
            continue
        page = response.get_data(as_text=True)
        for tag in re.findall(r'<form[^>]*method="post"[^>]*>', page):
            action = re.search(r'action="([^"]+)"', tag)
            if action:
                forms.setdefault(urlsplit(urljoin("http://localhost" + path, html.unescape(action.group(1)))).path,
                                 path)
        for link in _links(page, "http://localhost" + path):
            if link not in seen:
                seen.add(link)
                linked_from[link] = path
                queue.append(link)
    return refused, forms


@pytest.mark.parametrize("email", [TEACHER[0], ADMIN[0], SCHOOL_ADMIN[0], PARTNER[0], TEAMS["Rain Catchers"][0][0],
                                   TEAMS["Tap Detectives"][0][0]])
def test_no_link_or_form_answers_403(app, auth, email):
    """What a page offers, its visitor may use: links open, and a form sent (empty: it may be
    refused as incomplete, 400, but not as forbidden) is not answered 403."""
    seed_demo()
    user = db.session.scalar(select(User).where(User.email == email))
    client = app.test_client()
    type(auth)(client).as_user(user)
    refused, forms = _walk(client)
    assert refused == {}
    refused_forms = {}
    # Archiving makes a project read-only, and then its editors rightly answer 403: the forms that
    # end something (archive, delete) are sent after every other.
    ending = ("/archive", "/delete")
    for action, shown_on in sorted(forms.items(), key=lambda item: any(word in item[0] for word in ending)):
        if action == "/logout":
            continue
        if client.post(action, data={}).status_code == 403:
            refused_forms[action] = shown_on
        type(auth)(client).as_user(user)  # in case the form ended the session
    assert refused_forms == {}


# --- a refusal says what was refused ------------------------------------------------------------

def test_403_page_says_what_was_refused(app, auth):
    from tests import factories

    teacher, admin = factories.make_user("teacher"), factories.make_user("admin")
    classroom = factories.make_classroom(teacher)
    maya = factories.make_user("student")
    factories.enrol(classroom, maya)
    project = factories.make_project(factories.make_team(classroom, maya), factories.make_challenge(classroom))
    rubric = factories.make_grading_rubric()
    assessment = factories.make_grading_assessment(project, rubric, teacher)
    client = app.test_client()
    type(auth)(client).as_user(admin)
    response = client.post(f"/assessments/{assessment.id}/release")
    assert response.status_code == 403
    assert "You can't release assessments in this class." in html.unescape(response.get_data(as_text=True))
    type(auth)(client).as_user(maya)
    response = client.get(f"/classes/{classroom.id}/board")
    assert response.status_code == 403
    assert "The class board is for the class's teachers." in html.unescape(response.get_data(as_text=True))
    # In the reader's language too.
    response = client.get(f"/classes/{classroom.id}/board", headers={"Accept-Language": "es"})
    assert "The class board is for the class's teachers." not in html.unescape(response.get_data(as_text=True))


# --- the audit log names its objects and tells details in words -----------------------------------

def test_audit_log_names_objects_with_links_and_details_in_words(app, auth):
    from cbl import audit
    from tests import factories

    teacher = factories.make_user("teacher")
    classroom = factories.make_classroom(teacher, name="Science 7B")
    maya = factories.make_user("student")
    project = factories.make_project(factories.make_team(classroom, maya, name="Rain Catchers"),
                                     factories.make_challenge(classroom, title="Clean water"))
    partner = factories.make_user("partner", name="Jordan Kim")
    audit.record(audit.Action.PARTNER_VIEW, actor_id=partner.id, classroom_id=classroom.id,
                 object_type="project", object_id=project.id)
    audit.record(audit.Action.MASTERY_SETTINGS_CHANGED, actor_id=teacher.id, classroom_id=classroom.id,
                 object_type="classroom", object_id=classroom.id,
                 detail="decaying_average, weight 0.65, 4 times, proficient 3, other voices do not count")
    audit.record(audit.Action.INVITATION_SENT, actor_id=teacher.id, classroom_id=classroom.id,
                 object_type="invitation", object_id=999, detail="family: mum@home.example")
    db.session.commit()
    client = app.test_client()
    type(auth)(client).as_user(teacher)
    page = html.unescape(client.get("/audit").get_data(as_text=True))
    assert f'<a href="/projects/{project.id}">project Clean water · Rain Catchers</a>' in page
    assert f'<a href="/classes/{classroom.id}">class Science 7B</a>' in page
    assert "Method: Decaying average; newest weight 0.65" in page and "Only teachers' assessments count." in page
    assert "decaying_average" not in page
    assert "As family: mum@home.example" in page
    assert re.search(r">\s*project\s*#", page) is None


# --- rubric descriptions are markdown -----------------------------------------------------------

def test_rubric_descriptions_render_as_markdown(app, auth):
    from cbl.assessment.models import Descriptor
    from tests import factories

    teacher = factories.make_user("teacher")
    rubric = factories.make_rubric(teacher)
    rubric.description = "Use **two** sources"
    descriptor = db.session.scalars(select(Descriptor)).first()
    descriptor.text = "Names *one* source"
    db.session.commit()
    client = app.test_client()
    type(auth)(client).as_user(teacher)
    page = client.get(f"/rubrics/{rubric.id}").get_data(as_text=True)
    assert "<strong>two</strong>" in page and "<em>one</em>" in page
    assert "**" not in page
