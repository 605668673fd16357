"""The demo's retention step: two years on, the sandbox's first month of ad metrics is archived
to Parquet, and one year on its first month of pixel events; the nightly run after it leaves
that month's spend and attribution in the marts as they were; a restore puts the raw rows back
so the sandbox warehouse stays whole."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from metrics_pipeline import warehouse
from metrics_pipeline.cli.reports import SQL_DIR, print_table
from metrics_pipeline.config import RetentionSettings
from metrics_pipeline.landing.exports import ExportsStore
from metrics_pipeline.landing.ingestion import read_sql
from metrics_pipeline.retention.archive import MonthResult, archive, restore
from metrics_pipeline.retention.plan import RETAINED_TABLES, archive_before, next_month, retained_table

AD_METRIC_TABLES = tuple(t for t in RETAINED_TABLES if t.kind == "ad_metrics")
PIXEL_EVENTS = retained_table("raw_pixel.events")


@dataclass(frozen=True)
class ArchivedMonth:
    month: date
    results: list[MonthResult]  # the ad metric tables'
    marts_before: list[tuple]  # month_spend_in_marts
    pixel_results: list[MonthResult]
    attribution_before: list[tuple]  # month_attribution_in_marts


def as_of_for(first_month: date, days: int) -> date:
    """The first day on which `first_month` (and no later month) is past a retention of `days`."""
    day = next_month(first_month)
    while archive_before(day, days) <= first_month:
        day = next_month(day)
    return day


def month_spend_in_marts(url: str, month: date) -> list[tuple]:
    with warehouse.connect(url) as conn:
        return conn.execute(
            read_sql(SQL_DIR, "ad_spend_in_month"), {"first": month, "after": next_month(month)}
        ).fetchall()


def month_attribution_in_marts(url: str, month: date) -> list[tuple]:
    with warehouse.connect(url) as conn:
        return conn.execute(
            read_sql(SQL_DIR, "attribution_in_month"), {"first": month, "after": next_month(month)}
        ).fetchall()


def _archive_month(url: str, store: ExportsStore, month: date, tables, days: int, what: str) -> list[MonthResult]:
    as_of = as_of_for(month, days)
    print(
        f"as of {as_of}, {month:%Y-%m} is older than the default {days} days of {what} "
        "(`metrics-pipeline retention archive --today ...`):"
    )
    results = archive(url, store, RetentionSettings(), as_of, tables=tables, progress=print)
    print(f"archived {sum(r.rows for r in results):,} rows in {len(results)} table-month(s)")
    return results


def archive_first_month(url: str, store: ExportsStore, first_day: date) -> ArchivedMonth:
    settings = RetentionSettings()
    month = first_day.replace(day=1)
    spend_before = month_spend_in_marts(url, month)
    attribution_before = month_attribution_in_marts(url, month)
    results = _archive_month(url, store, month, AD_METRIC_TABLES, settings.ad_metrics_days, "ad metrics")
    pixel_results = _archive_month(
        url, store, month, [PIXEL_EVENTS], settings.tracking_events_days, "tracking events (the pixel's)"
    )
    return ArchivedMonth(month, results, spend_before, pixel_results, attribution_before)


def _compare(headers: list[str], before: list[tuple], after: list[tuple]) -> bool:
    print_table(headers, before)
    unchanged = after == before
    print("unchanged" if unchanged else "CHANGED:")
    if not unchanged:
        print_table(headers, after)
    return unchanged


def check_and_restore(url: str, store: ExportsStore, archived: ArchivedMonth) -> bool:
    """Prints the month's spend and attribution in the marts before the archive and now; restores
    the raw rows. True when both are unchanged."""
    print(f"\nretention: {archived.month:%Y-%m} in the marts before the archive and after the nightly build")
    spend_unchanged = _compare(
        ["platform", "cur", "entity-days", "spend"], archived.marts_before, month_spend_in_marts(url, archived.month)
    )
    print(f"the pixel's touches of {archived.month:%Y-%m} in the attribution marts:")
    attribution_unchanged = _compare(
        ["measure", "model", "rows", "attributed revenue"],
        archived.attribution_before,
        month_attribution_in_marts(url, archived.month),
    )
    restored = 0
    for result in [*archived.results, *archived.pixel_results]:
        restored += sum(
            r.rows for r in restore(url, store, retained_table(result.table), archived.month, archived.month)
        )
    print(f"restored {restored:,} raw rows from the archive (`metrics-pipeline retention restore`)")
    return spend_unchanged and attribution_unchanged
