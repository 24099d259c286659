"""Every route against every kind of visitor: the permission matrix of DESIGN.md §4.

Each rule of ``app.url_map`` (but ``static``) must have a row in :data:`EXPECTED`, and every
row must name a real endpoint, so a new route cannot ship without a decision on who may use it.

A case requests the route once, as one visitor, in a freshly built world (state-changing
POSTs such as deactivation, removal or deletion would otherwise spoil the cases after them):

- routes that answer GET are requested with GET, POST-only routes with an empty form (CSRF
  is off in tests);
- the answer is reduced to ``"ok"`` (2xx, or a redirect that is not the sign-in gate; for a
  POST a 400 too, since a re-rendered form means the permission check passed), ``"login"``
  (the sign-in gate: a redirect to /login carrying ``next``), or the error status itself.

Where the application disagrees with DESIGN.md §4, the matrix holds what the design says and
the case is listed in :data:`KNOWN_DISCREPANCIES` (strict xfail, so fixing the app flags it).
A 500 is never expected and is never excused by an xfail.
"""

from urllib.parse import parse_qs, urlsplit

import pytest
from flask import url_for

from cbl.accounts.models import Role
from cbl.competencies.models import Competency, CompetencyFramework
from cbl.dbtypes import utcnow
from cbl.extensions import db
from cbl.notifications import NotificationKind, notify
from cbl.sso.models import ProviderKind, SsoProvider
from tests import factories
from tests.conftest import Auth

VISITORS = ("anonymous", "student_own", "student_other", "teacher", "teacher_other", "partner", "admin",
            "school_admin", "school_admin_other")

OK, LOGIN = "ok", "login"


def _row(anonymous=LOGIN, school_admin=None, school_admin_other=None, **answers) -> dict:
    """A matrix row: ``anonymous`` defaults to the sign-in gate; every other visitor is named.

    "admin" is the district admin. The two school admins (DESIGN.md §4: "a school admin within
    their own school and a district admin everywhere") answer by default as the district admin
    does: ``school_admin`` runs the world's school, which holds both classes; ``school_admin_other``
    runs another school, so the world's objects are strangers to them (404) wherever another
    class's teacher does not find them either."""
    if school_admin is None:
        school_admin = answers.get("admin")
    if school_admin_other is None:
        school_admin_other = 404 if answers.get("teacher_other") == 404 else answers.get("admin")
    row = {"anonymous": anonymous, "school_admin": school_admin, "school_admin_other": school_admin_other,
           **answers}
    assert set(row) == set(VISITORS), f"row names {sorted(row)}, expected {sorted(VISITORS)}"
    return row


def _everyone(answer, anonymous=None) -> dict:
    return _row(anonymous=answer if anonymous is None else anonymous,
                **{v: answer for v in VISITORS if v != "anonymous"})




# Who may do what, by kind of page (DESIGN.md §4). Rows below reuse these shapes.

# Public pages: the welcome page, sign-in, sign-up, health check.
PUBLIC = _everyone(OK)
# Anything for a signed-in person about themselves.
SIGNED_IN = _everyone(OK, anonymous=LOGIN)
# Administrators only (role gate: 403 for every other signed-in visitor).
ADMIN_ONLY = _row(student_own=403, student_other=403, teacher=403, teacher_other=403, partner=403, admin=OK)
# The district admin only: the installation's own settings and frameworks, adding schools.
DISTRICT_ONLY = {**ADMIN_ONLY, "school_admin": 403, "school_admin_other": 403}
# A page about the world's school: its admins and the district admin; another school's admin
# does not find it; everyone else is stopped by the role gate.
OWN_SCHOOL = {**ADMIN_ONLY, "school_admin_other": 404}
# Reading a class of A: its students, its teachers and admins; strangers get 404.
READ_CLASS = _row(student_own=OK, student_other=OK, teacher=OK, teacher_other=404, partner=404, admin=OK)
# Managing class A (settings, roster, teams, challenges, board): its teachers and admins.
MANAGE_CLASS = _row(student_own=403, student_other=403, teacher=OK, teacher_other=404, partner=404, admin=OK)
# Reading project p1: the class, the invited partner and admins.
READ_PROJECT = _row(student_own=OK, student_other=OK, teacher=OK, teacher_other=404, partner=OK, admin=OK)
# Editing p1's elements, questions, activities: the team and the class's teachers only.
EDIT_PROJECT = _row(student_own=OK, student_other=403, teacher=OK, teacher_other=404, partner=403, admin=403)
# Asking for a phase change (or withdrawing, stepping back): the team only.
REQUEST_PHASE = _row(student_own=OK, student_other=403, teacher=403, teacher_other=404, partner=403, admin=403)
# Approving or returning a phase request: the class's teachers only.
DECIDE_PHASE = _row(student_own=403, student_other=403, teacher=OK, teacher_other=404, partner=403, admin=403)
# Joining or leaving a team of A when the class does not let students form teams (the default).
SELF_FORM_TEAM_OFF = _row(student_own=403, student_other=403, teacher=403, teacher_other=404, partner=404,
                          admin=403)

