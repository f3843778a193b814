"""AI cascade against today's Gemini and Ollama: successor models, token details, cut answers

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02 07:30:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "ai_model_successors",
        sa.Column("slot", sa.String(length=80), nullable=False),
        sa.Column("successor", sa.String(length=80), nullable=False),
        sa.Column("origin", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("output_token_limit", sa.Integer(), nullable=True),
        sa.Column("resolved_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("slot"),
    )
    with op.batch_alter_table("ai_attempts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("thinking_tokens", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("finish_reason", sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column("slot", sa.String(length=80), nullable=True))
    with op.batch_alter_table("provider_states", schema=None) as batch_op:
        batch_op.add_column(sa.Column("disabled_outcome", sa.String(length=20), nullable=True))
    with op.batch_alter_table("generations", schema=None) as batch_op:
        # server_default fills existing rows; the model's own default is "".
        batch_op.add_column(sa.Column("ai_note", sa.Text(), nullable=False, server_default=""))


def downgrade():
    with op.batch_alter_table("generations", schema=None) as batch_op:
        batch_op.drop_column("ai_note")
    with op.batch_alter_table("provider_states", schema=None) as batch_op:
        batch_op.drop_column("disabled_outcome")
    with op.batch_alter_table("ai_attempts", schema=None) as batch_op:
        batch_op.drop_column("slot")
        batch_op.drop_column("finish_reason")
        batch_op.drop_column("thinking_tokens")
    op.drop_table("ai_model_successors")
