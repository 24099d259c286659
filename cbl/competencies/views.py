"""Competency frameworks: read them, download them (CASE JSON, CSV), import new ones.

Who may (DESIGN.md §1, §4): teachers and admins read and export every framework (they are
the same for the whole installation, and teachers tag work and build rubrics with them).
Importing adds a framework to every class's choices, so it is the admins' job ("manage
competency frameworks, imports"); teachers get 403. Students and partners get 403 here:
students meet competencies through their own work and profile pages."""

import json

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from cbl.accounts.models import Role
from cbl.competencies import interchange, reimport
from cbl.competencies.forms import ImportForm, ReimportForm
from cbl.competencies.models import Competency, CompetencyFramework
from cbl.competencies.queries import list_frameworks
from cbl.extensions import db
from cbl.files import safe_filename
from cbl.permissions import role_required

bp = Blueprint("competencies", __name__, url_prefix="/competencies")

READERS = (Role.TEACHER, Role.ADMIN, Role.SCHOOL_ADMIN)


def children_by_parent(framework: CompetencyFramework) -> dict[int | None, list[Competency]]:
    """The framework's competencies grouped under their parent's id (None: top level), in
    order, so templates draw the tree without touching the database."""
    children: dict[int | None, list[Competency]] = {}
    for competency in sorted(framework.competencies, key=lambda c: (c.position, c.code)):
        children.setdefault(competency.parent_id, []).append(competency)
    return children


@bp.get("")
@role_required(*READERS)
def index():
    frameworks = list_frameworks()
    return render_template("competencies/index.html", frameworks=frameworks,
                           trees={f.id: children_by_parent(f) for f in frameworks})


@bp.get("/<int:framework_id>")
@role_required(*READERS)
def detail(framework_id: int):
    framework = db.get_or_404(CompetencyFramework, framework_id)
    return render_template("competencies/detail.html", framework=framework, tree=children_by_parent(framework))


@bp.get("/<int:framework_id>/export.json")
@role_required(*READERS)
def export_case(framework_id: int):
    """The framework as a 1EdTech CASE package (identifiers are given on the first export)."""
    framework = db.get_or_404(CompetencyFramework, framework_id)
    package = interchange.case_package(
        framework, document_url=url_for("competencies.detail", framework_id=framework.id, _external=True))
    return _download(json.dumps(package, ensure_ascii=False, indent=2), "application/json",
                     safe_filename(framework.title, "json"))


@bp.get("/<int:framework_id>/export.csv")
@role_required(*READERS)
def export_csv(framework_id: int):
    framework = db.get_or_404(CompetencyFramework, framework_id)
    return _download(interchange.export_csv(framework), "text/csv", safe_filename(framework.title, "csv"))


def _download(text: str, mimetype: str, filename: str) -> Response:
    response = Response(text.encode("utf-8"), content_type=f"{mimetype}; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.route("/import", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def import_framework():
    """Upload a CASE package or CSV file; every problem is listed, and nothing is saved then.
    A CASE framework that is here already is shown as a preview of its changes first."""
    form = ImportForm()
    problems: list = []
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.stream.read(interchange.MAX_BYTES + 1)
        fmt = None if form.format.data == "auto" else interchange.Format(form.format.data)
        try:
            parsed = interchange.read_file(data, filename=upload.filename or "", fmt=fmt, title=form.title.data or "")
            plan = reimport.plan_update(parsed)
            if plan is not None:
                return _preview(plan, data.decode("utf-8-sig"), form.title.data or "")
            framework = interchange.create_framework(parsed)
        except interchange.ImportRejected as err:
            form.file.errors = [str(err)]
            problems = err.problems
        else:
            flash(_("Imported “%(title)s” with %(count)d competencies.", title=framework.title,
                    count=len(framework.competencies)), "success")
            return redirect(url_for("competencies.detail", framework_id=framework.id))
    status = 400 if request.method == "POST" else 200
    return render_template("competencies/import.html", form=form, problems=problems), status


def _preview(plan: reimport.UpdatePlan, text: str, title: str, message: str | None = None, status: int = 200):
    """The changes a re-import makes, with the button that confirms them."""
    if not plan.has_changes:
        flash(_("“%(title)s” is already up to date: the file changes nothing.", title=plan.framework.title), "info")
        return redirect(url_for("competencies.detail", framework_id=plan.framework.id))
    confirm = ReimportForm(formdata=None, data={"payload": text, "title": title, "digest": plan.digest})
    return render_template("competencies/reimport.html", plan=plan, form=confirm, message=message,
                           labels=reimport.FIELD_LABELS), status


@bp.post("/import/confirm")
@role_required(Role.ADMIN)
def confirm_reimport():
    """Apply the re-import the admin previewed; if the framework changed meanwhile, show
    the new changes instead."""
    form = ReimportForm()
    if not form.validate_on_submit():
        flash(_("The preview expired. Choose the file again."), "error")
        return redirect(url_for("competencies.import_framework"))
    text, title = form.payload.data, form.title.data or ""
    try:
        parsed = interchange.read_file(text.encode("utf-8"), fmt=interchange.Format.CASE, title=title)
        plan = reimport.apply_update(parsed, form.digest.data)
    except reimport.PlanChanged as err:
        plan = reimport.plan_update(parsed)
        if plan is None:
            flash(str(err), "error")
            return redirect(url_for("competencies.import_framework"))
        return _preview(plan, text, title, message=str(err), status=409)
    except interchange.ImportRejected as err:
        retry = ImportForm(formdata=None)
        retry.file.errors = [str(err)]
        return render_template("competencies/import.html", form=retry, problems=err.problems), 400
    flash(_("“%(title)s” updated: %(added)d added, %(changed)d changed, %(retired)d retired.",
            title=plan.framework.title, added=len(plan.added), changed=len(plan.changed),
            retired=len(plan.retired)), "success")
    return redirect(url_for("competencies.detail", framework_id=plan.framework.id))
