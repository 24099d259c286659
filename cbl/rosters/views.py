"""The district admin's roster import: upload a OneRoster ZIP, read the preview, confirm.

Upload → the file is kept under a random name → preview (counts, the rows that change, every
problem by file and line; nothing saved) → confirm: a run is queued and the job worker imports
the file (checked again, then saved in one transaction; ``cbl/rosters/jobs.py``) → the run's
state, then its summary or why it failed, on the import page beside earlier runs."""

import math

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext as _, lazy_gettext as _l, pgettext
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from cbl.accounts.models import Role
from cbl.extensions import db
from cbl.paging import paginate
from cbl.permissions import ADMINS, role_required
from cbl.rosters import audit_names, services, uploads  # noqa: F401  (audit_names registers the log's words)
from cbl.rosters.forms import ConfirmForm, UploadForm
from cbl.rosters.jobs import import_roster
from cbl.rosters.models import RosterImport, RunState
from cbl.rosters.plan import Act, Kind

bp = Blueprint("rosters", __name__, url_prefix="/admin/rosters")

PER_PAGE = 50
KIND_LABELS = {Kind.SCHOOL: _l("Schools"), Kind.TERM: _l("Terms"), Kind.CLASS: _l("Classes"),
               Kind.PERSON: _l("People"), Kind.MEMBERSHIP: _l("School memberships"),
               Kind.ENROLMENT: _l("Students in classes"), Kind.TEACHING: _l("Teachers of classes")}
def state_labels() -> dict[str, str]:
    return {RunState.QUEUED: pgettext("roster import", "Queued"), RunState.RUNNING: pgettext("roster import", "Running"),
            RunState.DONE: pgettext("roster import", "Done"), RunState.FAILED: pgettext("roster import", "Failed"),
            "stalled": pgettext("roster import", "Stopped")}


# Words for people, classes and enrolments alike (the Spanish differs from a retired competency's).
def act_labels() -> dict[Act, str]:
    return {Act.CREATED: pgettext("roster change", "new"), Act.UPDATED: pgettext("roster change", "updated"),
            Act.MOVED: pgettext("roster change", "moved"), Act.RETIRED: pgettext("roster change", "retired")}


def visible_runs():
    """The imports listed: all of them for the district admin, a school admin's own."""
    stmt = select(RosterImport)
    if current_user.role is not Role.ADMIN:
        stmt = stmt.where(RosterImport.actor_id == current_user.id)
    return stmt


class ListPage:
    """A page of a list held in memory, shaped like the database pages the macro draws."""

    def __init__(self, items: list, page: int):
        self.total = len(items)
        self.pages = max(1, math.ceil(self.total / PER_PAGE))
        self.page = min(max(page, 1), self.pages)
        self.items = items[(self.page - 1) * PER_PAGE:self.page * PER_PAGE]
        self.has_prev, self.has_next = self.page > 1, self.page < self.pages
        self.prev_num, self.next_num = self.page - 1, self.page + 1


