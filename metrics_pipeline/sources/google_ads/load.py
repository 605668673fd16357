"""Land Google Ads: every active connection's customers, one transaction per customer.

A connection reaches its customers either through a manager (MCC) account, whose
ENABLED non-manager clients (below sub-managers too) are discovered on each run, or as the
customer ids it lists. Metrics land per ad (ad_group_ad) and per campaign: Performance Max
has campaign-level numbers only.
Per customer, all API reads happen first (each call retried on quota and transient
errors); then one transaction replaces the customer's entity rows, deletes and COPYs its
metrics and click views for each synced day, records what each closed day first said,
finishes one ops.ingestion_logs row per (customer, day) and marks ops.connection_states
'ok'. A customer that fails is logged 'failed' on each of its days, its state becomes
'auth_error' or 'error', nothing of it changes, and the other customers still land.

Each customer's result is a `landing.outcomes.TargetOutcome` (target customers/<id>); a
failed one carries its `FailureCause`, decided from the retry policy's own view of the
error (`operations.failures.cause_from_decision`) and written to failure_kind.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import polars as pl
import psycopg

from metrics_pipeline.config import Connection, PipelineConfig
from metrics_pipeline.landing.api_targets import aware, fail_target
from metrics_pipeline.landing.connection_states import record_account_state
from metrics_pipeline.landing.ingestion import (
    copy_frame,
    finish_attempt,
    read_sql,
    start_attempt,
)
from metrics_pipeline.landing.outcomes import TargetOutcome
from metrics_pipeline.operations.failures import cause_from_decision
from metrics_pipeline.sources.google_ads.errors import (
    ACCOUNT_FAILURES,
    account_state,
    classify,
    describe_failure,
)
from metrics_pipeline.sources.google_ads.extract import (
    ENTITY_TABLES,
    AccountExtract,
    CustomerProfile,
    GoogleAdsSession,
    discover_client_customers,
    extract_account,
    fetch_ad_metrics,
    fetch_profile,
    intraday_frame,
    landing_frame,
    profile_record,
    secret_values,
)

SOURCE = "google_ads"
INTRADAY_SOURCE = "google_ads_intraday"
PROVIDER = "google_ads"
SQL_DIR = Path(__file__).parent / "sql"
SCHEMA = "raw_google_ads"

Log = Callable[[str], None]


def _quiet(message: str) -> None:
    pass


@dataclass(frozen=True)
class _Account:
    customer_id: str
    manager_customer_id: str | None


# --------------------------------------------------------------------------- #
# Pure helpers
# --------------------------------------------------------------------------- #


def local_today(time_zone: str, now: datetime) -> date:
    return now.astimezone(ZoneInfo(time_zone)).date()


def closed_days(days: Sequence[date], time_zone: str, now: datetime) -> list[date]:
    """The days that are over in the customer's time zone at `now` (their numbers are final-ish)."""
    today = local_today(time_zone, now)
    return sorted(day for day in set(days) if day < today)


def rows_per_day(frame: pl.DataFrame, column: str) -> Counter[date]:
    return Counter(frame.get_column(column).to_list())


# --------------------------------------------------------------------------- #
# Daily sync
# --------------------------------------------------------------------------- #


def sync_google_ads(
    url: str,
    config: PipelineConfig,
    days: list[date],
    *,
    run_id: str,
    log: Log = _quiet,
    now: datetime | None = None,
) -> list[TargetOutcome]:
    """Land `days` of every customer of every active google_ads connection.

    `now` (timezone-aware; default: the clock) decides which days are closed in each
    customer's time zone, and is the extracted_at / first_reported_at of this run.
    """
    now = aware(now)
    days = sorted(set(days))
    if not days:
        return []
    outcomes: list[TargetOutcome] = []
    for connection in config.connections_for(PROVIDER):
        outcomes.extend(_sync_connection(url, connection, days, run_id=run_id, log=log, now=now))
    return outcomes


def _sync_connection(
    url: str, connection: Connection, days: list[date], *, run_id: str, log: Log, now: datetime
) -> list[TargetOutcome]:
    return _for_each_reachable_account(
        url,
        connection,
        source=SOURCE,
        partition_keys=[day.isoformat() for day in days],
        run_id=run_id,
        log=log,
        now=now,
        land_manager=True,
        per_account=lambda session, account, fail: [
            _sync_account(url, session, account, days, run_id=run_id, log=log, now=now)
        ],
    )


