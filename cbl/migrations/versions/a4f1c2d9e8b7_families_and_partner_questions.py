"""family guests, school settings, partner questions and ratings

Revision ID: a4f1c2d9e8b7
Revises: c6b27f5b6e76
Create Date: 2026-12-04

"""
from alembic import op
import sqlalchemy as sa

import cbl.dbtypes


# revision identifiers, used by Alembic.
revision = 'a4f1c2d9e8b7'
down_revision = 'c6b27f5b6e76'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('project_partner', schema=None) as batch_op:
        batch_op.add_column(sa.Column('family_of_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_project_partner_family_of_id'), ['family_of_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_project_partner_family_of_id_user'), 'user', ['family_of_id'],
                                    ['id'], ondelete='SET NULL')

    op.create_table('school_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=160), nullable=False),
    sa.Column('sender_name', sa.String(length=160), nullable=False),
    sa.Column('sender_email', sa.String(length=254), nullable=False),
    sa.Column('updated_at', cbl.dbtypes.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_school_settings'))
    )
    op.create_table('partner_questions',
    sa.Column('challenge_id', sa.Integer(), nullable=False),
    sa.Column('questions', sa.JSON(), nullable=False),
    sa.Column('updated_at', cbl.dbtypes.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['challenge_id'], ['challenge.id'], name=op.f('fk_partner_questions_challenge_id_challenge'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('challenge_id', name=op.f('pk_partner_questions'))
    )
    op.create_table('partner_rating',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=True),
    sa.Column('questions', sa.JSON(), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('created_at', cbl.dbtypes.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', cbl.dbtypes.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['partner_id'], ['user.id'], name=op.f('fk_partner_rating_partner_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_partner_rating_project_id_project'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partner_rating')),
    sa.UniqueConstraint('project_id', 'partner_id', name=op.f('uq_partner_rating_project_id'))
    )
    with op.batch_alter_table('partner_rating', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_partner_rating_partner_id'), ['partner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_partner_rating_project_id'), ['project_id'], unique=False)


def downgrade():
    with op.batch_alter_table('partner_rating', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_partner_rating_project_id'))
        batch_op.drop_index(batch_op.f('ix_partner_rating_partner_id'))
    op.drop_table('partner_rating')
    op.drop_table('partner_questions')
    op.drop_table('school_settings')
    with op.batch_alter_table('project_partner', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_project_partner_family_of_id_user'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_project_partner_family_of_id'))
        batch_op.drop_column('family_of_id')
