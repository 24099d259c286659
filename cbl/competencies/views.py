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
from cbl.competencies import interchange
from cbl.competencies.forms import ImportForm
from cbl.competencies.models import Competency, CompetencyFramework
from cbl.competencies.queries import list_frameworks
from cbl.extensions import db
from cbl.files import safe_filename
from cbl.permissions import role_required

bp = Blueprint("competencies", __name__, url_prefix="/competencies")

READERS = (Role.TEACHER, Role.ADMIN)


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
    """Upload a CASE package or CSV file; every problem is listed, and nothing is saved then."""
    form = ImportForm()
    problems: list = []
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.stream.read(interchange.MAX_BYTES + 1)
        fmt = None if form.format.data == "auto" else interchange.Format(form.format.data)
        try:
            framework = interchange.import_framework(data, filename=upload.filename or "", fmt=fmt,
                                                     title=form.title.data or "")
        except interchange.ImportRejected as err:
            form.file.errors = [str(err)]
            problems = err.problems
        else:
            flash(_("Imported “%(title)s” with %(count)d competencies.", title=framework.title,
                    count=len(framework.competencies)), "success")
            return redirect(url_for("competencies.detail", framework_id=framework.id))
    status = 400 if request.method == "POST" else 200
    return render_template("competencies/import.html", form=form, problems=problems), status
