"""Shape the Graph API's JSON into raw_meta rows (pure).

Money stays the API's decimal string (validated, never converted through float), so
`spend` lands exactly as Meta reported it; counts become ints; conversions come from
`actions.map_conversions` with the connection's action types and windows.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import polars as pl

from metrics_pipeline.config import Connection
from metrics_pipeline.sources.meta.actions import map_conversions, to_decimal
from metrics_pipeline.sources.meta.extract import AccountEntities, AccountInfo


class InsightRowError(ValueError):
    """An insights row the API sent that cannot be landed as it is."""


@dataclass(frozen=True)
class InsightRow:
    account_id: str
    campaign_id: str
    adset_id: str
    ad_id: str
    date_start: date
    spend: str  # the API's decimal string, checked to be a number of zero or more
    impressions: int
    clicks: int
    purchases: Decimal
    purchase_value: Decimal
    leads: Decimal
    actions: list[dict] | None
    action_values: list[dict] | None


def insight_row(raw: Mapping[str, Any], account_id: str, connection: Connection) -> InsightRow:
    where = f"act_{account_id} ad {raw.get('ad_id')} {raw.get('date_start')}"
    try:
        day = date.fromisoformat(str(raw["date_start"]))
        if str(raw.get("date_stop", raw["date_start"])) != str(raw["date_start"]):
            raise InsightRowError(f"{where}: not a daily row (date_stop {raw.get('date_stop')})")
        spend = str(raw.get("spend", "0")).strip()
        if to_decimal(spend, "spend") < 0:
            raise InsightRowError(f"{where}: negative spend {spend!r}")
        conversions = map_conversions(
            raw.get("actions"),
            raw.get("action_values"),
            purchase_action_types=connection.purchase_action_types,
            lead_action_types=connection.lead_action_types,
            attribution_windows=connection.attribution_windows,
        )
        return InsightRow(
            account_id=account_id,
            campaign_id=str(raw["campaign_id"]),
            adset_id=str(raw["adset_id"]),
            ad_id=str(raw["ad_id"]),
            date_start=day,
            spend=spend,
            impressions=_count(raw.get("impressions", 0), "impressions"),
            clicks=_count(raw.get("clicks", 0), "clicks"),
            purchases=conversions.purchases,
            purchase_value=conversions.purchase_value,
            leads=conversions.leads,
            actions=raw.get("actions"),
            action_values=raw.get("action_values"),
        )
    except InsightRowError:
        raise
    except (KeyError, ValueError) as exc:
        raise InsightRowError(f"{where}: {exc}") from None


@dataclass(frozen=True)
class AccountDayRow:
    """What Meta bills an ad account for one of its days (level=account), deleted ads included."""

    account_id: str
    date_start: date
    spend: str
    impressions: int
    clicks: int


def account_day_row(raw: Mapping[str, Any], account_id: str) -> AccountDayRow:
    where = f"act_{account_id} account insights {raw.get('date_start')}"
    try:
        day = date.fromisoformat(str(raw["date_start"]))
        if str(raw.get("date_stop", raw["date_start"])) != str(raw["date_start"]):
            raise InsightRowError(f"{where}: not a daily row (date_stop {raw.get('date_stop')})")
        spend = str(raw.get("spend", "0")).strip()
        if to_decimal(spend, "spend") < 0:
            raise InsightRowError(f"{where}: negative spend {spend!r}")
        return AccountDayRow(
            account_id=account_id,
            date_start=day,
            spend=spend,
            impressions=_count(raw.get("impressions", 0), "impressions"),
            clicks=_count(raw.get("clicks", 0), "clicks"),
        )
    except InsightRowError:
        raise
    except (KeyError, ValueError) as exc:
        raise InsightRowError(f"{where}: {exc}") from None


def account_days_frame(rows: Sequence[AccountDayRow], *, run_id: str, extracted_at: datetime) -> pl.DataFrame:
    """raw_meta.account_daily_insights rows."""
    return pl.DataFrame(
        {
            "account_id": [r.account_id for r in rows],
            "date_start": [r.date_start for r in rows],
            "spend": [r.spend for r in rows],
            "impressions": [r.impressions for r in rows],
            "clicks": [r.clicks for r in rows],
            "ingestion_run_id": [run_id] * len(rows),
            "extracted_at": [extracted_at.isoformat()] * len(rows),
        },
        schema={
            "account_id": pl.Utf8,
            "date_start": pl.Date,
            "spend": pl.Utf8,
            "impressions": pl.Int64,
            "clicks": pl.Int64,
            "ingestion_run_id": pl.Utf8,
            "extracted_at": pl.Utf8,
        },
    )


def attribution_label(connection: Connection) -> str | None:
    """What the landed conversions are counted under: the windows, or 'unified' (each ad set's own)."""
    if connection.use_unified_attribution_setting:
        return "unified"
    return ",".join(connection.attribution_windows) or None


def insights_frame(
    rows: Sequence[InsightRow], *, attribution_windows: Sequence[str] | str | None, run_id: str, extracted_at: datetime
) -> pl.DataFrame:
    """raw_meta.ad_daily_insights rows. Decimals travel as text so COPY parses them exactly."""
    return pl.DataFrame(
        {
            "account_id": [r.account_id for r in rows],
            "campaign_id": [r.campaign_id for r in rows],
            "adset_id": [r.adset_id for r in rows],
            "ad_id": [r.ad_id for r in rows],
            "date_start": [r.date_start for r in rows],
            "spend": [r.spend for r in rows],
            "impressions": [r.impressions for r in rows],
            "clicks": [r.clicks for r in rows],
            "purchases": [str(r.purchases) for r in rows],
            "purchase_value": [str(r.purchase_value) for r in rows],
            "leads": [str(r.leads) for r in rows],
            "actions": [_json(r.actions) for r in rows],
            "action_values": [_json(r.action_values) for r in rows],
            "attribution_windows": [
                attribution_windows
                if attribution_windows is None or isinstance(attribution_windows, str)
                else ",".join(attribution_windows) or None
            ]
            * len(rows),
            "ingestion_run_id": [run_id] * len(rows),
            "extracted_at": [extracted_at.isoformat()] * len(rows),
        },
        schema=_INSIGHTS_SCHEMA,
    )


def snapshot_frame(rows: Sequence[InsightRow], *, captured_at: datetime, run_id: str) -> pl.DataFrame:
    """raw_meta.ad_intraday_snapshots rows: the day's cumulative figures at `captured_at`."""
    return pl.DataFrame(
        {
            "account_id": [r.account_id for r in rows],
            "campaign_id": [r.campaign_id for r in rows],
            "adset_id": [r.adset_id for r in rows],
            "ad_id": [r.ad_id for r in rows],
            "date_start": [r.date_start for r in rows],
            "captured_at": [captured_at.isoformat()] * len(rows),
            "spend": [r.spend for r in rows],
            "impressions": [r.impressions for r in rows],
            "clicks": [r.clicks for r in rows],
            "purchases": [str(r.purchases) for r in rows],
            "purchase_value": [str(r.purchase_value) for r in rows],
            "leads": [str(r.leads) for r in rows],
            "ingestion_run_id": [run_id] * len(rows),
        },
        schema={
            **_IDS_SCHEMA,
            "date_start": pl.Date,
            "captured_at": pl.Utf8,
            **_FIGURES_SCHEMA,
            "ingestion_run_id": pl.Utf8,
        },
    )


def account_frame(info: AccountInfo, *, connection_id: str, run_id: str, extracted_at: datetime) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "account_id": [info.account_id],
            "connection_id": [connection_id],
            "name": [info.name],
            "currency": [info.currency],
            "timezone_name": [info.timezone_name],
            "account_status": [info.account_status],
            "ingestion_run_id": [run_id],
            "extracted_at": [extracted_at.isoformat()],
        },
        schema={
            "account_id": pl.Utf8,
            "connection_id": pl.Utf8,
            "name": pl.Utf8,
            "currency": pl.Utf8,
            "timezone_name": pl.Utf8,
            "account_status": pl.Int64,
            "ingestion_run_id": pl.Utf8,
            "extracted_at": pl.Utf8,
        },
    )


