"""Amazon's console reports as they really come: every kind of target, three ad products, .csv and
.xlsx, landed by the real loader into Postgres, then dbt, checked against a hand calculation.

Brand `cr-brand` (client console, USD), day 2026-11-02, folder amazon_ads/cr-brand/amazon/
(row numbers: header = 1):

  2026-11-02.csv  Sponsored Products search-term report (7-day columns)
    r2  SP Tents > Dome > dome tent, EXACT            keyword   1000 imp 20 clk  $10.00  2 ord  $200.00
    r3  SP PT > Rivals > asin="B0RIVAL001", -         product    400      8       $4.40  1      $100.00
    r4  SP PT > Category > category="Tents", -        product    300      5       $2.25  blank  blank
    r5  SP Auto > Auto > substitutes, -               auto       200      4       $1.20  blank  blank
    r6  SP Auto > Auto > close-match, -               auto       100      2       $0.60  blank  blank
    r7  SP Tents > Dome > dome tent, -                a keyword with no match type -> quarantined
  2026-11-02_sponsored-brands.csv  Sponsored Brands search-term report (14-day columns)
    r2  SB Brand > Headline > cr tents, BROAD         keyword    500 imp 10 clk   $7.00  3 ord  $300.00
    r3  SB Brand > Headline > asin="B0RIVAL001", -    product     50      1       $0.90  blank  blank
  2026-11-02_sponsored-display.xlsx  Sponsored Display targeting report (no search term, no match
  type), typed cells: a date-formatted date, a date as a bare serial number, money as floats
    r2  SD Retarget > Views > views=(exact-product lookback=30)  audience  2000 / 12 / 3.3 / 1 / 45.1
    r3  SD Contextual > Similar > similar-product                product   1500 / 7 / 0.1 + 0.2 / 0 / blank
  2026-11-02_copy.xlsx  the SP report downloaded again: refused (it would count twice), naming the .csv

Spend by (ad type, targeting type): SP keyword 10.00, SP product 6.65, SP auto 1.80, SB keyword 7.00,
SB product 0.90, SD audience 3.30, SD product 0.30; the brand-day 29.95.
"""

from __future__ import annotations

import io
import os
import subprocess
from datetime import date, datetime
from decimal import Decimal

import psycopg
import pytest
import xlsxwriter

from metrics_pipeline.cli.reports import SQL_DIR as REPORTS_SQL_DIR
from metrics_pipeline.config import load_config
from metrics_pipeline.config.mirror import sync_config_tables
from metrics_pipeline.landing.exports import open_exports_store
from metrics_pipeline.landing.ingestion import read_sql
from metrics_pipeline.lib.dbt_project import DBT_PROJECT_DIR, dbt_executable
from metrics_pipeline.sources.amazon_ads.load import land_days
from metrics_pipeline.warehouse import dbt_environment
from tests.conftest import fetch_all, write_file

pytestmark = pytest.mark.integration

