"""What the API sources (Google Ads, Meta, TikTok, Shopify) do alike with one account: mark it
failed, say what happened to it, and insist on time-zone-aware instants."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import psycopg

from metrics_pipeline.landing.connection_states import record_account_state
from metrics_pipeline.landing.ingestion import finish_attempt
from metrics_pipeline.landing.outcomes import TargetOutcome
from metrics_pipeline.operations.failures import FailureCause


def fail_target(
    url: str,
    *,
    connection_id: str,
    account_id: str,
    target: str,
    log_ids: Sequence[int],
    partition_keys: Sequence[str],
    state: str,
    cause: FailureCause,
    message: str,
) -> TargetOutcome:
    """The account's attempts end failed and its connection state becomes `state` (auth_error |
    error), in one transaction of their own: the data transaction, if any, rolled back."""
    with psycopg.connect(url) as conn, conn.transaction():
        for log_id in log_ids:
            finish_attempt(conn, log_id, status="failed", message=message, failure_kind=cause.kind)
        record_account_state(conn, connection_id=connection_id, account_id=account_id, status=state, error=message)
    return TargetOutcome(
        connection_id,
        account_id,
        "failed",
        state,
        tuple(partition_keys),
        message=message,
        cause=cause,
        target=target,
    )


def describe_target(source: str, outcome: TargetOutcome) -> str:
    """One line for the run's log: `<source> <target> <day or span>: <rows landed | FAILED ...>`."""
    keys = outcome.partition_keys
    span = keys[0] if len(keys) == 1 else f"{keys[0]}..{keys[-1]} ({len(keys)} days)"
    if outcome.status == "failed":
        return f"{source} {outcome.target} {span}: FAILED ({outcome.state}): {outcome.message}"
    return f"{source} {outcome.target} {span}: {outcome.rows_loaded} rows landed"


def aware(moment: datetime | None, name: str = "now") -> datetime:
    """`moment`, or now in UTC when None; a naive datetime is refused (it would be read as the
    server's local time)."""
    if moment is None:
        return datetime.now(UTC)
    if moment.tzinfo is None:
        raise ValueError(f"{name} must be time-zone-aware (got {moment.isoformat()})")
    return moment