# An entry of p1 shared with the team (DESIGN.md §4): its author's team, the class's
# teachers and admins read it; the other team and the partner do not know it exists.
READ_TEAM_ENTRY = _row(student_own=OK, student_other=404, teacher=OK, teacher_other=404, partner=404, admin=OK)
# Editing that entry: its team and the class's teachers; an admin reads but does not edit.
EDIT_TEAM_ENTRY = _row(student_own=OK, student_other=404, teacher=OK, teacher_other=404, partner=404, admin=403)
STUDENTS_ONLY = _row(student_own=OK, student_other=OK, teacher=403, teacher_other=403, partner=403, admin=403)
# Competency frameworks are the installation's: every teacher and admin reads them (role gate).
TEACHERS_AND_ADMINS = _row(student_own=403, student_other=403, teacher=OK, teacher_other=OK, partner=403, admin=OK)
# Setting a student's name or deciding their request: their teachers and admins (a role gate for others).
RENAME_STUDENT = _row(student_own=403, student_other=403, teacher=OK, teacher_other=404, partner=403, admin=OK)
# Changing the world's learning goal: its student only; its teachers and admins read it (403).
GOAL_OWNER = _row(student_own=OK, student_other=404, teacher=403, teacher_other=404, partner=404, admin=403)

EXPECTED: dict[str, dict] = {
    # main
    "main.home": PUBLIC,
    "main.healthz": PUBLIC,
    # accounts
    "accounts.login": PUBLIC,
    "accounts.request_login_link": PUBLIC,  # signed-in visitors are sent home
    "accounts.login_link": _everyone(404),  # the world holds no sign-in link with this token
    "accounts.logout": SIGNED_IN,  # signed in: redirected to /login without ``next``, i.e. signed out
    "accounts.account": SIGNED_IN,
    "accounts.change_password": SIGNED_IN,  # empty form: 400 re-render
    "accounts.forgot_password": PUBLIC,  # signed-in visitors are sent home
    "accounts.reset_password": _everyone(404),  # the world holds no recovery link with this token
    "accounts.new_password": SIGNED_IN,  # nobody in the world must change theirs: sent to My account
    # One-time passwords: the class's teachers for its students, admins for anyone (never oneself).
    "accounts.staff_reset_password": _row(student_own=404, student_other=404, teacher=OK, teacher_other=404,
                                          partner=404, admin=OK),
    "accounts.change_email": SIGNED_IN,  # empty form: 400 re-render
    "accounts.confirm_email": _everyone(404),  # the world holds no email change with this token
    "accounts.end_session": SIGNED_IN,  # empty form: 400 re-render
    "accounts.end_other_sessions": SIGNED_IN,
    "admin.users": ADMIN_ONLY,  # a scoped list: a school admin sees the people of their schools
    "admin.create_user": ADMIN_ONLY,
    "admin.set_active": OWN_SCHOOL,  # student_other, a student of the world's school
    "admin.school_settings": DISTRICT_ONLY,  # the installation's name and mail sender
    # schools and terms: the district admin adds schools and appoints their admins; a school
    # admin edits their own school and its terms; teachers and admins archive a term's classes
    "schools.index": ADMIN_ONLY,  # a scoped list: the schools the admin runs
    "schools.create": DISTRICT_ONLY,
    "schools.edit": OWN_SCHOOL,
    "schools.appoint_admin": {**DISTRICT_ONLY, "school_admin_other": 403},
    "schools.create_term": ADMIN_ONLY,  # empty form: 400 re-render
    "schools.edit_term": OWN_SCHOOL,  # a term of the world's school
    # the world's term holds class A: its teacher archives it, and the admins of its school
    "schools.archive_term": _row(student_own=403, student_other=403, teacher=OK, teacher_other=404, partner=403,
                                 admin=OK),
    # the People page: district admins everywhere, school admins within their schools
    "admin.edit_person": OWN_SCHOOL,
    "admin.place_person": OWN_SCHOOL,  # empty form: 400 re-render
    "admin.unplace_person": OWN_SCHOOL,
    # roster imports (OneRoster): the district admin
    # Both kinds of admin import rosters: a school admin's import stays within their schools.
    "rosters.index": ADMIN_ONLY,  # GET: the upload form and earlier imports
    "rosters.preview": ADMIN_ONLY,  # no upload named: back to the import page
    "rosters.confirm": ADMIN_ONLY,  # empty form: 400
    # school sign-in: admins configure providers; the buttons are public (the world's key names
    # no provider, so 404; signed-in visitors are sent home)
    # School sign-in: a school admin manages their schools' buttons and settings.
    "admin.sso_providers": ADMIN_ONLY,
    # Empty form: 400 (a district admin's re-render; a school admin's form must name their school).
    "admin.sso_settings": ADMIN_ONLY,
    "admin.sso_new": ADMIN_ONLY,
    "admin.sso_edit": OWN_SCHOOL,  # the world school's button
    "sso.start": _everyone(OK, anonymous=404),
    "sso.callback": _everyone(404),
    # competencies: teachers and admins read and download frameworks; only admins import them
    "competencies.index": TEACHERS_AND_ADMINS,
    "competencies.detail": TEACHERS_AND_ADMINS,
    "competencies.export_case": TEACHERS_AND_ADMINS,
    "competencies.export_csv": TEACHERS_AND_ADMINS,
    "competencies.import_framework": DISTRICT_ONLY,  # empty form: 400 re-render
    "competencies.confirm_reimport": DISTRICT_ONLY,  # empty form: back to the import page
    # portfolio
    "portfolio.timeline": READ_PROJECT,  # each visitor sees the entries their role allows
    "portfolio.mine": STUDENTS_ONLY,
    "portfolio.create": EDIT_PROJECT,
    "portfolio.detail": READ_TEAM_ENTRY,
    "portfolio.revisions": READ_TEAM_ENTRY,
    # Photos of public entries of published stories are for anyone, so no sign-in gate here.
    "portfolio.attachment": {**READ_TEAM_ENTRY, "anonymous": 404},
    "portfolio.edit": EDIT_TEAM_ENTRY,
    "portfolio.delete": EDIT_TEAM_ENTRY,  # student_own is its author
    # Recently deleted: the team and the class's teachers; a deleted entry (ids["deleted_entry"]).
    "portfolio.recently_deleted": EDIT_PROJECT,
    "portfolio.restore": {**EDIT_TEAM_ENTRY, "admin": 404, "school_admin": 404},
    "portfolio.restore_revision": EDIT_TEAM_ENTRY,
    "portfolio.download": {**READ_TEAM_ENTRY, "anonymous": 404},
    "portfolio.preview": SIGNED_IN,
    "portfolio.reflect": REQUEST_PHASE,  # a reflection is written by a member of the team
    # Reflections overview: the class's teachers only; private reflections are not an admin's to read.
    "portfolio.reflections": {**MANAGE_CLASS, "admin": 403, "school_admin": 403},
    "portfolio.export": EDIT_PROJECT,  # the team and the class's teachers; admins read but do not export
    "portfolio.publication": READ_PROJECT,
    "portfolio.request_publication": REQUEST_PHASE,
    "portfolio.decide_publication": DECIDE_PHASE,
    "portfolio.publish_changes": DECIDE_PHASE,
    "portfolio.withdraw_publication": _row(student_own=OK, student_other=403, teacher=OK, teacher_other=404,
                                           partner=403, admin=403),
    "portfolio.showcase": PUBLIC,
    "portfolio.public_project": _everyone(404),  # p1 is not published
    # feedback: partner invitations
    "feedback.invite": DECIDE_PHASE,  # teachers of the class invite partners
    "feedback.classroom_invitations": MANAGE_CLASS,
    "feedback.revoke": _row(student_own=403, student_other=403, teacher=OK, teacher_other=404, partner=404,
                            admin=403),
    # The world's invitation was sent to the partner: anyone may open the link, but only the
    # partner it was sent to (or a newcomer creating that account) may accept it.
    "feedback.accept": _row(anonymous=OK, student_own=403, student_other=403, teacher=403, teacher_other=403,
                            partner=OK, admin=403),
    # feedback: comments (the world's comment is a teacher's, on p1, visible to all who read p1)
    "feedback.project_feedback": READ_PROJECT,
    "feedback.comment": {**READ_PROJECT, "admin": 403, "school_admin": 403},  # administrators read, not comment
    "feedback.reply": {**READ_PROJECT, "admin": 403, "school_admin": 403},
    "feedback.mark_addressed": EDIT_PROJECT,  # the team (and its teachers) mark feedback addressed
    "feedback.reopen": EDIT_PROJECT,
    "feedback.approve": {**DECIDE_PHASE, "partner": 403},  # the class's teachers moderate
    "feedback.hide": {**DECIDE_PHASE, "partner": 403},
    "feedback.remove_partner": DECIDE_PHASE,  # the class's teachers remove a partner's access
    "feedback.audit_log": _row(student_own=403, student_other=403, teacher=OK, teacher_other=OK, partner=403,
                               admin=OK),  # teachers read the events of their own classes
    # teams
    "teams.signup": PUBLIC,
    "teams.signup_confirm": _everyone(404),  # the world holds no sign-up link with this token
    "teams.index": SIGNED_IN,  # a scoped list: empty for partners and strangers, never an error
    # Creating a class: teachers, and admins ("manage classes" in §4).
    "teams.create_classroom": _row(student_own=403, student_other=403, teacher=OK, teacher_other=OK,
                                   partner=403, admin=OK),
    "teams.join_classroom": _row(student_own=OK, student_other=OK, teacher=403, teacher_other=403,
                                 partner=403, admin=403),
    "teams.classroom": READ_CLASS,
    "teams.edit_classroom": MANAGE_CLASS,
    "teams.regenerate_code": MANAGE_CLASS,
    "teams.remove_student": MANAGE_CLASS,
    "teams.move_student": MANAGE_CLASS,
    "teams.roster_add": MANAGE_CLASS,
    "teams.roster_preview": MANAGE_CLASS,  # empty form: 400 re-render
    "teams.roster_confirm": MANAGE_CLASS,  # no previewed list: 400
    "teams.create_team": MANAGE_CLASS,  # students only where the class lets them (off here)
    "teams.edit_team": MANAGE_CLASS,
    "teams.join_team": SELF_FORM_TEAM_OFF,
    "teams.leave_team": SELF_FORM_TEAM_OFF,
    # students' names (user_id is student_own, enrolled in class A): the class's teachers and
    # admins decide requests and set names; a teacher of another class does not find the student
    "teams.approve_name": RENAME_STUDENT,
    "teams.decline_name": RENAME_STUDENT,
    "teams.edit_name": RENAME_STUDENT,
    # lifecycle: archive, restore, delete (refused while work exists) and copy are managing class A
    "projects.archive": SIGNED_IN,  # a scoped list of archived things: empty, never an error
    "projects.archive_classroom": MANAGE_CLASS,
    "projects.restore_classroom": MANAGE_CLASS,
    "projects.delete_classroom": MANAGE_CLASS,
    "projects.archive_challenge": MANAGE_CLASS,
    "projects.restore_challenge": MANAGE_CLASS,
    "projects.delete_challenge": MANAGE_CLASS,
    "projects.copy_challenge": MANAGE_CLASS,
    "projects.archive_team": MANAGE_CLASS,
    "projects.restore_team": MANAGE_CLASS,
    "projects.delete_team": MANAGE_CLASS,
    # projects
    "projects.home": SIGNED_IN,
    "projects.create_challenge": MANAGE_CLASS,
    "projects.edit_challenge": MANAGE_CLASS,
    "projects.board": MANAGE_CLASS,
    "projects.detail": READ_PROJECT,
    "projects.request_phase": REQUEST_PHASE,
    "projects.withdraw_phase_request": REQUEST_PHASE,
    "projects.step_back": REQUEST_PHASE,
    "projects.decide": DECIDE_PHASE,
    "projects.save_element": EDIT_PROJECT,
    "projects.add_candidate": EDIT_PROJECT,
    "projects.choose_candidate": EDIT_PROJECT,
    "projects.delete_candidate": EDIT_PROJECT,
    "projects.add_question": EDIT_PROJECT,
    "projects.edit_question": EDIT_PROJECT,
    "projects.delete_question": EDIT_PROJECT,
    "projects.add_activity": EDIT_PROJECT,
    "projects.edit_activity": EDIT_PROJECT,
    "projects.delete_activity": EDIT_PROJECT,
    # undoing a removal: the removed question, activity and candidate of the world
    "projects.restore_question": EDIT_PROJECT,
    "projects.restore_activity": EDIT_PROJECT,
    "projects.restore_candidate": EDIT_PROJECT,
    # assessing (the world's challenge asks for every voice; p1 has a draft team assessment by
    # teacher_a): the class's teachers grade and release; students read their own released
    # assessments, assess themselves and evaluate teammates; a partner rates p1 and reads only that
    "assessment.grade": {**DECIDE_PHASE, "partner": 404},
    "assessment.grade_project": DECIDE_PHASE,
    "assessment.grade_release_all": {**DECIDE_PHASE, "partner": 404},
    "assessment.grade_release": _row(student_own=404, student_other=404, teacher=OK, teacher_other=404,
                                     partner=404, admin=403),
    "assessment.view_assessment": _row(student_own=404, student_other=404, teacher=OK, teacher_other=404,
                                       partner=404, admin=OK),  # a draft: not the students' yet
    "assessment.my_assessments": STUDENTS_ONLY,
    "assessment.self_assess": REQUEST_PHASE,
    "assessment.peer_evaluate": REQUEST_PHASE,  # user_id: student_own's teammate
    "assessment.partner_rating": _row(student_own=403, student_other=403, teacher=403, teacher_other=404,
                                      partner=OK, admin=403),
    # notifications: everyone reads their own; another person's notice (student_own's here) is not found
    "notifications.index": SIGNED_IN,
    "notifications.open": _row(student_own=OK, student_other=404, teacher=404, teacher_other=404, partner=404,
                               admin=404),
    "notifications.read_all": SIGNED_IN,
    "notifications.preferences": SIGNED_IN,  # empty form: 400 re-render
    # learning goals (the world's goal is student_own's, in class A, with a note and an entry
    # linked): a student's own goals, their class's teachers read and comment, admins read only
    "assessment.goals": READ_CLASS,  # students their own goals; teachers and admins the overview
    "assessment.goal_create": _row(student_own=OK, student_other=OK, teacher=403, teacher_other=404,
                                   partner=404, admin=403),  # enrolled students set goals (empty form: 400)
    "assessment.goal": _row(student_own=OK, student_other=404, teacher=OK, teacher_other=404, partner=404,
                            admin=OK),
    "assessment.goal_edit": GOAL_OWNER,
    "assessment.goal_status": GOAL_OWNER,
    "assessment.goal_evidence_add": GOAL_OWNER,
    "assessment.goal_evidence_remove": GOAL_OWNER,
    "assessment.goal_note": {**GOAL_OWNER, "teacher": OK},  # the student's progress, the teacher's comment
    # mastery (student_id is student_own's): the student themself, the class's teachers and admins;
    # another student of the class does not find it. The heat map, the gradebook and the settings
    # for the class's teachers and admins (who see assessments and mastery, and manage classes).
    "assessment.profile": _row(student_own=OK, student_other=404, teacher=OK, teacher_other=404, partner=404,
                               admin=OK),
    "assessment.growth": _row(student_own=OK, student_other=404, teacher=OK, teacher_other=404, partner=404,
                              admin=OK),
    "assessment.transcript": _row(student_own=OK, student_other=404, teacher=OK, teacher_other=404, partner=404,
                                  admin=OK),
    "assessment.transcript_all": _row(student_own=OK, student_other=404, teacher=OK, teacher_other=404, partner=404,
                                      admin=OK),
    "assessment.heatmap": MANAGE_CLASS,
    "assessment.gradebook": MANAGE_CLASS,
    "assessment.gradebook_wide": MANAGE_CLASS,
    "assessment.mastery_settings": MANAGE_CLASS,  # empty form: 400 re-render
    # rubrics (the world's rubric is teacher_a's): teachers and admins read the library, build
    # and copy; its owner and admins edit and delete it; a challenge's rubric and voices are
    # set by the teachers of its class (and admins, who manage classes)
    "assessment.rubric_library": TEACHERS_AND_ADMINS,
    "assessment.rubric_detail": TEACHERS_AND_ADMINS,
    "assessment.rubric_new": TEACHERS_AND_ADMINS,
    "assessment.rubric_starter": TEACHERS_AND_ADMINS,
    "assessment.rubric_copy": TEACHERS_AND_ADMINS,
    # (the library is the district's: school admins read it, the district admin edits it)
    "assessment.rubric_edit": {**TEACHERS_AND_ADMINS, "teacher_other": 403, "school_admin": 403,
                               "school_admin_other": 403},
    "assessment.rubric_delete": {**TEACHERS_AND_ADMINS, "teacher_other": 403, "school_admin": 403,
                                 "school_admin_other": 403},
    "assessment.rubric_challenge": MANAGE_CLASS,
    # the partner rating's questions (the class's teachers) and the ratings (its teachers read them)
    "assessment.partner_questions": MANAGE_CLASS,
    "assessment.partner_ratings": DECIDE_PHASE,
    "assessment.peer_scale": MANAGE_CLASS,  # empty form: 400 re-render
    # sign-in cards of class A: its teachers and admins list, print (empty form: 400) and void;
    # a card's own page: the world holds no card with this token, so 404 for everyone
    "cards.index": MANAGE_CLASS,
    "cards.print_cards": MANAGE_CLASS,
    "cards.void": MANAGE_CLASS,
    "cards.sign_in": _everyone(404),
}

