"""Hostile and malformed input on every form: a clear answer, never a 500, nothing lost."""

import pytest
from flask import url_for
from werkzeug.datastructures import MultiDict

from cbl.extensions import db
from cbl.projects.models import ElementKey, ProjectElement
from tests.conftest import Auth
from tests.test_permissions_routes import build_world, url_params

FIELDS = ("email", "password", "display_name", "locale", "join_code", "name", "term", "members", "title",
          "big_idea", "description", "essential_question_template", "size", "starts_on", "ends_on",
          "prompt_engage", "prompt_investigate", "prompt_act", "body", "version", "text", "category", "priority",
          "findings", "answered", "summary", "kind", "details", "url", "questions", "note", "decision",
          "comment", "to_phase", "reason", "active", "role", "teacher", "next", "confirm",
          "profile-display_name", "profile-locale", "password-current_password", "password-new_password",
          "password-confirm", "competency", "target_date", "status", "entry",
          "method", "weight", "times", "proficient_points", "count_other_voices", "classroom", "confirm_duplicate", "levels",
          "scope", "student",
          "students", "payload", "target", "username", "school_id", "mode", "one-name", "one-email", "one-username",
          "identifier", "person", "school", "academic_term",
          "new_password", "session_id", "email-email", "email-password",
          # school sign-in providers and settings, roster files sent as text
          "kind", "label", "discovery_url", "client_id", "client_secret", "allowed", "create_domains", "create_role",
          "roster_claim", "enabled", "require_for_teachers", "require_for_students", "upload", "file", "q")

PAYLOADS = {
    "nul-bytes": lambda: {f: "a\x00b" for f in FIELDS},
    "huge": lambda: {f: "x" * 200_000 for f in FIELDS},
    "unicode-and-markup": lambda: {f: "🌧️ <script>alert(1)</script> ' OR 1=1 -- \u202e" for f in FIELDS},
    "numbers-out-of-range": lambda: {f: "99999999999999999999999" for f in FIELDS},
    "repeated-values": lambda: MultiDict([(f, v) for f in FIELDS for v in ("1", "-1", "")]),
}

# Who may use each POST route in the world of the route matrix.
ACTOR = {"admin": "admin", "projects.decide": "teacher", "teams": "teacher", "projects.create_challenge": "teacher",
         "projects.edit_challenge": "teacher", "projects.copy_challenge": "teacher",
         "projects.archive_classroom": "teacher", "projects.restore_classroom": "teacher",
         "projects.delete_classroom": "teacher", "projects.archive_challenge": "teacher",
         "projects.restore_challenge": "teacher", "projects.delete_challenge": "teacher",
         "projects.archive_team": "teacher", "projects.restore_team": "teacher", "projects.delete_team": "teacher",
         "teams.join_classroom": "student_own",
         "teams.join_team": "student_own", "teams.leave_team": "student_own", "competencies": "admin", "rosters": "admin",
         "feedback.invite": "teacher", "feedback.revoke": "teacher", "feedback.approve": "teacher",
         "feedback.hide": "teacher", "feedback.remove_partner": "teacher", "feedback.comment": "partner",
         "feedback.reply": "partner",
         # learning goals: the world's goal is student_own's; its teacher comments on it
         "assessment.goal_create": "student_own", "assessment.goal_edit": "student_own",
         "assessment.goal_status": "student_own", "assessment.goal_evidence_add": "student_own",
         "assessment.goal_evidence_remove": "student_own", "assessment.goal_note": "teacher",
         "assessment.mastery_settings": "teacher",
         # rubrics: the world's rubric is teacher_a's
         "assessment.rubric_new": "teacher", "assessment.rubric_edit": "teacher", "assessment.rubric_copy": "teacher",
         "assessment.rubric_delete": "teacher", "assessment.rubric_starter": "teacher",
         "assessment.rubric_challenge": "teacher", "assessment.peer_scale": "teacher",
         # assessing: the class's teachers grade; the world's partner rates p1
         "assessment.grade_project": "teacher", "assessment.grade_release": "teacher",
         "assessment.grade_release_all": "teacher", "assessment.partner_rating": "partner",
         "assessment.partner_questions": "teacher", "accounts.staff_reset_password": "teacher",
         # sign-in cards: the class's teachers print and void them; a card's page is for anyone
         "cards": "teacher",
         # schools and terms: the district admin; a teacher ends the term of their class
         "schools": "admin", "schools.archive_term": "teacher"}
# Routes for people who are not signed in.
ANONYMOUS = ("accounts.login", "teams.signup", "teams.signup_confirm", "accounts.request_login_link",
             "accounts.login_link", "feedback.accept", "cards.sign_in", "accounts.forgot_password",
             "accounts.reset_password", "accounts.confirm_email")


def _actor(endpoint: str) -> str:
    for prefix, visitor in ACTOR.items():
        if endpoint == prefix:
            return visitor
    return ACTOR.get(endpoint.split(".")[0], "student_own")


def _post_rules(app):
    return sorted((r for r in app.url_map.iter_rules() if "POST" in r.methods), key=lambda r: r.endpoint)


@pytest.mark.parametrize("payload", sorted(PAYLOADS))
def test_no_form_answers_500_to_hostile_input(app, payload):
    world = build_world()
    failures = []
    for rule in _post_rules(app):
        with app.test_request_context():
            url = url_for(rule.endpoint, **url_params(rule.endpoint, rule, world))
        client = app.test_client()
        user = world["visitors"][_actor(rule.endpoint)]
        if rule.endpoint not in ANONYMOUS:
            Auth(client).as_user(user)
        response = client.post(url, data=PAYLOADS[payload]())
        if response.status_code >= 500:
            failures.append(f"{rule.endpoint}: {response.status_code}")
    assert failures == []


def test_oversize_request_gets_a_clear_413(app, client):
    world = build_world()
    Auth(client).as_user(world["visitors"]["student_own"])
    project_id = world["params"]["project_id"]
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    response = client.post(f"/projects/{project_id}/elements/analysis",
                           data={"body": "x" * (2 * 1024 * 1024), "version": "0"})
    assert response.status_code == 413
    assert "The text you sent is far too long" in response.get_data(as_text=True)  # no file in it
    assert db.session.query(ProjectElement).filter_by(key=ElementKey.ANALYSIS).count() == 0