def _for_each_reachable_account(
    url: str,
    connection: Connection,
    *,
    source: str,
    partition_keys: list[str],
    run_id: str,
    log: Log,
    now: datetime,
    land_manager: bool,
    per_account: Callable[..., list[TargetOutcome]],
) -> list[TargetOutcome]:
    """Open the connection's session, find its accounts, and run `per_account` on each.

    Failing to authenticate or to discover the accounts is recorded against every account it
    stopped (the configured ones, or the manager), so each attempt still has its log row.
    """

    def fail(customer_ids: Sequence[str], exc: BaseException) -> list[TargetOutcome]:
        return [
            _record_failure(
                url, connection, cid, exc, source=source, partition_keys=partition_keys, run_id=run_id, log=log
            )
            for cid in customer_ids
        ]

    try:
        session = _open_session(connection, log)
    except ACCOUNT_FAILURES as exc:
        return fail(_configured_targets(connection), exc)
    with session:
        try:
            accounts = _reachable_accounts(url, session, run_id=run_id, now=now, land_manager=land_manager)
        except ACCOUNT_FAILURES as exc:
            return fail([connection.manager_customer_id or ""], exc)
        outcomes: list[TargetOutcome] = []
        for account in accounts:
            outcomes.extend(per_account(session, account, fail))
        return outcomes


def _sync_account(
    url: str, session: GoogleAdsSession, account: _Account, days: list[date], *, run_id: str, log: Log, now: datetime
) -> TargetOutcome:
    connection = session.connection
    cid = account.customer_id
    log_ids = {
        day: start_attempt(url, source=SOURCE, partition_key=day.isoformat(), target=f"customers/{cid}", run_id=run_id)
        for day in days
    }

    def fail(exc: BaseException) -> TargetOutcome:
        return _record_failure(
            url,
            connection,
            cid,
            exc,
            source=SOURCE,
            partition_keys=[d.isoformat() for d in days],
            run_id=run_id,
            log=log,
            log_ids=list(log_ids.values()),
        )

    try:
        profile = fetch_profile(session, cid)
        extract = extract_account(
            session,
            profile,
            days,
            manager_customer_id=account.manager_customer_id,
            run_id=run_id,
            extracted_at=now,
        )
    except ACCOUNT_FAILURES as exc:
        return fail(exc)
    except Exception as exc:  # a bug, not the account: say so in its logs, then surface it
        fail(exc)
        raise
    try:
        with psycopg.connect(url) as conn, conn.transaction():
            first_reported = _land_account(conn, extract, days, closed_days(days, profile.time_zone, now), now)
            _finish_days(conn, extract, log_ids)
            record_account_state(conn, connection_id=connection.id, account_id=cid, status="ok")
    except Exception as exc:
        fail(exc)  # the transaction rolled back: nothing of the customer changed
        raise
    metrics, clicks = extract.frames["ad_daily_metrics"].height, extract.frames["click_views"].height
    campaign_metrics = extract.frames["campaign_daily_metrics"].height
    log(
        f"google_ads {connection.id} customers/{cid}: {len(days)} day(s), {metrics} ad metric rows, "
        f"{campaign_metrics} campaign metric rows, {clicks} click views, {extract.entity_rows} entity rows landed"
    )
    return TargetOutcome(
        connection_id=connection.id,
        account_id=cid,
        status="completed",
        state="ok",
        partition_keys=tuple(day.isoformat() for day in days),
        rows_loaded=metrics,
        counts=(
            ("campaign_metric_rows", campaign_metrics),
            ("click_views", clicks),
            ("entity_rows", extract.entity_rows),
            ("first_reported_rows", first_reported),
        ),
        target=f"customers/{cid}",
    )