def entity_frames(
    entities: AccountEntities, account_id: str, *, run_id: str, extracted_at: datetime
) -> dict[str, pl.DataFrame]:
    """raw_meta.campaigns / adsets / ads rows, keyed by table name."""
    stamp = {"ingestion_run_id": run_id, "extracted_at": extracted_at.isoformat()}
    campaigns = [
        {
            "account_id": account_id,
            "campaign_id": str(c["id"]),
            "name": c.get("name") or "",
            "status": c.get("status"),
            "effective_status": c.get("effective_status"),
            "objective": c.get("objective"),
            "created_time": _graph_timestamp(c.get("created_time")),
            "updated_time": _graph_timestamp(c.get("updated_time")),
            **stamp,
        }
        for c in entities.campaigns
    ]
    adsets = [
        {
            "account_id": account_id,
            "adset_id": str(s["id"]),
            "campaign_id": str(s["campaign_id"]),
            "name": s.get("name") or "",
            "status": s.get("status"),
            "effective_status": s.get("effective_status"),
            "optimization_goal": s.get("optimization_goal"),
            **stamp,
        }
        for s in entities.adsets
    ]
    ads = [
        {
            "account_id": account_id,
            "ad_id": str(a["id"]),
            "adset_id": str(a["adset_id"]),
            "campaign_id": str(a["campaign_id"]),
            "name": a.get("name") or "",
            "status": a.get("status"),
            "effective_status": a.get("effective_status"),
            **stamp,
        }
        for a in entities.ads
    ]
    return {
        "raw_meta.campaigns": _text_frame(campaigns, _CAMPAIGN_COLUMNS),
        "raw_meta.adsets": _text_frame(adsets, _ADSET_COLUMNS),
        "raw_meta.ads": _text_frame(ads, _AD_COLUMNS),
    }


