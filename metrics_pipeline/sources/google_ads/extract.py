"""SearchStream calls -> polars frames shaped like the raw_google_ads landing tables.

`GoogleAdsSession` is the thin I/O: one connection's client and GoogleAdsService, every
call retried as a whole (a stream that breaks off mid-way is read again from the start,
never resumed, so no row can arrive twice). The row converters and frame builders are
pure and work on the SDK's own `GoogleAdsRow` messages.

Money and counts arrive as int64 and stay integers (`cost_micros`). Conversions and
conversion value arrive as doubles: they go through `repr` (the shortest decimal that
reads back as the same double) into a decimal string, never through float arithmetic,
and Postgres parses that string into numeric.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar

import polars as pl
from google.ads.googleads.v26.services.types.google_ads_service import GoogleAdsRow

from metrics_pipeline.config import Connection
from metrics_pipeline.landing.new_files import contiguous_ranges
from metrics_pipeline.operations.call_retry import BackoffPolicy, call_with_retries
from metrics_pipeline.security.credentials import (
    connection_secrets,
    known_secret_values,
)
from metrics_pipeline.sources.google_ads import queries
from metrics_pipeline.sources.google_ads.client import (
    build_client,
    refresh_access_token,
)
from metrics_pipeline.sources.google_ads.errors import (
    classify,
    is_click_view_date_too_old,
    retry_policy,
)

T = TypeVar("T")

# A whole account's metrics for a long backfill can take a while to stream; never wait forever.
STREAM_TIMEOUT_SECONDS = 900.0

_LINEAGE = {"ingestion_run_id": pl.String(), "extracted_at": pl.String()}  # timestamptz as ISO text

# Column order and types of each landing table (staging_sql/0004_raw_google_ads.sql).
LANDING_SCHEMAS: dict[str, dict[str, pl.DataType]] = {
    "customers": {
        "customer_id": pl.Int64(),
        "manager_customer_id": pl.Int64(),
        "connection_id": pl.String(),
        "descriptive_name": pl.String(),
        "currency_code": pl.String(),
        "time_zone": pl.String(),
        "is_manager": pl.Boolean(),
        "status": pl.String(),
        **_LINEAGE,
        "conversion_window_days": pl.Int32(),  # staging_sql/0021: null for managers
    },
    "campaigns": {
        "customer_id": pl.Int64(),
        "campaign_id": pl.Int64(),
        "name": pl.String(),
        "status": pl.String(),
        "advertising_channel_type": pl.String(),
        "bidding_strategy_type": pl.String(),
        **_LINEAGE,
    },
    "ad_groups": {
        "customer_id": pl.Int64(),
        "ad_group_id": pl.Int64(),
        "campaign_id": pl.Int64(),
        "name": pl.String(),
        "status": pl.String(),
        "type": pl.String(),
        **_LINEAGE,
    },
    "ads": {
        "customer_id": pl.Int64(),
        "ad_group_id": pl.Int64(),
        "ad_id": pl.Int64(),
        "campaign_id": pl.Int64(),
        "name": pl.String(),
        "status": pl.String(),
        "type": pl.String(),
        **_LINEAGE,
    },
    "keywords": {
        "customer_id": pl.Int64(),
        "ad_group_id": pl.Int64(),
        "criterion_id": pl.Int64(),
        "campaign_id": pl.Int64(),
        "keyword_text": pl.String(),
        "match_type": pl.String(),
        "status": pl.String(),
        **_LINEAGE,
    },
    "ad_daily_metrics": {
        "customer_id": pl.Int64(),
        "campaign_id": pl.Int64(),
        "ad_group_id": pl.Int64(),
        "ad_id": pl.Int64(),
        "metric_date": pl.Date(),
        "cost_micros": pl.Int64(),
        "impressions": pl.Int64(),
        "clicks": pl.Int64(),
        "conversions": pl.String(),  # decimal text; numeric in Postgres
        "conversions_value": pl.String(),
        **_LINEAGE,
    },
    "campaign_daily_metrics": {
        "customer_id": pl.Int64(),
        "campaign_id": pl.Int64(),
        "metric_date": pl.Date(),
        "cost_micros": pl.Int64(),
        "impressions": pl.Int64(),
        "clicks": pl.Int64(),
        "conversions": pl.String(),
        "conversions_value": pl.String(),
        **_LINEAGE,
    },
    "click_views": {
        "customer_id": pl.Int64(),
        "click_date": pl.Date(),
        "gclid": pl.String(),
        "campaign_id": pl.Int64(),
        "ad_group_id": pl.Int64(),
        "ad_id": pl.Int64(),
        "keyword_criterion_id": pl.Int64(),
        **_LINEAGE,
    },
    "ad_intraday_snapshots": {
        "customer_id": pl.Int64(),
        "campaign_id": pl.Int64(),
        "ad_group_id": pl.Int64(),
        "ad_id": pl.Int64(),
        "metric_date": pl.Date(),
        "captured_at": pl.String(),
        "cost_micros": pl.Int64(),
        "impressions": pl.Int64(),
        "clicks": pl.Int64(),
        "conversions": pl.String(),
        "conversions_value": pl.String(),
        "ingestion_run_id": pl.String(),
    },
}
ENTITY_TABLES = ("customers", "campaigns", "ad_groups", "ads", "keywords")

# Google's default click-through window, for an account without an enabled conversion action;
# the API allows 1..90 days.
DEFAULT_CONVERSION_WINDOW_DAYS = 30
MAX_CONVERSION_WINDOW_DAYS = 90


# --------------------------------------------------------------------------- #
# Pure: values and rows
# --------------------------------------------------------------------------- #


def decimal_text(value: float) -> str:
    """A double as the decimal it was written as: 2.5 -> '2.5', 0.33 -> '0.33', 1e-07 -> '0.0000001'."""
    if not math.isfinite(value):
        raise ValueError(f"not a finite number: {value!r}")
    return format(Decimal(repr(float(value))), "f")


def enum_name(value: Any) -> str:
    # proto-plus gives enum members; a value newer than this SDK arrives as a bare int.
    return getattr(value, "name", str(value))


_RESOURCE_ID = re.compile(r"^customers/\d+/[A-Za-z]+/(?:\d+~)?(\d+)$")


def resource_id(resource_name: str) -> int | None:
    """The last id of a resource name: customers/1/adGroupAds/2~3 -> 3; '' -> None."""
    if not resource_name:
        return None
    match = _RESOURCE_ID.match(resource_name)
    if match is None:
        raise ValueError(f"not a resource name with an id: {resource_name!r}")
    return int(match.group(1))


@dataclass(frozen=True)
class CustomerProfile:
    customer_id: int
    descriptive_name: str | None
    currency_code: str
    time_zone: str
    is_manager: bool
    status: str


def customer_profile(row: GoogleAdsRow) -> CustomerProfile:
    customer = row.customer
    return CustomerProfile(
        customer_id=customer.id,
        descriptive_name=customer.descriptive_name or None,
        currency_code=customer.currency_code,
        time_zone=customer.time_zone,
        is_manager=customer.manager,
        status=enum_name(customer.status),
    )


def client_customer_id(row: GoogleAdsRow) -> str:
    return str(row.customer_client.id)


def unique_in_order(values: Sequence[str]) -> list[str]:
    """Each value once, where it first appears (an account linked twice is synced once)."""
    return list(dict.fromkeys(values))


def click_through_window_days(row: GoogleAdsRow) -> int:
    return row.conversion_action.click_through_lookback_window_days


def conversion_window_days(windows: Sequence[int]) -> int:
    """How many days back an account's conversions can still change: the longest click-through
    window of its enabled conversion actions, 30 (Google's default) without any, never over 90."""
    longest = max((w for w in windows if w > 0), default=DEFAULT_CONVERSION_WINDOW_DAYS)
    return min(longest, MAX_CONVERSION_WINDOW_DAYS)


def campaign_record(row: GoogleAdsRow) -> dict[str, Any]:
    campaign = row.campaign
    return {
        "campaign_id": campaign.id,
        "name": campaign.name,
        "status": enum_name(campaign.status),
        "advertising_channel_type": enum_name(campaign.advertising_channel_type),
        "bidding_strategy_type": enum_name(campaign.bidding_strategy_type),
    }


def ad_group_record(row: GoogleAdsRow) -> dict[str, Any]:
    ad_group = row.ad_group
    return {
        "ad_group_id": ad_group.id,
        "campaign_id": row.campaign.id,
        "name": ad_group.name,
        "status": enum_name(ad_group.status),
        "type": enum_name(ad_group.type_),
    }


def ad_record(row: GoogleAdsRow) -> dict[str, Any]:
    ad = row.ad_group_ad.ad
    return {
        "ad_group_id": row.ad_group.id,
        "ad_id": ad.id,
        "campaign_id": row.campaign.id,
        "name": ad.name or None,  # responsive search ads have no name
        "status": enum_name(row.ad_group_ad.status),
        "type": enum_name(ad.type_),
    }


def keyword_record(row: GoogleAdsRow) -> dict[str, Any]:
    criterion = row.ad_group_criterion
    return {
        "ad_group_id": row.ad_group.id,
        "criterion_id": criterion.criterion_id,
        "campaign_id": row.campaign.id,
        "keyword_text": criterion.keyword.text,
        "match_type": enum_name(criterion.keyword.match_type),
        "status": enum_name(criterion.status),
    }


def metric_record(row: GoogleAdsRow) -> dict[str, Any]:
    metrics = row.metrics
    return {
        "campaign_id": row.campaign.id,
        "ad_group_id": row.ad_group.id,
        "ad_id": row.ad_group_ad.ad.id,
        "metric_date": date.fromisoformat(row.segments.date),
        "cost_micros": metrics.cost_micros,
        "impressions": metrics.impressions,
        "clicks": metrics.clicks,
        "conversions": decimal_text(metrics.conversions),
        "conversions_value": decimal_text(metrics.conversions_value),
    }


def campaign_metric_record(row: GoogleAdsRow) -> dict[str, Any]:
    metrics = row.metrics
    return {
        "campaign_id": row.campaign.id,
        "metric_date": date.fromisoformat(row.segments.date),
        "cost_micros": metrics.cost_micros,
        "impressions": metrics.impressions,
        "clicks": metrics.clicks,
        "conversions": decimal_text(metrics.conversions),
        "conversions_value": decimal_text(metrics.conversions_value),
    }


def click_view_record(row: GoogleAdsRow) -> dict[str, Any]:
    click = row.click_view
    return {
        "click_date": date.fromisoformat(row.segments.date),
        "gclid": click.gclid,
        "campaign_id": row.campaign.id,
        "ad_group_id": row.ad_group.id,
        "ad_id": resource_id(click.ad_group_ad),  # empty for clicks not on an ad (e.g. Performance Max)
        "keyword_criterion_id": resource_id(click.keyword),  # search clicks only
    }


def profile_record(
    profile: CustomerProfile,
    *,
    connection_id: str,
    manager_customer_id: str | None,
    conversion_window_days: int | None = None,
) -> dict[str, Any]:
    return {
        "conversion_window_days": conversion_window_days,
        "customer_id": profile.customer_id,
        "manager_customer_id": int(manager_customer_id) if manager_customer_id else None,
        "connection_id": connection_id,
        "descriptive_name": profile.descriptive_name,
        "currency_code": profile.currency_code,
        "time_zone": profile.time_zone,
        "is_manager": profile.is_manager,
        "status": profile.status,
    }


def landing_frame(table: str, records: Sequence[Mapping[str, Any]], **constants: Any) -> pl.DataFrame:
    """Records plus per-frame constants (customer_id, lineage) as the table's exact columns."""
    schema = LANDING_SCHEMAS[table]
    rows = [{**constants, **record} for record in records]
    unknown = {key for row in rows[:1] for key in row} - set(schema)
    if unknown:
        raise ValueError(f"{table}: no such column(s) {', '.join(sorted(unknown))}")
    return pl.from_dicts(rows, schema=schema) if rows else pl.DataFrame(schema=schema)


# --------------------------------------------------------------------------- #
# I/O: one connection's session
# --------------------------------------------------------------------------- #


def secret_values(connection: Connection, environ: Mapping[str, str]) -> tuple[str, ...]:
    """Whatever credential values the connection has, stored or in the environment (to keep them
    out of messages)."""
    return known_secret_values(connection, environ)


class GoogleAdsSession:
    """One connection's GoogleAdsClient and GoogleAdsService; every call retried on transient errors."""

    def __init__(
        self,
        connection: Connection,
        *,
        environ: Mapping[str, str],
        policy: BackoffPolicy | None = None,
        log: Callable[[str], None] = lambda message: None,
    ) -> None:
        self.connection = connection
        self._secrets = connection_secrets(connection, environ)  # ConfigError names what is missing
        self._client = build_client(connection, self._secrets, environ)
        self._service = self._client.get_service("GoogleAdsService")
        self._policy = policy or retry_policy(environ)
        self._log = log

    def authenticate(self) -> None:
        call_with_retries(
            lambda: refresh_access_token(self._client),
            classify,
            what=f"{self.connection.id}: OAuth token refresh",
            policy=self._policy,
            log=self._log,
        )

    def search(self, customer_id: str, query: str, convert: Callable[[GoogleAdsRow], T], *, what: str) -> list[T]:
        def attempt() -> list[T]:
            stream = self._service.search_stream(customer_id=customer_id, query=query, timeout=STREAM_TIMEOUT_SECONDS)
            # The whole stream in one attempt: rows of a broken-off stream go with it.
            return [convert(row) for batch in stream for row in batch.results]

        return call_with_retries(attempt, classify, what=what, policy=self._policy, log=self._log)

    def close(self) -> None:
        self._service.transport.close()

    def __enter__(self) -> GoogleAdsSession:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


# --------------------------------------------------------------------------- #
# Accounts
# --------------------------------------------------------------------------- #


@dataclass(frozen=True)
class AccountExtract:
    profile: CustomerProfile
    frames: dict[str, pl.DataFrame]  # by landing table name
    click_view_days: tuple[date, ...]  # the days whose click views were read (not too old for click_view)

    @property
    def entity_rows(self) -> int:
        return sum(self.frames[table].height for table in ENTITY_TABLES)


def fetch_profile(session: GoogleAdsSession, customer_id: str) -> CustomerProfile:
    [profile] = session.search(
        customer_id, queries.CUSTOMER, customer_profile, what=f"customers/{customer_id} customer"
    )
    return profile


def discover_client_customers(session: GoogleAdsSession, manager_customer_id: str) -> list[str]:
    """Every enabled, visible non-manager account below the manager, at any depth."""
    return unique_in_order(
        session.search(
            manager_customer_id,
            queries.CLIENT_CUSTOMERS,
            client_customer_id,
            what=f"customers/{manager_customer_id} client discovery",
        )
    )


def fetch_conversion_window_days(session: GoogleAdsSession, customer_id: str) -> int:
    return conversion_window_days(
        session.search(
            customer_id,
            queries.CONVERSION_ACTIONS,
            click_through_window_days,
            what=f"customers/{customer_id} conversion actions",
        )
    )


def fetch_ad_metrics(session: GoogleAdsSession, customer_id: str, days: Sequence[date]) -> list[dict[str, Any]]:
    """One call per run of consecutive days."""
    return [
        record
        for first, last in contiguous_ranges(days)
        for record in session.search(
            customer_id,
            queries.ad_metrics(first, last),
            metric_record,
            what=f"customers/{customer_id} ad metrics {first.isoformat()}..{last.isoformat()}",
        )
    ]


def fetch_campaign_metrics(session: GoogleAdsSession, customer_id: str, days: Sequence[date]) -> list[dict[str, Any]]:
    """Per campaign and day, every campaign type (Performance Max has no ad-level rows)."""
    return [
        record
        for first, last in contiguous_ranges(days)
        for record in session.search(
            customer_id,
            queries.campaign_metrics(first, last),
            campaign_metric_record,
            what=f"customers/{customer_id} campaign metrics {first.isoformat()}..{last.isoformat()}",
        )
    ]


def fetch_click_views(
    session: GoogleAdsSession, customer_id: str, days: Sequence[date]
) -> tuple[list[dict[str, Any]], list[date]]:
    """One call per day (click_view takes single days); returns the records and the days read.

    Google keeps click views for 90 days and answers DATE_TOO_OLD beyond that: such a day
    is skipped, not failed, so a backfill of older days still lands its metrics (and keeps
    whatever click views were landed while the day was recent). Decided by the API's
    answer rather than our clock, so it holds in any time zone and in the sandbox.
    """
    records: list[dict[str, Any]] = []
    read: list[date] = []
    for day in sorted(set(days)):
        try:
            records += session.search(
                customer_id,
                queries.click_views(day),
                click_view_record,
                what=f"customers/{customer_id} click views {day.isoformat()}",
            )
        except Exception as exc:
            if not is_click_view_date_too_old(exc):
                raise
            continue
        read.append(day)
    return records, read


def extract_account(
    session: GoogleAdsSession,
    profile: CustomerProfile,
    days: Sequence[date],
    *,
    manager_customer_id: str | None,
    run_id: str,
    extracted_at: datetime,
) -> AccountExtract:
    """Everything one sync lands for one customer: its entities, and metrics and clicks of `days`."""
    customer_id = str(profile.customer_id)
    where = f"customers/{customer_id}"

    def entities(query: str, convert: Callable[[GoogleAdsRow], dict[str, Any]], label: str) -> list[dict[str, Any]]:
        return session.search(customer_id, query, convert, what=f"{where} {label}")

    records = {
        "customers": [
            profile_record(
                profile,
                connection_id=session.connection.id,
                manager_customer_id=manager_customer_id,
                conversion_window_days=fetch_conversion_window_days(session, customer_id),
            )
        ],
        "campaigns": entities(queries.CAMPAIGNS, campaign_record, "campaigns"),
        "ad_groups": entities(queries.AD_GROUPS, ad_group_record, "ad groups"),
        "ads": entities(queries.ADS, ad_record, "ads"),
        "keywords": entities(queries.KEYWORDS, keyword_record, "keywords"),
        "ad_daily_metrics": fetch_ad_metrics(session, customer_id, days),
        "campaign_daily_metrics": fetch_campaign_metrics(session, customer_id, days),
    }
    records["click_views"], click_view_days = fetch_click_views(session, customer_id, days)
    lineage = {"ingestion_run_id": run_id, "extracted_at": extracted_at.isoformat()}
    # The customers record carries its own id; every other table gets the customer's.
    owner = {"customer_id": profile.customer_id}
    frames = {
        table: landing_frame(table, rows, **lineage, **({} if table == "customers" else owner))
        for table, rows in records.items()
    }
    return AccountExtract(profile, frames, tuple(click_view_days))


def intraday_frame(
    customer_id: int, records: Sequence[Mapping[str, Any]], *, captured_at: datetime, run_id: str
) -> pl.DataFrame:
    return landing_frame(
        "ad_intraday_snapshots",
        records,
        customer_id=customer_id,
        captured_at=captured_at.isoformat(),
        ingestion_run_id=run_id,
    )
