"""The demo's retention step: two years on, the sandbox's first month of ad metrics is archived
to Parquet; the nightly run after it leaves that month in the marts as it was; a restore puts
the raw rows back so the sandbox warehouse stays whole."""

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


@dataclass(frozen=True)
class ArchivedMonth:
    month: date
    results: list[MonthResult]
    marts_before: list[tuple]


def as_of_for(first_month: date, settings: RetentionSettings) -> date:
    """The first day on which `first_month` (and no later month) is past the ad-metrics retention."""
    day = next_month(first_month)
    while archive_before(day, settings.ad_metrics_days) <= first_month:
        day = next_month(day)
    return day


def month_spend_in_marts(url: str, month: date) -> list[tuple]:
    with warehouse.connect(url) as conn:
        return conn.execute(
            read_sql(SQL_DIR, "ad_spend_in_month"), {"first": month, "after": next_month(month)}
        ).fetchall()


def archive_first_month(url: str, store: ExportsStore, first_day: date) -> ArchivedMonth:
    settings = RetentionSettings()
    month = first_day.replace(day=1)
    as_of = as_of_for(month, settings)
    print(
        f"as of {as_of}, {month:%Y-%m} is older than the default {settings.ad_metrics_days} days of ad metrics "
        "(`metrics-pipeline retention archive --today ...`):"
    )
    before = month_spend_in_marts(url, month)
    results = archive(url, store, settings, as_of, tables=AD_METRIC_TABLES, progress=print)
    print(f"archived {sum(r.rows for r in results):,} rows in {len(results)} table-month(s)")
    return ArchivedMonth(month, results, before)


def check_and_restore(url: str, store: ExportsStore, archived: ArchivedMonth) -> bool:
    """Prints the month's spend in the marts before the archive and now; restores the raw rows."""
    after = month_spend_in_marts(url, archived.month)
    print(f"\nretention: {archived.month:%Y-%m} in the marts before the archive and after the nightly build")
    print_table(["platform", "cur", "entity-days", "spend"], archived.marts_before)
    unchanged = after == archived.marts_before
    print("unchanged" if unchanged else "CHANGED:")
    if not unchanged:
        print_table(["platform", "cur", "entity-days", "spend"], after)
    restored = 0
    for result in archived.results:
        restored += sum(
            r.rows for r in restore(url, store, retained_table(result.table), archived.month, archived.month)
        )
    print(f"restored {restored:,} raw rows from the archive (`metrics-pipeline retention restore`)")
    return unchanged
