"""sign-in cards: a student's QR card for one class, its token stored only hashed

Revision ID: c30ec26dd04e
Revises: e89c848fab30
Create Date: 2026-12-04 23:27:20.309100

"""
from alembic import op
import sqlalchemy as sa

import cbl.dbtypes


# revision identifiers, used by Alembic.
revision = 'c30ec26dd04e'
down_revision = 'e89c848fab30'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sign_in_card',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('classroom_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', cbl.dbtypes.UTCDateTime(timezone=True), nullable=False),
    sa.Column('voided_at', cbl.dbtypes.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_used_at', cbl.dbtypes.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['classroom_id'], ['classroom.id'], name=op.f('fk_sign_in_card_classroom_id_classroom'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_sign_in_card_created_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['student_id'], ['user.id'], name=op.f('fk_sign_in_card_student_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_in_card')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_sign_in_card_token_hash'))
    )
    op.create_index(op.f('ix_sign_in_card_classroom_id'), 'sign_in_card', ['classroom_id'], unique=False)
    op.create_index(op.f('ix_sign_in_card_student_id'), 'sign_in_card', ['student_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_sign_in_card_student_id'), table_name='sign_in_card')
    op.drop_index(op.f('ix_sign_in_card_classroom_id'), table_name='sign_in_card')
    op.drop_table('sign_in_card')
