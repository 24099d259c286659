"""Classes, rosters, teams; joining a class with its code."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload
from werkzeug.security import check_password_hash

from cbl.accounts import signup as signups
from cbl.accounts import sessions
from cbl.accounts.forms import SignupConfirmForm, SignupForm
from cbl.accounts.models import Role, User
from cbl.accounts.services import record_sign_in
from cbl.competencies.queries import class_framework_ids, default_framework_id, framework_choices
from cbl.errors import EditConflict, NotFound, ValidationFailed
from cbl.extensions import db
from cbl.formtools import choices
from cbl.i18n import select_locale
from cbl.permissions import (ADMINS, administered_school_ids, can_change_classroom, can_form_team,
                             can_manage_classroom, get_visible, password_resettable_people, role_required,
                             school_people_ids, team_of_student, visible_classrooms, visible_teams)
from cbl.schools import services as schools_services
from cbl.ratelimit import signup_limits
from cbl.teams import names, services
from cbl.teams.forms import AdminClassroomForm, ClassroomForm, EmptyForm, JoinClassForm, StudentTeamForm, TeamForm
from cbl.teams.models import Classroom, Team, TeamMember

bp = Blueprint("teams", __name__)


def _managed_classroom(classroom_id: int) -> Classroom:
    classroom = get_visible(visible_classrooms(current_user), Classroom, classroom_id)
    if not can_change_classroom(current_user, classroom):
        abort(403, _("You can't manage this class: only its teachers and the school's administrators can, and not while it is archived."))
    return classroom


@bp.get("/classes")
@login_required
def index():
    classrooms = db.session.scalars(visible_classrooms(current_user).where(Classroom.archived.is_(False))
                                    .options(selectinload(Classroom.school), selectinload(Classroom.academic_term))
                                    .order_by(Classroom.name)).all()
    # The terms whose classes the teacher or admin may archive at the end of the term.
    terms = [] if current_user.role not in (Role.TEACHER, *ADMINS) else sorted(
        {c.academic_term for c in classrooms if c.academic_term is not None}, key=lambda t: (t.title, t.id))
    return render_template("teams/index.html", classrooms=classrooms, terms=terms,
                           several_schools=len({c.school_id for c in classrooms}) > 1)


def _duplicate_class_name(form: ClassroomForm, teacher, classroom: Classroom | None = None) -> str | None:
    """The warning for a class name the teacher already uses in this term, unless confirmed."""
    if form.confirm_duplicate.data or not services.classroom_name_taken(
            teacher, form.name.data, form.term.data, classroom.id if classroom else None):
        return None
    return _("You already have a class called “%(name)s” in this term. Tick the box below and save again "
             "to keep the name anyway, or change it.", name=form.name.data.strip())


def _switches(form: ClassroomForm) -> dict[str, bool]:
    return {key: bool(getattr(form, key).data) for key in services.SETTINGS}


def _offer_frameworks(form: ClassroomForm, classroom: Classroom | None) -> None:
    """The framework checkboxes; on a first showing, the class's choice (a new class: the
    default framework)."""
    form.frameworks.choices = choices(framework_choices())
    if request.method == "GET":
        default = default_framework_id()
        chosen = class_framework_ids([classroom.id]) if classroom else ([default] if default else [])
        form.frameworks.data = chosen


def _offer_schools_and_terms(form: ClassroomForm, classroom: Classroom | None) -> None:
    """The School and Term choices: the teacher's schools (an admin's: those they run) and the
    terms of those schools and the district."""
    if current_user.role in ADMINS:
        schools = schools_services.list_schools(administered_school_ids(current_user))
    else:
        schools = schools_services.schools_of(current_user)
    if classroom is not None and classroom.school is not None and classroom.school not in schools:
        schools.append(classroom.school)
    form.school.choices = choices([(s.id, s.name) for s in schools] or [(0, _("No school"))])
    terms = [t for s in (schools or [None]) for t in schools_services.term_choices(s.id if s else None)]
    if classroom is not None and classroom.academic_term is not None and classroom.academic_term not in terms:
        terms.append(classroom.academic_term)
    seen, term_pairs = set(), []
    for t in terms:
        if t.id not in seen:
            seen.add(t.id)
            label = f"{t.title} ({t.school.name})" if t.school is not None and len(schools) > 1 else t.title
            term_pairs.append((t.id, label))
    form.academic_term.choices = choices([(0, _("No term (use the label below)"))] + term_pairs)
    form.terms_by_id = {t.id: t for t in terms}
    current_school = classroom.school_id if classroom is not None and classroom.school_id else \
        (schools[0].id if schools else 0)
    current_term = classroom.term_id if classroom is not None and classroom.term_id else 0
    # A page shows both fields; a post without them (an older page, a script) keeps what the class has.
    if request.method == "GET" or form.school.name not in request.form:
        form.school.data = current_school
    if request.method == "GET" or form.academic_term.name not in request.form:
        form.academic_term.data = current_term


def _chosen_term(form: ClassroomForm):
    """The term chosen on the form (None for none), once it belongs to the chosen school or the
    district; its title becomes the class's term label. False: a term of another school."""
    term = form.terms_by_id.get(form.academic_term.data) if form.academic_term.data else None
    if term is not None and term.school_id not in (None, form.school.data or None):
        form.academic_term.errors = [_("Choose a term of the class's school or of the whole district.")]
        return False
    if term is not None:
        form.term.data = term.title
    return term


