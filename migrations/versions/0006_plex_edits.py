"""playlists: edits made in Plex that the app keeps (issue 15)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 08:10:00

"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("playlists", schema=None) as batch_op:
        batch_op.add_column(sa.Column("plex_removed_keys", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("plex_added_keys", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("plex_summary", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("title_set_in_plex", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column("summary_set_in_plex", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column("order_set_in_plex", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column("plex_updated_at", sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table("playlists", schema=None) as batch_op:
        batch_op.drop_column("plex_updated_at")
        batch_op.drop_column("order_set_in_plex")
        batch_op.drop_column("summary_set_in_plex")
        batch_op.drop_column("title_set_in_plex")
        batch_op.drop_column("plex_summary")
        batch_op.drop_column("plex_added_keys")
        batch_op.drop_column("plex_removed_keys")
