"""Importing a CASE framework that is here already updates it after a preview (issue 10
point 12): new items added, changed ones updated, missing ones retired — retired items are no
longer offered, but the tags, evidence and rubric criteria that use them stay."""

import copy
import io
import json
import re

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from cbl.accounts.models import Role
from cbl.assessment.models import Criterion
from cbl.competencies.models import Competency, CompetencyFramework
from cbl.competencies.services import install_default_framework
from cbl.extensions import db
from cbl.portfolio.models import Entry
from tests import factories
from tests.test_competency_interchange import ITEMS, realistic_package

NEW_ITEM = "c5fb0a2e-2a1c-4a0f-9b6e-000000000199"


def _upload(client, package: dict):
    # Encoded here, in memory: the test client spools a large multipart body to a temporary
    # file it never closes.
    boundary, body = encode_multipart({
        "file": FileStorage(io.BytesIO(json.dumps(package).encode()), "science.json", content_type="application/json"),
        "format": "auto", "title": ""})
    return client.post("/competencies/import", data=body, content_type=f"multipart/form-data; boundary={boundary}")


def _hidden(page: str, name: str) -> str:
    value = re.search(rf'id="{name}" name="{name}" type="hidden" value="([^"]*)"', page).group(1)
    return value.replace("&#34;", '"').replace("&quot;", '"').replace("&#39;", "'").replace("&lt;", "<") \
        .replace("&gt;", ">").replace("&amp;", "&")


def _confirm(client, page: str):
    return client.post("/competencies/import/confirm", data={
        "payload": _hidden(page, "payload"), "title": _hidden(page, "title"), "digest": _hidden(page, "digest")})


def _by_identifier(identifier: str) -> Competency:
    return db.session.scalar(select(Competency).where(Competency.case_identifier == identifier))


def next_edition() -> dict:
    """The next edition of the science practices: "Ask questions…" renamed, "Design a
    solution" gone, a new item under engineering."""
    package = realistic_package()
    items = {item["identifier"].lower(): item for item in package["CFItems"]}
    items[ITEMS["questions"]]["fullStatement"] = "Ask questions that can be investigated locally."
    package["CFItems"].remove(items[ITEMS["design"]])
    package["CFAssociations"] = [a for a in package["CFAssociations"]
                                 if a["originNodeURI"]["identifier"] != ITEMS["design"]]
    package["CFItems"].append({"identifier": NEW_ITEM, "fullStatement": "Test a prototype with users.",
                               "humanCodingScheme": "SP.2.b"})
    association = copy.deepcopy(package["CFAssociations"][1])
    association.update(identifier="a5fb0a2e-2a1c-4a0f-9b6e-000000000299", sequenceNumber=3)
    association["originNodeURI"]["identifier"] = NEW_ITEM
    association["destinationNodeURI"]["identifier"] = ITEMS["engineering"]
    package["CFAssociations"].append(association)
    return package


@pytest.fixture
def science(client, auth):
    """The science practices imported, an entry tagged with "Design a solution" and a rubric
    criterion naming it; the admin signed in."""
    admin = factories.make_user(Role.ADMIN)
    auth.as_user(admin)
    assert _upload(client, realistic_package()).status_code == 302
    framework = db.session.scalar(select(CompetencyFramework))
    teacher, maya = factories.make_user("teacher"), factories.make_user("student")
    classroom = factories.make_classroom(teacher)
    from cbl.competencies.services import choose_frameworks
    choose_frameworks(classroom.id, [framework.id])
    db.session.commit()
    project = factories.make_project(factories.make_team(classroom, maya))
    design = _by_identifier(ITEMS["design"])
    entry = factories.make_entry(project, maya, title="Our prototype")
    entry.competencies = [design]
    factories.make_competency_rubric(design, title="Design rubric", owner=teacher)
    db.session.commit()
    return framework, entry, project, maya


def test_reimport_shows_what_is_added_changed_and_retired_and_changes_nothing_yet(client, science):
    framework, *_rest = science
    response = _upload(client, next_edition())
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Update “Science practices”?" in page
    assert "1 competency added" in page and "1 competency changed" in page and "1 competency retired" in page
    assert "SP.2.b Test a prototype with users." in page
    assert "<del>Ask questions that can be investigated.</del> → " \
           "<ins>Ask questions that can be investigated locally.</ins>" in page
    assert re.search(r'id="retired-heading">Retired</h2>.*SP\.2\.a Design a solution and test it\.', page, re.S)
    assert "identifier already used" not in page and "already here as" not in page
    assert _by_identifier(NEW_ITEM) is None
    assert _by_identifier(ITEMS["design"]).retired_at is None
    assert db.session.scalar(select(func.count()).select_from(CompetencyFramework)) == 1