@bp.route("/classes/new", methods=["GET", "POST"])
@role_required(Role.TEACHER, Role.ADMIN, Role.SCHOOL_ADMIN)
def create_classroom():
    """Teachers create their own classes; administrators create one for a teacher (a school
    admin for a teacher of their schools)."""
    if current_user.role in ADMINS:
        form = AdminClassroomForm()
        teachers = {t.id: t for t in services.list_teachers(
            None if current_user.role is Role.ADMIN else school_people_ids(administered_school_ids(current_user)))}
        form.teacher.choices = choices((t.id, f"{t.display_name} ({t.email or t.username})")
                                       for t in teachers.values())
    else:
        form = ClassroomForm()
    duplicate = None
    _offer_frameworks(form, None)
    _offer_schools_and_terms(form, None)
    if form.validate_on_submit() and (term := _chosen_term(form)) is not False:
        teacher = teachers[form.teacher.data] if current_user.role in ADMINS else current_user
        duplicate = _duplicate_class_name(form, teacher)
        if duplicate is None:
            try:
                classroom = services.create_classroom(teacher, form.name.data, form.term.data,
                                                      framework_ids=form.chosen_frameworks(), **_switches(form),
                                                      school_id=form.school.data or None,
                                                      term_id=term.id if term else None)
            except ValidationFailed as err:  # a framework deleted while the form was open
                form.frameworks.errors = [str(err)]
                return render_template("teams/classroom_form.html", form=form, classroom=None), 400
            flash(_("Class created. Give your students the join code %(code)s.", code=classroom.join_code),
                  "success")
            return redirect(url_for("teams.classroom", classroom_id=classroom.id))
    return render_template("teams/classroom_form.html", form=form, classroom=None, duplicate=duplicate), \
        400 if form.errors else 200


@bp.get("/classes/<int:classroom_id>")
@login_required
def classroom(classroom_id: int):
    # Everything the page lists comes in a fixed number of queries (a project's challenge
    # is then found among the loaded challenges without another query).
    classroom = get_visible(visible_classrooms(current_user).options(
        selectinload(Classroom.challenges),
        selectinload(Classroom.teams).selectinload(Team.memberships).joinedload(TeamMember.user),
        selectinload(Classroom.teams).selectinload(Team.projects)), Classroom, classroom_id)
    manage = can_change_classroom(current_user, classroom)  # False in an archived class: read-only
    own_team = team_of_student(current_user, classroom.id) if current_user.role is Role.STUDENT else None
    oversee = can_manage_classroom(current_user, classroom)
    roster = services.list_roster(classroom) if oversee else None
    # "Reset password" only for those the visitor may reset (a school admin: not a student who
    # is also in another school's class), in one query.
    resettable = set(db.session.scalars(password_resettable_people(current_user).with_only_columns(User.id).where(
        User.id.in_([student.id for student, _team in roster])))) if roster else set()
    return render_template(
        "teams/classroom.html", classroom=classroom, manage=manage, own_team=own_team,
        oversee=oversee, roster=roster, resettable=resettable,
        name_requests=names.name_requests_in(classroom) if manage else [],
        may_form_team=can_form_team(current_user, classroom), empty=EmptyForm(),
        student_team_form=StudentTeamForm())