def _land_account(
    conn: psycopg.Connection, extract: AccountExtract, days: list[date], closed: list[date], now: datetime
) -> int:
    """Replace the customer's entities and its facts of `days`; return new first-reported rows."""
    customer = {"customer_id": extract.profile.customer_id}
    conn.execute(read_sql(SQL_DIR, "lock_customer"), customer)
    conn.execute(read_sql(SQL_DIR, "delete_customer_entities"), customer)
    for table in ENTITY_TABLES:
        copy_frame(conn, f"{SCHEMA}.{table}", extract.frames[table])
    conn.execute(
        read_sql(SQL_DIR, "delete_customer_days"),
        {**customer, "days": days, "click_view_days": list(extract.click_view_days)},
    )
    copy_frame(conn, f"{SCHEMA}.ad_daily_metrics", extract.frames["ad_daily_metrics"])
    copy_frame(conn, f"{SCHEMA}.campaign_daily_metrics", extract.frames["campaign_daily_metrics"])
    copy_frame(conn, f"{SCHEMA}.click_views", extract.frames["click_views"])
    inserted = conn.execute(
        read_sql(SQL_DIR, "record_first_reported"), {**customer, "closed_days": closed, "first_reported_at": now}
    )
    return inserted.rowcount


def _finish_days(conn: psycopg.Connection, extract: AccountExtract, log_ids: Mapping[date, int]) -> None:
    metrics = rows_per_day(extract.frames["ad_daily_metrics"], "metric_date")
    campaigns = rows_per_day(extract.frames["campaign_daily_metrics"], "metric_date")
    clicks = rows_per_day(extract.frames["click_views"], "click_date")
    read_clicks = set(extract.click_view_days)
    for day, log_id in log_ids.items():
        message = f"{metrics[day]} ad metric rows, {campaigns[day]} campaign metric rows, {clicks[day]} click views"
        if day not in read_clicks:
            message += " (click views not read: click_view answered DATE_TOO_OLD; it keeps 90 days)"
        landed = metrics[day] + campaigns[day] + clicks[day]
        finish_attempt(conn, log_id, status="completed", processed=landed, loaded=landed, message=message)


# --------------------------------------------------------------------------- #
# Intraday snapshot
# --------------------------------------------------------------------------- #


def snapshot_google_ads_today(
    url: str,
    config: PipelineConfig,
    *,
    captured_at: datetime,
    run_id: str,
    log: Log = _quiet,
) -> list[TargetOutcome]:
    """Today's cumulative metrics per ad (today in each customer's time zone at `captured_at`),
    one capture per (customer, captured_at): running the same capture again replaces it."""
    captured_at = aware(captured_at, "captured_at")
    outcomes: list[TargetOutcome] = []
    for connection in config.connections_for(PROVIDER):
        outcomes.extend(_snapshot_connection(url, connection, captured_at=captured_at, run_id=run_id, log=log))
    return outcomes


def _snapshot_connection(
    url: str, connection: Connection, *, captured_at: datetime, run_id: str, log: Log
) -> list[TargetOutcome]:
    def snapshot(session: GoogleAdsSession, account, fail) -> list[TargetOutcome]:
        try:
            profile = fetch_profile(session, account.customer_id)
        except ACCOUNT_FAILURES as exc:
            return fail([account.customer_id], exc)
        return [_snapshot_account(url, session, profile, captured_at=captured_at, run_id=run_id, log=log)]

    return _for_each_reachable_account(
        url,
        connection,
        source=INTRADAY_SOURCE,
        # Before a customer's time zone is known, a failure is logged under the UTC day.
        partition_keys=[captured_at.astimezone(UTC).date().isoformat()],
        run_id=run_id,
        log=log,
        now=captured_at,
        land_manager=False,
        per_account=snapshot,
    )


