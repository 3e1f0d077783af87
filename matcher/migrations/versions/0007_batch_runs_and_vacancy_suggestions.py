"""batch runs (skillmatch batch) and the vacancy suggestions of the nightly ranking; matches found by
profile and model version (a re-match skips what it already did)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24 11:00:43.769503
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('batch_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('model_version', sa.String(length=200), nullable=True),
    sa.Column('taxonomy_version', sa.Integer(), nullable=True),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('failed', sa.Integer(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('error', sa.String(length=500), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_batch_runs'))
    )
    with op.batch_alter_table('batch_runs', schema=None) as batch_op:
        batch_op.create_index('ix_batch_runs_kind', ['kind', 'status'], unique=False)

    op.create_table('vacancy_suggestions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('vacancy_id', sa.Integer(), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('factors', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_vacancy_suggestions_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_vacancy_suggestions_person_id_persons')),
    sa.ForeignKeyConstraint(['run_id'], ['batch_runs.id'], name=op.f('fk_vacancy_suggestions_run_id_batch_runs')),
    sa.ForeignKeyConstraint(['vacancy_id'], ['vacancies.id'], name=op.f('fk_vacancy_suggestions_vacancy_id_vacancies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vacancy_suggestions')),
    sa.UniqueConstraint('run_id', 'person_id', 'vacancy_id', name='uq_vacancy_suggestions_run_person_vacancy')
    )
    with op.batch_alter_table('vacancy_suggestions', schema=None) as batch_op:
        batch_op.create_index('ix_vacancy_suggestions_person', ['person_id'], unique=False)

    with op.batch_alter_table('matches', schema=None) as batch_op:
        batch_op.create_index('ix_matches_profile', ['profile_id', 'model_version'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('matches', schema=None) as batch_op:
        batch_op.drop_index('ix_matches_profile')

    with op.batch_alter_table('vacancy_suggestions', schema=None) as batch_op:
        batch_op.drop_index('ix_vacancy_suggestions_person')

    op.drop_table('vacancy_suggestions')
    with op.batch_alter_table('batch_runs', schema=None) as batch_op:
        batch_op.drop_index('ix_batch_runs_kind')

    op.drop_table('batch_runs')