# (endpoint, visitor) -> why the app's answer differs from the design (the matrix holds the design).
KNOWN_DISCREPANCIES: dict[tuple[str, str], str] = {
}


# --- the world -----------------------------------------------------------------------------

def build_world() -> dict:
    """Class A (teacher_a; team1 of two, team2 of one; a challenge; p1, p2), class B
    (teacher_b, team3, p3), a partner invited to p1 and an admin. p1 holds a guiding question,
    an activity tied to it, a candidate essential question and a pending phase request."""
    # The factories commit after every object; not reloading everything after each commit
    # halves the time a world takes (there is one per case). Requests then start from a
    # session that has forgotten what it loaded.
    session = db.session()
    session.expire_on_commit = False
    try:
        return _build_world()
    finally:
        session.expire_on_commit = True
        session.expire_all()


def _build_world() -> dict:
    teacher_a = factories.make_user(Role.TEACHER)
    teacher_b = factories.make_user(Role.TEACHER)
    student_own, teammate, student_other, student_b = (factories.make_user(Role.STUDENT) for _ in range(4))
    partner = factories.make_user(Role.PARTNER)
    admin = factories.make_user(Role.ADMIN)
    school_admin, school_admin_other = (factories.make_user(Role.SCHOOL_ADMIN) for _ in range(2))
    framework = CompetencyFramework(title="Skills", competencies=[Competency(code="S1", short_name="Speaks up")])
    db.session.add(framework)
    db.session.commit()

    class_a = factories.make_classroom(teacher_a)
    team1 = factories.make_team(class_a, student_own, teammate)
    team2 = factories.make_team(class_a, student_other)
    challenge_a = factories.make_challenge(class_a)
    p1 = factories.make_project(team1, challenge_a)
    p2 = factories.make_project(team2, challenge_a)
    question = factories.make_question(p1)
    activity = factories.make_activity(p1, question)
    candidate = factories.make_candidate(p1)
    pending = factories.make_request(p1, student_own)
    [notice] = notify([student_own.id], NotificationKind.PHASE_APPROVED, url=f"/projects/{p1.id}")
    db.session.commit()

    class_b = factories.make_classroom(teacher_b)
    team3 = factories.make_team(class_b, student_b)
    p3 = factories.make_project(team3)

    # One school holds both classes and their people; the other school's admin is a stranger.
    school = factories.make_school("World School", members=[school_admin, teacher_a, teacher_b, student_own,
                                                             teammate, student_other, student_b])
    factories.make_school("Other School", members=[school_admin_other])
    term = factories.make_term(school, "Fall 2026", classrooms=[class_a])
    class_b.school_id = school.id
    db.session.commit()

    factories.grant_partner(p1, partner)
    token = f"world-token-{partner.id}"  # one per world: a test may build several
    invitation = factories.make_invitation(class_a, p1, email=partner.email, token=token, by=teacher_a)
    comment = factories.make_comment(p1, teacher_a)
    entry = factories.make_entry(p1, student_own, visibility="team", photo=True)
    document = factories.make_entry(p1, student_own, kind="file", title="Plan", visibility="team",
                                    document=factories.PDF)

    grading_rubric = factories.make_grading_rubric(competencies=framework.competencies)
    factories.attach_grading_rubric(challenge_a, grading_rubric, self_assessment=True, peer_evaluation=True,
                                    partner_rating=True)
    draft = factories.make_grading_assessment(p1, grading_rubric, teacher_a)

    visitors = {"anonymous": None, "student_own": student_own, "student_other": student_other,
                "teacher": teacher_a, "teacher_other": teacher_b, "partner": partner, "admin": admin,
                "school_admin": school_admin, "school_admin_other": school_admin_other}
    params = {"project_id": p1.id, "classroom_id": class_a.id, "team_id": team1.id,
              "challenge_id": challenge_a.id, "question_id": question.id, "activity_id": activity.id,
              "candidate_id": candidate.id, "request_id": pending.id, "key": "essential_question",
              "entry_id": entry.id, "attachment_id": entry.attachments[0].id, "rendition": "display",
              "phase": "engage", "file_id": document.files[0].id, "invitation_id": invitation.id,
              "token": token, "notification_id": notice.id, "comment_id": comment.id,
              "assessment_id": draft.id, "school_id": school.id, "term_id": term.id}
    ids = {"p2": p2.id, "p3": p3.id, "class_b": class_b.id, "team3": team3.id, "student_other": student_other.id,
           "student_own": student_own.id, "partner": partner.id, "teammate": teammate.id}
    params["framework_id"] = framework.id
    params["competency_id"] = framework.competencies[0].id
    params["rubric_id"] = factories.make_rubric(teacher_a, [framework.competencies[0].id]).id
    params["goal_id"] = factories.make_goal(student_own, class_a, note="I asked two questions today.",
                                            evidence=[entry]).id
    params["provider_id"] = _sign_in_provider(school.id)
    ids.update(_removed_things(p1, student_own))
    return {"visitors": visitors, "params": params, "ids": ids}


