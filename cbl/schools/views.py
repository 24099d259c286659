"""Schools and terms: the district admin's schools and school admins, a school admin's own
school, the terms of a school or the district, and the end of a term."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, ngettext
from flask_login import current_user
from sqlalchemy import or_, select

from cbl.accounts.models import Role
from cbl.errors import ValidationFailed
from cbl.extensions import db
from cbl.formtools import EmptyForm, choices
from cbl.permissions import (ADMINS, administered_classroom_ids, administered_school_ids, administers_school,
                             role_required, taught_classroom_ids)
from cbl.school import school_name
from cbl.schools import services
from cbl.schools.forms import AppointAdminForm, SchoolForm, SchoolNameForm, TermForm
from cbl.schools.models import School, Term, TermKind

bp = Blueprint("schools", __name__)


@bp.record_once
def _template_helpers(state) -> None:
    # The name outsiders see on a class's pages (a showcase story): its school's, else the installation's.
    state.app.jinja_env.globals["school_of"] = school_name


def _school_or_404(school_id: int) -> School:
    school = db.session.get(School, school_id) if 0 < school_id < 2**31 else None
    if school is None or not administers_school(current_user, school.id):
        abort(404)
    return school


@bp.get("/admin/schools")
@role_required(*ADMINS)
def index():
    """The schools the admin runs with their admins, and the terms of those schools and the district."""
    schools = services.list_schools(administered_school_ids(current_user))
    terms = db.session.scalars(services.visible_terms(current_user, administered_school_ids(current_user))).all()
    return render_template("schools/index.html", schools=schools, terms=terms, form=SchoolForm(),
                           admins=services.admins_by_school(schools),
                           editable_term=lambda term: _may_edit_term(term))


@bp.post("/admin/schools")
@role_required(Role.ADMIN)
def create():
    """The district admin adds a school."""
    form = SchoolForm()
    if form.validate_on_submit():
        school = services.create_school(form.name.data, form.identifier.data or "")
        flash(_("School %(name)s added.", name=school.name), "success")
        return redirect(url_for("schools.edit", school_id=school.id))
    schools = services.list_schools(administered_school_ids(current_user))
    terms = db.session.scalars(services.visible_terms(current_user, administered_school_ids(current_user))).all()
    return render_template("schools/index.html", schools=schools, terms=terms, form=form,
                           admins=services.admins_by_school(schools),
                           editable_term=lambda term: _may_edit_term(term)), 400


@bp.route("/admin/schools/<int:school_id>", methods=["GET", "POST"])
@role_required(*ADMINS)
def edit(school_id: int):
    """The district admin edits a school's name and code; a school admin their school's name."""
    school = _school_or_404(school_id)
    district = current_user.role is Role.ADMIN
    form = SchoolForm() if district else SchoolNameForm()
    if request.method == "GET":
        form.name.data = school.name
        if district:
            form.identifier.data = school.identifier
    elif form.validate_on_submit():
        services.update_school(school, form.name.data, (form.identifier.data or "") if district else None)
        flash(_("School saved."), "success")
        return redirect(url_for("schools.edit", school_id=school.id))
    return render_template("schools/edit.html", school=school, form=form, appoint=AppointAdminForm(),
                           admins=services.school_admins(school)), 400 if request.method == "POST" else 200


@bp.post("/admin/schools/<int:school_id>/admins")
@role_required(Role.ADMIN)
def appoint_admin(school_id: int):
    """The district admin makes a teacher an administrator of the school."""
    school = _school_or_404(school_id)
    appoint = AppointAdminForm()
    if appoint.validate_on_submit():
        try:
            user = services.appoint_admin(school, appoint.person.data, current_user._get_current_object())
        except ValidationFailed as err:
            appoint.person.errors = [str(err)]
        else:
            flash(_("%(name)s now runs %(school)s.", name=user.display_name, school=school.name), "success")
            return redirect(url_for("schools.edit", school_id=school.id))
    form = SchoolForm(formdata=None, data={"name": school.name, "identifier": school.identifier})
    return render_template("schools/edit.html", school=school, form=form, appoint=appoint,
                           admins=services.school_admins(school)), 400


# --- terms ---------------------------------------------------------------------------------

def _may_edit_term(term: Term) -> bool:
    """The district admin edits every term; a school admin the terms of their schools."""
    if current_user.role is Role.ADMIN:
        return True
    return term.school_id is not None and administers_school(current_user, term.school_id)


def _term_form(term: Term | None) -> TermForm:
    form = TermForm() if request.method == "POST" else TermForm(formdata=None, obj=None)
    schools = services.list_schools(administered_school_ids(current_user))
    # 0: a term of the whole district (the district admin's choice only).
    form.school.choices = choices(([(0, _("The whole district"))] if current_user.role is Role.ADMIN else [])
                                  + [(s.id, s.name) for s in schools])
    if request.method == "GET" and term is not None:
        form.title.data, form.kind.data = term.title, term.kind.value
        form.starts_on.data, form.ends_on.data = term.starts_on, term.ends_on
        form.school.data = term.school_id or 0
    return form


def _save_term(term: Term | None):
    form = _term_form(term)
    if form.validate_on_submit():
        try:
            saved = services.save_term(term, title=form.title.data, kind=TermKind(form.kind.data),
                                       starts_on=form.starts_on.data, ends_on=form.ends_on.data,
                                       school_id=form.school.data or None)
        except ValidationFailed as err:
            getattr(form, err.field or "title").errors = [str(err)]
        else:
            flash(_("Term %(title)s saved.", title=saved.title), "success")
            return redirect(url_for("schools.index"))
    return render_template("schools/term_form.html", form=form, term=term), \
        400 if request.method == "POST" else 200


@bp.route("/admin/terms/new", methods=["GET", "POST"])
@role_required(*ADMINS)
def create_term():
    """A term of one of the admin's schools (or, for the district admin, of the district)."""
    return _save_term(None)


