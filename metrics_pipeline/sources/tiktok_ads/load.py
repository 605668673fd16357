"""Land TikTok advertisers: entities and the daily ad report, one transaction per advertiser.

`sync_tiktok_ads` reads every active TikTok connection's advertisers (see `extract.py`), then per
advertiser, in one transaction:

- replaces the advertiser's rows in raw_tiktok_ads.advertisers, campaigns, adgroups and ads (its
  latest state, deleted entities included);
- replaces raw_tiktok_ads.ad_daily_reports for exactly the requested (advertiser, day)s, so a
  rerun, a backfill or TikTok restating a day never duplicates rows. The report keeps deleted
  ads' rows, so a deleted ad's spend stays landed on every re-land;
- adds to raw_tiktok_ads.ad_daily_reports_first_reported what TikTok said about each day the
  first time it was landed after the day closed (in the advertiser's time zone);
- finishes one ops.ingestion_logs row per (advertiser, day) and marks the advertiser `ok` in
  ops.connection_states.

The advertisers of one connection share one client, so one access token (refreshed from the
connection's refresh token on first use, renewed before it lapses) serves them all.

The days re-read each night are the connection's `lookback_days` (28 by default: TikTok restates
conversions attributed to past days); the nightly schedule asks for them like for Meta.

An advertiser whose app credentials or refresh token are refused fails at once (no retries) with
a message that never contains a secret, is marked `auth_error` (failure_kind permanent), and the
other advertisers still land; what the retries could not get through is transient.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import psycopg
import requests
from psycopg import sql

from metrics_pipeline.config import ConfigError, Connection, PipelineConfig
from metrics_pipeline.landing.api_targets import aware, describe_target, fail_target
from metrics_pipeline.landing.connection_states import record_account_state
from metrics_pipeline.landing.ingestion import copy_frame, finish_attempt, read_sql, start_attempt
from metrics_pipeline.landing.new_files import contiguous_ranges
from metrics_pipeline.landing.outcomes import TargetOutcome
from metrics_pipeline.operations.call_retry import RetriesExhausted
from metrics_pipeline.operations.failures import cause_from_decision
from metrics_pipeline.security.credentials import connection_secrets
from metrics_pipeline.sources.tiktok_ads.client import (
    AppCredentials,
    TikTokAPIError,
    TikTokClient,
    TikTokSettings,
    classify_tiktok_error,
    describe_error,
    is_auth_error,
)
from metrics_pipeline.sources.tiktok_ads.extract import fetch_advertiser, fetch_daily_report, fetch_entities
from metrics_pipeline.sources.tiktok_ads.rows import (
    ReportRowError,
    advertiser_frame,
    entity_frames,
    report_frame,
    report_row,
)

SQL_DIR = Path(__file__).parent / "sql"
SOURCE = "tiktok_ads"
PROVIDER = "tiktok"
REPORT_TABLE = "raw_tiktok_ads.ad_daily_reports"
ENTITY_TABLES = (
    "raw_tiktok_ads.advertisers",
    "raw_tiktok_ads.campaigns",
    "raw_tiktok_ads.adgroups",
    "raw_tiktok_ads.ads",
)

# What can go wrong talking to TikTok about one advertiser; anything else is a bug and is raised.
_ADVERTISER_FAILURES = (TikTokAPIError, RetriesExhausted, ReportRowError, ConfigError, requests.RequestException)

Log = Callable[[str], None]


def sync_tiktok_ads(
    url: str,
    config: PipelineConfig,
    days: list[date],
    *,
    run_id: str,
    log: Log = lambda message: None,
    now: datetime | None = None,
    settings: TikTokSettings | None = None,
    clock: Callable[[], float] | None = None,
) -> list[TargetOutcome]:
    """Land `days` (the advertisers' local days) for every active TikTok connection's advertisers."""
    now = aware(now)
    settings = settings or TikTokSettings.from_environ()
    days = sorted(set(days))
    outcomes: list[TargetOutcome] = []
    if not days:
        return outcomes
    for connection in config.connections_for(PROVIDER):
        # One client (one access token) per connection, made on first use, shared by its advertisers.
        clients: list[TikTokClient] = []

        def client_of(connection: Connection = connection, clients: list[TikTokClient] = clients) -> TikTokClient:
            if not clients:
                options = {"clock": clock} if clock is not None else {}
                clients.append(TikTokClient(app_credentials(connection), settings=settings, log=log, **options))
            return clients[0]

        try:
            for advertiser_id in connection.account_ids:
                outcome = _sync_advertiser(
                    url, connection, advertiser_id, days, client_of, run_id=run_id, log=log, now=now
                )
                outcomes.append(outcome)
                log(describe_target("tiktok_ads", outcome))
        finally:
            for client in clients:
                client.close()
    return outcomes


def app_credentials(connection: Connection) -> AppCredentials:
    secrets = connection_secrets(connection)
    return AppCredentials(secrets["app_id"], secrets["secret"], secrets["refresh_token"])


def _sync_advertiser(
    url: str,
    connection: Connection,
    advertiser_id: str,
    days: list[date],
    client_of: Callable[[], TikTokClient],
    *,
    run_id: str,
    log: Log,
    now: datetime,
) -> TargetOutcome:
    target = f"advertisers/{advertiser_id}"
    keys = tuple(day.isoformat() for day in days)
    log_ids = [start_attempt(url, source=SOURCE, partition_key=key, target=target, run_id=run_id) for key in keys]
    secrets: tuple[str, ...] = ()
    try:
        client = client_of()
        secrets = client.secrets
        info = fetch_advertiser(client, advertiser_id)
        entities = fetch_entities(client, advertiser_id)
        raw_rows: list[dict] = []
        for since, until in contiguous_ranges(days):
            raw_rows.extend(fetch_daily_report(client, advertiser_id, since, until))
        secrets = client.secrets
        wanted = set(days)
        parents = {str(a["ad_id"]): (str(a["campaign_id"]), str(a["adgroup_id"])) for a in entities.ads}
        rows = [report_row(raw, advertiser_id, info.currency, parents) for raw in raw_rows]
        rows = [row for row in rows if row.stat_date in wanted]
        today = _local_today(now, info.timezone)
    except _ADVERTISER_FAILURES as exc:
        return _fail(url, connection, advertiser_id, log_ids, keys, exc, secrets)
    except Exception as exc:
        _fail(url, connection, advertiser_id, log_ids, keys, exc, secrets)
        raise

    closed_days = [day for day in days if day < today]
    try:
        with psycopg.connect(url) as conn, conn.transaction():
            conn.execute(read_sql(SQL_DIR, "lock_advertiser"), {"advertiser_id": advertiser_id})
            for table in ENTITY_TABLES:
                conn.execute(
                    sql.SQL(read_sql(SQL_DIR, "delete_advertiser_rows")).format(
                        table=sql.Identifier(*table.split("."))
                    ),
                    {"advertiser_id": advertiser_id},
                )
            copy_frame(
                conn,
                "raw_tiktok_ads.advertisers",
                advertiser_frame(info, connection_id=connection.id, run_id=run_id, extracted_at=now),
            )
            for table, frame in entity_frames(entities, advertiser_id, run_id=run_id, extracted_at=now).items():
                copy_frame(conn, table, frame)
            conn.execute(read_sql(SQL_DIR, "delete_advertiser_days"), {"advertiser_id": advertiser_id, "days": days})
            loaded = copy_frame(conn, REPORT_TABLE, report_frame(rows, run_id=run_id, extracted_at=now))
            conn.execute(
                read_sql(SQL_DIR, "record_first_reported"),
                {"advertiser_id": advertiser_id, "closed_days": closed_days, "reported_at": now},
            )
            per_day = {day: 0 for day in days}
            for row in rows:
                per_day[row.stat_date] += 1
            for day, log_id in zip(days, log_ids, strict=True):
                finish_attempt(conn, log_id, status="completed", processed=per_day[day], loaded=per_day[day])
            record_account_state(conn, connection_id=connection.id, account_id=advertiser_id, status="ok")
    except Exception as exc:
        # The data transaction rolled back: nothing of this advertiser changed. Say so in its log rows.
        _fail(url, connection, advertiser_id, log_ids, keys, exc, secrets, prefix="not landed: ")
        raise
    return TargetOutcome(connection.id, advertiser_id, "completed", "ok", keys, loaded, target=target)


def _fail(
    url: str,
    connection: Connection,
    advertiser_id: str,
    log_ids: Sequence[int],
    keys: tuple[str, ...],
    exc: BaseException,
    secrets: Sequence[str],
    prefix: str = "",
) -> TargetOutcome:
    state = "auth_error" if is_auth_error(exc) else "error"
    return fail_target(
        url,
        connection_id=connection.id,
        account_id=advertiser_id,
        target=f"advertisers/{advertiser_id}",
        log_ids=log_ids,
        partition_keys=keys,
        state=state,
        cause=cause_from_decision(exc, classify_tiktok_error, auth_error=state == "auth_error"),
        message=prefix + describe_error(exc, secrets),
    )


def _local_today(moment: datetime, timezone: str) -> date:
    try:
        return moment.astimezone(ZoneInfo(timezone)).date()
    except (ZoneInfoNotFoundError, ValueError):
        raise TikTokAPIError("advertiser info", -1, f"timezone {timezone!r} is not an IANA time zone") from None
