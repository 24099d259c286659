"""an existing installation becomes one school: its classes and people belong to it

An installation from before schools has classes, teachers and students but no school: the
school admins' scoping and the class form would leave them out. One school is made, named as
the School settings page (or CBL_SCHOOL_NAME) named the installation ("Our school" if
neither did), and every class
and every teacher and student becomes part of it. A fresh installation (no class, no person)
gets no school: its admin, a roster import or the demo makes them.

Revision ID: b7d2f4a91c35
Revises: e01a6aa00bcc
Create Date: 2026-12-04 23:50:00

"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7d2f4a91c35'
down_revision = 'e01a6aa00bcc'
branch_labels = None
depends_on = None

DEFAULT_NAME = "Our school"

school = sa.table("school", sa.column("id", sa.Integer), sa.column("name", sa.String),
                  sa.column("identifier", sa.String), sa.column("created_at", sa.DateTime))
school_member = sa.table("school_member", sa.column("school_id", sa.Integer), sa.column("user_id", sa.Integer))
classroom = sa.table("classroom", sa.column("id", sa.Integer), sa.column("school_id", sa.Integer))
user = sa.table("user", sa.column("id", sa.Integer), sa.column("role", sa.String))
school_settings = sa.table("school_settings", sa.column("id", sa.Integer), sa.column("name", sa.String))


def _configured_name() -> str:
    """``SCHOOL_NAME`` of the configuration (CBL_SCHOOL_NAME), when the migration runs in the app."""
    try:
        from flask import current_app
        return (current_app.config.get("SCHOOL_NAME") or "").strip()
    except RuntimeError:  # outside an application context
        return ""


def upgrade():
    bind = op.get_bind()
    if bind.execute(sa.select(sa.func.count()).select_from(school)).scalar():
        return  # schools exist already (a roster or an admin made them)
    people = sa.select(user.c.id).where(user.c.role.in_(("teacher", "student")))
    has_classes = bind.execute(sa.select(sa.func.count()).select_from(classroom)).scalar()
    has_people = bind.execute(sa.select(sa.func.count()).select_from(people.subquery())).scalar()
    if not has_classes and not has_people:
        return
    name = bind.execute(sa.select(school_settings.c.name).where(school_settings.c.id == 1)).scalar()
    name = (name or "").strip() or _configured_name() or DEFAULT_NAME
    bind.execute(sa.insert(school).values(name=name[:160], identifier="",
                                          created_at=datetime.now(timezone.utc)))
    school_id = bind.execute(sa.select(sa.func.max(school.c.id))).scalar()
    bind.execute(sa.update(classroom).where(classroom.c.school_id.is_(None)).values(school_id=school_id))
    bind.execute(sa.insert(school_member).from_select(
        ["school_id", "user_id"], sa.select(sa.literal(school_id), user.c.id).where(
            user.c.role.in_(("teacher", "student", "school_admin")))))


def downgrade():
    # The school made here cannot be told from one made later; its rows stay (the schema of
    # the previous revision holds them).
    pass
