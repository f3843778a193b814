"""library_tags (genres, styles, moods of artists and albums), playlists.fill_mode and
library_sync_state.tags_updated_at (issue 18)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 10:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "library_tags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("section_id", sa.Integer(), nullable=False),
        sa.Column("rating_key", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("tag", sa.String(length=200), nullable=False),
        sa.Column("tag_norm", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("rating_key", "kind", "tag", name="uq_library_tags_key_kind_tag"),
    )
    with op.batch_alter_table("library_tags", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_library_tags_section_id"), ["section_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_library_tags_tag_norm"), ["tag_norm"], unique=False)
    with op.batch_alter_table("playlists", schema=None) as batch_op:
        batch_op.add_column(sa.Column("fill_mode", sa.String(length=10), nullable=True))
    with op.batch_alter_table("library_sync_state", schema=None) as batch_op:
        batch_op.add_column(sa.Column("tags_updated_at", sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table("library_sync_state", schema=None) as batch_op:
        batch_op.drop_column("tags_updated_at")
    with op.batch_alter_table("playlists", schema=None) as batch_op:
        batch_op.drop_column("fill_mode")
    with op.batch_alter_table("library_tags", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_library_tags_tag_norm"))
        batch_op.drop_index(batch_op.f("ix_library_tags_section_id"))
    op.drop_table("library_tags")
