"""artist aliases learned from manual matches (issue 14)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 08:40:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('artist_aliases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('alias', sa.String(length=500), nullable=False),
    sa.Column('alias_key', sa.String(length=500), nullable=False),
    sa.Column('library_artist', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('alias_key')
    )


def downgrade():
    op.drop_table('artist_aliases')
