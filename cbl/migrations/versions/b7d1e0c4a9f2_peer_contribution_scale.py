"""a challenge's peer contribution scale

Revision ID: b7d1e0c4a9f2
Revises: 3d1e5a7b9c20
Create Date: 2026-12-04

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7d1e0c4a9f2'
down_revision = '3d1e5a7b9c20'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('challenge_assessment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('peer_rubric_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_challenge_assessment_peer_rubric_id'), ['peer_rubric_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_challenge_assessment_peer_rubric_id_rubric'), 'rubric',
                                    ['peer_rubric_id'], ['id'], ondelete='RESTRICT')


def downgrade():
    with op.batch_alter_table('challenge_assessment', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_challenge_assessment_peer_rubric_id_rubric'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_challenge_assessment_peer_rubric_id'))
        batch_op.drop_column('peer_rubric_id')
