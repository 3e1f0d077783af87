"""shortage signals remember the file they came from (the same file is not imported twice);
organisations can be deactivated

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 20:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('shortage_signals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('file_checksum', sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f('ix_shortage_signals_file_checksum'), ['file_checksum'], unique=False)
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_active', sa.Boolean(), server_default=sa.true(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.drop_column('is_active')
    with op.batch_alter_table('shortage_signals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_shortage_signals_file_checksum'))
        batch_op.drop_column('file_checksum')
