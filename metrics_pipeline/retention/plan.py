"""What retention moves, where to: pure functions, no database or store."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from metrics_pipeline.config.retention import RetentionSettings

ARCHIVE_PREFIX = "archive"
MONTH_PATTERN = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True)
class RetainedTable:
    schema: str
    table: str
    day_column: str
    kind: str  # 'ad_metrics' or 'tracking_events': which setting applies

    @property
    def name(self) -> str:
        return f"{self.schema}.{self.table}"


# Only landing tables whose marts keep their history when the raw rows vanish. The ad metrics
# are read only by day-keyed incremental marts (macros/build_window.sql day_keyed_mart:
# fct_ad_entity_daily, fct_pnl_daily, fct_media_partner_daily, fct_amazon_keyword_daily,
# fct_affiliate_daily), which a build replaces only for its window's days and for the days its
# new rows carry, so an archived day is never touched; weekly/monthly_summaries are rebuilt
# from fct_media_partner_daily, not from raw. raw_pixel.events is read only by
# int_pixel__events, which keeps the archived months' events from its last build (see its
# header), so the journeys and attribution marts built from it keep theirs. Left out on purpose:
#   raw_amazon_ads.sales_reports: fct_sales_daily is a table rebuilt whole.
#   raw_google_ads.click_views: attribution signal matching reads them, also tables.
RETAINED_TABLES: tuple[RetainedTable, ...] = (
    RetainedTable("raw_google_ads", "ad_daily_metrics", "metric_date", "ad_metrics"),
    RetainedTable("raw_google_ads", "ad_daily_metrics_first_reported", "metric_date", "ad_metrics"),
    RetainedTable("raw_google_ads", "campaign_daily_metrics", "metric_date", "ad_metrics"),
    RetainedTable("raw_google_ads", "campaign_daily_metrics_first_reported", "metric_date", "ad_metrics"),
    RetainedTable("raw_google_ads", "ad_intraday_snapshots", "metric_date", "ad_metrics"),
    RetainedTable("raw_meta", "ad_daily_insights", "date_start", "ad_metrics"),
    RetainedTable("raw_meta", "ad_daily_insights_first_reported", "date_start", "ad_metrics"),
    RetainedTable("raw_meta", "account_daily_insights", "date_start", "ad_metrics"),
    RetainedTable("raw_meta", "account_daily_insights_first_reported", "date_start", "ad_metrics"),
    RetainedTable("raw_meta", "ad_intraday_snapshots", "date_start", "ad_metrics"),
    RetainedTable("raw_tiktok_ads", "ad_daily_reports", "stat_date", "ad_metrics"),
    RetainedTable("raw_tiktok_ads", "ad_daily_reports_first_reported", "stat_date", "ad_metrics"),
    RetainedTable("raw_media_partner", "daily_exports", "report_date", "ad_metrics"),
    RetainedTable("raw_amazon_ads", "keyword_reports", "report_date", "ad_metrics"),
    RetainedTable("raw_affiliate", "events", "event_date", "tracking_events"),
    RetainedTable("raw_pixel", "events", "event_date", "tracking_events"),
)


def retained_table(name: str) -> RetainedTable:
    for table in RETAINED_TABLES:
        if table.name == name:
            return table
    raise ValueError(f"{name!r} is not a retained table (one of: {', '.join(t.name for t in RETAINED_TABLES)})")


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


def parse_month(text: str) -> date:
    match = MONTH_PATTERN.match(text.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ValueError(f"not a month YYYY-MM: {text!r}")
    return date(int(match.group(1)), int(match.group(2)), 1)


def months_between(first: date, last: date) -> list[date]:
    """Every month from `first`'s to `last`'s, both included."""
    months, month = [], month_start(first)
    while month <= month_start(last):
        months.append(month)
        month = next_month(month)
    return months


def archive_before(today: date, days: int) -> date:
    """The first day that stays: rows of the whole months before it are archived.

    Days on or after `today - days` are kept, and so is the rest of their month (a file holds
    a whole month, so a month is archived only once every one of its days is old enough).
    """
    return month_start(today - timedelta(days=days))


def archivable_months(months_with_rows: list[date], today: date, days: int) -> list[date]:
    bound = archive_before(today, days)
    return sorted({month_start(m) for m in months_with_rows if month_start(m) < bound})


def archive_key(table: RetainedTable, month: date) -> str:
    """The object key, relative to the exports root: archive/<schema>.<table>/<YYYY-MM>.parquet."""
    return f"{ARCHIVE_PREFIX}/{table.name}/{month:%Y-%m}.parquet"


def retention_days(table: RetainedTable, settings: RetentionSettings) -> int:
    return settings.days_for(table.kind)