def _snapshot_account(
    url: str, session: GoogleAdsSession, profile: CustomerProfile, *, captured_at: datetime, run_id: str, log: Log
) -> TargetOutcome:
    connection = session.connection
    cid = str(profile.customer_id)
    today = local_today(profile.time_zone, captured_at)
    log_id = start_attempt(
        url, source=INTRADAY_SOURCE, partition_key=today.isoformat(), target=f"customers/{cid}", run_id=run_id
    )

    def fail(exc: BaseException) -> TargetOutcome:
        return _record_failure(
            url,
            connection,
            cid,
            exc,
            source=INTRADAY_SOURCE,
            partition_keys=[today.isoformat()],
            run_id=run_id,
            log=log,
            log_ids=[log_id],
        )

    try:
        records = fetch_ad_metrics(session, cid, [today])
    except ACCOUNT_FAILURES as exc:
        return fail(exc)
    frame = intraday_frame(profile.customer_id, records, captured_at=captured_at, run_id=run_id)
    try:
        with psycopg.connect(url) as conn, conn.transaction():
            conn.execute(read_sql(SQL_DIR, "lock_customer"), {"customer_id": profile.customer_id})
            conn.execute(
                read_sql(SQL_DIR, "delete_intraday_capture"),
                {"customer_id": profile.customer_id, "captured_at": captured_at},
            )
            copy_frame(conn, f"{SCHEMA}.ad_intraday_snapshots", frame)
            finish_attempt(
                conn,
                log_id,
                status="completed",
                processed=frame.height,
                loaded=frame.height,
                message=f"{frame.height} ad rows captured at {captured_at.isoformat()}",
            )
            record_account_state(conn, connection_id=connection.id, account_id=cid, status="ok")
    except Exception as exc:
        fail(exc)
        raise
    log(f"google_ads {connection.id} customers/{cid}: {frame.height} ad rows for {today.isoformat()} captured")
    return TargetOutcome(
        connection.id,
        cid,
        "completed",
        "ok",
        (today.isoformat(),),
        rows_loaded=frame.height,
        target=f"customers/{cid}",
    )


# --------------------------------------------------------------------------- #
# Shared
# --------------------------------------------------------------------------- #


def _open_session(connection: Connection, log: Log) -> GoogleAdsSession:
    session = GoogleAdsSession(connection, environ=os.environ, log=log)
    try:
        session.authenticate()
    except BaseException:
        session.close()
        raise
    return session


def _configured_targets(connection: Connection) -> list[str]:
    """Who a connection-wide failure is logged against before any discovery."""
    return list(connection.account_ids) or [connection.manager_customer_id or ""]


def _reachable_accounts(
    url: str, session: GoogleAdsSession, *, run_id: str, now: datetime, land_manager: bool
) -> list[_Account]:
    """The connection's customers; through a manager, its ENABLED non-manager clients at any
    depth (unless customer_ids narrows them), with the manager's own row landed if asked."""
    connection = session.connection
    manager = connection.manager_customer_id
    if manager is None:
        return [_Account(cid, None) for cid in connection.account_ids]
    if land_manager:
        _land_manager(url, session, manager, run_id=run_id, now=now)
    customer_ids = list(connection.account_ids) or discover_client_customers(session, manager)
    return [_Account(cid, manager) for cid in customer_ids]


def _land_manager(url: str, session: GoogleAdsSession, manager: str, *, run_id: str, now: datetime) -> None:
    profile = fetch_profile(session, manager)
    frame = landing_frame(
        "customers",
        [profile_record(profile, connection_id=session.connection.id, manager_customer_id=None)],
        ingestion_run_id=run_id,
        extracted_at=now.isoformat(),
    )
    with psycopg.connect(url) as conn, conn.transaction():
        conn.execute(read_sql(SQL_DIR, "lock_customer"), {"customer_id": profile.customer_id})
        conn.execute(read_sql(SQL_DIR, "delete_customer_entities"), {"customer_id": profile.customer_id})
        copy_frame(conn, f"{SCHEMA}.customers", frame)
        record_account_state(conn, connection_id=session.connection.id, account_id=manager, status="ok")


def _record_failure(
    url: str,
    connection: Connection,
    customer_id: str,
    exc: BaseException,
    *,
    source: str,
    partition_keys: Sequence[str],
    run_id: str,
    log: Log,
    log_ids: Sequence[int] | None = None,
) -> TargetOutcome:
    """Log the customer's days as failed and its state as auth_error / error, in one transaction."""
    detail = describe_failure(
        exc,
        credentials_env_prefix=connection.credentials_env_prefix,
        secrets=secret_values(connection, os.environ),
    )
    message = f"customers/{customer_id}: {detail}"
    state = account_state(exc)
    cause = cause_from_decision(exc, classify, auth_error=state == "auth_error")
    if log_ids is None:
        log_ids = [
            start_attempt(url, source=source, partition_key=key, target=f"customers/{customer_id}", run_id=run_id)
            for key in partition_keys
        ]
    outcome = fail_target(
        url,
        connection_id=connection.id,
        account_id=customer_id,
        target=f"customers/{customer_id}",
        log_ids=log_ids,
        partition_keys=partition_keys,
        state=state,
        cause=cause,
        message=message,
    )
    log(f"google_ads {connection.id}: FAILED ({state}) {message}")
    return outcome
