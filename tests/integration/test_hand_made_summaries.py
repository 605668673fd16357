"""Weekly and monthly summaries of a small export set, checked against a hand calculation.

Client `handmade` (USD): CPM 10.00 from 2026-09-01, 20.00 from Wednesday 2026-09-30, so the
rate changes mid-week and the week of Monday 2026-09-28 straddles September and October.

  day         campaign  creative  impressions  clicks  conv  revenue  CPM   spend
  2026-09-29  Alpha     A1        1,000        10      1     50.00    10    10.00
  2026-09-29  Beta      B1        2,000        20      0     0        10    20.00
  2026-09-30  Alpha     A1        1,000 + 500  10 + 5  1 + 1 50 + 30   20    30.00   (two rows, one creative)
  2026-10-01  Beta      B1        500          0       0     0        20    10.00
  2026-10-05  Alpha     A1        1,000        5       1     30.00    20    20.00
"""

from __future__ import annotations

import json
import os
import subprocess
from datetime import date
from decimal import Decimal

import psycopg
import pytest

from metrics_pipeline.lib.dbt_project import DBT_PROJECT_DIR, dbt_executable
from metrics_pipeline.sources.media_partner.parse import EXPECTED_COLUMNS
from metrics_pipeline.warehouse import dbt_environment
from tests.conftest import fetch_all, write_file
from tests.integration.conftest import run_pipeline

pytestmark = pytest.mark.integration

CONFIG = """
workspaces:
  - slug: hand
    name: Hand Made
    clients:
      - slug: handmade
        name: Hand Made Co
        currency: USD
        timezone: America/Chicago
        media_partner:
          cpm_rates:
            - {effective_from: 2026-09-01, cpm: "10.00"}
            - {effective_from: 2026-09-30, cpm: "20.00"}
"""
FILES = {
    "2026-09-29": [
        '2026-09-29,Alpha,Prospecting,Home,A1,"1,000",10,1%,1,50.00',
        "2026-09-29,Beta,Retarget,Side,B1,2000,20,1%,0,0",
    ],
    "2026-09-30": [
        "2026-09-30,Alpha,Prospecting,Home,A1,1000,10,1%,1,50.00",
        "2026-09-30,Alpha,Prospecting,Home,A1,500,5,1%,1,30.00",
    ],
    "2026-10-01": ["2026-10-01,Beta,Retarget,Side,B1,500,0,0%,0,0"],
    "2026-10-05": ["2026-10-05,Alpha,Prospecting,Home,A1,1000,5,0.5%,1,30.00"],
}
D = Decimal


@pytest.fixture(scope="module")
def built(tmp_path_factory, database_url):
    root = tmp_path_factory.mktemp("handmade")
    config_path = write_file(root / "config.yaml", CONFIG)
    for day, rows in FILES.items():
        write_file(
            root / "exports" / "media_partner" / "handmade" / f"{day}.csv",
            ",".join(EXPECTED_COLUMNS) + "\r\n" + "\r\n".join(rows) + "\r\n",
        )
    mp = pytest.MonkeyPatch()
    mp.setenv("METRICS_CONFIG", str(config_path))
    mp.setenv("METRICS_EXPORTS_URI", str(root / "exports"))
    try:
        result = run_pipeline(date(2026, 9, 28), date(2026, 10, 5))
    finally:
        mp.undo()
    assert result.success
    [files_check] = [e for e in result.get_asset_check_evaluations() if e.check_name == "every_file_landed"]
    assert files_check.passed
    return database_url


SUMMARY_COLUMNS = "days_with_data, impressions, clicks, conversions, revenue, spend, ctr, cpc, cpm, cpa, roas"


def test_weekly_summaries_match_the_hand_calculation(built):
    rows = fetch_all(built, f"select week_start, week_end, {SUMMARY_COLUMNS} from marts.weekly_summaries order by 1")
    assert rows == [
        # 5000 imps, 45 clicks, 3 conv, revenue 130, spend 70:
        # CTR 45/5000, CPC 70/45, CPM 70/5000*1000, CPA 70/3, ROAS 130/70
        (
            date(2026, 9, 28),
            date(2026, 10, 4),
            3,
            5000,
            45,
            3,
            D("130"),
            D("70"),
            D("0.009"),
            D("1.555556"),
            D("14"),
            D("23.333333"),
            D("1.857143"),
        ),
        (
            date(2026, 10, 5),
            date(2026, 10, 11),
            1,
            1000,
            5,
            1,
            D("30"),
            D("20"),
            D("0.005"),
            D("4"),
            D("20"),
            D("20"),
            D("1.5"),
        ),
    ]


def test_monthly_summaries_match_the_hand_calculation(built):
    rows = fetch_all(built, f"select month_start, month_end, {SUMMARY_COLUMNS} from marts.monthly_summaries order by 1")
    assert rows == [
        # September: 4500 imps, 45 clicks, 3 conv, revenue 130, spend 10 + 20 + 30 = 60
        (
            date(2026, 9, 1),
            date(2026, 9, 30),
            2,
            4500,
            45,
            3,
            D("130"),
            D("60"),
            D("0.01"),
            D("1.333333"),
            D("13.333333"),
            D("20"),
            D("2.166667"),
        ),
        # October: 1500 imps, 5 clicks, 1 conv, revenue 30, spend 10 + 20 = 30
        (
            date(2026, 10, 1),
            date(2026, 10, 31),
            2,
            1500,
            5,
            1,
            D("30"),
            D("30"),
            D("0.003333"),
            D("6"),
            D("20"),
            D("30"),
            D("1"),
        ),
    ]


