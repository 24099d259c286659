"""digest default by role: a preference without a choice follows the role

Students (minors) get no digest unless they ask for one; teachers get it. Rows written by
the digest itself (to record when it was sent) held "daily" without anyone choosing it: for
students those become "no choice", so the new default applies to them.

Revision ID: b8d3a7c41e20
Revises: b7d1e0c4a9f2
Create Date: 2026-12-04

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b8d3a7c41e20'
down_revision = 'b7d1e0c4a9f2'
branch_labels = None
depends_on = None

DIGEST = sa.Enum('daily', 'none', name='digestchoice', native_enum=False, length=12)


def upgrade():
    with op.batch_alter_table('notification_preference', schema=None) as batch_op:
        batch_op.alter_column('digest', existing_type=DIGEST, nullable=True)
    op.execute("UPDATE notification_preference SET digest = NULL WHERE digest = 'daily' AND user_id IN "
               "(SELECT id FROM \"user\" WHERE role = 'student')")


def downgrade():
    op.execute("UPDATE notification_preference SET digest = 'daily' WHERE digest IS NULL AND user_id IN "
               "(SELECT id FROM \"user\" WHERE role != 'student')")
    op.execute("UPDATE notification_preference SET digest = 'none' WHERE digest IS NULL")
    with op.batch_alter_table('notification_preference', schema=None) as batch_op:
        batch_op.alter_column('digest', existing_type=DIGEST, nullable=False)
