"""plex_users: the Plex accounts of the household, and the owner of each playlist and job (issue 16)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 10:10:00

"""
import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "plex_users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plex_id", sa.BigInteger(), nullable=False),
        sa.Column("uuid", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("username", sa.String(length=200), nullable=True),
        sa.Column("thumb", sa.String(length=500), nullable=True),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("token_encrypted", sa.Text(), nullable=True),
        sa.Column("token_refreshed_at", sa.DateTime(), nullable=True),
        sa.Column("has_access", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("last_seen_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plex_users")),
        sa.UniqueConstraint("plex_id", name=op.f("uq_plex_users_plex_id")),
    )
    with op.batch_alter_table("playlists", schema=None) as batch_op:
        batch_op.add_column(sa.Column("owner_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_playlists_owner_id"), ["owner_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_playlists_owner_id_plex_users"), "plex_users", ["owner_id"], ["id"], ondelete="SET NULL"
        )
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("owner_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_jobs_owner_id"), ["owner_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_jobs_owner_id_plex_users"), "plex_users", ["owner_id"], ["id"], ondelete="SET NULL"
        )


def downgrade():
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_jobs_owner_id_plex_users"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_jobs_owner_id"))
        batch_op.drop_column("owner_id")
    with op.batch_alter_table("playlists", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_playlists_owner_id_plex_users"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_playlists_owner_id"))
        batch_op.drop_column("owner_id")
    op.drop_table("plex_users")