D = Decimal
DAY = date(2026, 11, 2)
FOLDER = "amazon_ads/cr-brand/amazon"
CONFIG = """
workspaces:
  - slug: console
    name: Console
    reporting_currency: USD
    clients:
      - slug: console-co
        name: Console Co
        currency: USD
        timezone: America/New_York
        amazon:
          brand_slug: cr-brand
"""
SP_HEADER = (
    "Date,Portfolio name,Currency,Campaign Name,Ad Group Name,Retailer,Country,Targeting,Match Type,"
    "Customer Search Term,Impressions,Clicks,Click-Thru Rate (CTR),Cost Per Click (CPC),Spend,7 Day Total Sales ,"
    "Total Advertising Cost of Sales (ACOS) ,Total Return on Advertising Spend (ROAS),7 Day Total Orders (#),"
    "7 Day Total Units (#),7 Day Conversion Rate"
)
SP_ROWS = [
    '"Nov 02, 2026",Tents,USD,SP Tents,Dome,Amazon,US,dome tent,EXACT,dome tent,"1,000",20,2.00%,$0.50,$10.00,'
    "$200.00,5.00%,20.00,2,2,10.00%",
    '"Nov 02, 2026",Tents,USD,SP PT,Rivals,Amazon,US,"asin=""B0RIVAL001""",-,b0rival001,400,8,2.00%,$0.55,$4.40,'
    "$100.00,4.40%,22.73,1,1,12.50%",
    '"Nov 02, 2026",Tents,USD,SP PT,Category,Amazon,US,"category=""Tents""",-,b0rival002,300,5,1.67%,$0.45,$2.25,'
    ",,,,,0.00%",
    '"Nov 02, 2026",,USD,SP Auto,Auto,Amazon,US,substitutes,-,b0rival003,200,4,2.00%,$0.30,$1.20,,,,,,0.00%',
    '"Nov 02, 2026",,USD,SP Auto,Auto,Amazon,US,close-match,-,tent,100,2,2.00%,$0.30,$0.60,,,,,,0.00%',
    '"Nov 02, 2026",Tents,USD,SP Tents,Dome,Amazon,US,dome tent,-,tent,100,2,2.00%,$0.30,$0.60,,,,,,0.00%',
]
SB_HEADER = (
    "Date,Portfolio name,Currency,Campaign Name,Ad Group Name,Targeting,Match Type,Customer Search Term,Cost Type,"
    "Impressions,Clicks,Click-Thru Rate (CTR),Spend,Cost Per Click (CPC),14 Day Total Sales ,"
    "Total Advertising Cost of Sales (ACOS) ,Total Return on Advertising Spend (ROAS),14 Day Total Orders (#),"
    "14 Day Total Units (#),14 Day Conversion Rate"
)
SB_ROWS = [
    '"Nov 02, 2026",Tents,USD,SB Brand,Headline,cr tents,BROAD,cr tents,CPC,500,10,2.00%,$7.00,$0.70,$300.00,'
    "2.33%,42.86,3,3,30.00%",
    '"Nov 02, 2026",Tents,USD,SB Brand,Headline,"asin=""B0RIVAL001""",-,*,CPC,50,1,2.00%,$0.90,$0.90,,,,,,',
]
SD_HEADER = [
    "Date",
    "Portfolio name",
    "Currency",
    "Campaign Name",
    "Ad Group Name",
    "Targeting",
    "Cost Type",
    "Impressions",
    "Clicks",
    "Spend",
    "14 Day Total Orders (#)",
    "14 Day Total Units (#)",
    "14 Day Total Sales ",
]
EXCEL_SERIAL_OF_DAY = (DAY - date(1899, 12, 30)).days


