"""Roster imports: preview a OneRoster ZIP, then apply it in one transaction.

:func:`preview` reads and plans without writing. :func:`run_import` plans again (the file or
the database may have changed since the preview) and, when the plan has no problems, writes
it all at once with bulk statements (no query per row), records the run and one audit line,
and commits once. Any problem leaves the database as it was. The admin page and the nightly
import run it through the job queue (``cbl/rosters/jobs.py``)."""

import json
import secrets

from flask_babel import gettext as _
from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from cbl import audit
from cbl.accounts.models import User, new_session_token
from cbl.dbtypes import utcnow
from cbl.extensions import db
from cbl.rosters import spec
from cbl.rosters.models import ImportOutcome, RosterImport, RunState
from cbl.rosters.parse import RosterRejected, read_zip
from cbl.rosters.plan import Act, Kind, Plan, make_plan, scope_for
from cbl.schools.models import School, SchoolMember, Term
from cbl.teams.models import Classroom, ClassroomTeacher, Enrolment, TeamMember, Team, new_join_code

CHUNK = 2000

__all__ = ["RosterRejected", "preview", "run_import", "unusable_password"]


def unusable_password() -> str:
    """A password hash no password matches (rostered people sign in with school sign-in, a
    sign-in card or a password a teacher or admin sets): random, and not in any hash format."""
    return "roster!" + secrets.token_hex(16)


def _scope(actor_id: int | None):
    """A school admin's import stays within their schools; the district admin's and the
    command's do not."""
    return scope_for(db.session.get(User, actor_id) if actor_id else None)


def preview(source, actor_id: int | None = None) -> Plan:
    """What importing the ZIP at ``source`` would change, with every problem. Saves nothing."""
    plan = make_plan(read_zip(source), _scope(actor_id))
    db.session.rollback()
    return plan


def run_import(source, actor_id: int | None, filename: str,
               run: RosterImport | None = None) -> tuple[Plan, RosterImport | None]:
    """Plan and, if the plan has no problems, apply it. Returns the plan and the recorded
    run (None when problems stopped it: nothing was written). ``run``, a queued run being
    carried out, is completed in the same transaction; otherwise a new run is recorded."""
    plan = make_plan(read_zip(source), _scope(actor_id))
    if not plan.ok:
        db.session.rollback()
        return plan, None
    try:
        _Writer(plan).write()
    except IntegrityError as err:  # a clash the plan did not foresee (two rows swapping an email…)
        db.session.rollback()
        plan.roster.problem(_("the upload"), None, _("The database refused the import, so nothing was saved: "
                                                    "%(why)s", why=str(err.orig)[:300]))
        return plan, None
    roster = plan.roster
    modes = sorted({roster.mode(name) for name in spec.ROSTER_FILES} - {"absent"})
    if run is None:
        run = RosterImport(actor_id=actor_id, filename=filename[:255])
        db.session.add(run)
    run.version, run.mode, run.counts = roster.version, ", ".join(modes), plan.counts()
    run.outcome = ImportOutcome.APPLIED if plan.changes else ImportOutcome.NO_CHANGES
    run.state, run.finished_at = RunState.DONE, utcnow()
    db.session.flush()
    audit.record(audit.Action.ROSTER_IMPORTED, actor_id=actor_id, object_type="roster_import", object_id=run.id,
                 detail=json.dumps({"file": filename[:120], "changes": len(plan.changes)}))
    db.session.commit()
    return plan, run