def _count(value: Any, what: str) -> int:
    number = to_decimal(value, what)
    if number < 0 or number != number.to_integral_value():
        raise InsightRowError(f"{what} must be a whole number of zero or more (got {value!r})")
    return int(number)


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _graph_timestamp(value: Any) -> str | None:
    """The Graph API's "2026-07-01T09:15:00-0400" as ISO 8601 that Postgres reads as timestamptz."""
    if not value:
        return None
    return datetime.strptime(str(value), "%Y-%m-%dT%H:%M:%S%z").isoformat()


def _text_frame(records: Iterable[dict], columns: Sequence[str]) -> pl.DataFrame:
    records = list(records)
    return pl.DataFrame(
        {column: [r[column] for r in records] for column in columns}, schema={c: pl.Utf8 for c in columns}
    )


_IDS_SCHEMA = {"account_id": pl.Utf8, "campaign_id": pl.Utf8, "adset_id": pl.Utf8, "ad_id": pl.Utf8}
_FIGURES_SCHEMA = {
    "spend": pl.Utf8,
    "impressions": pl.Int64,
    "clicks": pl.Int64,
    "purchases": pl.Utf8,
    "purchase_value": pl.Utf8,
    "leads": pl.Utf8,
}
_INSIGHTS_SCHEMA = {
    **_IDS_SCHEMA,
    "date_start": pl.Date,
    **_FIGURES_SCHEMA,
    "actions": pl.Utf8,
    "action_values": pl.Utf8,
    "attribution_windows": pl.Utf8,
    "ingestion_run_id": pl.Utf8,
    "extracted_at": pl.Utf8,
}
_CAMPAIGN_COLUMNS = (
    "account_id",
    "campaign_id",
    "name",
    "status",
    "effective_status",
    "objective",
    "created_time",
    "updated_time",
    "ingestion_run_id",
    "extracted_at",
)
_ADSET_COLUMNS = (
    "account_id",
    "adset_id",
    "campaign_id",
    "name",
    "status",
    "effective_status",
    "optimization_goal",
    "ingestion_run_id",
    "extracted_at",
)
_AD_COLUMNS = (
    "account_id",
    "ad_id",
    "adset_id",
    "campaign_id",
    "name",
    "status",
    "effective_status",
    "ingestion_run_id",
    "extracted_at",
)