def _sign_in_provider(school_id: int) -> int:
    """The world school's sign-in button, switched off (its sign-in routes answer 404 to everyone;
    its admin page is the district admin's and the world school's admin's)."""
    row = SsoProvider(kind=ProviderKind.GOOGLE, label="Riverside Google", discovery_url="http://127.0.0.1:9",
                      client_id="cbl", client_secret="secret", allowed="riverside.example", enabled=False,
                      school_id=school_id)
    db.session.add(row)
    db.session.commit()
    return row.id


def _removed_things(project, author) -> dict:
    """A deleted entry, a removed guiding question, activity and brainstormed question of
    ``project``: what the restore routes bring back."""
    deleted = factories.make_entry(project, author, title="Deleted notes", visibility="team")
    question = factories.make_question(project, "A removed question?")
    activity = factories.make_activity(project, question, title="A removed activity")
    candidate = factories.make_candidate(project, "A removed candidate?")
    for row in (deleted, question, activity, candidate):
        row.deleted_at = utcnow()
    db.session.commit()
    return {"deleted_entry": deleted.id, "removed_question": question.id, "removed_activity": activity.id,
            "removed_candidate": candidate.id}


RESTORES = {"portfolio.restore": ("entry_id", "deleted_entry"),
            "projects.restore_question": ("question_id", "removed_question"),
            "projects.restore_activity": ("activity_id", "removed_activity"),
            "projects.restore_candidate": ("candidate_id", "removed_candidate")}


