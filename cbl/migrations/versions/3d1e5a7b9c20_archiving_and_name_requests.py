"""archived challenges and teams, team names may repeat; students' name change requests

Revision ID: 3d1e5a7b9c20
Revises: 7205932ba88b
Create Date: 2026-12-04

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3d1e5a7b9c20'
down_revision = '7205932ba88b'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('challenge', schema=None) as batch_op:
        batch_op.add_column(sa.Column('archived', sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table('team', schema=None) as batch_op:
        batch_op.add_column(sa.Column('archived', sa.Boolean(), server_default=sa.false(), nullable=False))
        # A duplicate team name is a warning the teacher may confirm, no longer a refusal.
        batch_op.drop_constraint('uq_team_classroom_id', type_='unique')
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('requested_name', sa.String(length=120), nullable=True))


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('requested_name')
    with op.batch_alter_table('team', schema=None) as batch_op:
        batch_op.create_unique_constraint('uq_team_classroom_id', ['classroom_id', 'name'])
        batch_op.drop_column('archived')
    with op.batch_alter_table('challenge', schema=None) as batch_op:
        batch_op.drop_column('archived')
