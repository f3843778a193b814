"""plex identity: the server's machineIdentifier with the index, and the Plex identity
(server, guid, addedAt) of each playlist the app created

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 07:30:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("library_sync_state", schema=None) as batch_op:
        batch_op.add_column(sa.Column("machine_identifier", sa.String(length=64), nullable=True))
    with op.batch_alter_table("playlists", schema=None) as batch_op:
        batch_op.add_column(sa.Column("plex_machine_identifier", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("plex_guid", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("plex_added_at", sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table("playlists", schema=None) as batch_op:
        batch_op.drop_column("plex_added_at")
        batch_op.drop_column("plex_guid")
        batch_op.drop_column("plex_machine_identifier")
    with op.batch_alter_table("library_sync_state", schema=None) as batch_op:
        batch_op.drop_column("machine_identifier")