def url_params(endpoint: str, rule, world: dict) -> dict:
    """The values of the rule's placeholders, taken from the world."""
    values = dict(world["params"])
    if endpoint in RESTORES:
        name, key = RESTORES[endpoint]
        values[name] = world["ids"][key]
    if endpoint == "admin.set_active":
        values["user_id"] = world["ids"]["student_other"]
    elif endpoint == "assessment.peer_evaluate":
        values["user_id"] = world["ids"]["teammate"]
    elif endpoint == "feedback.remove_partner":
        values["user_id"] = world["ids"]["partner"]
    else:
        values["user_id"] = world["ids"]["student_own"]
    values.setdefault("student_id", world["ids"]["student_own"])  # whose mastery pages
    missing = rule.arguments - set(values)
    assert not missing, f"{endpoint}: no world value for {sorted(missing)}; add one to build_world()"
    return {name: values[name] for name in rule.arguments}


def client_for(app, visitor: str, world: dict):
    """A fresh test client, signed in as ``visitor`` (or not at all)."""
    client = app.test_client()
    user = world["visitors"][visitor]
    if user is not None:
        Auth(client).as_user(user)
    return client


class ServerError(Exception):
    """A 500: always a bug, never an expected difference from the design."""


def classify(response, method: str):
    """Reduce a response to the matrix vocabulary."""
    status = response.status_code
    if status >= 500:
        raise ServerError(f"{method} answered {status}")
    if 300 <= status < 400:
        target = urlsplit(response.headers["Location"])
        if target.path == "/login" and "next" in parse_qs(target.query):
            return LOGIN
        return OK
    if 200 <= status < 300 or (status == 400 and method == "POST"):
        return OK
    return status


