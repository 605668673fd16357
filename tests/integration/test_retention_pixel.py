"""Pixel events are tracking events: retention archives them after a year. The journeys and the
attribution marts keep their history through the nightly build after an archive, even for a
visitor who comes back after it: int_pixel__events re-sessionises a returning visitor over the
archived months' events it kept, not over the landed ones alone.

The world is test_attribution_hand_made's: visitor v1's touches on 2026-08-23 and in September
(archived), then 2026-10-01 and the order on 2026-10-02 (landed, in the nightly window)."""

from __future__ import annotations

from datetime import date

import psycopg
import pytest

from metrics_pipeline.config import RetentionSettings
from metrics_pipeline.landing.exports import LocalExportsStore
from metrics_pipeline.retention.archive import archive, restore
from metrics_pipeline.retention.plan import retained_table
from tests.conftest import fetch_all
from tests.dbt_cli import run_dbt
from tests.integration.test_attribution_hand_made import load_world

pytestmark = pytest.mark.integration

PIXEL = retained_table("raw_pixel.events")
# 365 days before is 2027-10-15 - 365 = 2026-10-15: August and September 2026 are archived,
# October stays landed
TODAY = date(2027, 10, 15)
VARS = "{pnl_as_of: '2026-11-01T00:00:00Z'}"
NIGHTLY_WINDOW = ("2026-10-01", "2026-10-05")
# what the pixel's events feed, and their tests: what the nightly build would change here
AFTER_PIXEL = ("int_pixel__events+",)
TABLES = (
    "intermediate.int_pixel__events",
    "marts.fct_touchpoints",
    "marts.fct_journeys",
    "marts.fct_attribution_links",
    "marts.fct_order_attribution",
)


def snapshot(url) -> dict[str, list[tuple]]:
    return {table: sorted(fetch_all(url, f"select * from {table}"), key=repr) for table in TABLES}


def build(url, target, window=None, full_refresh=False, select=()) -> None:
    flags = [*(["--full-refresh"] if full_refresh else []), *(["--select", *select] if select else [])]
    result = run_dbt(url, target, "build", "--vars", VARS, *flags, window=window)
    assert result.returncode == 0, result.stdout[-4000:]


def test_archived_pixel_months_keep_journeys_and_attribution_through_the_nightly_build(database_url, tmp_path):
    load_world(database_url)
    build(database_url, tmp_path)  # everything, once
    before = snapshot(database_url)
    linked = {row[0] for row in fetch_all(database_url, "select touchpoint_id from marts.fct_attribution_links")}
    assert {"e1", "e2", "e3"} <= linked  # September's touches are in the order's journey

    store = LocalExportsStore(tmp_path / "exports")
    moved = archive(database_url, store, RetentionSettings(), TODAY, tables=[PIXEL])
    assert [(r.month, r.rows) for r in moved] == [(date(2026, 8, 1), 1), (date(2026, 9, 1), 2)]
    assert fetch_all(database_url, "select event_id from raw_pixel.events order by 1") == [("e3",), ("e4",)]

    # the nightly build: its window holds v1's October events, so v1 is re-sessionised
    build(database_url, tmp_path, window=NIGHTLY_WINDOW, select=AFTER_PIXEL)
    assert snapshot(database_url) == before

    # an archived event landed again (a re-landed old file) is taken once, from the landed rows
    with psycopg.connect(database_url) as conn:
        conn.execute(
            "insert into raw_pixel.events (event_id, site_id, event_type, occurred_at, event_date, visitor_id,"
            " session_id, landing_page, utm_source, utm_medium, utm_campaign, utm_id, gclid, currency,"
            " source_file, source_line, ingestion_run_id)"
            " values ('e1', 'px1', 'page_view', '2026-09-25T15:00:00Z', '2026-09-25', 'v1', 's1',"
            " 'https://shop1.example/', 'google', 'cpc', 'Search | Brand', '12', 'G-BRAND', 'USD',"
            " 'hand-made', 1, 'r')"
        )
    build(database_url, tmp_path, window=NIGHTLY_WINDOW, select=AFTER_PIXEL)
    assert snapshot(database_url) == before

    # restored, the months are landed again: a nightly build and a full refresh both agree
    for month in (date(2026, 8, 1), date(2026, 9, 1)):
        restore(database_url, store, PIXEL, month, month)
    assert [r for (r,) in fetch_all(database_url, "select event_id from raw_pixel.events order by 1")] == [
        "e0",
        "e1",
        "e2",
        "e3",
        "e4",
    ]
    build(database_url, tmp_path, window=NIGHTLY_WINDOW, select=AFTER_PIXEL)
    assert snapshot(database_url) == before
    build(database_url, tmp_path, full_refresh=True, select=AFTER_PIXEL)
    assert snapshot(database_url) == before
