"""person data keys (erasure by key deletion), keyed hash of file numbers, revoked tokens

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 14:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('person_keys',
    sa.Column('key_id', sa.String(length=32), nullable=False),
    sa.Column('wrapped', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key_id', name=op.f('pk_person_keys'))
    )
    op.create_table('revoked_tokens',
    sa.Column('jti', sa.String(length=32), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('jti', name=op.f('pk_revoked_tokens'))
    )
    with op.batch_alter_table('revoked_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_revoked_tokens_expires_at'), ['expires_at'], unique=False)
    # existing file numbers stay readable as they are until `skillmatch keys rotate` seals them
    with op.batch_alter_table('persons', schema=None) as batch_op:
        batch_op.alter_column('external_ref', existing_type=sa.String(length=80), type_=sa.Text(), existing_nullable=True)
        batch_op.add_column(sa.Column('external_ref_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('key_id', sa.String(length=32), nullable=True))
        batch_op.create_index(batch_op.f('ix_persons_external_ref_hash'), ['external_ref_hash'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('persons', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_persons_external_ref_hash'))
        batch_op.drop_column('key_id')
        batch_op.drop_column('external_ref_hash')
        batch_op.alter_column('external_ref', existing_type=sa.Text(), type_=sa.String(length=80), existing_nullable=True)
    with op.batch_alter_table('revoked_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_revoked_tokens_expires_at'))
    op.drop_table('revoked_tokens')
    op.drop_table('person_keys')
