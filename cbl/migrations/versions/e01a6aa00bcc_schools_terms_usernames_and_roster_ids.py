"""schools and terms; usernames, optional email, one-time passwords and roster ids

On SQLite, giving ``classroom`` its foreign keys and making ``user.email`` optional rebuild
those tables (copy, drop, rename). Dropping a table with foreign keys on would cascade into
every table that references it, so the rebuilds run with foreign keys off and are checked
before they are turned back on.

Revision ID: e01a6aa00bcc
Revises: a7c3e1f05b12
Create Date: 2026-12-04 23:16:59.362513

"""
from contextlib import contextmanager

from alembic import op
import sqlalchemy as sa

import cbl.dbtypes


# revision identifiers, used by Alembic.
revision = 'e01a6aa00bcc'
down_revision = 'a7c3e1f05b12'
branch_labels = None
depends_on = None


@contextmanager
def _foreign_keys_off():
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        yield
        return
    # PRAGMA foreign_keys is a no-op inside a transaction: end it, switch, begin again.
    bind.exec_driver_sql("COMMIT")
    bind.exec_driver_sql("PRAGMA foreign_keys = OFF")
    bind.exec_driver_sql("BEGIN IMMEDIATE")
    try:
        yield
        problems = bind.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if problems:
            raise RuntimeError(f"foreign key check failed after the rebuild: {problems[:5]}")
    finally:
        bind.exec_driver_sql("COMMIT")
        bind.exec_driver_sql("PRAGMA foreign_keys = ON")
        bind.exec_driver_sql("BEGIN IMMEDIATE")


def upgrade():
    with _foreign_keys_off():
        _upgrade()


def downgrade():
    with _foreign_keys_off():
        _downgrade()


def _upgrade():
    op.create_table('school',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=160), nullable=False),
    sa.Column('identifier', sa.String(length=64), nullable=False),
    sa.Column('sourced_id', sa.String(length=255), nullable=True),
    sa.Column('retired_at', cbl.dbtypes.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', cbl.dbtypes.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_school')),
    sa.UniqueConstraint('sourced_id', name=op.f('uq_school_sourced_id'))
    )
    op.create_table('school_member',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_school_member_school_id_school'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_school_member_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_school_member')),
    sa.UniqueConstraint('school_id', 'user_id', name=op.f('uq_school_member_school_id'))
    )
    with op.batch_alter_table('school_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_school_member_school_id'), ['school_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_school_member_user_id'), ['user_id'], unique=False)

    op.create_table('term',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('kind', sa.Enum('gradingPeriod', 'semester', 'schoolYear', 'term', name='termkind', native_enum=False, length=16), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=True),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('school_id', sa.Integer(), nullable=True),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('sourced_id', sa.String(length=255), nullable=True),
    sa.Column('archived_at', cbl.dbtypes.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', cbl.dbtypes.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['parent_id'], ['term.id'], name=op.f('fk_term_parent_id_term'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_term_school_id_school'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_term')),
    sa.UniqueConstraint('sourced_id', name=op.f('uq_term_sourced_id'))
    )
    with op.batch_alter_table('term', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_term_school_id'), ['school_id'], unique=False)

    with op.batch_alter_table('classroom', schema=None) as batch_op:
        batch_op.add_column(sa.Column('school_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('term_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('sourced_id', sa.String(length=255), nullable=True))
        batch_op.create_index(batch_op.f('ix_classroom_school_id'), ['school_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_classroom_term_id'), ['term_id'], unique=False)
        batch_op.create_unique_constraint(batch_op.f('uq_classroom_sourced_id'), ['sourced_id'])
        batch_op.create_foreign_key(batch_op.f('fk_classroom_term_id_term'), 'term', ['term_id'], ['id'], ondelete='SET NULL')
        batch_op.create_foreign_key(batch_op.f('fk_classroom_school_id_school'), 'school', ['school_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('classroom_teacher', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sourced_id', sa.String(length=255), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_classroom_teacher_sourced_id'), ['sourced_id'])

    with op.batch_alter_table('enrolment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sourced_id', sa.String(length=255), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_enrolment_sourced_id'), ['sourced_id'])

    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('username', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('sourced_id', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('must_change_password', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.alter_column('email',
               existing_type=sa.VARCHAR(length=254),
               nullable=True)
        batch_op.create_index(batch_op.f('ix_user_sourced_id'), ['sourced_id'], unique=True)
        batch_op.create_index(batch_op.f('ix_user_username'), ['username'], unique=True)



def _downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_username'))
        batch_op.drop_index(batch_op.f('ix_user_sourced_id'))
        batch_op.alter_column('email',
               existing_type=sa.VARCHAR(length=254),
               nullable=False)
        batch_op.drop_column('must_change_password')
        batch_op.drop_column('sourced_id')
        batch_op.drop_column('username')

    with op.batch_alter_table('enrolment', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_enrolment_sourced_id'), type_='unique')
        batch_op.drop_column('sourced_id')

    with op.batch_alter_table('classroom_teacher', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_classroom_teacher_sourced_id'), type_='unique')
        batch_op.drop_column('sourced_id')

    with op.batch_alter_table('classroom', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_classroom_school_id_school'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_classroom_term_id_term'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_classroom_sourced_id'), type_='unique')
        batch_op.drop_index(batch_op.f('ix_classroom_term_id'))
        batch_op.drop_index(batch_op.f('ix_classroom_school_id'))
        batch_op.drop_column('sourced_id')
        batch_op.drop_column('term_id')
        batch_op.drop_column('school_id')

    with op.batch_alter_table('term', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_term_school_id'))

    op.drop_table('term')
    with op.batch_alter_table('school_member', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_school_member_user_id'))
        batch_op.drop_index(batch_op.f('ix_school_member_school_id'))

    op.drop_table('school_member')
    op.drop_table('school')
