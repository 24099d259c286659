"""What a OneRoster file would change here: the plan a preview shows and an import applies.

The database is read once per kind of thing (dictionaries keyed by ``sourcedId``), never a
query per row. Matching is by ``sourcedId`` first; a person the roster does not know yet is
matched to an existing account by email, then by school id (SIS number), when that account
carries no ``sourcedId`` of its own.

Mapping (OneRoster → here): an ``org`` of type school → School (a district or other org is
noted, no row); an ``academicSession`` → Term; a ``class`` → Classroom in its school and
first term, named after its course and title; a ``user`` → User with the role of their primary
``role`` (student, teacher; administrator, principal, site administrator → school admin of
that org; parents, guardians, aides and others are not brought in, with a note); an
``enrollment`` → Enrolment (student) or ClassroomTeacher (teacher).

``tobedeleted`` deactivates people and archives classes; in a ``bulk`` file, whatever an
earlier import brought that the file no longer lists is retired the same way; ``delta``
changes only the rows it lists. Nothing is ever deleted but enrolments (the student leaves
the class; their work stays with their team's project)."""

import enum
from dataclasses import dataclass, field

from flask_babel import gettext as _, ngettext
from sqlalchemy import select

from cbl.accounts.models import Role, User, normalise_email, normalise_username
from cbl.extensions import db
from cbl.permissions import administered_school_ids, school_people_ids
from cbl.rosters import spec
from cbl.rosters.parse import Problem, Roster, Row, split_ids
from cbl.schools.models import School, SchoolMember, Term, TermKind
from cbl.teams.models import Classroom, ClassroomTeacher, Enrolment


class Kind(enum.StrEnum):
    SCHOOL = "school"
    TERM = "term"
    CLASS = "class"
    PERSON = "person"
    MEMBERSHIP = "membership"
    ENROLMENT = "enrolment"
    TEACHING = "teaching"