def test_confirming_applies_the_changes_and_keeps_tags_and_criteria_on_retired_items(client, auth, science):
    framework, entry, project, maya = science
    page = _upload(client, next_edition()).get_data(as_text=True)
    response = _confirm(client, page)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/competencies/{framework.id}")
    db.session.expire_all()
    assert _by_identifier(ITEMS["questions"]).short_name == "Ask questions that can be investigated locally."
    added = _by_identifier(NEW_ITEM)
    assert (added.code, added.parent.case_identifier, added.framework_id) == \
        ("SP.2.b", ITEMS["engineering"], framework.id)
    design = _by_identifier(ITEMS["design"])
    assert design.retired_at is not None
    assert [c.id for c in db.session.get(Entry, entry.id).competencies] == [design.id]
    assert db.session.scalar(select(Criterion.competency_id)) == design.id

    auth.as_user(maya)
    assert "SP.2.a Design a solution and test it." in client.get(f"/entries/{entry.id}").get_data(as_text=True)
    new_form = client.get(f"/projects/{project.id}/entries/new?kind=note").get_data(as_text=True)
    assert f'value="{design.id}"' not in new_form and f'value="{added.id}"' in new_form
    edit_form = client.get(f"/entries/{entry.id}/edit").get_data(as_text=True)
    assert re.search(rf'<input checked id="competencies-{design.id}"', edit_form) and "(retired)" in edit_form


def test_an_item_back_in_the_file_is_offered_again(client, science):
    _upload_and_confirm = lambda package: _confirm(client, _upload(client, package).get_data(as_text=True))
    assert _upload_and_confirm(next_edition()).status_code == 302
    page = _upload(client, realistic_package()).get_data(as_text=True)
    assert "<del>retired</del> → <ins>offered again</ins>" in page
    assert _confirm(client, page).status_code == 302
    db.session.expire_all()
    assert _by_identifier(ITEMS["design"]).retired_at is None
    assert _by_identifier(NEW_ITEM).retired_at is not None


def test_the_same_file_again_changes_nothing(client, science):
    response = _upload(client, realistic_package())
    assert response.status_code == 302
    assert "already up to date" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_a_preview_that_went_stale_is_shown_again_not_applied(client, science):
    page = _upload(client, next_edition()).get_data(as_text=True)
    questions = _by_identifier(ITEMS["questions"])
    questions.short_name = "Changed by someone else"
    db.session.commit()
    response = _confirm(client, page)
    assert response.status_code == 409
    assert "The framework changed since the preview." in response.get_data(as_text=True)
    db.session.expire_all()
    assert _by_identifier(NEW_ITEM) is None


def test_a_tampered_or_empty_confirmation_is_refused_without_an_error(client, science):
    assert client.post("/competencies/import/confirm", data={}).status_code == 302
    response = client.post("/competencies/import/confirm", data={"payload": "{not json", "title": "",
                                                                   "digest": "x"})
    assert response.status_code == 400
    assert _by_identifier(NEW_ITEM) is None


def test_identifiers_that_are_not_uuids_are_refused_with_numbered_messages(client, auth):
    auth.as_user(factories.make_user(Role.ADMIN))
    package = realistic_package()
    package["CFDocument"]["identifier"] = "science-practices"
    package["CFItems"][0]["identifier"] = "SP-1-a"
    response = _upload(client, package)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert re.search(r'<ol class="error" id="import-problems"[^>]*>\s*<li><strong>CFDocument</strong>: The identifier '
                     r'“science-practices” is not a UUID\. CASE identifiers are UUIDs', page)
    assert "<strong>CFItems[0] (SP-1-a)</strong>: The identifier “SP-1-a” is not a UUID." in page
    assert db.session.scalar(select(func.count()).select_from(CompetencyFramework)) == 0


def test_the_default_framework_matches_its_own_export_before_it_was_ever_exported(client, auth):
    """Its competencies have no CASE identifier yet: they match the ones an export gives."""
    from cbl.competencies import interchange
    framework = install_default_framework()
    package = interchange.case_package(framework, document_url="https://school.example/c/1")
    for competency in framework.competencies:
        competency.case_identifier = None
    db.session.commit()
    package["CFItems"][0]["abbreviatedStatement"] = "Teamwork"
    auth.as_user(factories.make_user(Role.ADMIN))
    page = _upload(client, package).get_data(as_text=True)
    assert "1 competency changed" in page and "0 competencies added" in page and "0 competencies retired" in page


def test_a_two_thousand_item_framework_is_updated_through_the_preview(client, auth):
    """The file travels with the confirm button: a state framework of 2,000 items (over a
    megabyte of JSON) still fits the request."""
    auth.as_user(factories.make_user(Role.ADMIN))
    document = "d0c00000-0000-4000-8000-000000000000"
    items = [{"identifier": f"1c000000-0000-4000-8000-{n:012d}", "humanCodingScheme": f"S.{n}",
              "fullStatement": f"Analyze how sources support claim {n} and evaluate the strength of the evidence.",
              "CFItemType": "Standard", "lastChangeDateTime": "2025-01-01T00:00:00+00:00"} for n in range(2000)]
    package = {"CFDocument": {"identifier": document, "title": "State standards", "creator": "State"},
               "CFItems": items, "CFAssociations": []}
    assert _upload(client, package).status_code == 302
    package["CFItems"][7]["fullStatement"] = "Analyze sources, renamed."
    del package["CFItems"][1999]
    page = _upload(client, package).get_data(as_text=True)
    assert len(json.dumps(package)) > 500_000
    assert "1 competency changed" in page and "1 competency retired" in page
    assert _confirm(client, page).status_code == 302
    db.session.expire_all()
    assert _by_identifier(items[7]["identifier"]).short_name == "Analyze sources, renamed."
    assert _by_identifier("1c000000-0000-4000-8000-000000001999").retired_at is not None
