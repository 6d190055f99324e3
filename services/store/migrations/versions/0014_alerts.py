"""Alerts: threshold rules' alerts, their history, silences, the rules last run and the rules' evaluation state.

Revision ID: 0014_alerts
Revises: 0013_chart_indexes
Create Date: 2026-12-05

- ``alerts``: one row per rule and scope episode, counting its occurrences; at most one not cleared per rule and
  scope (a partial unique index). ``uid`` (uuid4 hex) is what the backend will know it by.
- ``alert_actions``: raised / occurred / cleared / reopened (actor "system", at the data's time) and people's
  acknowledgements, silences and incident links (at the wall clock's time).
- ``alert_silences``: a rule silenced for one scope or all, with the reason everyone sees.
- ``alert_rules``: the rules the evaluation last ran, so silences name a known rule.
- ``alert_checkpoints``: each rule and scope's state machine at UTC day boundaries (services.alerts.machine).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_alerts"
down_revision: str | None = "0013_chart_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("uid", sa.Text, nullable=False, unique=True),
        sa.Column("rule_id", sa.Text, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("severity", sa.Text, nullable=False),
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("scope_kind", sa.Text, nullable=False),
        sa.Column("scope_key", sa.Text, nullable=False),
        sa.Column("scope_name_th", sa.Text),
        sa.Column("scope_name_en", sa.Text),
        sa.Column("rule_name_th", sa.Text),
        sa.Column("rule_name_en", sa.Text),
        sa.Column("first_at", sa.Integer, nullable=False),
        sa.Column("last_at", sa.Integer, nullable=False),
        sa.Column("cleared_at", sa.Integer),
        sa.Column("occurrences", sa.Integer, nullable=False, server_default="1"),
        sa.Column("value", sa.Float),
        sa.Column("message_th", sa.Text, nullable=False),
        sa.Column("message_en", sa.Text, nullable=False),
        sa.Column("lat", sa.Float),
        sa.Column("lon", sa.Float),
        sa.Column("acknowledged_by", sa.Text),
        sa.Column("acknowledged_role", sa.Text),
        sa.Column("acknowledged_at", sa.Integer),
        sa.Column("ack_comment", sa.Text),
        sa.Column("incident_id", sa.Integer, sa.ForeignKey("incidents.id", ondelete="SET NULL")),
        sa.Column("updated_at", sa.Integer, nullable=False),
        sa.CheckConstraint("state IN ('open', 'acknowledged', 'cleared')", name="ck_alerts_state"),
        sa.CheckConstraint("severity IN ('info', 'warning', 'critical')", name="ck_alerts_severity"),
    )
    op.create_index("ix_alerts_state_last", "alerts", ["state", "last_at", "id"])
    op.create_index("ix_alerts_last", "alerts", ["last_at", "id"])
    op.create_index("ix_alerts_rule_scope", "alerts", ["rule_id", "scope_key", "first_at"])
    op.create_index("ix_alerts_cleared", "alerts", ["cleared_at"])
    op.create_index("ix_alerts_incident", "alerts", ["incident_id"])
    op.create_index("uq_alerts_one_open", "alerts", ["rule_id", "scope_key"], unique=True,
                    sqlite_where=sa.text("state != 'cleared'"))
    op.create_table(
        "alert_actions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("alert_id", sa.Integer, sa.ForeignKey("alerts.id", ondelete="CASCADE"), nullable=False),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("role", sa.Text),
        sa.Column("at", sa.Integer, nullable=False),
        sa.Column("comment", sa.Text),
    )
    op.create_index("ix_alert_actions_alert", "alert_actions", ["alert_id", "at", "id"])
    op.create_table(
        "alert_silences",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("rule_id", sa.Text, nullable=False),
        sa.Column("scope_key", sa.Text),
        sa.Column("starts_at", sa.Integer, nullable=False),
        sa.Column("until", sa.Integer, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("role", sa.Text, nullable=False),
        sa.Column("created_at", sa.Integer, nullable=False),
        sa.Column("ended_by", sa.Text),
        sa.Column("ended_at", sa.Integer),
        sa.CheckConstraint("until > starts_at", name="ck_alert_silences_window"),
    )
    op.create_index("ix_alert_silences_until", "alert_silences", ["until", "rule_id"])
    op.create_table(
        "alert_rules",
        sa.Column("rule_id", sa.Text, primary_key=True),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("severity", sa.Text, nullable=False),
        sa.Column("name_th", sa.Text, nullable=False),
        sa.Column("name_en", sa.Text, nullable=False),
        sa.Column("enabled", sa.Integer, nullable=False),
        sa.Column("updated_at", sa.Integer, nullable=False),
    )
    op.create_table(
        "alert_checkpoints",
        sa.Column("rule_id", sa.Text, nullable=False),
        sa.Column("scope_key", sa.Text, nullable=False),
        sa.Column("at", sa.Integer, nullable=False),
        sa.Column("fingerprint", sa.Text, nullable=False),
        sa.Column("state_json", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("rule_id", "scope_key", "at"),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_alert_checkpoints_at", "alert_checkpoints", ["at"])


def downgrade() -> None:
    op.drop_index("ix_alert_checkpoints_at", table_name="alert_checkpoints")
    op.drop_table("alert_checkpoints")
    op.drop_table("alert_rules")
    op.drop_index("ix_alert_silences_until", table_name="alert_silences")
    op.drop_table("alert_silences")
    op.drop_index("ix_alert_actions_alert", table_name="alert_actions")
    op.drop_table("alert_actions")
    for name in ("uq_alerts_one_open", "ix_alerts_incident", "ix_alerts_cleared", "ix_alerts_rule_scope",
                 "ix_alerts_last", "ix_alerts_state_last"):
        op.drop_index(name, table_name="alerts")
    op.drop_table("alerts")
