"""roster imports run as jobs: the run's state, its upload (one run per upload), the file's
hash for the nightly import, and why a run failed. roster_import is referenced by no foreign
key, so rebuilding it on SQLite (to let outcome be empty until a run is done) is safe.

Revision ID: af6086ca2cd2
Revises: 5f5bbc6948e7
Create Date: 2026-12-05 00:23:12.237657

"""
from alembic import op
import sqlalchemy as sa

import cbl.dbtypes


# revision identifiers, used by Alembic.
revision = 'af6086ca2cd2'
down_revision = '5f5bbc6948e7'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('roster_import', schema=None) as batch_op:
        batch_op.add_column(sa.Column('state', sa.Enum('queued', 'running', 'done', 'failed', name='runstate', native_enum=False, length=16), server_default='done', nullable=False))
        batch_op.add_column(sa.Column('upload', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('content_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('scheduled', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('problems', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('problem_count', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('started_at', cbl.dbtypes.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('finished_at', cbl.dbtypes.UTCDateTime(timezone=True), nullable=True))
        batch_op.alter_column('outcome',
               existing_type=sa.VARCHAR(length=16),
               nullable=True)
        batch_op.create_index(batch_op.f('ix_roster_import_state'), ['state'], unique=False)
        batch_op.create_unique_constraint(batch_op.f('uq_roster_import_upload'), ['upload'])



def downgrade():
    with op.batch_alter_table('roster_import', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_roster_import_upload'), type_='unique')
        batch_op.drop_index(batch_op.f('ix_roster_import_state'))
        batch_op.alter_column('outcome',
               existing_type=sa.VARCHAR(length=16),
               nullable=False)
        batch_op.drop_column('finished_at')
        batch_op.drop_column('started_at')
        batch_op.drop_column('problem_count')
        batch_op.drop_column('problems')
        batch_op.drop_column('scheduled')
        batch_op.drop_column('content_hash')
        batch_op.drop_column('upload')
        batch_op.drop_column('state')

