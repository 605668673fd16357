"""Read one TikTok advertiser: its info, its entities and the daily ad report.

Thin I/O over `TikTokClient`: every page is its own request (and retried on its own), so a
rate limit in the middle of a listing repeats that page, never the listing. What comes back is
the API's JSON as plain dicts; `rows.py` shapes it for the landing tables.

Deleted entities are asked for explicitly: `/campaign/get/`, `/adgroup/get/` and `/ad/get/` leave
them out unless `filtering.primary_status` is STATUS_ALL (the default is STATUS_NOT_DELETE). The
report keeps deleted ads' rows, and their spend is real spend; asking for `campaign_id` and
`adgroup_id` as (attribute) metrics gives each report row its parents even when the ad is gone.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from metrics_pipeline.sources.tiktok_ads.client import TikTokAPIError, TikTokClient

ADVERTISER_FIELDS = ("advertiser_id", "name", "currency", "timezone", "status")
CAMPAIGN_FIELDS = (
    "campaign_id",
    "campaign_name",
    "objective_type",
    "operation_status",
    "secondary_status",
    "create_time",
    "modify_time",
)
ADGROUP_FIELDS = (
    "adgroup_id",
    "campaign_id",
    "adgroup_name",
    "optimization_goal",
    "operation_status",
    "secondary_status",
)
AD_FIELDS = (
    "ad_id",
    "adgroup_id",
    "campaign_id",
    "ad_name",
    "operation_status",
    "secondary_status",
    "landing_page_url",
)
REPORT_DIMENSIONS = ("ad_id", "stat_time_day")
REPORT_METRICS = (
    "campaign_id",
    "adgroup_id",
    "currency",
    "spend",
    "impressions",
    "clicks",
    "conversion",
    "complete_payment",
    "total_complete_payment_rate",
)
EVERY_STATUS = {"primary_status": "STATUS_ALL"}


@dataclass(frozen=True)
class AdvertiserInfo:
    advertiser_id: str
    name: str | None
    currency: str
    timezone: str
    status: str | None


@dataclass(frozen=True)
class AdvertiserEntities:
    campaigns: list[dict]
    adgroups: list[dict]
    ads: list[dict]


def report_ranges(since: date, until: date, max_days: int) -> list[tuple[date, date]]:
    """[since, until] cut into consecutive ranges of at most `max_days` days (the report's limit)."""
    if until < since:
        return []
    ranges = []
    start = since
    while start <= until:
        end = min(until, start + timedelta(days=max(max_days, 1) - 1))
        ranges.append((start, end))
        start = end + timedelta(days=1)
    return ranges


def report_params(advertiser_id: str, since: date, until: date, *, page: int, page_size: int) -> dict[str, Any]:
    """One page of the synchronous BASIC report at ad level, one row per ad and local day."""
    return {
        "advertiser_id": advertiser_id,
        "service_type": "AUCTION",
        "report_type": "BASIC",
        "data_level": "AUCTION_AD",
        "dimensions": list(REPORT_DIMENSIONS),
        "metrics": list(REPORT_METRICS),
        "start_date": since.isoformat(),
        "end_date": until.isoformat(),
        "page": page,
        "page_size": page_size,
    }


def listing_params(advertiser_id: str, fields: tuple[str, ...], *, page: int, page_size: int) -> dict[str, Any]:
    return {
        "advertiser_id": advertiser_id,
        "fields": list(fields),
        "filtering": EVERY_STATUS,
        "page": page,
        "page_size": page_size,
    }


def page_list(data: Any, what: str) -> tuple[list[dict], int]:
    """A paged answer's `list` and `page_info.total_page` (0 when there is nothing)."""
    if not isinstance(data, dict) or not isinstance(data.get("list", []), list):
        raise TikTokAPIError(what, -1, "the answer's data has no list")
    info = data.get("page_info") or {}
    try:
        total_page = int(info.get("total_page", 1 if data.get("list") else 0))
    except (TypeError, ValueError):
        raise TikTokAPIError(what, -1, f"page_info.total_page {info.get('total_page')!r} is not a number") from None
    return list(data.get("list") or []), total_page


def all_pages(client: TikTokClient, path: str, params_of_page, what: str) -> Iterator[dict]:
    """Every item of a paged endpoint: page 1, then up to page_info.total_page."""
    page = 1
    while True:
        items, total_page = page_list(client.get(path, params_of_page(page), f"{what}, page {page}"), what)
        yield from items
        if page >= total_page:
            return
        page += 1


def fetch_advertiser(client: TikTokClient, advertiser_id: str) -> AdvertiserInfo:
    what = f"advertiser {advertiser_id}: info"
    data = client.get("advertiser/info", {"advertiser_ids": [advertiser_id], "fields": list(ADVERTISER_FIELDS)}, what)
    found = [a for a in (data or {}).get("list", []) if str(a.get("advertiser_id")) == advertiser_id]
    if not found:
        raise TikTokAPIError(what, -1, "the advertiser is not in the answer (is it authorized for this app?)")
    info = found[0]
    if not info.get("currency") or not info.get("timezone"):
        raise TikTokAPIError(what, -1, "the advertiser's currency or timezone is missing")
    return AdvertiserInfo(
        advertiser_id=advertiser_id,
        name=info.get("name"),
        currency=str(info["currency"]),
        timezone=str(info["timezone"]),
        status=info.get("status"),
    )


def fetch_entities(client: TikTokClient, advertiser_id: str) -> AdvertiserEntities:
    size = client.settings.page_size

    def listing(path: str, fields: tuple[str, ...], noun: str) -> list[dict]:
        return list(
            all_pages(
                client,
                path,
                lambda page: listing_params(advertiser_id, fields, page=page, page_size=size),
                f"advertiser {advertiser_id}: {noun}",
            )
        )

    return AdvertiserEntities(
        campaigns=listing("campaign/get", CAMPAIGN_FIELDS, "campaigns"),
        adgroups=listing("adgroup/get", ADGROUP_FIELDS, "ad groups"),
        ads=listing("ad/get", AD_FIELDS, "ads"),
    )


def fetch_daily_report(client: TikTokClient, advertiser_id: str, since: date, until: date) -> list[dict]:
    """Every report row of [since, until], in ranges of at most 30 days, page by page."""
    rows: list[dict] = []
    for start, end in report_ranges(since, until, client.settings.max_report_days):
        rows.extend(
            all_pages(
                client,
                "report/integrated/get",
                lambda page, start=start, end=end: report_params(
                    advertiser_id, start, end, page=page, page_size=client.settings.page_size
                ),
                f"advertiser {advertiser_id}: report {start.isoformat()}..{end.isoformat()}",
            )
        )
    return rows
