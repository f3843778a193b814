"""library_search on PostgreSQL: the normalised words of each track with a tsvector and a
GIN index, built from the existing rows

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 10:20:00

Only on PostgreSQL (SQLite has its FTS5 index from 0007; other dialects have none and
the search falls back to the in-memory matcher). See plex_completer/plex/search_pg.py.
"""
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    from plex_completer.plex import search_pg
    from plex_completer.services import library_search  # noqa: F401 - sets search_text.search_text

    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    search_pg.create(bind)


def downgrade():
    from plex_completer.plex import search_pg

    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        search_pg.drop(bind)
