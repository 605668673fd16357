"""Shape the TikTok API's JSON into raw_tiktok_ads rows (pure).

The report's metrics are strings (`"spend": "12.34"`): money stays that decimal string, checked to
be a number of zero or more and never converted through float, so `spend` lands exactly as TikTok
reported it in the advertiser's currency; counts become ints. `stat_time_day` is
"YYYY-MM-DD 00:00:00", the advertiser's local day.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import polars as pl

from metrics_pipeline.sources.tiktok_ads.extract import AdvertiserEntities, AdvertiserInfo


class ReportRowError(ValueError):
    """A report row TikTok sent that cannot be landed as it is."""


@dataclass(frozen=True)
class ReportRow:
    advertiser_id: str
    campaign_id: str
    adgroup_id: str
    ad_id: str
    stat_date: date
    currency: str
    spend: str
    impressions: int
    clicks: int
    conversions: str
    purchases: str
    purchase_value: str


def to_decimal(value: Any, what: str) -> Decimal:
    if isinstance(value, float) or isinstance(value, bool):
        raise ReportRowError(f"{what}: expected a decimal string, got {type(value).__name__} {value!r}")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ReportRowError(f"{what}: {value!r} is not a number") from None
    if not number.is_finite():
        raise ReportRowError(f"{what}: {value!r} is not a number")
    return number


def amount(value: Any, what: str) -> str:
    """A non-negative decimal as its exact text ('-' and '' are TikTok's 'none': 0)."""
    if value is None or (isinstance(value, str) and value.strip() in ("", "-")):
        return "0"
    number = to_decimal(value, what)
    if number < 0:
        raise ReportRowError(f"{what}: negative value {value!r}")
    return str(value).strip()


def count(value: Any, what: str) -> int:
    number = Decimal(amount(value, what))
    if number != number.to_integral_value():
        raise ReportRowError(f"{what}: must be a whole number (got {value!r})")
    return int(number)


def stat_day(value: Any, what: str) -> date:
    text = str(value or "").strip()
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise ReportRowError(f"{what}: stat_time_day {value!r} is not a day") from None


def report_row(
    raw: Mapping[str, Any],
    advertiser_id: str,
    currency: str,
    parents: Mapping[str, tuple[str, str]] | None = None,
) -> ReportRow:
    """One landing row. `parents` (ad id -> (campaign id, ad group id), from /ad/get/ with every
    status) stands in when the row's attribute metrics leave an ad's parents empty."""
    dimensions = raw.get("dimensions") or {}
    metrics = raw.get("metrics") or {}
    ad_id = str(dimensions.get("ad_id") or "").strip()
    where = f"advertiser {advertiser_id} ad {ad_id or '?'} {dimensions.get('stat_time_day')}"
    if not ad_id:
        raise ReportRowError(f"{where}: the row has no ad_id")
    row_currency = str(metrics.get("currency") or currency).strip()
    if row_currency != currency:
        raise ReportRowError(f"{where}: currency {row_currency} is not the advertiser's {currency}")
    campaign_id = str(metrics.get("campaign_id") or "").strip()
    adgroup_id = str(metrics.get("adgroup_id") or "").strip()
    if (not campaign_id or not adgroup_id) and parents and ad_id in parents:
        campaign_id, adgroup_id = campaign_id or parents[ad_id][0], adgroup_id or parents[ad_id][1]
    if not campaign_id or not adgroup_id:
        raise ReportRowError(f"{where}: campaign_id or adgroup_id missing from the metrics")
    return ReportRow(
        advertiser_id=advertiser_id,
        campaign_id=campaign_id,
        adgroup_id=adgroup_id,
        ad_id=ad_id,
        stat_date=stat_day(dimensions.get("stat_time_day"), where),
        currency=currency,
        spend=amount(metrics.get("spend"), f"{where}: spend"),
        impressions=count(metrics.get("impressions"), f"{where}: impressions"),
        clicks=count(metrics.get("clicks"), f"{where}: clicks"),
        conversions=amount(metrics.get("conversion"), f"{where}: conversion"),
        purchases=amount(metrics.get("complete_payment"), f"{where}: complete_payment"),
        purchase_value=amount(metrics.get("total_complete_payment_rate"), f"{where}: total_complete_payment_rate"),
    )


def report_frame(rows: Sequence[ReportRow], *, run_id: str, extracted_at: datetime) -> pl.DataFrame:
    """raw_tiktok_ads.ad_daily_reports rows; decimals travel as text so COPY parses them exactly."""
    columns = ("advertiser_id", "campaign_id", "adgroup_id", "ad_id", "stat_date", "currency")
    figures = ("spend", "impressions", "clicks", "conversions", "purchases", "purchase_value")
    data: dict[str, list] = {c: [getattr(r, c) for r in rows] for c in (*columns, *figures)}
    data["ingestion_run_id"] = [run_id] * len(rows)
    data["extracted_at"] = [extracted_at.isoformat()] * len(rows)
    schema = {c: pl.Utf8 for c in data}
    schema.update(stat_date=pl.Date, impressions=pl.Int64, clicks=pl.Int64)
    return pl.DataFrame(data, schema=schema)


def advertiser_frame(info: AdvertiserInfo, *, connection_id: str, run_id: str, extracted_at: datetime) -> pl.DataFrame:
    record = {
        "advertiser_id": info.advertiser_id,
        "connection_id": connection_id,
        "name": info.name,
        "currency": info.currency,
        "timezone": info.timezone,
        "status": info.status,
        "ingestion_run_id": run_id,
        "extracted_at": extracted_at.isoformat(),
    }
    return _text_frame([record], tuple(record))


def entity_frames(
    entities: AdvertiserEntities, advertiser_id: str, *, run_id: str, extracted_at: datetime
) -> dict[str, pl.DataFrame]:
    """raw_tiktok_ads.campaigns / adgroups / ads rows, keyed by table name."""
    stamp = {"ingestion_run_id": run_id, "extracted_at": extracted_at.isoformat()}
    campaigns = [
        {
            "advertiser_id": advertiser_id,
            "campaign_id": str(c["campaign_id"]),
            "campaign_name": c.get("campaign_name") or "",
            "objective_type": c.get("objective_type"),
            "operation_status": c.get("operation_status"),
            "secondary_status": c.get("secondary_status"),
            "create_time": utc_timestamp(c.get("create_time")),
            "modify_time": utc_timestamp(c.get("modify_time")),
            **stamp,
        }
        for c in entities.campaigns
    ]
    adgroups = [
        {
            "advertiser_id": advertiser_id,
            "adgroup_id": str(g["adgroup_id"]),
            "campaign_id": str(g["campaign_id"]),
            "adgroup_name": g.get("adgroup_name") or "",
            "optimization_goal": g.get("optimization_goal"),
            "operation_status": g.get("operation_status"),
            "secondary_status": g.get("secondary_status"),
            **stamp,
        }
        for g in entities.adgroups
    ]
    ads = [
        {
            "advertiser_id": advertiser_id,
            "ad_id": str(a["ad_id"]),
            "adgroup_id": str(a["adgroup_id"]),
            "campaign_id": str(a["campaign_id"]),
            "ad_name": a.get("ad_name") or "",
            "operation_status": a.get("operation_status"),
            "secondary_status": a.get("secondary_status"),
            "landing_page_url": a.get("landing_page_url"),
            **stamp,
        }
        for a in entities.ads
    ]
    return {
        "raw_tiktok_ads.campaigns": _text_frame(campaigns, CAMPAIGN_COLUMNS),
        "raw_tiktok_ads.adgroups": _text_frame(adgroups, ADGROUP_COLUMNS),
        "raw_tiktok_ads.ads": _text_frame(ads, AD_COLUMNS),
    }


def utc_timestamp(value: Any) -> str | None:
    """TikTok's "2026-07-01 09:15:00" (UTC) as ISO 8601 with its zone."""
    if not value:
        return None
    return datetime.strptime(str(value), "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC).isoformat()


def _text_frame(records: Iterable[dict], columns: Sequence[str]) -> pl.DataFrame:
    records = list(records)
    return pl.DataFrame({c: [r[c] for r in records] for c in columns}, schema={c: pl.Utf8 for c in columns})


CAMPAIGN_COLUMNS = (
    "advertiser_id",
    "campaign_id",
    "campaign_name",
    "objective_type",
    "operation_status",
    "secondary_status",
    "create_time",
    "modify_time",
    "ingestion_run_id",
    "extracted_at",
)
ADGROUP_COLUMNS = (
    "advertiser_id",
    "adgroup_id",
    "campaign_id",
    "adgroup_name",
    "optimization_goal",
    "operation_status",
    "secondary_status",
    "ingestion_run_id",
    "extracted_at",
)
AD_COLUMNS = (
    "advertiser_id",
    "ad_id",
    "adgroup_id",
    "campaign_id",
    "ad_name",
    "operation_status",
    "secondary_status",
    "landing_page_url",
    "ingestion_run_id",
    "extracted_at",
)