@bp.route("/classes/<int:classroom_id>/settings", methods=["GET", "POST"])
@login_required
def edit_classroom(classroom_id: int):
    classroom = _managed_classroom(classroom_id)
    form = ClassroomForm(obj=classroom)
    duplicate = None
    _offer_frameworks(form, classroom)
    _offer_schools_and_terms(form, classroom)
    if form.validate_on_submit() and (term := _chosen_term(form)) is not False:
        duplicate = _duplicate_class_name(form, current_user, classroom)
        if duplicate is None:
            try:
                services.update_classroom(classroom, form.version.data, current_user, name=form.name.data,
                                          term=form.term.data, framework_ids=form.chosen_frameworks(),
                                          school_id=form.school.data or None, term_id=term.id if term else None,
                                          **_switches(form))
            except ValidationFailed as err:  # a framework deleted while the form was open
                form.frameworks.errors = [str(err)]
                return render_template("teams/classroom_form.html", form=form, classroom=classroom), 400
            except EditConflict as conflict:
                form.version.data, form.version.raw_data = conflict.current_version, [str(conflict.current_version)]
                return render_template("teams/classroom_form.html", form=form, classroom=classroom,
                                       conflict=conflict), 409
            flash(_("Class settings saved."), "success")
            return redirect(url_for("teams.classroom", classroom_id=classroom.id))
    return render_template("teams/classroom_form.html", form=form, classroom=classroom, duplicate=duplicate), \
        400 if form.errors else 200


@bp.post("/classes/<int:classroom_id>/join-code")
@login_required
def regenerate_code(classroom_id: int):
    classroom = _managed_classroom(classroom_id)
    if EmptyForm().validate_on_submit():
        code = services.regenerate_join_code(classroom)
        flash(_("New join code: %(code)s. The old code no longer works.", code=code), "success")
    return redirect(url_for("teams.classroom", classroom_id=classroom.id))


def _duplicate_team_name(form: StudentTeamForm, classroom: Classroom, team: Team | None = None) -> str | None:
    """The warning for a team name the class already uses, unless confirmed."""
    if form.confirm_duplicate.data or not services.team_name_taken(classroom.id, form.name.data,
                                                                   team.id if team else None):
        return None
    return _("This class already has a team called “%(name)s”. Tick the box below and save again to keep the "
             "name anyway, or change it.", name=form.name.data.strip())


def _team_form_page(form, classroom: Classroom, team: Team | None, duplicate: str | None, conflict=None):
    status = 409 if conflict else (400 if request.method == "POST" and not duplicate else 200)
    return render_template("teams/team_form.html", form=form, classroom=classroom, team=team,
                           duplicate=duplicate, conflict=conflict), status


def _member_choices(classroom: Classroom):
    return choices((user.id, user.display_name + (f" ({team.name})" if team else ""))
                   for user, team in services.list_roster(classroom))


@bp.route("/classes/<int:classroom_id>/teams/new", methods=["GET", "POST"])
@login_required
def create_team(classroom_id: int):
    classroom = get_visible(visible_classrooms(current_user), Classroom, classroom_id)
    if not can_form_team(current_user, classroom):
        abort(403, _("You can't form a team in this class."))
    if not can_manage_classroom(current_user, classroom):
        return _student_creates_team(classroom)
    form = TeamForm()
    form.members.choices = _member_choices(classroom)
    duplicate = None
    if form.validate_on_submit() and not (duplicate := _duplicate_team_name(form, classroom)):
        try:
            team = services.create_team(classroom, form.name.data, form.members.data)
        except ValidationFailed as err:
            form.name.errors = [str(err)]
        else:
            flash(_("Team %(name)s created.", name=team.name), "success")
            return redirect(url_for("teams.classroom", classroom_id=classroom.id))
    return _team_form_page(form, classroom, None, duplicate)


def _student_creates_team(classroom: Classroom):
    form = StudentTeamForm()
    duplicate = None
    if form.validate_on_submit() and not (duplicate := _duplicate_team_name(form, classroom)):
        try:
            team = services.create_own_team(current_user, classroom, form.name.data)
        except ValidationFailed as err:
            form.name.errors = [str(err)]
        else:
            flash(_("You started team %(name)s.", name=team.name), "success")
            return redirect(url_for("teams.classroom", classroom_id=classroom.id))
    return _team_form_page(form, classroom, None, duplicate)


@bp.route("/teams/<int:team_id>/edit", methods=["GET", "POST"])
@login_required
def edit_team(team_id: int):
    team = get_visible(visible_teams(current_user), Team, team_id)
    if team.archived or not can_change_classroom(current_user, team.classroom):
        abort(403, _("You can't change this team: only the class's teachers can, and not while it is archived."))
    form = TeamForm(obj=team)
    form.members.choices = _member_choices(team.classroom)
    if request.method == "GET":
        form.members.data = [m.user_id for m in team.memberships]
    duplicate = conflict = None
    if form.validate_on_submit() and not (duplicate := _duplicate_team_name(form, team.classroom, team)):
        try:
            services.update_team(team, form.name.data, form.members.data, form.version.data, current_user)
        except ValidationFailed as err:
            form.name.errors = [str(err)]
        except EditConflict as err:
            conflict = err
            form.version.data, form.version.raw_data = err.current_version, [str(err.current_version)]
        else:
            flash(_("Team saved."), "success")
            return redirect(url_for("teams.classroom", classroom_id=team.classroom_id))
    return _team_form_page(form, team.classroom, team, duplicate, conflict)


