"""feedback comments, sign-in links and class settings for partners

Revision ID: 9b483a0fd3e4
Revises: e27fd0107f9d
Create Date: 2026-11-23

"""
from alembic import op
import sqlalchemy as sa

import cbl.dbtypes


# revision identifiers, used by Alembic.
revision = '9b483a0fd3e4'
down_revision = 'e27fd0107f9d'
branch_labels = None
depends_on = None


def upgrade():
    
    op.create_table('login_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', cbl.dbtypes.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', cbl.dbtypes.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', cbl.dbtypes.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_login_link_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_link')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_login_link_token_hash'))
    )
    with op.batch_alter_table('login_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_link_user_id'), ['user_id'], unique=False)

    op.create_table('comment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=True),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.Enum('question', 'suggestion', 'praise', name='commentkind', native_enum=False, length=12), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'visible', 'hidden', name='commentstatus', native_enum=False, length=12), nullable=False),
    sa.Column('created_at', cbl.dbtypes.UTCDateTime(timezone=True), nullable=False),
    sa.Column('moderated_by_id', sa.Integer(), nullable=True),
    sa.Column('moderated_at', cbl.dbtypes.UTCDateTime(timezone=True), nullable=True),
    sa.Column('addressed_at', cbl.dbtypes.UTCDateTime(timezone=True), nullable=True),
    sa.Column('addressed_by_id', sa.Integer(), nullable=True),
    sa.Column('answer_entry_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['addressed_by_id'], ['user.id'], name=op.f('fk_comment_addressed_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['answer_entry_id'], ['entry.id'], name=op.f('fk_comment_answer_entry_id_entry'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['author_id'], ['user.id'], name=op.f('fk_comment_author_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['entry_id'], ['entry.id'], name=op.f('fk_comment_entry_id_entry'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['moderated_by_id'], ['user.id'], name=op.f('fk_comment_moderated_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['parent_id'], ['comment.id'], name=op.f('fk_comment_parent_id_comment'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_comment_project_id_project'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_comment'))
    )
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_comment_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_comment_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_comment_entry_id'), ['entry_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_comment_parent_id'), ['parent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_comment_project_id'), ['project_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_comment_status'), ['status'], unique=False)

    with op.batch_alter_table('classroom', schema=None) as batch_op:
        batch_op.add_column(sa.Column('moderate_outsider_comments', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column('teams_invite_partners', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('partners_see_full_names', sa.Boolean(), server_default=sa.false(), nullable=False))

    with op.batch_alter_table('project_partner', schema=None) as batch_op:
        batch_op.add_column(sa.Column('revoked_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('last_visited_at', cbl.dbtypes.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_project_partner_revoked_by_id_user'), 'user', ['revoked_by_id'], ['id'], ondelete='SET NULL')




def downgrade():
    
    with op.batch_alter_table('project_partner', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_project_partner_revoked_by_id_user'), type_='foreignkey')
        batch_op.drop_column('last_visited_at')
        batch_op.drop_column('revoked_by_id')

    with op.batch_alter_table('classroom', schema=None) as batch_op:
        batch_op.drop_column('partners_see_full_names')
        batch_op.drop_column('teams_invite_partners')
        batch_op.drop_column('moderate_outsider_comments')

    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_comment_status'))
        batch_op.drop_index(batch_op.f('ix_comment_project_id'))
        batch_op.drop_index(batch_op.f('ix_comment_parent_id'))
        batch_op.drop_index(batch_op.f('ix_comment_entry_id'))
        batch_op.drop_index(batch_op.f('ix_comment_created_at'))
        batch_op.drop_index(batch_op.f('ix_comment_author_id'))

    op.drop_table('comment')
    with op.batch_alter_table('login_link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_link_user_id'))

    op.drop_table('login_link')