def answer(app, endpoint: str, visitor: str, world: dict | None = None):
    """Request ``endpoint`` once as ``visitor`` in ``world`` (a fresh one when None) and
    classify the answer."""
    rules = [r for r in app.url_map.iter_rules() if r.endpoint == endpoint]
    if not rules:
        pytest.fail(f"EXPECTED names {endpoint!r}, which is not a route any more")
    rule = rules[0]
    world = world or build_world()
    with app.test_request_context():
        url = url_for(endpoint, **url_params(endpoint, rule, world))
    method = "GET" if "GET" in rule.methods else "POST"
    client = client_for(app, visitor, world)
    response = client.get(url) if method == "GET" else client.post(url, data={})
    return classify(response, method), f"{method} {url} -> {response.status_code}"


# --- the tests -----------------------------------------------------------------------------

def test_matrix_covers_exactly_the_routes(app):
    routes = {r.endpoint for r in app.url_map.iter_rules() if r.endpoint != "static"}
    assert sorted(routes - set(EXPECTED)) == [], "routes without a row in EXPECTED: add them to the matrix"
    assert sorted(set(EXPECTED) - routes) == [], "EXPECTED rows for endpoints that no longer exist"
    for endpoint, row in EXPECTED.items():
        assert set(row) == set(VISITORS), endpoint
        assert all(v in (OK, LOGIN, 403, 404, 405) for v in row.values()), endpoint
    assert set(KNOWN_DISCREPANCIES) <= {(e, v) for e in EXPECTED for v in VISITORS}