class Act(enum.StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    MOVED = "moved"
    RETIRED = "retired"


@dataclass(slots=True)
class Change:
    kind: Kind
    act: Act
    sourced_id: str
    label: str
    values: dict = field(default_factory=dict)   # columns to write (references by sourcedId)
    row_id: int | None = None                      # the existing row, when there is one
    detail: str = ""


ROLE_MAP = {"student": Role.STUDENT, "teacher": Role.TEACHER, "administrator": Role.SCHOOL_ADMIN,
            "principal": Role.SCHOOL_ADMIN, "siteAdministrator": Role.SCHOOL_ADMIN}
ROSTER_ROLES = (Role.STUDENT, Role.TEACHER, Role.SCHOOL_ADMIN)


@dataclass(frozen=True)
class Scope:
    """What a school admin's import may touch: the schools they run, the classes of those
    schools and the people of those schools only (not people of another school too, not
    district admins or partners). A district admin's import (and the command) has no scope."""

    school_ids: frozenset[int]
    class_ids: frozenset[int]
    people: frozenset[int]


def scope_for(user: User | None) -> Scope | None:
    """The scope of an import run by ``user``: None (everything) for a district admin or the
    command, the school admin's own schools for a school admin."""
    if user is None or user.role is not Role.SCHOOL_ADMIN:
        return None
    mine = set(db.session.scalars(administered_school_ids(user)))
    others = select(School.id).where(School.id.not_in(mine))
    outside = set(db.session.scalars(school_people_ids(others)))
    people = {uid for uid, role in db.session.execute(
        select(User.id, User.role).where(User.id.in_(school_people_ids(select(School.id).where(School.id.in_(mine))))))
        if role in ROSTER_ROLES and uid not in outside}
    classes = set(db.session.scalars(select(Classroom.id).where(Classroom.school_id.in_(mine))))
    return Scope(frozenset(mine), frozenset(classes), frozenset(people))


@dataclass
class Plan:
    roster: Roster
    changes: list[Change] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def problems(self) -> list[Problem]:
        return self.roster.problems

    @property
    def problem_count(self) -> int:
        return self.roster.problem_count

    @property
    def ok(self) -> bool:
        return self.roster.problem_count == 0

    def counts(self) -> dict[str, dict[str, int]]:
        counts: dict[str, dict[str, int]] = {kind.value: {act.value: 0 for act in Act} for kind in Kind}
        for change in self.changes:
            counts[change.kind][change.act] += 1
        return counts

    def of(self, kind: Kind, act: Act | None = None) -> list[Change]:
        return [c for c in self.changes if c.kind is kind and (act is None or c.act is act)]


class _State:
    """What earlier imports and people made: one query per table."""

    def __init__(self) -> None:
        rows = db.session.execute
        self.schools = {r.sourced_id: r for r in rows(select(
            School.id, School.sourced_id, School.name, School.identifier, School.retired_at)
            .where(School.sourced_id.is_not(None)))}
        # Schools made here before any import (the first school of an upgrade, one an admin
        # added): the roster's school of the same identifier or name takes them over.
        self.unsourced_schools = rows(select(
            School.id, School.sourced_id, School.name, School.identifier, School.retired_at)
            .where(School.sourced_id.is_(None)).order_by(School.id)).all()
        self.terms = {r.sourced_id: r for r in rows(select(
            Term.id, Term.sourced_id, Term.title, Term.kind, Term.starts_on, Term.ends_on, Term.parent_id,
            Term.school_id)
            .where(Term.sourced_id.is_not(None)))}
        self.term_sid = {r.id: sid for sid, r in self.terms.items()}
        self.classes = {r.sourced_id: r for r in rows(select(
            Classroom.id, Classroom.sourced_id, Classroom.name, Classroom.school_id, Classroom.term_id,
            Classroom.archived).where(Classroom.sourced_id.is_not(None)))}
        users = rows(select(User.id, User.sourced_id, User.email, User.username, User.school_id, User.display_name,
                            User.role, User.active)).all()
        self.users = {r.sourced_id: r for r in users if r.sourced_id}
        self.by_email = {r.email: r for r in users if r.email}
        self.by_username = {r.username: r for r in users if r.username}
        self.by_sis = {r.school_id: r for r in users if r.school_id}
        self.members = set(rows(select(SchoolMember.school_id, SchoolMember.user_id)).all())
        self.enrolments = {r.sourced_id: r for r in rows(select(
            Enrolment.id, Enrolment.sourced_id, Enrolment.classroom_id, Enrolment.user_id)
            .where(Enrolment.sourced_id.is_not(None)))}
        self.teachings = {r.sourced_id: r for r in rows(select(
            ClassroomTeacher.id, ClassroomTeacher.sourced_id, ClassroomTeacher.classroom_id, ClassroomTeacher.user_id)
            .where(ClassroomTeacher.sourced_id.is_not(None)))}
        self.pairs = {(r.classroom_id, r.user_id): r for r in rows(select(
            Enrolment.id, Enrolment.sourced_id, Enrolment.classroom_id, Enrolment.user_id))}
        self.teacher_pairs = {(r.classroom_id, r.user_id): r for r in rows(select(
            ClassroomTeacher.id, ClassroomTeacher.sourced_id, ClassroomTeacher.classroom_id,
            ClassroomTeacher.user_id))}


def make_plan(roster: Roster, scope: Scope | None = None) -> Plan:
    """The changes ``roster`` makes here, and every problem of its references. With a
    ``scope`` (a school admin's import) whatever lies outside it is a problem, not a change."""
    plan = Plan(roster, notes=list(roster.notes))
    state = _State()
    planner = _Planner(plan, state, scope)
    planner.orgs()
    planner.sessions()
    planner.classes()
    planner.users()
    planner.enrollments()
    return plan


class _Planner:
    def __init__(self, plan: Plan, state: _State, scope: Scope | None = None):
        self.plan, self.state, self.roster, self.scope = plan, state, plan.roster, scope
        self.refused_orgs: set[str] = set()   # school orgs outside a school admin's scope
        self.org_types: dict[str, str] = {}
        self._matched_schools: set[int] = set()
        self.person_role: dict[str, Role | None] = {}   # sourcedId -> role here (None: not brought in)
        self.names: dict[str, str] = {}   # sourcedId of a class or person -> its name here, for the preview

    def add(self, kind: Kind, act: Act, sourced_id: str, label: str, **kw) -> None:
        self.plan.changes.append(Change(kind, act, sourced_id, label, **kw))

    def bulk_absent(self, name: str, existing: dict, listed: dict[str, Row], within=None):
        """What an earlier import brought that a bulk file no longer lists (for a school
        admin, only what ``within`` says is theirs)."""
        if self.roster.mode(name) != "bulk":
            return []
        return [row for sid, row in existing.items() if sid not in listed and (within is None or within(row))]

    # --- a school admin's scope ------------------------------------------------------------------
    def org_outside(self, sid: str) -> bool:
        """Whether a school org is outside the school admin's schools (never, for a district admin)."""
        if self.scope is None or not sid:
            return False
        if sid in self.refused_orgs:
            return True
        school = self.state.schools.get(sid)
        return school is not None and school.id not in self.scope.school_ids

    def refuse_org(self, file: str, row: Row, column: str, sid: str) -> bool:
        """A problem when ``sid`` names a school the school admin does not run; True if so."""
        if self.org_outside(sid):
            self.roster.problem(file, row.line, _("%(column)s “%(id)s” is not one of your schools.",
                                                  column=column, id=sid))
            return True
        return False

    def person_outside(self, old) -> bool:
        return self.scope is not None and old is not None and old.id not in self.scope.people

    def class_outside(self, old) -> bool:
        return self.scope is not None and old is not None and old.id not in self.scope.class_ids

    # --- orgs → schools --------------------------------------------------------------------
    def orgs(self) -> None:
        rows, known = self.roster.of(spec.ORGS), self.state.schools
        skipped = 0
        for sid, row in rows.items():
            self.org_types[sid] = row["type"]
            if row["type"] != "school" and not (row.deleted and sid in known):
                skipped += 1
                continue
            values = {"name": row["name"].strip()[:160], "identifier": row["identifier"].strip()[:64],
                      "sourced_id": sid}
            old, matched = known.get(sid), None
            if old is None and not row.deleted and (matched := self._match_school(values)) is not None:
                # A school made here (added by hand, or an upgrade's first school): found by its
                # identifier, else its name, it takes the file's sourcedId.
                old = known[sid] = matched
            if self.scope is not None and (old is None or old.id not in self.scope.school_ids):
                self.refused_orgs.add(sid)
                if old is None and not row.deleted:
                    self.roster.problem(spec.ORGS, row.line, _(
                        "The school “%(id)s” is not here: a district admin adds a school (with this "
                        "identifier or sourcedId) first.", id=sid))
                elif old is not None:
                    self.roster.problem(spec.ORGS, row.line, _("The school “%(id)s” is not one of your schools.",
                                                               id=sid))
                continue
            if row.deleted:
                if old is not None and old.retired_at is None:
                    self.add(Kind.SCHOOL, Act.RETIRED, sid, old.name, row_id=old.id)
            elif matched is not None:
                self.add(Kind.SCHOOL, Act.UPDATED, sid, values["name"], values={**values, "sourced_id": sid},
                         row_id=matched.id, detail=_("the school “%(name)s” here, linked to the roster from now on",
                                                     name=matched.name))
            elif old is None:
                self.add(Kind.SCHOOL, Act.CREATED, sid, values["name"], values=values)
            elif (old.name, old.identifier) != (values["name"], values["identifier"]) or old.retired_at \
                    or old.sourced_id != sid:
                self.add(Kind.SCHOOL, Act.UPDATED, sid, values["name"], values=values, row_id=old.id,
                         detail=old.name)
        for old in self.bulk_absent(spec.ORGS, known, rows,
                                    lambda r: self.scope is None or r.id in self.scope.school_ids):
            if old.retired_at is None:
                self.add(Kind.SCHOOL, Act.RETIRED, old.sourced_id, old.name, row_id=old.id)
        for sid in known:
            self.org_types.setdefault(sid, "school")
        if skipped:
            self.plan.notes.append(ngettext(
                "%(num)d organisation that is not a school (the district, a department) is not brought in as a school.",
                "%(num)d organisations that are not schools (the district, departments) are not brought in as schools.",
                skipped))

    def _match_school(self, values: dict):
        """A school here that no import brought, of the same identifier (else the same name)."""
        free = [r for r in self.state.unsourced_schools if r.id not in self._matched_schools]
        for key in ("identifier", "name"):
            wanted = values[key].casefold()
            found = next((r for r in free if wanted and (getattr(r, key) or "").casefold() == wanted), None)
            if found is not None:
                self._matched_schools.add(found.id)
                return found
        return None

    def _school(self, file: str, row: Row, column: str, sid: str) -> bool:
        kind = self.org_types.get(sid)
        if self.refuse_org(file, row, column, sid):
            return False
        if kind is None:
            self.roster.problem(file, row.line, _("%(column)s “%(id)s” is not in orgs.csv (nor imported before).",
                                                  column=column, id=sid))
        elif kind != "school":
            self.roster.problem(file, row.line, _("%(column)s “%(id)s” is a %(type)s, not a school.",
                                                  column=column, id=sid, type=kind))
        return kind == "school"

    # --- academicSessions → terms ----------------------------------------------------------
    def sessions(self) -> None:
        rows, known = self.roster.of(spec.SESSIONS), self.state.terms
        from datetime import date
        for sid, row in rows.items():
            if row.deleted:
                continue  # a term is never retired: its classes are, one by one
            parent = row["parentSourcedId"]
            if parent and parent not in rows and parent not in known:
                self.roster.problem(spec.SESSIONS, row.line, _("parentSourcedId “%(id)s” is not in "
                                                               "academicSessions.csv.", id=parent))
            try:
                starts, ends = date.fromisoformat(row["startDate"]), date.fromisoformat(row["endDate"])
            except ValueError:
                continue  # reported by the parser
            values = {"title": row["title"].strip()[:120], "kind": TermKind(row["type"]) if row["type"] in
                      TermKind._value2member_map_ else TermKind.TERM, "starts_on": starts, "ends_on": ends,
                      "parent": parent or None}
            old = known.get(sid)
            if old is None:
                self.add(Kind.TERM, Act.CREATED, sid, values["title"], values=values)
            elif (old.title, old.kind, old.starts_on, old.ends_on, self.state.term_sid.get(old.parent_id)) != (
                    values["title"], values["kind"], starts, ends, values["parent"]):
                if self.scope is not None and old.id in self._shared_terms():
                    self.roster.problem(spec.SESSIONS, row.line, _(
                        "The term “%(title)s” is used by classes of other schools too: only a district admin "
                        "can change it.", title=old.title))
                    continue
                self.add(Kind.TERM, Act.UPDATED, sid, values["title"], values=values, row_id=old.id)

    def _shared_terms(self) -> set[int]:
        """Terms a class outside the school admin's schools (or of no school) belongs to."""
        if not hasattr(self, "_shared"):
            self._shared = set(db.session.scalars(select(Classroom.term_id).where(
                Classroom.term_id.is_not(None),
                Classroom.school_id.is_(None) | Classroom.school_id.not_in(self.scope.school_ids))))
        return self._shared

    # --- courses and classes → classrooms ----------------------------------------------------
    def classes(self) -> None:
        courses = self.roster.of(spec.COURSES)
        for row in courses.values():
            org = row["orgSourcedId"]
            if self.refuse_org(spec.COURSES, row, "orgSourcedId", org):
                continue
            if not row.deleted and org not in self.org_types:
                self.roster.problem(spec.COURSES, row.line, _("orgSourcedId “%(id)s” is not in orgs.csv.", id=org))
        rows, known = self.roster.of(spec.CLASSES), self.state.classes
        sessions = self.roster.of(spec.SESSIONS)
        for sid, row in rows.items():
            old = known.get(sid)
            if self.class_outside(old):
                self.roster.problem(spec.CLASSES, row.line, _("The class “%(id)s” belongs to a school that is not "
                                                              "one of yours.", id=sid))
                continue
            if row.deleted:
                if old is not None and not old.archived:
                    self.add(Kind.CLASS, Act.RETIRED, sid, old.name, row_id=old.id)
                continue
            course = courses.get(row["courseSourcedId"])
            if course is None and self.roster.mode(spec.COURSES) == "bulk":
                self.roster.problem(spec.CLASSES, row.line, _("courseSourcedId “%(id)s” is not in courses.csv.",
                                                              id=row["courseSourcedId"]))
            self._school(spec.CLASSES, row, "schoolSourcedId", row["schoolSourcedId"])
            terms = split_ids(row["termSourcedIds"])
            term = terms[0] if terms else None
            if term and term not in sessions and term not in self.state.terms:
                self.roster.problem(spec.CLASSES, row.line, _("termSourcedIds “%(id)s” is not in "
                                                              "academicSessions.csv.", id=term))
            term_title = sessions[term]["title"] if term in sessions else (
                self.state.terms[term].title if term in self.state.terms else "")
            values = {"name": class_name(course["title"] if course else "", row["title"]),
                      "school": row["schoolSourcedId"], "term": term, "term_label": term_title.strip()[:60]}
            self.names[sid] = values["name"]
            if old is None:
                self.add(Kind.CLASS, Act.CREATED, sid, values["name"], values=values)
            elif (old.name, self._school_sid(old.school_id), self.state.term_sid.get(old.term_id)) != (
                    values["name"], values["school"], term):
                self.add(Kind.CLASS, Act.UPDATED, sid, values["name"], values=values, row_id=old.id, detail=old.name)
        for old in self.bulk_absent(spec.CLASSES, known, rows, lambda r: not self.class_outside(r)):
            if not old.archived:
                self.add(Kind.CLASS, Act.RETIRED, old.sourced_id, old.name, row_id=old.id)

    def _pair_label(self, old) -> str:
        """"Student → Class" for an enrolment or teaching here."""
        if not hasattr(self, "_user_names_by_id"):
            self._user_names_by_id = {r.id: r.display_name for r in self.state.users.values()}
        return f"{self._user_names_by_id.get(old.user_id, '?')} → {self._class_names().get(old.classroom_id, '?')}"

    def _class_names(self) -> dict[int, str]:
        if not hasattr(self, "_class_names_by_id"):
            self._class_names_by_id = {r.id: r.name for r in self.state.classes.values()}
        return self._class_names_by_id

    def _school_sid(self, school_id: int | None) -> str | None:
        if not hasattr(self, "_school_sids"):
            self._school_sids = {r.id: sid for sid, r in self.state.schools.items()}
        return self._school_sids.get(school_id)

    # --- users (and roles) → people ------------------------------------------------------------
    def _roles(self) -> tuple[dict[str, str], dict[str, list[str]]]:
        """Each user's role (OneRoster word) and orgs."""
        role_of: dict[str, str] = {}
        orgs_of: dict[str, list[str]] = {}
        users = self.roster.of(spec.USERS)
        if self.roster.version == "1.1":
            for sid, row in users.items():
                role_of[sid] = row["role"]
                orgs_of[sid] = [org for org in split_ids(row["orgSourcedIds"])
                                if not self.refuse_org(spec.USERS, row, "orgSourcedIds", org)]
            return role_of, orgs_of
        for row in self.roster.of(spec.ROLES).values():
            if row.deleted:
                continue
            user = row["userSourcedId"]
            if user not in users and user not in self.state.users:
                self.roster.problem(spec.ROLES, row.line, _("userSourcedId “%(id)s” is not in users.csv.", id=user))
            if self.refuse_org(spec.ROLES, row, "orgSourcedId", row["orgSourcedId"]):
                continue
            if row["roleType"] == "primary" or user not in role_of:
                role_of[user] = row["role"]
            orgs_of.setdefault(user, []).append(row["orgSourcedId"])
        for sid, row in users.items():
            if row["primaryOrgSourcedId"] and not self.refuse_org(spec.USERS, row, "primaryOrgSourcedId",
                                                                  row["primaryOrgSourcedId"]):
                orgs_of.setdefault(sid, []).append(row["primaryOrgSourcedId"])
        return role_of, orgs_of

    def users(self) -> None:
        rows, state = self.roster.of(spec.USERS), self.state
        role_of, orgs_of = self._roles()
        org_rows = self.roster.of(spec.ORGS)
        seen: dict[tuple[str, str], int] = {}
        skipped = 0
        for sid, row in rows.items():
            old = state.users.get(sid)
            if self.person_outside(old):
                self._refuse_person(row)
                continue
            if row.deleted:
                self.person_role[sid] = old.role if old else None
                if old is not None and old.active:
                    self.add(Kind.PERSON, Act.RETIRED, sid, old.display_name, row_id=old.id)
                continue
            word = role_of.get(sid)
            if word is None and old is None:
                self.roster.problem(spec.USERS, row.line, _("The user has no role: give them one in roles.csv."))
                continue
            role = ROLE_MAP.get(word) if word else old.role
            if role is None:
                skipped += 1
                self.person_role[sid] = None
                continue
            values = self._person_values(row, role)
            if old is None:
                old = self._match(values)
                if self.person_outside(old):
                    self._refuse_person(row)
                    continue
            if old is not None and old.role not in ROSTER_ROLES:
                values["role"] = old.role  # a district admin or partner keeps their role
            self.person_role[sid] = values["role"]
            self._check_unique(row, values, old, seen)
            self.names[sid] = values["display_name"]
            self._person_change(sid, row, values, old)
            for org in dict.fromkeys(orgs_of.get(sid, [])):  # each org once, in order
                if org not in self.org_types:
                    self.roster.problem(spec.USERS, row.line, _("The user's org “%(id)s” is not in orgs.csv.",
                                                                id=org))
                elif self.org_types[org] == "school" and (org in state.schools or not org_rows[org].deleted):
                    school = state.schools.get(org)
                    if old is None or school is None or (school.id, old.id) not in state.members:
                        self.add(Kind.MEMBERSHIP, Act.CREATED, f"{sid}@{org}", values["display_name"],
                                 values={"user": sid, "school": org})
        for old in self.bulk_absent(spec.USERS, state.users, rows, lambda r: not self.person_outside(r)):
            if old.active:
                self.add(Kind.PERSON, Act.RETIRED, old.sourced_id, old.display_name, row_id=old.id)
        if skipped:
            self.plan.notes.append(ngettext(
                "%(num)d person with another role (a parent, guardian, aide…) is not brought in.",
                "%(num)d people with other roles (parents, guardians, aides…) are not brought in.", skipped))

    def _refuse_person(self, row: Row) -> None:
        self.person_role[row.sourced_id] = None
        self.roster.problem(spec.USERS, row.line, _(
            "The user is an account of another school or of the district (matched by sourcedId, email or "
            "school id): only a district admin can import them."))

    def _check_unique(self, row: Row, values: dict, old, seen: dict[tuple[str, str], int]) -> None:
        """Email, username and school id are each one person's: in the file and here."""
        state, rows = self.state, self.roster.of(spec.USERS)
        for column in ("email", "username", "school_id"):
            value = values[column]
            if not value:
                continue
            if (column, value) in seen:
                self.roster.problem(spec.USERS, row.line, _("%(column)s “%(value)s” is also on line %(line)d.",
                                                            column=_column_name(column), value=value,
                                                            line=seen[(column, value)]))
            seen[(column, value)] = row.line
            owner = {"email": state.by_email, "username": state.by_username, "school_id": state.by_sis}[column]
            holder = owner.get(value)
            if holder is not None and (old is None or holder.id != old.id) and holder.sourced_id not in rows:
                self.roster.problem(spec.USERS, row.line, _("%(column)s “%(value)s” already belongs to "
                                                            "another account here.", column=_column_name(column),
                                                            value=value))

    def _person_values(self, row: Row, role: Role) -> dict:
        given = row["preferredGivenName"] if self.roster.version == "1.2" and row["preferredGivenName"] else \
            row["givenName"]
        name = " ".join(f"{given.strip()} {row['familyName'].strip()}".split())
        email = normalise_email(row["email"]) or None
        username = normalise_username(row["username"]) or None
        identifier = row["identifier"].strip() or None
        for column, value, limit in (("email", email, 254), ("username", username, 64),
                                     ("identifier", identifier, 64), ("givenName", name, 120)):
            if value and len(value) > limit:
                self.roster.problem(spec.USERS, row.line, _("%(column)s is longer than %(max)d characters.",
                                                            column=column, max=limit))
        if email and ("@" not in email or " " in email):
            self.roster.problem(spec.USERS, row.line, _("email “%(value)s” is not an email address.", value=email))
        if username and "@" in username:
            self.roster.problem(spec.USERS, row.line, _("username “%(value)s” contains @: usernames are how "
                                                        "people without email sign in.", value=username))
        return {"display_name": name[:120], "email": email, "username": username, "school_id": identifier,
                "role": role, "active": row["enabledUser"] != "false"}

    def _match(self, values: dict):
        for table, key in ((self.state.by_email, "email"), (self.state.by_sis, "school_id")):
            found = table.get(values[key]) if values[key] else None
            if found is not None and not found.sourced_id:
                return found
        return None

    def _person_change(self, sid: str, row: Row, values: dict, old) -> None:
        if old is None:
            self.add(Kind.PERSON, Act.CREATED, sid, values["display_name"], values=values,
                     detail=role_name(values["role"]))
            return
        current = {"display_name": old.display_name, "email": old.email, "username": old.username,
                   "school_id": old.school_id, "role": old.role, "active": old.active}
        changed = {k: v for k, v in values.items() if current[k] != v}
        if changed or old.sourced_id != sid:
            act = Act.RETIRED if changed.get("active") is False else Act.UPDATED
            self.add(Kind.PERSON, act, sid, values["display_name"], values={**changed, "sourced_id": sid},
                     row_id=old.id, detail=", ".join(_column_name(k) for k in changed))

    # --- enrollments → enrolments and teachers --------------------------------------------------
    def enrollments(self) -> None:
        rows, state = self.roster.of(spec.ENROLLMENTS), self.state
        classes, users = self.roster.of(spec.CLASSES), self.roster.of(spec.USERS)
        pairs: dict[tuple[str, str], int] = {}
        skipped = 0
        for sid, row in rows.items():
            old = state.enrolments.get(sid) or state.teachings.get(sid)
            kind = Kind.TEACHING if sid in state.teachings else Kind.ENROLMENT
            if self.scope is not None and old is not None and old.classroom_id not in self.scope.class_ids:
                self.roster.problem(spec.ENROLLMENTS, row.line, _("The enrollment “%(id)s” is in a class of a "
                                                                  "school that is not one of yours.", id=sid))
                continue
            if row.deleted:
                if old is not None:
                    self.add(kind, Act.RETIRED, sid, self._pair_label(old), row_id=old.id)
                continue
            klass, user, role = row["classSourcedId"], row["userSourcedId"], row["role"]
            ok = True
            if klass not in classes and klass not in state.classes:
                self.roster.problem(spec.ENROLLMENTS, row.line, _("classSourcedId “%(id)s” is not in classes.csv.",
                                                                  id=klass))
                ok = False
            if user not in users and user not in state.users:
                self.roster.problem(spec.ENROLLMENTS, row.line, _("userSourcedId “%(id)s” is not in users.csv.",
                                                                  id=user))
                ok = False
            self._school(spec.ENROLLMENTS, row, "schoolSourcedId", row["schoolSourcedId"])
            if ok and self.scope is not None and (
                    self.class_outside(state.classes.get(klass)) if klass not in classes
                    else self.org_outside(classes[klass]["schoolSourcedId"])):
                self.roster.problem(spec.ENROLLMENTS, row.line, _("The class “%(id)s” belongs to a school that is "
                                                                  "not one of yours.", id=klass))
                ok = False
            if ok and user not in users and self.person_outside(state.users.get(user)):
                self.roster.problem(spec.ENROLLMENTS, row.line, _("The user “%(id)s” is an account of another "
                                                                  "school or of the district.", id=user))
                ok = False
            if not ok:
                continue
            if (klass not in state.classes and classes[klass].deleted) or (
                    user not in state.users and users[user].deleted):
                skipped += 1  # into a class, or of a person, that is gone before it came
                continue
            here = self.person_role.get(user, state.users[user].role if user in state.users else None)
            if role not in ("student", "teacher") or here is None:
                skipped += 1
                continue
            if role == "teacher" and here is Role.STUDENT:
                self.roster.problem(spec.ENROLLMENTS, row.line, _("The enrollment makes “%(id)s” a teacher of the "
                                                                  "class, but users.csv makes them a student.",
                                                                  id=user))
                continue
            if (klass, user) in pairs:
                self.roster.problem(spec.ENROLLMENTS, row.line, _("“%(user)s” is enrolled in “%(klass)s” on line "
                                                                  "%(line)d already.", user=user, klass=klass,
                                                                  line=pairs[(klass, user)]))
                continue
            pairs[(klass, user)] = row.line
            old_kind, kind = kind, Kind.TEACHING if role == "teacher" else Kind.ENROLMENT
            if old is not None and old_kind is not kind:  # a student became the class's teacher, or back
                self.add(old_kind, Act.RETIRED, sid, self._pair_label(old), row_id=old.id)
                old = None
            self._enrolment_change(kind, sid, klass, user, old)
        for table, kind in ((state.enrolments, Kind.ENROLMENT), (state.teachings, Kind.TEACHING)):
            for old in self.bulk_absent(spec.ENROLLMENTS, table, rows,
                                        lambda r: self.scope is None or r.classroom_id in self.scope.class_ids):
                self.add(kind, Act.RETIRED, old.sourced_id, self._pair_label(old), row_id=old.id)
        if skipped:
            self.plan.notes.append(ngettext(
                "%(num)d enrollment of another role (an administrator, proctor, a person not brought in) is skipped.",
                "%(num)d enrollments of other roles (administrators, proctors, people not brought in) are skipped.",
                skipped))

    def _enrolment_change(self, kind: Kind, sid: str, klass: str, user: str, old) -> None:
        state = self.state
        user_name = self.names.get(user) or (state.users[user].display_name if user in state.users else user)
        class_name_ = self.names.get(klass) or (state.classes[klass].name if klass in state.classes else klass)
        label = f"{user_name} → {class_name_}"
        values = {"class": klass, "user": user}
        if old is None:
            existing_class, existing_user = state.classes.get(klass), state.users.get(user)
            pairs = state.teacher_pairs if kind is Kind.TEACHING else state.pairs
            if existing_class and existing_user and (existing_class.id, existing_user.id) in pairs:
                found = pairs[(existing_class.id, existing_user.id)]
                self.add(kind, Act.UPDATED, sid, label, values={"sourced_id": sid}, row_id=found.id)
            else:
                self.add(kind, Act.CREATED, sid, label, values=values)
            return
        old_class = state.classes.get(klass)
        old_user = state.users.get(user)
        if old_class is None or old.classroom_id != old_class.id:
            self.add(kind, Act.MOVED, sid, label, values=values, row_id=old.id,
                     detail=_("from %(name)s", name=self._class_names().get(old.classroom_id, "?")))
        elif old_user is None or old.user_id != old_user.id:
            self.add(kind, Act.UPDATED, sid, label, values=values, row_id=old.id)


def role_name(role: Role) -> str:
    return {Role.STUDENT: _("Student"), Role.TEACHER: _("Teacher"), Role.SCHOOL_ADMIN: _("School administrator"),
            Role.ADMIN: _("Administrator")}.get(role, role.value)


def class_name(course_title: str, class_title: str) -> str:
    """A class's name: its title, after its course's title unless the title already says it."""
    course_title, class_title = course_title.strip(), class_title.strip()
    if course_title and course_title.casefold() not in class_title.casefold():
        return f"{course_title}: {class_title}"[:120]
    return class_title[:120]


def _column_name(column: str) -> str:
    return {"display_name": _("name"), "email": _("email"), "username": _("username"),
            "school_id": _("school id"), "role": _("role"), "active": _("active")}.get(column, column)
