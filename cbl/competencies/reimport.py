"""Importing a CASE framework that is here already (same CFDocument identifier) updates it.

:func:`plan_update` compares the file with the framework: items new in the file are added,
items whose code, name, description or place changed are updated, and items the file no
longer lists are retired — no longer offered for tagging or rubrics, while the entries
tagged with them, the evidence and the rubric criteria that name them stay and still show
them. The admin sees the plan first; :func:`apply_update` carries it out in one transaction
if the framework has not changed since (the plan's ``digest`` says so).

Items are matched by CASE identifier; a competency that never had one (the default
framework before its first export) is matched by the identifier its first export gives it.
"""

import hashlib
import uuid
from collections import defaultdict
from dataclasses import dataclass, field

from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from cbl.competencies.interchange import (ImportRejected, _made_up_code, check_identifiers_free,
                                          existing_framework)
from cbl.competencies.interchange_parse import CODE_MAX, ParsedCompetency, ParsedFramework, Problem
from cbl.competencies.models import Competency, CompetencyFramework
from cbl.dbtypes import utcnow
from cbl.errors import ValidationFailed
from cbl.extensions import db

FIELD_LABELS = {"code": _l("Code"), "short_name": _l("Short name"), "description": _l("Description"),
                "parent": _l("Place in the tree"), "status": _l("Status"), "title": _l("Title")}


@dataclass
class Change:
    """One item (or the framework itself) whose fields change: ``(field, old, new)``."""

    competency: Competency | None
    fields: list[tuple[str, str, str]]

    def label(self, name: str) -> str:
        return str(FIELD_LABELS[name])


@dataclass
class UpdatePlan:
    framework: CompetencyFramework
    parsed: ParsedFramework
    matched: dict[str, Competency]          # file key -> the competency it updates
    added: list[ParsedCompetency] = field(default_factory=list)
    changed: list[Change] = field(default_factory=list)
    retired: list[Competency] = field(default_factory=list)
    framework_change: Change | None = None

    @property
    def digest(self) -> str:
        """A fingerprint of the changes, to confirm exactly what the preview showed."""
        parts = [repr(self.framework_change and self.framework_change.fields)]
        parts += [f"+{item.key}|{item.code}|{item.short_name}" for item in self.added]
        parts += [f"~{change.competency.id}|{change.fields!r}" for change in self.changed]
        parts += [f"-{competency.id}" for competency in self.retired]
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]

    @property
    def has_changes(self) -> bool:
        return bool(self.added or self.changed or self.retired or self.framework_change)


class PlanChanged(ValidationFailed):
    """The framework changed between the preview and the confirmation."""


def _key_of(competency: Competency, namespace: uuid.UUID) -> str:
    return competency.case_identifier or str(uuid.uuid5(namespace, competency.code))


def _parent_text(competency: Competency | None) -> str:
    return competency.label if competency is not None else str(_l("top level"))


def plan_update(parsed: ParsedFramework) -> UpdatePlan | None:
    """The changes the file makes to the framework it updates; None when no framework here
    has its CFDocument identifier. Raises ImportRejected when items of the file belong to
    another framework."""
    framework = existing_framework(parsed)
    if framework is None:
        return None
    problems = check_identifiers_free(parsed, updating=framework)
    if problems:
        raise ImportRejected(problems)
    namespace = uuid.uuid5(uuid.NAMESPACE_URL, "cbl-tracker:" + framework.case_identifier)
    current = {_key_of(c, namespace): c for c in framework.competencies}
    by_key = {item.key: item for item in parsed.items}
    plan = UpdatePlan(framework, parsed, {key: current[key] for key in by_key if key in current})
    for item in parsed.items:
        competency = plan.matched.get(item.key)
        if competency is None:
            plan.added.append(item)
            continue
        fields = _differences(competency, item, by_key, plan.matched)
        if fields:
            plan.changed.append(Change(competency, fields))
    plan.retired = sorted((c for key, c in current.items() if key not in by_key and c.retired_at is None),
                          key=lambda c: (c.position, c.code))
    head = [(name, old, new) for name, old, new in (("title", framework.title, parsed.title),
                                                      ("description", framework.description, parsed.description))
            if old != new]
    plan.framework_change = Change(None, head) if head else None
    return plan


