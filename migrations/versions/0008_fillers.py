"""suggested_tracks.filler: tracks picked from the library to fill a playlist (issue 18)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 09:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("suggested_tracks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("filler", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade():
    with op.batch_alter_table("suggested_tracks", schema=None) as batch_op:
        batch_op.drop_column("filler")
