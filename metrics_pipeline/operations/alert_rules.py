"""Alert rules: mirrored from the config into config.alert_rules, evaluated in SQL over the marts
(`sql/evaluate_alert_rules.sql`), each when its evaluation interval has passed.

An evaluation writes ops.alert_events rows for what triggered; the table's unique key
(workspace, rule, entity, day) and `on conflict do nothing` mean an event is raised once,
however often the same day is evaluated again. A new event gets a pending delivery for each
channel its rule notifies (`operations/notifications.py` sends them).

The same evaluation resolves what cleared: a rule and entity whose latest closed day does not
trigger (the condition was evaluable and false) has its open events (TRIGGERED or ACKNOWLEDGED)
of that day or earlier set RESOLVED by 'auto' (`sql/resolve_alert_events.sql`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import polars as pl
import psycopg

from metrics_pipeline.config import PipelineConfig
from metrics_pipeline.landing.ingestion import copy_frame, read_sql

SQL_DIR = Path(__file__).parent / "sql"

RULES_TABLE = "config.alert_rules"
_RULE_SCHEMA = {
    "workspace_slug": pl.String,
    "rule_id": pl.String,
    "rule_type": pl.String,
    "severity": pl.String,
    "scope_level": pl.String,
    "account_selector": pl.String,
    "campaign_selector": pl.String,
    "threshold": pl.String,
    "baseline_days": pl.Int32,
    "evaluation_interval_minutes": pl.Int32,
    "notify_channels": pl.String,
}


def alert_rules_frame(config: PipelineConfig) -> pl.DataFrame:
    """One row per rule; the threshold stays a decimal string until Postgres casts it."""
    return pl.DataFrame(
        [
            {
                "workspace_slug": r.workspace_slug,
                "rule_id": r.id,
                "rule_type": r.type,
                "severity": r.severity,
                "scope_level": r.scope_level,
                "account_selector": r.account,
                "campaign_selector": r.campaign,
                "threshold": str(r.threshold),
                "baseline_days": r.baseline_days,
                "evaluation_interval_minutes": r.evaluation_interval_minutes,
                "notify_channels": ",".join(r.notify) or None,
            }
            for workspace in config.workspaces
            for r in workspace.alert_rules
        ],
        schema=_RULE_SCHEMA,
    )


def sync_alert_rules(conn: psycopg.Connection, config: PipelineConfig) -> int:
    frame = alert_rules_frame(config)
    with conn.transaction():
        conn.execute(f"delete from {RULES_TABLE}")
        copy_frame(conn, RULES_TABLE, frame)
    return frame.height


def is_due(last_evaluated_at: datetime | None, interval_minutes: int, now: datetime) -> bool:
    return last_evaluated_at is None or now - last_evaluated_at >= timedelta(minutes=interval_minutes)


@dataclass(frozen=True)
class Evaluation:
    evaluated: list[str]  # 'workspace/rule' keys
    raised: list[tuple]  # (workspace, rule, entity, day, current value, baseline) of new events
    resolved: list[tuple] = ()  # (alert_event_id, workspace, rule, entity, day) resolved by 'auto'


def evaluate_due_rules(conn: psycopg.Connection, now: datetime) -> Evaluation:
    """Evaluate every rule whose interval has passed since its last evaluation, in one transaction."""
    if conn.execute("select to_regclass('marts.fct_pnl_daily') is null").fetchone()[0]:
        return Evaluation([], [])  # the marts were never built: nothing to evaluate yet
    with conn.transaction():
        rules = conn.execute(
            "select r.workspace_slug || '/' || r.rule_id, r.evaluation_interval_minutes, e.last_evaluated_at"
            " from config.alert_rules as r left join ops.alert_rule_evaluations as e using (workspace_slug, rule_id)"
            " order by 1"
        ).fetchall()
        due = [key for key, minutes, last in rules if is_due(last, minutes, now)]
        if not due:
            return Evaluation([], [])
        # a transaction of its own drops it on commit; inside the caller's (a savepoint) it would stay
        conn.execute("drop table if exists pg_temp.alert_evaluation")
        conn.execute(read_sql(SQL_DIR, "evaluate_alert_rules"), {"rule_keys": due})
        raised = conn.execute(read_sql(SQL_DIR, "raise_alert_events"), {"now": now}).fetchall()
        resolved = conn.execute(read_sql(SQL_DIR, "resolve_alert_events"), {"now": now}).fetchall()
        conn.execute(read_sql(SQL_DIR, "record_alert_evaluations"), {"rule_keys": due, "now": now})
        conn.execute("drop table pg_temp.alert_evaluation")
    return Evaluation(due, raised, resolved)