def workbook(header: list[str], rows: list[list]) -> bytes:
    """An .xlsx as the console writes it: typed cells, the first row the header."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet()
    day_format = book.add_format({"num_format": "mm/dd/yyyy"})
    sheet.write_row(0, 0, header)
    for row_index, cells in enumerate(rows, start=1):
        for column, cell in enumerate(cells):
            if isinstance(cell, datetime):
                sheet.write_datetime(row_index, column, cell, day_format)
            elif cell is not None:
                sheet.write(row_index, column, cell)
    book.close()
    return buffer.getvalue()


SD_WORKBOOK = workbook(
    SD_HEADER,
    [
        [datetime(2026, 11, 2), None, "USD", "SD Retarget", "Views", "views=(exact-product lookback=30)", "CPC"]
        + [2000, 12, 3.3, 1, 1, 45.1],
        [EXCEL_SERIAL_OF_DAY, None, "USD", "SD Contextual", "Similar", "similar-product", "vCPM"]
        + [1500, 7, 0.1 + 0.2, 0, 0, None],
    ],
)
SP_COPY_WORKBOOK = workbook(
    SP_HEADER.split(","),
    [
        ["Nov 02, 2026", "Tents", "USD", "SP Tents", "Dome", "Amazon", "US", "dome tent", "EXACT", "dome tent"]
        + [1000, 20, 0.02, 0.5, 10.0, 200.0, 0.05, 20.0, 2, 2, 0.1]
    ],
)


@pytest.fixture(scope="module")
def landed(tmp_path_factory, database_url):
    root = tmp_path_factory.mktemp("amazon_console")
    exports = root / "exports"
    write_file(exports / f"{FOLDER}/2026-11-02.csv", "\r\n".join([SP_HEADER, *SP_ROWS]) + "\r\n")
    write_file(exports / f"{FOLDER}/2026-11-02_sponsored-brands.csv", "\n".join([SB_HEADER, *SB_ROWS]) + "\n")
    write_file(exports / f"{FOLDER}/2026-11-02_sponsored-display.xlsx", SD_WORKBOOK)
    write_file(exports / f"{FOLDER}/2026-11-02_copy.xlsx", SP_COPY_WORKBOOK)
    config = load_config(write_file(root / "config.yaml", CONFIG))
    with psycopg.connect(database_url) as conn:
        sync_config_tables(conn, config)
    store = open_exports_store(str(exports))
    [first] = land_days(database_url, store, config, [DAY], run_id="first")
    after_first = raw_rows(database_url)
    [second] = land_days(database_url, store, config, [DAY], run_id="second")
    return {"root": root, "url": database_url, "first": first, "second": second, "after_first": after_first}


def raw_rows(url):
    return fetch_all(
        url,
        "select source_file, source_row_number, ad_type, targeting_type, match_type, keyword_text, search_term, "
        "impressions, clicks, spend, orders, sales from raw_amazon_ads.keyword_reports order by 1, 2",
    )


def run_dbt(url, target, *arguments):
    return subprocess.run(
        [
            dbt_executable(),
            *arguments,
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
            "--target-path",
            str(target),
            "--vars",
            "{pnl_as_of: '2026-12-01T00:00:00Z'}",
        ],
        cwd=DBT_PROJECT_DIR,
        env={**os.environ, **dbt_environment(url), "DBT_LOG_PATH": str(target)},
        capture_output=True,
        text=True,
    )


@pytest.fixture(scope="module")
def built(landed):
    result = run_dbt(landed["url"], landed["root"] / "dbt_target", "build")
    assert result.returncode == 0, result.stdout[-6000:]
    return landed["url"]


def test_every_target_of_every_report_lands_with_its_ad_type_and_targeting_type(landed):
    rows = [row[2:] for row in raw_rows(landed["url"])]
    assert rows == [
        ("SP", "keyword", "exact", "dome tent", "dome tent", 1000, 20, D("10.00"), 2, D("200.00")),
        ("SP", "product", None, 'asin="B0RIVAL001"', "b0rival001", 400, 8, D("4.40"), 1, D("100.00")),
        ("SP", "product", None, 'category="Tents"', "b0rival002", 300, 5, D("2.25"), 0, D("0")),
        ("SP", "auto", "auto", "substitutes", "b0rival003", 200, 4, D("1.20"), 0, D("0")),
        ("SP", "auto", "auto", "close-match", "tent", 100, 2, D("0.60"), 0, D("0")),
        ("SB", "keyword", "broad", "cr tents", "cr tents", 500, 10, D("7.00"), 3, D("300.00")),
        ("SB", "product", None, 'asin="B0RIVAL001"', "*", 50, 1, D("0.90"), 0, D("0")),
        # the workbook's floats land as the cell shows them: 3.3 and 0.3, not 3.2999999999999998
        ("SD", "audience", None, "views=(exact-product lookback=30)", None, 2000, 12, D("3.3"), 1, D("45.1")),
        ("SD", "product", None, "similar-product", None, 1500, 7, D("0.3"), 0, D("0")),
    ]
    [(spend,)] = fetch_all(landed["url"], "select sum(spend) from raw_amazon_ads.keyword_reports")
    assert spend == D("29.95")


def test_a_keyword_without_a_match_type_is_quarantined_by_name(landed):
    [(row_number, fields, reason)] = fetch_all(
        landed["url"],
        "select row_number, fields, reason from ops.rejected_rows where source = 'amazon_ads'",
    )
    assert row_number == 7 and fields == "match_type"
    assert "got '-' with targeting 'dome tent'" in reason


def test_a_second_download_of_the_same_report_is_refused_naming_the_first(landed):
    [outcome] = [f for f in landed["first"].files if f.file.endswith("_copy.xlsx")]
    assert outcome.status == "failed"
    assert f"{FOLDER}/2026-11-02.csv already holds" in outcome.message
    assert "amazon SP search-term report of brand cr-brand for 2026-11-02" in outcome.message
    assert fetch_all(
        landed["url"], "select count(*) from raw_amazon_ads.keyword_reports where source_file like '%_copy.xlsx'"
    ) == [(0,)]


def test_landing_twice_changes_nothing(landed):
    assert raw_rows(landed["url"]) == landed["after_first"]
    assert {f.file.rsplit("/", 1)[1]: f.status for f in landed["second"].files} == {
        "2026-11-02.csv": "partial",
        "2026-11-02_copy.xlsx": "failed",
        "2026-11-02_sponsored-brands.csv": "completed",
        "2026-11-02_sponsored-display.xlsx": "completed",
    }


def test_the_marts_carry_every_ad_type_and_targeting_type(built):
    rows = fetch_all(
        built,
        "select ad_type, targeting_type, sum(spend), sum(sales) from marts.fct_amazon_keyword_daily "
        "group by 1, 2 order by 1, 2",
    )
    assert rows == [
        ("SB", "keyword", D("7.00"), D("300.00")),
        ("SB", "product", D("0.90"), D("0")),
        ("SD", "audience", D("3.3"), D("45.1")),
        ("SD", "product", D("0.3"), D("0")),
        ("SP", "auto", D("1.80"), D("0")),
        ("SP", "keyword", D("10.00"), D("200.00")),
        ("SP", "product", D("6.65"), D("100.00")),
    ]
    [(account_spend,)] = fetch_all(
        built,
        "select spend from marts.fct_ad_entity_daily where platform = 'amazon_ads' and level = 'account'",
    )
    assert account_spend == D("29.95")
    paths = {
        path
        for (path,) in fetch_all(
            built, "select entity_path from marts.dim_ad_entities where platform = 'amazon_ads' and level = 'keyword'"
        )
    }
    assert 'Console Co > Tents > SP PT > Rivals > asin="B0RIVAL001" [product]' in paths
    assert "Console Co > (no portfolio) > SD Retarget > Views > views=(exact-product lookback=30) [audience]" in paths
    # an SB campaign is its own entity, apart from any SP campaign
    assert "Console Co > Tents > SB Brand > Headline > cr tents [broad]" in paths
    # the CLI's top-spend report names a target without a match type by its targeting type
    top = {row[1]: row[3] for row in fetch_all(built, read_sql(REPORTS_SQL_DIR, "amazon_keywords_top"))}
    assert top["SP SP Tents > dome tent (exact)"] == D("10.00")
    assert top['SP SP PT > asin="B0RIVAL001" (product)'] == D("4.40")
    assert top["SD SD Retarget > views=(exact-product lookback=30) (audience)"] == D("3.30")


def test_the_spend_test_fails_when_the_mart_loses_a_targeting_type(built, landed):
    # Runs last: it changes the mart. dbt build above passed the test on the true numbers.
    with psycopg.connect(built) as conn:
        conn.execute("delete from marts.fct_amazon_keyword_daily where targeting_type = 'product' and ad_type = 'SD'")
    result = run_dbt(
        built, landed["root"] / "dbt_target_check", "test", "--select", "assert_amazon_ads_spend_equals_landed"
    )
    assert result.returncode != 0
    assert "assert_amazon_ads_spend_equals_landed" in result.stdout and "FAIL 1" in result.stdout