@pytest.mark.parametrize("endpoint", sorted(EXPECTED))
def test_route_permission(app, endpoint):
    """Every visitor against one route. A GET changes nothing that matters to the others, so
    they share one world; each POST gets a world of its own."""
    rule = next((r for r in app.url_map.iter_rules() if r.endpoint == endpoint), None)
    shared = build_world() if rule is not None and "GET" in rule.methods else None
    wrong, fixed = [], []
    for visitor in VISITORS:
        got, detail = answer(app, endpoint, visitor, shared)
        expected = EXPECTED[endpoint][visitor]
        known = (endpoint, visitor) in KNOWN_DISCREPANCIES
        if got != expected and not known:
            wrong.append(f"{visitor}: expected {expected}, got {got} ({detail})")
        elif got == expected and known:
            fixed.append(f"{visitor}: now as designed; remove it from KNOWN_DISCREPANCIES")
    assert wrong == [] and fixed == []


# Unknown ids answer 404 to everyone signed in, exactly like ids they may not see.
UNKNOWN = 999_999
UNKNOWN_ID_REQUESTS = [
    ("GET", "projects.detail", {"project_id": UNKNOWN}),
    ("GET", "teams.classroom", {"classroom_id": UNKNOWN}),
    ("GET", "teams.edit_classroom", {"classroom_id": UNKNOWN}),
    ("GET", "cards.index", {"classroom_id": UNKNOWN}),
    ("POST", "cards.print_cards", {"classroom_id": UNKNOWN}),
    ("GET", "projects.board", {"classroom_id": UNKNOWN}),
    ("GET", "projects.create_challenge", {"classroom_id": UNKNOWN}),
    ("GET", "teams.create_team", {"classroom_id": UNKNOWN}),
    ("GET", "teams.edit_team", {"team_id": UNKNOWN}),
    ("GET", "projects.edit_challenge", {"challenge_id": UNKNOWN}),
    ("POST", "teams.join_team", {"team_id": UNKNOWN}),
    ("POST", "projects.decide", {"request_id": UNKNOWN}),
    ("POST", "projects.request_phase", {"project_id": UNKNOWN}),
    ("POST", "projects.save_element", {"project_id": UNKNOWN, "key": "essential_question"}),
    ("GET", "projects.edit_question", {"project_id": UNKNOWN, "question_id": UNKNOWN}),
    ("GET", "portfolio.detail", {"entry_id": UNKNOWN}),
    ("GET", "portfolio.edit", {"entry_id": UNKNOWN}),
    ("GET", "portfolio.attachment", {"attachment_id": UNKNOWN, "rendition": "display"}),
    ("GET", "portfolio.timeline", {"project_id": UNKNOWN}),
    ("GET", "portfolio.reflections", {"challenge_id": UNKNOWN}),
    ("POST", "notifications.open", {"notification_id": UNKNOWN}),
]
# Unknown children of p1, for those who may edit it.
UNKNOWN_CHILD_REQUESTS = [
    ("GET", "projects.edit_question", {"question_id": UNKNOWN}),
    ("GET", "projects.edit_activity", {"activity_id": UNKNOWN}),
    ("POST", "projects.delete_question", {"question_id": UNKNOWN}),
    ("POST", "projects.delete_activity", {"activity_id": UNKNOWN}),
    ("POST", "projects.choose_candidate", {"candidate_id": UNKNOWN}),
    ("POST", "projects.delete_candidate", {"candidate_id": UNKNOWN}),
    ("POST", "projects.save_element", {"key": "no_such_element"}),
]