def _self_forming_team(team_id: int) -> Team:
    team = get_visible(visible_teams(current_user), Team, team_id)
    if (current_user.role is not Role.STUDENT or not team.classroom.students_form_teams
            or team.archived or team.classroom.archived):
        abort(403, _("In this class, the teacher forms the teams."))
    return team


@bp.post("/teams/<int:team_id>/join")
@login_required
def join_team(team_id: int):
    team = _self_forming_team(team_id)
    if EmptyForm().validate_on_submit():
        try:
            services.join_team(current_user, team)
        except ValidationFailed as err:
            flash(str(err), "error")
        else:
            flash(_("You joined %(name)s.", name=team.name), "success")
    return redirect(url_for("teams.classroom", classroom_id=team.classroom_id))


@bp.post("/teams/<int:team_id>/leave")
@login_required
def leave_team(team_id: int):
    team = _self_forming_team(team_id)
    if EmptyForm().validate_on_submit():
        services.leave_team(current_user, team)
        flash(_("You left %(name)s.", name=team.name), "success")
    return redirect(url_for("teams.classroom", classroom_id=team.classroom_id))


@bp.route("/join", methods=["GET", "POST"])
@role_required(Role.STUDENT)
def join_classroom():
    form = JoinClassForm()
    if form.validate_on_submit():
        try:
            classroom = services.join_classroom(current_user, form.join_code.data)
        except ValidationFailed as err:
            form.join_code.errors = [str(err)]
        else:
            flash(_("Welcome to %(name)s.", name=classroom.name), "success")
            return redirect(url_for("teams.classroom", classroom_id=classroom.id))
    return render_template("teams/join.html", form=form), 400 if form.errors else 200


@bp.route("/signup", methods=["GET", "POST"])
@signup_limits
def signup():
    """A student signs up with their class's code. The account is made when they open the link
    mailed to them; an address that has an account is mailed how to sign in instead. The page
    answers the same either way (cbl/accounts/signup.py)."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = SignupForm(join_code=request.args.get("code", ""))
    if form.validate_on_submit():
        try:
            classroom = services.classroom_for_code(form.join_code.data)
        except ValidationFailed as err:
            form.join_code.errors = [str(err)]
        else:
            signups.request_signup(classroom, form.display_name.data, form.email.data, form.password.data,
                                   select_locale())
            return render_template("accounts/signup_sent.html", email=form.email.data.strip())
            sessions.start(user)
            flash(_("Welcome, %(name)s! Your account is ready.", name=user.first_name), "success")
            return redirect(url_for("main.home"))
    return render_template("accounts/signup.html", form=form), 400 if form.errors else 200


@bp.route("/signup/confirm/<token>", methods=["GET", "POST"])
def signup_confirm(token: str):
    """The mailed link shows a button; the account is made only by pressing it, so that mail
    scanners that fetch links do not use it up."""
    try:
        pending = signups.find(token)
    except NotFound:
        return render_template("accounts/signup_problem.html",
                               message=_("This link is not valid, or it was used already.")), 404
    except ValidationFailed as err:
        return render_template("accounts/signup_problem.html", message=str(err)), 400
    if current_user.is_authenticated:
        return render_template("accounts/signup_problem.html", message=_(
            "You are signed in with another account. Sign out, then open the link again.")), 403
    form = SignupConfirmForm()
    if request.method == "POST" and form.validate_on_submit():
        if not check_password_hash(pending.password_hash, form.password.data):
            form.password.errors = [_("This is not the password typed on the sign-up form. If you did not sign up "
                                      "yourself, ignore the mail: no account is made.")]
            return render_template("accounts/signup_confirm.html", form=form, pending=pending), 400
        try:
            user = signups.confirm(token)
        except (NotFound, ValidationFailed) as err:
            return render_template("accounts/signup_problem.html", message=str(err) or _(
                "This link is not valid, or it was used already.")), 400
        sessions.start(user)
        record_sign_in(user)
        flash(_("Welcome, %(name)s! Your account is ready.", name=user.first_name), "success")
        return redirect(url_for("main.home"))
    return render_template("accounts/signup_confirm.html", form=form, pending=pending), \
        400 if request.method == "POST" else 200
