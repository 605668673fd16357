"""The landing and P&L checks' SQL on hand-made rows (expected figures computed by hand)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import psycopg
import pytest

from metrics_pipeline.operations.landing_checks import (
    LANDING_TABLES,
    CheckedTable,
    future_dated_rows,
    negative_money_rows,
    restatement_drift,
    rows_against_file_totals,
    stale_sources,
)

pytestmark = pytest.mark.integration

# A table shaped like any landing table; the raw tables' own check constraints refuse
# negative money, which is exactly why the check must not rely on them alone.
PROBE = CheckedTable(("probe",), "public.probe_landing", "day", ("spend", "revenue"))
PARTNER = next(t for t in LANDING_TABLES if t.asset_key == ("media_partner", "daily_exports"))


@pytest.fixture
def conn(database_url):
    with psycopg.connect(database_url) as connection:
        yield connection
        connection.rollback()


def test_future_days_count_from_the_day_after_tomorrow(conn):
    today = conn.execute("select current_date").fetchone()[0]
    conn.execute("create table public.probe_landing (day date, spend numeric, revenue numeric)")
    conn.cursor().executemany(
        "insert into public.probe_landing values (%s, 1, 1)",
        [
            (today,),
            (today + timedelta(days=1),),
            (today + timedelta(days=2),),
            (today + timedelta(days=2),),
            (today + timedelta(days=9),),
        ],
    )
    outcome = future_dated_rows(conn, PROBE)
    # today and tomorrow (an account east of UTC) are fine; 2 rows on +2 and 1 on +9 are not.
    assert (outcome.passed, outcome.count) == (False, 3)
    assert outcome.examples == [
        ((today + timedelta(days=9)).isoformat(), 1),
        ((today + timedelta(days=2)).isoformat(), 2),
    ]


def test_negative_money_is_counted_per_column(conn):
    conn.execute("create table public.probe_landing (day date, spend numeric, revenue numeric)")
    conn.cursor().executemany(
        "insert into public.probe_landing values ('2026-10-01', %s, %s)",
        [(Decimal("1.00"), Decimal("0")), (Decimal("-0.01"), Decimal("-5")), (Decimal("-2"), Decimal("3"))],
    )
    outcome = negative_money_rows(conn, PROBE)
    assert (outcome.passed, outcome.count, outcome.examples) == (False, 3, [("spend", 2), ("revenue", 1)])
    conn.execute("delete from public.probe_landing where spend < 0")
    assert negative_money_rows(conn, PROBE).passed


def test_each_file_lands_its_own_row_count_less_its_rejections(conn):
    def log(target, status, processed, loaded, rejected, started):
        conn.execute(
            "insert into ops.ingestion_logs (source, partition_key, target, status, records_processed,"
            " records_loaded, records_rejected, started_at) values ('media_partner', '2026-10-01', %s, %s, %s, %s,"
            " %s, %s)",
            (target, status, processed, loaded, rejected, started),
        )

    def land(target, rows):
        for n in range(rows):
            conn.execute(
                "insert into raw_media_partner.daily_exports (client_slug, report_date, campaign_name, strategy_name,"
                " placement_name, creative_name, impressions, clicks, conversions, conversion_revenue, source_file,"
                " source_row_number, ingestion_run_id) values ('c', '2026-10-01', 'k', 's', 'p', 'cr', 1, 0, 0, 0,"
                " %s, %s, 'r')",
                (target, n + 2),
            )

    log("s3://b/a.csv", "completed", 3, 3, 0, "2026-10-02 01:00Z")
    land("s3://b/a.csv", 3)  # 3 read, 3 landed: fine
    log("s3://b/b.csv", "completed", 5, 5, 0, "2026-10-02 01:00Z")
    log("s3://b/b.csv", "partial", 5, 4, 1, "2026-10-03 01:00Z")  # the latest: 4 landed, 1 quarantined
    land("s3://b/b.csv", 4)  # fine: the latest attempt counts
    log("s3://b/c.csv", "completed", 4, 4, 0, "2026-10-02 01:00Z")
    land("s3://b/c.csv", 3)  # one row missing
    log("s3://b/d.csv", "partial", 6, 4, 1, "2026-10-02 01:00Z")  # 6 read but 4 + 1 accounted for
    land("s3://b/d.csv", 4)
    log("s3://b/e.csv", "failed", 0, 0, 0, "2026-10-02 01:00Z")  # never landed: nothing to compare

    outcome = rows_against_file_totals(conn, PARTNER)

    assert (outcome.passed, outcome.count) == (False, 2)
    assert outcome.examples == [("s3://b/c.csv", "2026-10-01", 4, 4, 0, 3), ("s3://b/d.csv", "2026-10-01", 6, 4, 1, 4)]


def test_restatement_drift_lists_account_days_largest_move_first(conn):
    conn.execute("create schema if not exists marts")
    conn.execute("create table marts.dim_ad_entities (entity_id text, entity_name text)")
    conn.execute(
        "create table marts.fct_pnl_daily (platform text, entity_id text, kind text, level text,"
        " metric_date date, currency text, first_reported_spend numeric, spend numeric, spend_drift numeric)"
    )
    conn.execute("insert into marts.dim_ad_entities values ('a1', 'Acme'), ('c1', 'Citrus'), ('k1', 'A campaign')")
    rows = [
        # platform, entity, kind, level, day, cur, first, now: drift = now - first
        ("meta", "a1", "eod", "account", date(2026, 10, 3), "USD", "100.00", "112.50", "12.50"),
        ("meta", "a1", "eod", "account", date(2026, 10, 4), "USD", "80.00", "80.00", "0.00"),  # unchanged
        ("google_ads", "c1", "eod", "account", date(2026, 10, 3), "EUR", "50.00", "30.00", "-20.00"),
        ("google_ads", "c1", "eod", "account", date(2026, 10, 5), "EUR", None, "10.00", None),  # never first-reported
        ("meta", "k1", "eod", "campaign", date(2026, 10, 3), "USD", "10.00", "15.00", "5.00"),  # not an account
        ("meta", "a1", "snapshot", "account", date(2026, 10, 6), "USD", None, "5.00", None),
    ]
    conn.cursor().executemany("insert into marts.fct_pnl_daily values (%s, %s, %s, %s, %s, %s, %s, %s, %s)", rows)

    restated, largest = restatement_drift(conn)

    assert restated == 2
    assert largest == [
        ("google_ads", "Citrus", date(2026, 10, 3), "EUR", Decimal("50.00"), Decimal("30.00"), Decimal("-20.00")),
        ("meta", "Acme", date(2026, 10, 3), "USD", Decimal("100.00"), Decimal("112.50"), Decimal("12.50")),
    ]


def test_a_source_that_stopped_landing_is_stale_and_failures_do_not_count_as_landing(conn):
    as_of = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
    conn.execute("delete from ops.ingestion_logs")
    rows = [
        # source, status, finished hours before as_of
        ("media_partner", "completed", 2),
        ("media_partner", "completed", 50),
        ("meta", "partial", 30),
        ("meta", "failed", 1),  # a failed attempt is not a landing: meta last landed 30 h ago
        ("pipeline_run", "completed", 1),  # the retry sensor's whole-run rows are no source
    ]
    for source, status, hours in rows:
        conn.execute(
            "insert into ops.ingestion_logs (source, partition_key, target, status, started_at, finished_at) "
            "values (%s, '2026-11-20', 'x', %s, %s, %s)",
            (source, status, as_of - timedelta(hours=hours + 1), as_of - timedelta(hours=hours)),
        )
    every, stale = stale_sources(conn, max_hours=26, as_of=as_of)
    assert [(source, float(hours)) for source, _, hours in every] == [("media_partner", 2.0), ("meta", 30.0)]
    assert [source for source, _, _ in stale] == ["meta"]
    _, stale_at_two_days = stale_sources(conn, max_hours=48, as_of=as_of)
    assert stale_at_two_days == []
