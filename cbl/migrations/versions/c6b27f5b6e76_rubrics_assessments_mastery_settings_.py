"""rubrics, assessments, mastery settings and learning goals

Revision ID: c6b27f5b6e76
Revises: fa90e26a11a1
Create Date: 2026-11-23

"""
from alembic import op
import sqlalchemy as sa

import cbl.dbtypes


# revision identifiers, used by Alembic.
revision = 'c6b27f5b6e76'
down_revision = 'fa90e26a11a1'
branch_labels = None
depends_on = None


def upgrade():

    op.create_table('mastery_settings',
    sa.Column('classroom_id', sa.Integer(), nullable=False),
    sa.Column('method', sa.Enum('most_recent', 'highest', 'mean', 'decaying_average', 'times_proficient', name='method', native_enum=False, length=24), nullable=False),
    sa.Column('weight', sa.Float(), nullable=False),
    sa.Column('times', sa.Integer(), nullable=False),
    sa.Column('proficient_points', sa.Float(), nullable=False),
    sa.Column('count_other_voices', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['classroom_id'], ['classroom.id'], name=op.f('fk_mastery_settings_classroom_id_classroom'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('classroom_id', name=op.f('pk_mastery_settings'))
    )
    op.create_table('rubric',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('family_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('superseded_at', cbl.dbtypes.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', cbl.dbtypes.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', cbl.dbtypes.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['user.id'], name=op.f('fk_rubric_owner_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rubric'))
    )
    with op.batch_alter_table('rubric', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rubric_family_id'), ['family_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_rubric_owner_id'), ['owner_id'], unique=False)

    op.create_table('challenge_assessment',
    sa.Column('challenge_id', sa.Integer(), nullable=False),
    sa.Column('rubric_id', sa.Integer(), nullable=True),
    sa.Column('self_assessment', sa.Boolean(), nullable=False),
    sa.Column('peer_evaluation', sa.Boolean(), nullable=False),
    sa.Column('partner_rating', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['challenge_id'], ['challenge.id'], name=op.f('fk_challenge_assessment_challenge_id_challenge'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['rubric_id'], ['rubric.id'], name=op.f('fk_challenge_assessment_rubric_id_rubric'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('challenge_id', name=op.f('pk_challenge_assessment'))
    )
    with op.batch_alter_table('challenge_assessment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_challenge_assessment_rubric_id'), ['rubric_id'], unique=False)

    op.create_table('criterion',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rubric_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('competency_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['competency_id'], ['competency.id'], name=op.f('fk_criterion_competency_id_competency'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['rubric_id'], ['rubric.id'], name=op.f('fk_criterion_rubric_id_rubric'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_criterion')),
    sa.UniqueConstraint('rubric_id', 'position', name=op.f('uq_criterion_rubric_id'))
    )
    with op.batch_alter_table('criterion', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_criterion_competency_id'), ['competency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_criterion_rubric_id'), ['rubric_id'], unique=False)

    op.create_table('learning_goal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('classroom_id', sa.Integer(), nullable=False),
    sa.Column('competency_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('active', 'achieved', 'set_aside', name='goalstatus', native_enum=False, length=12), nullable=False),
    sa.Column('target_date', sa.Date(), nullable=True),
    sa.Column('created_at', cbl.dbtypes.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', cbl.dbtypes.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['classroom_id'], ['classroom.id'], name=op.f('fk_learning_goal_classroom_id_classroom'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['competency_id'], ['competency.id'], name=op.f('fk_learning_goal_competency_id_competency'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['student_id'], ['user.id'], name=op.f('fk_learning_goal_student_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_learning_goal'))
    )
    with op.batch_alter_table('learning_goal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_learning_goal_classroom_id'), ['classroom_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_learning_goal_student_id'), ['student_id'], unique=False)

    op.create_table('rubric_level',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rubric_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=60), nullable=False),
    sa.Column('points', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['rubric_id'], ['rubric.id'], name=op.f('fk_rubric_level_rubric_id_rubric'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rubric_level')),
    sa.UniqueConstraint('rubric_id', 'position', name=op.f('uq_rubric_level_rubric_id'))
    )
    with op.batch_alter_table('rubric_level', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rubric_level_rubric_id'), ['rubric_id'], unique=False)

    op.create_table('assessment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rubric_id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=True),
    sa.Column('assessor_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.Enum('teacher', 'self', 'peer', 'partner', name='assessmentkind', native_enum=False, length=12), nullable=False),
    sa.Column('status', sa.Enum('draft', 'released', name='assessmentstatus', native_enum=False, length=12), nullable=False),
    sa.Column('overall_comment', sa.Text(), nullable=False),
    sa.Column('work_date', sa.Date(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', cbl.dbtypes.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', cbl.dbtypes.UTCDateTime(timezone=True), nullable=False),
    sa.Column('released_at', cbl.dbtypes.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['assessor_id'], ['user.id'], name=op.f('fk_assessment_assessor_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_assessment_project_id_project'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['rubric_id'], ['rubric.id'], name=op.f('fk_assessment_rubric_id_rubric'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['student_id'], ['user.id'], name=op.f('fk_assessment_student_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assessment'))
    )
    with op.batch_alter_table('assessment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assessment_assessor_id'), ['assessor_id'], unique=False)
        batch_op.create_index('ix_assessment_project_kind', ['project_id', 'kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_assessment_rubric_id'), ['rubric_id'], unique=False)
        batch_op.create_index('ix_assessment_student_status', ['student_id', 'status'], unique=False)

    op.create_table('descriptor',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('criterion_id', sa.Integer(), nullable=False),
    sa.Column('level_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['criterion_id'], ['criterion.id'], name=op.f('fk_descriptor_criterion_id_criterion'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['level_id'], ['rubric_level.id'], name=op.f('fk_descriptor_level_id_rubric_level'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_descriptor')),
    sa.UniqueConstraint('criterion_id', 'level_id', name=op.f('uq_descriptor_criterion_id'))
    )
    with op.batch_alter_table('descriptor', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_descriptor_criterion_id'), ['criterion_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_descriptor_level_id'), ['level_id'], unique=False)

    op.create_table('goal_note',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('goal_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('created_at', cbl.dbtypes.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['user.id'], name=op.f('fk_goal_note_author_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['goal_id'], ['learning_goal.id'], name=op.f('fk_goal_note_goal_id_learning_goal'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_goal_note'))
    )
    with op.batch_alter_table('goal_note', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_goal_note_goal_id'), ['goal_id'], unique=False)

    op.create_table('score',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assessment_id', sa.Integer(), nullable=False),
    sa.Column('criterion_id', sa.Integer(), nullable=False),
    sa.Column('level_id', sa.Integer(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessment.id'], name=op.f('fk_score_assessment_id_assessment'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['criterion_id'], ['criterion.id'], name=op.f('fk_score_criterion_id_criterion'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['level_id'], ['rubric_level.id'], name=op.f('fk_score_level_id_rubric_level'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_score')),
    sa.UniqueConstraint('assessment_id', 'criterion_id', name=op.f('uq_score_assessment_id'))
    )
    with op.batch_alter_table('score', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_score_assessment_id'), ['assessment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_score_criterion_id'), ['criterion_id'], unique=False)

    op.create_table('goal_evidence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('goal_id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['entry.id'], name=op.f('fk_goal_evidence_entry_id_entry'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['goal_id'], ['learning_goal.id'], name=op.f('fk_goal_evidence_goal_id_learning_goal'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_goal_evidence')),
    sa.UniqueConstraint('goal_id', 'entry_id', name=op.f('uq_goal_evidence_goal_id'))
    )
    with op.batch_alter_table('goal_evidence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_goal_evidence_entry_id'), ['entry_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_goal_evidence_goal_id'), ['goal_id'], unique=False)




def downgrade():

    with op.batch_alter_table('goal_evidence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_goal_evidence_goal_id'))
        batch_op.drop_index(batch_op.f('ix_goal_evidence_entry_id'))

    op.drop_table('goal_evidence')
    with op.batch_alter_table('score', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_score_criterion_id'))
        batch_op.drop_index(batch_op.f('ix_score_assessment_id'))

    op.drop_table('score')
    with op.batch_alter_table('goal_note', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_goal_note_goal_id'))

    op.drop_table('goal_note')
    with op.batch_alter_table('descriptor', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_descriptor_level_id'))
        batch_op.drop_index(batch_op.f('ix_descriptor_criterion_id'))

    op.drop_table('descriptor')
    with op.batch_alter_table('assessment', schema=None) as batch_op:
        batch_op.drop_index('ix_assessment_student_status')
        batch_op.drop_index(batch_op.f('ix_assessment_rubric_id'))
        batch_op.drop_index('ix_assessment_project_kind')
        batch_op.drop_index(batch_op.f('ix_assessment_assessor_id'))

    op.drop_table('assessment')
    with op.batch_alter_table('rubric_level', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rubric_level_rubric_id'))

    op.drop_table('rubric_level')
    with op.batch_alter_table('learning_goal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_learning_goal_student_id'))
        batch_op.drop_index(batch_op.f('ix_learning_goal_classroom_id'))

    op.drop_table('learning_goal')
    with op.batch_alter_table('criterion', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_criterion_rubric_id'))
        batch_op.drop_index(batch_op.f('ix_criterion_competency_id'))

    op.drop_table('criterion')
    with op.batch_alter_table('challenge_assessment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_challenge_assessment_rubric_id'))

    op.drop_table('challenge_assessment')
    with op.batch_alter_table('rubric', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rubric_owner_id'))
        batch_op.drop_index(batch_op.f('ix_rubric_family_id'))

    op.drop_table('rubric')
    op.drop_table('mastery_settings')

