"""competency frameworks per class, and retired competencies

Revision ID: a7c3e1f05b12
Revises: 5e2b9c7d1f30
Create Date: 2026-12-04

Every class present gets the default framework (the one with the default CASE identifier,
else the oldest), and every framework its entries or its challenges' rubrics already use, so
that what was offered before stays offered.
"""
from alembic import op
import sqlalchemy as sa

import cbl.dbtypes


# revision identifiers, used by Alembic.
revision = 'a7c3e1f05b12'
down_revision = '5e2b9c7d1f30'
branch_labels = None
depends_on = None

DEFAULT_IDENTIFIER = "3b0e8d0e-6f7c-4d2a-9a51-cb1000000000"


def upgrade():
    op.create_table('classroom_framework',
    sa.Column('classroom_id', sa.Integer(), nullable=False),
    sa.Column('framework_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['classroom_id'], ['classroom.id'], name=op.f('fk_classroom_framework_classroom_id_classroom'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['framework_id'], ['competency_framework.id'], name=op.f('fk_classroom_framework_framework_id_competency_framework'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('classroom_id', 'framework_id', name=op.f('pk_classroom_framework'))
    )
    with op.batch_alter_table('classroom_framework', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_classroom_framework_framework_id'), ['framework_id'], unique=False)

    with op.batch_alter_table('competency', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retired_at', cbl.dbtypes.UTCDateTime(timezone=True), nullable=True))

    _backfill()


def _backfill():
    """Give every class the frameworks it used implicitly until now."""
    bind = op.get_bind()
    default_id = bind.execute(sa.text(
        "SELECT id FROM competency_framework WHERE case_identifier = :identifier"),
        {"identifier": DEFAULT_IDENTIFIER}).scalar()
    if default_id is None:
        default_id = bind.execute(sa.text("SELECT MIN(id) FROM competency_framework")).scalar()
    used = sa.text(
        "SELECT DISTINCT t.classroom_id, c.framework_id FROM entry_competency ec "
        "JOIN competency c ON c.id = ec.competency_id JOIN entry e ON e.id = ec.entry_id "
        "JOIN project p ON p.id = e.project_id JOIN team t ON t.id = p.team_id "
        "UNION SELECT DISTINCT ch.classroom_id, c.framework_id FROM challenge_assessment ca "
        "JOIN challenge ch ON ch.id = ca.challenge_id JOIN criterion cr ON cr.rubric_id = ca.rubric_id "
        "JOIN competency c ON c.id = cr.competency_id")
    pairs = {(row[0], row[1]) for row in bind.execute(used)}
    if default_id is not None:
        pairs |= {(row[0], default_id) for row in bind.execute(sa.text("SELECT id FROM classroom"))}
    table = sa.table('classroom_framework', sa.column('classroom_id', sa.Integer()),
                     sa.column('framework_id', sa.Integer()))
    if pairs:
        op.bulk_insert(table, [{"classroom_id": c, "framework_id": f} for c, f in sorted(pairs)])


def downgrade():
    # Not a batch "move and copy": on SQLite, with foreign keys on, dropping the old competency
    # table would cascade to sub-competencies and entry tags. SQLite 3.35+ drops a column itself.
    with op.batch_alter_table('competency', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('retired_at')

    with op.batch_alter_table('classroom_framework', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_classroom_framework_framework_id'))

    op.drop_table('classroom_framework')