class _Writer:
    def __init__(self, plan: Plan):
        self.plan = plan
        self.now = utcnow()

    def changes(self, kind: Kind, act: Act):
        return self.plan.of(kind, act)

    def write(self) -> None:
        self.schools()
        self.terms()
        self.classes()
        self.people()
        self.enrolments(Kind.ENROLMENT, Enrolment)
        self.enrolments(Kind.TEACHING, ClassroomTeacher)

    @staticmethod
    def ids(model) -> dict[str, int]:
        return dict(db.session.execute(select(model.sourced_id, model.id).where(model.sourced_id.is_not(None)))
                    .all())

    @staticmethod
    def _insert(model, rows: list[dict]) -> None:
        for start in range(0, len(rows), CHUNK):  # chunks keep the memory of a big district low
            db.session.execute(insert(model), rows[start:start + CHUNK])

    @staticmethod
    def _update(model, rows: list[dict]) -> None:
        for start in range(0, len(rows), CHUNK):
            db.session.execute(update(model), rows[start:start + CHUNK])

    def schools(self) -> None:
        self._insert(School, [{**c.values, "sourced_id": c.sourced_id}
                              for c in self.changes(Kind.SCHOOL, Act.CREATED)])
        self._update(School, [{**c.values, "id": c.row_id, "retired_at": None}
                              for c in self.changes(Kind.SCHOOL, Act.UPDATED)])
        self._update(School, [{"id": c.row_id, "retired_at": self.now} for c in self.changes(Kind.SCHOOL, Act.RETIRED)])
        self.school_ids = self.ids(School)

    def terms(self) -> None:
        def columns(c):
            return {k: v for k, v in c.values.items() if k != "parent"}
        self._insert(Term, [{**columns(c), "sourced_id": c.sourced_id} for c in self.changes(Kind.TERM, Act.CREATED)])
        self._update(Term, [{**columns(c), "id": c.row_id} for c in self.changes(Kind.TERM, Act.UPDATED)])
        self.term_ids = self.ids(Term)
        parents = [{"id": self.term_ids[c.sourced_id], "parent_id": self.term_ids.get(c.values["parent"])}
                   for c in self.plan.of(Kind.TERM) if c.act is not Act.RETIRED]
        self._update(Term, parents)

    def classes(self) -> None:
        def columns(c):
            return {"name": c.values["name"], "school_id": self.school_ids.get(c.values["school"]),
                    "term_id": self.term_ids.get(c.values["term"]), "term": c.values["term_label"]}
        self._insert(Classroom, [{**columns(c), "sourced_id": c.sourced_id, "join_code": new_join_code(),
                                  "joining_open": False} for c in self.changes(Kind.CLASS, Act.CREATED)])
        self._update(Classroom, [{**columns(c), "id": c.row_id} for c in self.changes(Kind.CLASS, Act.UPDATED)])
        retired = self.changes(Kind.CLASS, Act.RETIRED)
        self._update(Classroom, [{"id": c.row_id, "archived": True} for c in retired])
        for c in retired:  # the lifecycle's own audit line for each archived class
            audit.record(audit.Action.ARCHIVED, actor_id=None, classroom_id=c.row_id, object_type="classroom",
                         object_id=c.row_id, detail=c.label)
        self.class_ids = self.ids(Classroom)

    def people(self) -> None:
        self._insert(User, [{**c.values, "sourced_id": c.sourced_id, "password_hash": unusable_password(),
                             "session_token": new_session_token()} for c in self.changes(Kind.PERSON, Act.CREATED)])
        updates = [{**c.values, "id": c.row_id} for c in self.changes(Kind.PERSON, Act.UPDATED)]
        retired = self.changes(Kind.PERSON, Act.RETIRED)
        for c in retired:
            values = {**c.values, "id": c.row_id, "active": False, "session_token": new_session_token()}
            updates.append(values)
        # Rows of one executemany must share their columns: group them by the columns they set.
        groups: dict[tuple, list[dict]] = {}
        for row in updates:
            groups.setdefault(tuple(sorted(row)), []).append(row)
        for rows in groups.values():
            self._update(User, rows)
        self.user_ids = self.ids(User)
        members = {(self.school_ids[c.values["school"]], self.user_ids[c.values["user"]])
                   for c in self.changes(Kind.MEMBERSHIP, Act.CREATED)}
        if members:
            existing = set(db.session.execute(select(SchoolMember.school_id, SchoolMember.user_id)
                                              .where(SchoolMember.user_id.in_({u for _, u in members}))).all())
            self._insert(SchoolMember, [{"school_id": s, "user_id": u} for s, u in sorted(members - existing)])

    def enrolments(self, kind: Kind, model) -> None:
        def columns(c):
            return {"classroom_id": self.class_ids[c.values["class"]], "user_id": self.user_ids[c.values["user"]]}
        self._insert(model, [{**columns(c), "sourced_id": c.sourced_id} for c in self.changes(kind, Act.CREATED)])
        moved = self.changes(kind, Act.MOVED)
        if kind is Kind.ENROLMENT and moved:
            self._leave_teams([(c.row_id,) for c in moved])
        self._update(model, [{**columns(c), "id": c.row_id} for c in moved])
        self._update(model, [{**(columns(c) if "class" in c.values else {}), "sourced_id": c.sourced_id,
                              "id": c.row_id} for c in self.changes(kind, Act.UPDATED)])
        retired = [c.row_id for c in self.changes(kind, Act.RETIRED)]
        if retired:
            if kind is Kind.ENROLMENT:
                self._leave_teams([(row_id,) for row_id in retired])
            db.session.execute(delete(model).where(model.id.in_(retired)))

    @staticmethod
    def _leave_teams(enrolment_ids: list[tuple[int]]) -> None:
        """A student who leaves a class leaves its teams too (as removing them by hand does);
        the team's project and their work in it stay."""
        ids = [i for (i,) in enrolment_ids]
        for start in range(0, len(ids), 500):
            pairs = db.session.execute(select(Enrolment.classroom_id, Enrolment.user_id)
                                       .where(Enrolment.id.in_(ids[start:start + 500]))).all()
            if not pairs:
                continue
            wanted = set(pairs)
            teams = dict(db.session.execute(select(Team.id, Team.classroom_id)
                                            .where(Team.classroom_id.in_({c for c, _ in pairs}))).all())
            if not teams:
                continue
            members = db.session.execute(select(TeamMember.id, TeamMember.team_id, TeamMember.user_id)
                                         .where(TeamMember.team_id.in_(list(teams))))
            gone = [m for m, team, user in members if (teams[team], user) in wanted]
            if gone:
                db.session.execute(delete(TeamMember).where(TeamMember.id.in_(gone)))