def test_unknown_ids_answer_404_to_everyone_signed_in(app):
    world = build_world()
    wrong = []
    for visitor in VISITORS[1:]:
        client = client_for(app, visitor, world)
        for method, endpoint, params in UNKNOWN_ID_REQUESTS:
            with app.test_request_context():
                url = url_for(endpoint, **params)
            status = client.open(url, method=method, data={}).status_code
            if status != 404:
                wrong.append(f"{visitor}: {method} {url} -> {status}")
    assert wrong == []


def test_unknown_children_of_a_project_answer_404_to_its_editors(app):
    world = build_world()
    wrong = []
    for visitor in ("student_own", "teacher"):
        client = client_for(app, visitor, world)
        for method, endpoint, params in UNKNOWN_CHILD_REQUESTS:
            with app.test_request_context():
                url = url_for(endpoint, **{"project_id": world["params"]["project_id"], **params})
            status = client.open(url, method=method, data={}).status_code
            if status != 404:
                wrong.append(f"{visitor}: {method} {url} -> {status}")
    assert wrong == []


def test_post_only_routes_refuse_get(app):
    """A state change is never reachable by a link: GET on a POST-only route answers 405."""
    world = build_world()
    readable = {r.rule for r in app.url_map.iter_rules() if "GET" in r.methods}
    wrong = []
    for visitor in ("anonymous", "teacher"):
        client = client_for(app, visitor, world)
        for rule in app.url_map.iter_rules():
            if rule.rule in readable:  # GET there is another endpoint (/admin/users)
                continue
            with app.test_request_context():
                url = url_for(rule.endpoint, **url_params(rule.endpoint, rule, world))
            status = client.get(url).status_code
            if status != 405:
                wrong.append(f"{visitor}: GET {url} -> {status}")
    assert wrong == []


def test_admin_deactivating_an_unknown_user_gets_404(app):
    world = build_world()
    client = client_for(app, "admin", world)
    with app.test_request_context():
        url = url_for("admin.set_active", user_id=UNKNOWN)
    assert client.post(url, data={}).status_code == 404
