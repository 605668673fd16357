"""Read one ad account through the facebook-business SDK: the account, its entities, daily insights.

Thin I/O: every Graph API request goes through a `GraphCaller` (retries), one page at a
time, so a rate limit in the middle of a listing retries that page and never restarts
or duplicates the listing. What comes back is the API's own JSON as plain dicts;
`rows.py` shapes it for the landing tables.

Deleted and archived objects are asked for explicitly: the API leaves them out of edges
unless `effective_status` lists them, and out of insights unless `filtering` on
`ad.effective_status` does, and their spend is real spend.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from facebook_business.adobjects.ad import Ad
from facebook_business.adobjects.adaccount import AdAccount
from facebook_business.adobjects.adreportrun import AdReportRun
from facebook_business.adobjects.adset import AdSet
from facebook_business.adobjects.adsinsights import AdsInsights
from facebook_business.adobjects.campaign import Campaign
from facebook_business.api import Cursor, FacebookAdsApi

from metrics_pipeline.sources.meta.client import GraphCaller, MetaSettings, is_too_much_data

# Longer ranges go through an async report job: the synchronous endpoint times out on
# ad-level daily rows over long ranges.
MAX_SYNC_RANGE_DAYS = 7
PAGE_LIMIT = 500

ACCOUNT_FIELDS = (
    AdAccount.Field.account_id,
    AdAccount.Field.name,
    AdAccount.Field.currency,
    AdAccount.Field.timezone_name,
    AdAccount.Field.account_status,
)
CAMPAIGN_FIELDS = (
    Campaign.Field.id,
    Campaign.Field.name,
    Campaign.Field.status,
    Campaign.Field.effective_status,
    Campaign.Field.objective,
    Campaign.Field.created_time,
    Campaign.Field.updated_time,
)
ADSET_FIELDS = (
    AdSet.Field.id,
    AdSet.Field.campaign_id,
    AdSet.Field.name,
    AdSet.Field.status,
    AdSet.Field.effective_status,
    AdSet.Field.optimization_goal,
)
AD_FIELDS = (
    Ad.Field.id,
    Ad.Field.adset_id,
    Ad.Field.campaign_id,
    Ad.Field.name,
    Ad.Field.status,
    Ad.Field.effective_status,
)
INSIGHT_FIELDS = (
    AdsInsights.Field.account_id,
    AdsInsights.Field.campaign_id,
    AdsInsights.Field.adset_id,
    AdsInsights.Field.ad_id,
    AdsInsights.Field.date_start,
    AdsInsights.Field.date_stop,
    AdsInsights.Field.spend,
    AdsInsights.Field.impressions,
    AdsInsights.Field.clicks,
    AdsInsights.Field.actions,
    AdsInsights.Field.action_values,
)

# level=account: what Meta bills the account per day, deleted ads' spend included (level=ad
# leaves deleted ads out; see load.py for how the two are reconciled).
ACCOUNT_INSIGHT_FIELDS = (
    AdsInsights.Field.account_id,
    AdsInsights.Field.date_start,
    AdsInsights.Field.date_stop,
    AdsInsights.Field.spend,
    AdsInsights.Field.impressions,
    AdsInsights.Field.clicks,
)

REPORT_COMPLETED = "Job Completed"
REPORT_FAILED = ("Job Failed", "Job Skipped")


class MetaReportError(RuntimeError):
    """An async insights report failed, was skipped, or did not finish in time."""


@dataclass(frozen=True)
class AccountInfo:
    account_id: str  # digits, no act_ prefix
    name: str | None
    currency: str
    timezone_name: str
    account_status: int | None


@dataclass(frozen=True)
class AccountEntities:
    campaigns: list[dict]
    adsets: list[dict]
    ads: list[dict]


def every_effective_status(enum: type) -> list[str]:
    """All values of an SDK EffectiveStatus enum class, deleted and archived included."""
    return sorted(value for name, value in vars(enum).items() if not name.startswith("_") and isinstance(value, str))


def all_pages(first_page: Callable[[], Cursor], call: GraphCaller, what: str) -> list[dict]:
    """Every object of an edge listing, each page fetched (and retried) on its own.

    The SDK's Cursor only moves its `after` cursor once a page has arrived, so retrying
    `load_next_page` after a failure asks for the same page again.
    """
    cursor = call(first_page, what)
    objects: list[dict] = []
    page = 1
    while True:
        objects.extend(cursor[i].export_all_data() for i in range(len(cursor)))
        page += 1
        if not call(cursor.load_next_page, f"{what}, page {page}"):
            return objects


def fetch_account_info(api: FacebookAdsApi, account_id: str, call: GraphCaller) -> AccountInfo:
    account = AdAccount(f"act_{account_id}", api=api)
    call(lambda: account.api_get(fields=list(ACCOUNT_FIELDS)), f"act_{account_id}: account")
    status = account.get(AdAccount.Field.account_status)
    return AccountInfo(
        account_id=account_id,
        name=account.get(AdAccount.Field.name),
        currency=account[AdAccount.Field.currency],
        timezone_name=account[AdAccount.Field.timezone_name],
        account_status=int(status) if status is not None else None,
    )


def fetch_entities(api: FacebookAdsApi, account_id: str, call: GraphCaller) -> AccountEntities:
    account = AdAccount(f"act_{account_id}", api=api)
    what = f"act_{account_id}"

    def listing(method: Callable[..., Cursor], fields: Sequence[str], statuses: list[str]) -> Callable[[], Cursor]:
        return lambda: method(fields=list(fields), params={"effective_status": statuses, "limit": PAGE_LIMIT})

    return AccountEntities(
        campaigns=all_pages(
            listing(account.get_campaigns, CAMPAIGN_FIELDS, every_effective_status(Campaign.EffectiveStatus)),
            call,
            f"{what}: campaigns",
        ),
        adsets=all_pages(
            listing(account.get_ad_sets, ADSET_FIELDS, every_effective_status(AdSet.EffectiveStatus)),
            call,
            f"{what}: ad sets",
        ),
        ads=all_pages(
            listing(account.get_ads, AD_FIELDS, every_effective_status(Ad.EffectiveStatus)),
            call,
            f"{what}: ads",
        ),
    )


def insights_params(
    since: date,
    until: date,
    attribution_windows: Sequence[str],
    *,
    use_unified_attribution_setting: bool = False,
    level: str = AdsInsights.Level.ad,
) -> dict[str, Any]:
    """Daily rows of [since, until] (the account's days) at `level`; at ad level every ad status
    the API will return (it still leaves deleted ads out of an account's ad-level rows)."""
    params: dict[str, Any] = {
        "level": level,
        "time_increment": 1,
        "time_range": {"since": since.isoformat(), "until": until.isoformat()},
        "limit": PAGE_LIMIT,
    }
    if level == AdsInsights.Level.ad:
        params["filtering"] = [
            {"field": "ad.effective_status", "operator": "IN", "value": every_effective_status(Ad.EffectiveStatus)}
        ]
        if use_unified_attribution_setting:
            # Each ad set's own attribution setting, as Ads Manager reports it: entries carry `value` only.
            params["use_unified_attribution_setting"] = True
        elif attribution_windows:
            params["action_attribution_windows"] = list(attribution_windows)
    return params


def fetch_daily_insights(
    api: FacebookAdsApi,
    account_id: str,
    since: date,
    until: date,
    *,
    attribution_windows: Sequence[str],
    call: GraphCaller,
    settings: MetaSettings,
    use_unified_attribution_setting: bool = False,
    level: str = AdsInsights.Level.ad,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> list[dict]:
    """Every daily row at `level` in [since, until]: synchronous for a week or less, else an async job.

    When Meta answers code 1 "Please reduce the amount of data you're asking for" (sync or
    async), the range is split in halves and each half asked for on its own, down to single
    days; a single day that is still too much fails with Meta's error.
    """
    params = insights_params(
        since, until, attribution_windows, use_unified_attribution_setting=use_unified_attribution_setting, level=level
    )
    fields = list(INSIGHT_FIELDS if level == AdsInsights.Level.ad else ACCOUNT_INSIGHT_FIELDS)
    try:
        return _fetch_insights_range(api, account_id, since, until, params, fields, call, settings, sleep, clock)
    except Exception as exc:
        if not is_too_much_data(exc) or since == until:
            raise
    middle = since + (until - since) // 2
    halves = ((since, middle), (middle + timedelta(days=1), until))
    rows: list[dict] = []
    for half_since, half_until in halves:
        rows.extend(
            fetch_daily_insights(
                api,
                account_id,
                half_since,
                half_until,
                attribution_windows=attribution_windows,
                call=call,
                settings=settings,
                use_unified_attribution_setting=use_unified_attribution_setting,
                level=level,
                sleep=sleep,
                clock=clock,
            )
        )
    return rows


def _fetch_insights_range(
    api: FacebookAdsApi,
    account_id: str,
    since: date,
    until: date,
    params: dict[str, Any],
    fields: list[str],
    call: GraphCaller,
    settings: MetaSettings,
    sleep: Callable[[float], None],
    clock: Callable[[], float],
) -> list[dict]:
    account = AdAccount(f"act_{account_id}", api=api)
    what = f"act_{account_id}: {params['level']} insights {since.isoformat()}..{until.isoformat()}"
    if (until - since).days + 1 <= MAX_SYNC_RANGE_DAYS:
        return all_pages(lambda: account.get_insights(fields=list(fields), params=dict(params)), call, what)
    report = call(
        # The SDK's async call extends params["fields"] in place: give it a fresh dict each try.
        lambda: account.get_insights(params={**params, "fields": list(fields)}, is_async=True),
        f"{what}: start report",
    )
    wait_for_report(report, call, what=what, settings=settings, sleep=sleep, clock=clock)
    return all_pages(lambda: report.get_result(params={"limit": PAGE_LIMIT}), call, f"{what}: report rows")


def wait_for_report(
    report: AdReportRun,
    call: GraphCaller,
    *,
    what: str,
    settings: MetaSettings,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> AdReportRun:
    """Poll the report run until Meta says it is completed (status and 100 %)."""
    deadline = clock() + settings.report_timeout
    fields = [AdReportRun.Field.async_status, AdReportRun.Field.async_percent_completion]
    while True:
        call(lambda: report.api_get(fields=fields), f"{what}: report status")
        status = report.get(AdReportRun.Field.async_status)
        percent = int(report.get(AdReportRun.Field.async_percent_completion) or 0)
        if status == REPORT_COMPLETED and percent >= 100:
            return report
        if status in REPORT_FAILED:
            raise MetaReportError(f"{what}: report {report.get_id()} ended with {status!r}")
        if clock() >= deadline:
            raise MetaReportError(
                f"{what}: report {report.get_id()} not completed after {settings.report_timeout:.0f}s "
                f"(last status {status!r}, {percent}%)"
            )
        sleep(settings.report_poll_interval)
