"""the school's own id for a student (its SIS number), unique in the installation

Revision ID: 5e2b9c7d1f30
Revises: 0c3dff4204d3
Create Date: 2026-12-04

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5e2b9c7d1f30'
down_revision = '0c3dff4204d3'
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN and a unique index: no batch rebuild of `user`, which on SQLite would
    # drop and copy a table that many others reference with ON DELETE CASCADE.
    op.add_column('user', sa.Column('school_id', sa.String(length=64), nullable=True))
    op.create_index('ix_user_school_id', 'user', ['school_id'], unique=True)


def downgrade():
    op.drop_index('ix_user_school_id', table_name='user')
    with op.batch_alter_table('user', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('school_id')