@bp.route("", methods=["GET", "POST"])
@role_required(*ADMINS)
def index():
    """The upload form and the imports run so far (``?run=`` shows one run's summary)."""
    form = UploadForm()
    if form.validate_on_submit():
        try:
            token = uploads.save(form.file.data.stream)
        except uploads.UploadTooLarge:
            form.file.errors = [_("The file is larger than %(mb)d MB.", mb=uploads.MAX_UPLOAD_BYTES // 2**20)]
        else:
            return redirect(url_for("rosters.preview", upload=token, name=(form.file.data.filename or "")[:120]))
    runs = paginate(visible_runs().order_by(RosterImport.created_at.desc(), RosterImport.id.desc()))
    shown = db.session.scalar(visible_runs().where(RosterImport.id == int(request.args["run"]))) if request.args.get(
        "run", "").isdigit() and len(request.args["run"]) < 10 else None
    status = 400 if request.method == "POST" else 200
    return render_template("rosters/index.html", form=form, runs=runs, shown=shown, kinds=KIND_LABELS,
                           acts=act_labels(), states=state_labels(), nightly=_nightly()), status


def _nightly() -> dict | None:
    """The nightly import's file and hour, when one is set up."""
    path = current_app.config.get("ROSTER_IMPORT_PATH")
    return {"path": path, "at": current_app.config.get("ROSTER_IMPORT_AT")} if path else None


def _shown_list(plan) -> tuple[str, list]:
    """Which list the preview shows (``?show=problems`` or ``?show=<kind>-<act>``)."""
    show = request.args.get("show", "")
    if show == "problems" or (not show and not plan.ok):
        return "problems", plan.problems
    kind, _sep, act = show.partition("-")
    if kind in Kind._value2member_map_ and act in Act._value2member_map_:
        return show, plan.of(Kind(kind), Act(act))
    for change in plan.changes:
        return f"{change.kind}-{change.act}", plan.of(change.kind, change.act)
    return "", []


@bp.get("/preview")
@role_required(*ADMINS)
def preview():
    token = request.args.get("upload", "")
    path = uploads.path_of(token)
    if path is None:
        flash(_("That upload is no longer here (an upload is kept for 6 hours until it is imported). "
                "Upload the file again."), "error")
        return redirect(url_for("rosters.index"))
    name = request.args.get("name", "")[:120]
    try:
        plan = services.preview(path, current_user.id)
    except services.RosterRejected as err:
        uploads.discard(token)
        return _rejected(err, name)
    show, items = _shown_list(plan)
    confirm = ConfirmForm(formdata=None, data={"upload": token})
    return render_template("rosters/preview.html", plan=plan, counts=plan.counts(), show=show,
                           page=ListPage(items, request.args.get("page", 1, type=int) or 1), token=token, name=name,
                           form=confirm, kinds=KIND_LABELS, acts=act_labels())


def _rejected(err: services.RosterRejected, name: str):
    form = UploadForm(formdata=None)
    form.file.errors = [_("The file cannot be imported:")]
    runs = paginate(visible_runs().order_by(RosterImport.created_at.desc()))
    return render_template("rosters/index.html", form=form, runs=runs, shown=None, problems=err.problems,
                           kinds=KIND_LABELS, acts=act_labels(), states=state_labels(), name=name, nightly=_nightly()), 400


@bp.post("/confirm")
@role_required(*ADMINS)
def confirm():
    """Queue the import of the previewed file (one run per upload: a second confirmation
    leads to the first one's run). The job checks the file again and saves all or nothing."""
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400, _("The confirmation was incomplete. Open the preview again."))
    token = form.upload.data
    if uploads.TOKEN_RE.fullmatch(token or ""):
        earlier = db.session.scalar(select(RosterImport).where(RosterImport.upload == token))
        if earlier is not None:
            return _confirmed_before(earlier)
    path = uploads.path_of(token)
    if path is None:
        flash(_("That upload is no longer here (an upload is kept for 6 hours until it is imported). "
                "Upload the file again."), "error")
        return redirect(url_for("rosters.index"))
    name = request.args.get("name", "")[:120]
    run = RosterImport(actor_id=current_user.id, filename=(name or path.name)[:255], state=RunState.QUEUED,
                       upload=token)
    db.session.add(run)
    try:
        db.session.commit()
    except IntegrityError:  # the same upload confirmed at the same moment in another tab
        db.session.rollback()
        return _confirmed_before(db.session.scalar(select(RosterImport).where(RosterImport.upload == token)))
    run_id = run.id
    try:
        import_roster(run_id, str(get_locale()))
    except Exception:  # the queue cannot be reached: say so on the run rather than leave it queued
        current_app.logger.exception("Could not queue roster import %d.", run_id)
        db.session.rollback()
        run = db.session.get(RosterImport, run_id)
        run.state, run.problem_count = RunState.FAILED, 1
        run.problems = [{"where": _("the import"), "message": _("The import could not be queued, so nothing was "
                                                                 "saved. Try again in a few minutes.")}]
        db.session.commit()
    db.session.expire_all()
    run = db.session.get(RosterImport, run_id)
    _flash_state(run)
    return redirect(url_for("rosters.index", run=run.id))


def _confirmed_before(run: RosterImport):
    flash(_("This file was confirmed already: it is imported once. Its import is below."), "info")
    return redirect(url_for("rosters.index", run=run.id))


def _flash_state(run: RosterImport) -> None:
    if run.state is RunState.FAILED:
        flash(_("The import failed, so nothing was saved. Why is shown below."), "error")
    elif run.state is not RunState.DONE:
        flash(_("Import queued: it runs in the background and this page shows when it is done."), "info")
    elif changes := sum(sum(kinds.values()) for kinds in (run.counts or {}).values()):
        flash(_("Roster imported: %(changes)d changes saved.", changes=changes), "success")
    else:
        flash(_("Roster imported: no changes. Everything in the file is here already."), "info")
