"""Land Meta ad accounts: entities and ad-level daily insights, one transaction per account.

`sync_meta` reads every active Meta connection's ad accounts through the Graph API (see
`extract.py`), then per account, in one transaction:

- replaces the account's rows in raw_meta.ad_accounts, campaigns, adsets and ads (its
  latest state, deleted and archived objects included);
- replaces raw_meta.ad_daily_insights for exactly the requested (account, day)s, so a
  rerun, a backfill or Meta restating a day never duplicates rows;
- replaces raw_meta.account_daily_insights (level=account: what Meta bills per day) for the
  same days. The ad-level rows are what Meta returns now, and `act_<id>/insights?level=ad`
  leaves deleted ads out: an ad deleted since its day was last landed drops out of that
  day's ad rows on the next re-land. Its spend is not lost: dbt lands account spend minus
  the sum of the ad rows as an '(unallocated)' row under the account, so the account's
  spend in the marts is always the bill. Keeping the vanished ad's old rows as well would
  count that spend twice;
- adds to raw_meta.account_daily_insights_first_reported what Meta first billed for each
  closed day, as for the ad rows;
- adds to raw_meta.ad_daily_insights_first_reported what Meta said about each day the
  first time it was landed after the day closed (in the account's time zone);
- finishes one ops.ingestion_logs row per (account, day) and marks the account `ok` in
  ops.connection_states.

An account whose token is invalid or expired fails at once (no retries) with a message
that never contains the token, is marked `auth_error`, and the other accounts still land.
Each account's result is a `landing.outcomes.TargetOutcome` (target act_<id>); a failed one
carries its `FailureCause` (permanent for a rejected token, transient for what the retries
could not get through), which its log rows keep as failure_kind.

`snapshot_meta_today` lands the current day's cumulative figures per ad into
raw_meta.ad_intraday_snapshots for one capture instant.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
import requests
from facebook_business.exceptions import FacebookError
from psycopg import sql

from metrics_pipeline.config import ConfigError, Connection, PipelineConfig
from metrics_pipeline.landing.api_targets import aware, describe_target, fail_target
from metrics_pipeline.landing.connection_states import record_account_state
from metrics_pipeline.landing.ingestion import (
    copy_frame,
    finish_attempt,
    read_sql,
    start_attempt,
)
from metrics_pipeline.landing.new_files import contiguous_ranges
from metrics_pipeline.landing.outcomes import TargetOutcome
from metrics_pipeline.operations.call_retry import RetriesExhausted
from metrics_pipeline.operations.failures import cause_from_decision
from metrics_pipeline.sources.meta.actions import ActionValueError
from metrics_pipeline.sources.meta.client import (
    GraphCaller,
    MetaSettings,
    access_token_of,
    classify_graph_error,
    describe_error,
    is_auth_error,
    meta_api,
)
from metrics_pipeline.sources.meta.extract import (
    MetaReportError,
    fetch_account_info,
    fetch_daily_insights,
    fetch_entities,
)
from metrics_pipeline.sources.meta.rows import (
    InsightRowError,
    account_day_row,
    account_days_frame,
    account_frame,
    attribution_label,
    entity_frames,
    insight_row,
    insights_frame,
    snapshot_frame,
)

SQL_DIR = Path(__file__).parent / "sql"
SOURCE = "meta"
INTRADAY_SOURCE = "meta_intraday"
PROVIDER = "meta"
INSIGHTS_TABLE = "raw_meta.ad_daily_insights"
BILLING_TABLE = "raw_meta.account_daily_insights"
SNAPSHOTS_TABLE = "raw_meta.ad_intraday_snapshots"
ENTITY_TABLES = ("raw_meta.ad_accounts", "raw_meta.campaigns", "raw_meta.adsets", "raw_meta.ads")

# What can go wrong talking to Meta about one account; anything else is a bug and is raised.
_ACCOUNT_FAILURES = (
    FacebookError,
    RetriesExhausted,
    MetaReportError,
    InsightRowError,
    ActionValueError,
    ConfigError,
    requests.RequestException,
)

Log = Callable[[str], None]


def restatement_days(last_day: date, lookback_days: int) -> list[date]:
    """The `lookback_days` days ending with `last_day` (at least that day): what Meta may still restate."""
    return [last_day - timedelta(days=n) for n in range(max(lookback_days, 1) - 1, -1, -1)]


def sync_meta(
    url: str,
    config: PipelineConfig,
    days: list[date],
    *,
    run_id: str,
    log: Log = lambda message: None,
    now: datetime | None = None,
    settings: MetaSettings | None = None,
) -> list[TargetOutcome]:
    """Land `days` (the accounts' local days) for every active Meta connection's accounts."""
    now = aware(now)
    settings = settings or MetaSettings.from_environ()
    days = sorted(set(days))
    outcomes = []
    if not days:
        return outcomes
    for connection in config.connections_for(PROVIDER):
        for account_id in connection.account_ids:
            outcome = _sync_account(
                url, connection, account_id, days, run_id=run_id, log=log, now=now, settings=settings
            )
            outcomes.append(outcome)
            log(describe_target("meta", outcome))
    return outcomes


def snapshot_meta_today(
    url: str,
    config: PipelineConfig,
    *,
    captured_at: datetime,
    run_id: str,
    log: Log = lambda message: None,
    settings: MetaSettings | None = None,
) -> list[TargetOutcome]:
    """Land each account's figures so far for its current local day, stamped `captured_at`.

    The partition key of the log rows is the capture instant (ISO 8601, UTC): landing the
    same instant again replaces exactly that snapshot.
    """
    captured_at = aware(captured_at, "captured_at").astimezone(UTC)
    settings = settings or MetaSettings.from_environ()
    outcomes = []
    for connection in config.connections_for(PROVIDER):
        for account_id in connection.account_ids:
            outcome = _snapshot_account(
                url, connection, account_id, captured_at, run_id=run_id, log=log, settings=settings
            )
            outcomes.append(outcome)
            log(describe_target("meta", outcome))
    return outcomes


# --------------------------------------------------------------------------- #
# One account
# --------------------------------------------------------------------------- #


def _sync_account(
    url: str,
    connection: Connection,
    account_id: str,
    days: list[date],
    *,
    run_id: str,
    log: Log,
    now: datetime,
    settings: MetaSettings,
) -> TargetOutcome:
    target = f"act_{account_id}"
    keys = tuple(day.isoformat() for day in days)
    log_ids = {
        day: start_attempt(url, source=SOURCE, partition_key=day.isoformat(), target=target, run_id=run_id)
        for day in days
    }
    secrets: tuple[str, ...] = ()
    try:
        api = meta_api(connection, timeout=settings.http_timeout)
        secrets = (access_token_of(api),)
        call = GraphCaller(settings.retry_policy, log=log, secrets=secrets)
        info = fetch_account_info(api, account_id, call)
        entities = fetch_entities(api, account_id, call)
        raw_rows: list[dict] = []
        raw_billing: list[dict] = []
        for since, until in contiguous_ranges(days):
            for level, into in (("ad", raw_rows), ("account", raw_billing)):
                into.extend(
                    fetch_daily_insights(
                        api,
                        account_id,
                        since,
                        until,
                        attribution_windows=connection.attribution_windows,
                        use_unified_attribution_setting=connection.use_unified_attribution_setting,
                        level=level,
                        call=call,
                        settings=settings,
                    )
                )
        wanted = set(days)
        rows = [
            row for row in (insight_row(raw, account_id, connection) for raw in raw_rows) if row.date_start in wanted
        ]
        billing = [row for row in (account_day_row(raw, account_id) for raw in raw_billing) if row.date_start in wanted]
    except _ACCOUNT_FAILURES as exc:
        return _fail_account(url, connection, account_id, list(log_ids.values()), keys, exc, secrets)
    except Exception as exc:
        _fail_account(url, connection, account_id, list(log_ids.values()), keys, exc, secrets)
        raise

    closed_days = [day for day in days if day < _local_today(now, info.timezone_name)]
    try:
        with psycopg.connect(url) as conn, conn.transaction():
            conn.execute(read_sql(SQL_DIR, "lock_account"), {"account_id": account_id})
            for table in ENTITY_TABLES:
                conn.execute(
                    sql.SQL(read_sql(SQL_DIR, "delete_account_rows")).format(table=sql.Identifier(*table.split("."))),
                    {"account_id": account_id},
                )
            copy_frame(
                conn,
                "raw_meta.ad_accounts",
                account_frame(info, connection_id=connection.id, run_id=run_id, extracted_at=now),
            )
            for table, frame in entity_frames(entities, account_id, run_id=run_id, extracted_at=now).items():
                copy_frame(conn, table, frame)
            conn.execute(read_sql(SQL_DIR, "delete_account_days"), {"account_id": account_id, "days": days})
            loaded = copy_frame(
                conn,
                INSIGHTS_TABLE,
                insights_frame(
                    rows, attribution_windows=attribution_label(connection), run_id=run_id, extracted_at=now
                ),
            )
            conn.execute(read_sql(SQL_DIR, "delete_account_billing_days"), {"account_id": account_id, "days": days})
            copy_frame(conn, BILLING_TABLE, account_days_frame(billing, run_id=run_id, extracted_at=now))
            for first_reported in ("record_first_reported", "record_first_reported_billing"):
                conn.execute(
                    read_sql(SQL_DIR, first_reported),
                    {"account_id": account_id, "closed_days": closed_days, "reported_at": now},
                )
            rows_per_day = {day: 0 for day in days}
            for row in rows:
                rows_per_day[row.date_start] += 1
            for day, log_id in log_ids.items():
                finish_attempt(conn, log_id, status="completed", processed=rows_per_day[day], loaded=rows_per_day[day])
            record_account_state(conn, connection_id=connection.id, account_id=account_id, status="ok")
    except Exception as exc:
        # The data transaction rolled back: nothing of this account changed. Say so in its log rows.
        _fail_account(url, connection, account_id, list(log_ids.values()), keys, exc, secrets, prefix="not landed: ")
        raise
    return TargetOutcome(connection.id, account_id, "completed", "ok", keys, loaded, target=target)


def _snapshot_account(
    url: str,
    connection: Connection,
    account_id: str,
    captured_at: datetime,
    *,
    run_id: str,
    log: Log,
    settings: MetaSettings,
) -> TargetOutcome:
    key = captured_at.isoformat()
    log_id = start_attempt(url, source=INTRADAY_SOURCE, partition_key=key, target=f"act_{account_id}", run_id=run_id)
    secrets: tuple[str, ...] = ()
    try:
        api = meta_api(connection, timeout=settings.http_timeout)
        secrets = (access_token_of(api),)
        call = GraphCaller(settings.retry_policy, log=log, secrets=secrets)
        info = fetch_account_info(api, account_id, call)
        today = _local_today(captured_at, info.timezone_name)
        raw_rows = fetch_daily_insights(
            api,
            account_id,
            today,
            today,
            attribution_windows=connection.attribution_windows,
            use_unified_attribution_setting=connection.use_unified_attribution_setting,
            call=call,
            settings=settings,
        )
        rows = [
            row for row in (insight_row(raw, account_id, connection) for raw in raw_rows) if row.date_start == today
        ]
    except _ACCOUNT_FAILURES as exc:
        return _fail_account(url, connection, account_id, [log_id], (key,), exc, secrets)
    except Exception as exc:
        _fail_account(url, connection, account_id, [log_id], (key,), exc, secrets)
        raise
    try:
        with psycopg.connect(url) as conn, conn.transaction():
            conn.execute(read_sql(SQL_DIR, "lock_account"), {"account_id": account_id})
            conn.execute(read_sql(SQL_DIR, "delete_snapshot"), {"account_id": account_id, "captured_at": captured_at})
            loaded = copy_frame(conn, SNAPSHOTS_TABLE, snapshot_frame(rows, captured_at=captured_at, run_id=run_id))
            finish_attempt(
                conn,
                log_id,
                status="completed",
                processed=len(rows),
                loaded=loaded,
                message=f"{today.isoformat()} as of {key}",
            )
            record_account_state(conn, connection_id=connection.id, account_id=account_id, status="ok")
    except Exception as exc:
        _fail_account(url, connection, account_id, [log_id], (key,), exc, secrets, prefix="not landed: ")
        raise
    return TargetOutcome(connection.id, account_id, "completed", "ok", (key,), loaded, target=f"act_{account_id}")


def _fail_account(
    url: str,
    connection: Connection,
    account_id: str,
    log_ids: Sequence[int],
    keys: tuple[str, ...],
    exc: BaseException,
    secrets: Sequence[str],
    prefix: str = "",
) -> TargetOutcome:
    state = "auth_error" if is_auth_error(exc) or isinstance(exc, ConfigError) else "error"
    return fail_target(
        url,
        connection_id=connection.id,
        account_id=account_id,
        target=f"act_{account_id}",
        log_ids=log_ids,
        partition_keys=keys,
        state=state,
        cause=cause_from_decision(exc, classify_graph_error, auth_error=state == "auth_error"),
        message=prefix + describe_error(exc, secrets),
    )


# --------------------------------------------------------------------------- #
# Small pure helpers
# --------------------------------------------------------------------------- #


def _local_today(moment: datetime, timezone_name: str) -> date:
    return moment.astimezone(ZoneInfo(timezone_name)).date()