@bp.route("/admin/terms/<int:term_id>", methods=["GET", "POST"])
@role_required(*ADMINS)
def edit_term(term_id: int):
    term = _visible_term_or_404(term_id)
    if not _may_edit_term(term):
        abort(403, _("A term of the whole district is the district administrator's to change."))
    return _save_term(term)


def _visible_term_or_404(term_id: int) -> Term:
    """A term the user may know of: the district's, or one of a school they run or teach in."""
    if not 0 < term_id < 2**31:
        abort(404)
    stmt = select(Term).where(Term.id == term_id)
    if current_user.role in ADMINS:
        stmt = stmt.where(or_(Term.school_id.is_(None), Term.school_id.in_(administered_school_ids(current_user))))
    else:
        stmt = stmt.where(Term.id.in_(services.teacher_term_ids(current_user)))
    term = db.session.scalar(stmt)
    if term is None:
        abort(404)
    return term


@bp.route("/terms/<int:term_id>/archive", methods=["GET", "POST"])
@role_required(Role.TEACHER, *ADMINS)
def archive_term(term_id: int):
    """The end of a term: a teacher archives their classes of the term, an admin every class of
    the term in their schools; a confirmation page lists them first."""
    term = _visible_term_or_404(term_id)
    scope = taught_classroom_ids(current_user) if current_user.role is Role.TEACHER \
        else administered_classroom_ids(current_user)
    classrooms = services.term_classrooms(term, scope)
    if request.method == "POST":
        if not EmptyForm().validate_on_submit():
            abort(400)
        count = services.archive_term(term, classrooms, current_user)
        flash(ngettext("%(num)d class of %(term)s archived. It stays readable in the archive.",
                       "%(num)d classes of %(term)s archived. They stay readable in the archive.",
                       count, term=term.title), "success")
        return redirect(url_for("projects.archive"))
    return render_template("schools/archive_term.html", term=term, classrooms=classrooms, form=EmptyForm())