def test_top_campaigns_are_ranked_by_spend_with_their_numbers(built):
    [(top_campaigns, top_creatives)] = fetch_all(
        built,
        "select top_campaigns::text, top_creatives::text from marts.weekly_summaries where week_start = '2026-09-28'",
    )
    campaigns = json.loads(top_campaigns, parse_float=Decimal)
    assert [
        (
            c["rank"],
            c["name"],
            D(str(c["spend"])),
            c["impressions"],
            c["clicks"],
            c["conversions"],
            D(str(c["revenue"])),
            D(str(c["roas"])),
        )
        for c in campaigns
    ] == [
        (1, "Alpha", D("40"), 2500, 25, 3, D("130"), D("3.25")),
        (2, "Beta", D("30"), 2500, 20, 0, D("0"), D("0")),
    ]
    creatives = json.loads(top_creatives, parse_float=Decimal)
    assert [(c["name"], c["campaign_name"]) for c in creatives] == [("A1", "Alpha"), ("B1", "Beta")]


def test_daily_ratios_are_null_where_the_denominator_is_zero(built):
    [(ctr, cpc, cpa, roas, spend)] = fetch_all(
        built,
        "select ctr, cpc, cpa, roas, spend from marts.fct_media_partner_daily "
        "where report_date = '2026-10-01' and creative_name = 'B1'",
    )
    assert (ctr, cpc, cpa, roas, spend) == (D("0"), None, None, D("0"), D("10"))


def test_entities_form_the_client_campaign_strategy_placement_creative_path(built):
    rows = fetch_all(
        built,
        "select level, entity_path, currency from marts.dim_ad_entities where client_slug = 'handmade' order by entity_path",
    )
    levels = {level for level, _, _ in rows}
    assert levels == {"client", "campaign", "strategy", "placement", "creative"}
    assert ("creative", "Hand Made Co > Alpha > Prospecting > Home > A1", "USD") in rows
    assert len(rows) == 1 + 2 * 4  # client, then campaign/strategy/placement/creative for Alpha and Beta


def dbt_build_window(url, tmp_path, first: str, last: str, select: str) -> None:
    result = subprocess.run(
        [
            dbt_executable(),
            "build",
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
            "--target-path",
            str(tmp_path),
            "--select",
            select,
            "--indirect-selection",
            "cautious",
            "--vars",
            json.dumps({"window_start": first, "window_end": last}),
        ],
        cwd=DBT_PROJECT_DIR,
        env={**os.environ, **dbt_environment(url), "DBT_LOG_PATH": str(tmp_path)},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout[-4000:]


def test_the_reconciliation_test_fails_when_the_mart_disagrees_with_what_landed(built, tmp_path):
    """The reconciliation test can fail: one cent moved in the mart, and one client-day missing
    from it, are each a failing row of assert_media_partner_spend_reconciles_with_landed_rows."""
    test_name = "assert_media_partner_spend_reconciles_with_landed_rows"

    def dbt_test() -> subprocess.CompletedProcess:
        return subprocess.run(
            [
                dbt_executable(),
                "test",
                "--project-dir",
                str(DBT_PROJECT_DIR),
                "--profiles-dir",
                str(DBT_PROJECT_DIR),
                "--target-path",
                str(tmp_path),
                "--select",
                test_name,
            ],
            cwd=DBT_PROJECT_DIR,
            env={**os.environ, **dbt_environment(built), "DBT_LOG_PATH": str(tmp_path)},
            capture_output=True,
            text=True,
        )

    passing = dbt_test()
    assert passing.returncode == 0, passing.stdout[-3000:]
    with psycopg.connect(built) as conn:
        conn.execute("create table public.fct_media_partner_daily_kept as table marts.fct_media_partner_daily")
        moved = conn.execute(
            "update marts.fct_media_partner_daily set spend = spend + 0.01"
            " where ctid = (select ctid from marts.fct_media_partner_daily where spend > 0 order by report_date limit 1)"
        ).rowcount
        dropped = conn.execute(
            "delete from marts.fct_media_partner_daily where (client_slug, report_date) ="
            " (select client_slug, max(report_date) from marts.fct_media_partner_daily group by 1 limit 1)"
        ).rowcount
    assert moved == 1 and dropped > 0
    try:
        failed = dbt_test()
    finally:
        with psycopg.connect(built) as conn:
            conn.execute("truncate marts.fct_media_partner_daily")
            conn.execute("insert into marts.fct_media_partner_daily table public.fct_media_partner_daily_kept")
            conn.execute("drop table public.fct_media_partner_daily_kept")
    assert failed.returncode != 0
    assert f"Failure in test {test_name}" in failed.stdout and "Got 2 results" in failed.stdout, failed.stdout[-3000:]


# Last in the module: it changes the landed rows the tests above read.
def test_a_windowed_build_replaces_its_days_whole_and_leaves_the_others(built, tmp_path):
    daily = "select report_date, creative_name, impressions, spend from marts.fct_media_partner_daily order by 1, 2"
    before = fetch_all(built, daily)
    with psycopg.connect(built) as conn:
        # 2026-10-01 restated to nothing; 2026-09-29 changed, but outside the window
        conn.execute("delete from raw_media_partner.daily_exports where report_date = '2026-10-01'")
        conn.execute(
            "update raw_media_partner.daily_exports set impressions = impressions + 1000 "
            "where report_date = '2026-09-29'"
        )
    dbt_build_window(built, tmp_path, "2026-09-30", "2026-10-01", "fct_media_partner_daily")
    assert fetch_all(built, daily) == [row for row in before if row[0] != date(2026, 10, 1)]
