"""The audit log in words for roster imports: the run, named by its file, linking to its
summary (for admins), and the detail as a sentence."""

import json

from flask_babel import gettext as _, ngettext
from sqlalchemy import select

from cbl import audit
from cbl.accounts.models import User
from cbl.extensions import db
from cbl.notifications import site_path
from cbl.rosters.models import RosterImport


@audit.object_namer("roster_import")
def _imports(reader: User, ids: list[int]) -> dict[int, tuple[str, str | None]]:
    runs = db.session.execute(select(RosterImport.id, RosterImport.filename).where(RosterImport.id.in_(ids)))
    return {run.id: (_("roster import of %(file)s", file=run.filename),
                     site_path("rosters.index", run=run.id) if reader.is_admin else None) for run in runs}


@audit.detail_words(audit.Action.ROSTER_IMPORTED)
def _imported(detail: str) -> str:
    changes = int(json.loads(detail)["changes"])
    if not changes:
        return _("no changes")
    return ngettext("%(num)d change", "%(num)d changes", changes)