def _differences(competency: Competency, item: ParsedCompetency, by_key: dict[str, ParsedCompetency],
                 matched: dict[str, Competency]) -> list[tuple[str, str, str]]:
    fields = []
    if item.code and item.code != competency.code:
        fields.append(("code", competency.code, item.code))
    if item.short_name != competency.short_name:
        fields.append(("short_name", competency.short_name, item.short_name))
    if item.description != competency.description:
        fields.append(("description", competency.description, item.description))
    new_parent = matched.get(item.parent_key) if item.parent_key is not None else None
    parent_is_new = item.parent_key is not None and new_parent is None
    if parent_is_new or (new_parent.id if new_parent else None) != competency.parent_id:
        new_text = (by_key[item.parent_key].code or by_key[item.parent_key].short_name) if parent_is_new \
            else _parent_text(new_parent)
        fields.append(("parent", _parent_text(competency.parent), new_text))
    if competency.retired_at is not None:
        fields.append(("status", str(_l("retired")), str(_l("offered again"))))
    return fields


def apply_update(parsed: ParsedFramework, digest: str) -> UpdatePlan:
    """Carry out the update the admin confirmed. Raises PlanChanged when the changes are not
    the ones previewed any more (someone changed the framework meanwhile), ImportRejected
    when the file cannot update a framework. Returns the plan applied."""
    plan = plan_update(parsed)
    if plan is None or plan.digest != digest:
        raise PlanChanged(_("The framework changed since the preview. Check the changes again."))
    framework, now = plan.framework, utcnow()
    if plan.framework_change:
        framework.title, framework.description = parsed.title, parsed.description
    for competency in plan.retired:
        competency.retired_at = now
    final = _final_codes(plan)
    for competency, code in final.items():  # two steps, so that codes may swap places
        if competency.code != code:
            competency.code = f"~{competency.id}"[-CODE_MAX:]
    db.session.flush()
    for competency, code in final.items():
        competency.code = code
    db.session.flush()
    _place(plan)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise ImportRejected([Problem("", _("Someone changed the same framework a moment ago. Try again."))]) \
            from None
    return plan


def _final_codes(plan: UpdatePlan) -> dict[Competency, str]:
    """The code every existing competency ends with: the file's where it gives one; a
    retired competency whose code an offered one now uses gets a suffix."""
    final = {c: c.code for c in plan.framework.competencies}
    by_key = {item.key: item for item in plan.parsed.items}
    for key, competency in plan.matched.items():
        if by_key[key].code:
            final[competency] = by_key[key].code
    offered = {code for c, code in final.items() if c.retired_at is None}
    offered |= {item.code for item in plan.added if item.code}
    for competency in plan.retired + [c for c in plan.framework.competencies if c.retired_at is not None]:
        if final[competency] in offered:
            suffix = f"~{competency.id}"
            final[competency] = final[competency][:CODE_MAX - len(suffix)] + suffix
    return final


def _place(plan: UpdatePlan) -> None:
    """Parents and positions as the file has them; new items are created here."""
    framework = plan.framework
    children: dict[str | None, list[ParsedCompetency]] = defaultdict(list)
    for item in plan.parsed.items:
        children[item.parent_key].append(item)
    used = {c.code for c in framework.competencies}
    placed = dict(plan.matched)
    queue: list[tuple[str | None, Competency | None]] = [(None, None)]
    while queue:
        parent_key, parent = queue.pop(0)
        for position, item in enumerate(sorted(children.get(parent_key, []), key=lambda i: i.order)):
            competency = placed.get(item.key)
            if competency is None:
                code = item.code or _made_up_code(parent.code if parent else "", position, used)
                competency = Competency(code=code, short_name=item.short_name, description=item.description)
                framework.competencies.append(competency)
                placed[item.key] = competency
            else:
                competency.short_name, competency.description = item.short_name, item.description
                competency.retired_at = None
            competency.case_identifier = item.case_identifier or competency.case_identifier
            competency.parent, competency.position = parent, position
            queue.append((item.key, competency))
