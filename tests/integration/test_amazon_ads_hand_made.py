"""Amazon Ads on hand-made files in all three formats, landed by the real loader into Postgres,
then dbt, checked against a hand calculation.

Brand `hm-brand` (client handmade, USD). Day 2026-10-01, per file (row numbers: header = 1):

  amazon    r2  SP Tents > Dome > dome tent [exact]   "dome tent"           1,000 imp  20 clk  $10.00  3 ord  $1,200.00
            r3  SP Tents > Dome > dome tent [exact]   "dome tent, 4 person"   500 imp  10 clk   $5.50  0 ord  $0.00
            r4  SP Auto  > Auto > close-match ["-" -> auto], no portfolio    300 imp   6 clk   $1.80  blank blank
            r5  tent stakes [broad]                   clicks -3                               -> quarantined
            r6  tent stakes [broad]                   spend £2.00 in a USD brand              -> quarantined
  helium10  r2  dome tent [exact]      1500 / 30 / $15.50 / 3 / $1,200.00    superseded by amazon
            r3  close-match [auto], portfolio "Auto Stuff"                  superseded by amazon
            r4  SP Tents > Dome > sleeping bag [phrase]  400 / 8 / $4.00 / 1 / $60.00   wins (only format)
  zonguru   r2  sleeping bag [phrase]  999 / 9 / $9.99 / 0 / 0               superseded by helium10
            r3  dome tent [exact]      1500 / 30 / $15.50 / 3 / $1,200      superseded by amazon
            r4  SP Lights > Lanterns > lantern [broad], no portfolio   100 / 2 / $0.80 / 0 / blank  wins

Day 2026-10-02: zonguru alone, dome tent [exact] 200 / 4 / $2.00 / 1 / $50.00 (wins).
Day 2026-10-03: a zonguru file with "Spend" instead of "Ad Spend" (fails by name).
A file for brand `ghost` (in no client's config) fails; the others land.

Keyword-days that count on 2026-10-01 (winning format), and their ratios:
  dome tent    amazon   1500 imp, 30 clk, 15.50, 3 ord, 1200.00: CTR .02, CPC 15.5/30 = .516667,
                        ROAS 1200/15.5 = 77.419355, ACOS 15.5/1200 = .012917, CVR 3/30 = .1
  close-match  amazon    300, 6, 1.80, 0, 0:   CTR .02, CPC .3, ROAS 0, ACOS null, CVR 0
  sleeping bag helium10  400, 8, 4.00, 1, 60:  CTR .02, CPC .5, ROAS 15, ACOS 4/60 = .066667, CVR .125
  lantern      zonguru   100, 2, 0.80, 0, 0:   CTR .02, CPC .4, ROAS 0, ACOS null, CVR 0
  account: spend 15.50 + 1.80 + 4.00 + 0.80 = 22.10; impressions 2300; clicks 46; orders 4; sales 1260

Sales 2026-10-01: B0HAND0001 (SKU HM-TENT) $1,500.00 / 10 units, ad $1,260.00 / 4 -> organic 240.00 / 6;
B0HAND0002 (no SKU) $100.00 / 2, ad $150.00 / 3 -> organic floored at 0 / 0; a negative total and a
malformed ASIN are quarantined.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import psycopg
import pytest

from metrics_pipeline.config import load_config
from metrics_pipeline.config.mirror import sync_config_tables
from metrics_pipeline.landing.exports import open_exports_store
from metrics_pipeline.sources.amazon_ads.load import land_days
from tests.conftest import fetch_all, write_file
from tests.dbt_cli import run_dbt

pytestmark = pytest.mark.integration

D = Decimal
DAYS = [date(2026, 10, 1), date(2026, 10, 2), date(2026, 10, 3)]
CONFIG = """
workspaces:
  - slug: hand
    name: Hand Made
    reporting_currency: USD
    clients:
      - slug: handmade
        name: Hand Made Co
        currency: USD
        timezone: America/New_York
        amazon:
          brand_slug: hm-brand
          asin_skus: {B0HAND0001: HM-TENT}
"""
AMAZON_HEADER = (
    "Date,Portfolio name,Currency,Campaign Name,Ad Group Name,Targeting,Match Type,Customer Search Term,"
    "Impressions,Clicks,Click-Thru Rate (CTR),Cost Per Click (CPC),Spend,7 Day Total Sales ,"
    "Total Advertising Cost of Sales (ACOS) ,Total Return on Advertising Spend (ROAS),7 Day Total Orders (#),"
    "7 Day Total Units (#),7 Day Conversion Rate"
)
FILES = {
    "amazon_ads/hm-brand/amazon/2026-10-01.csv": [
        AMAZON_HEADER,
        '2026-10-01,Tents,USD,SP Tents,Dome,dome tent,EXACT,dome tent,"1,000",20,2.00%,$0.50,$10.00,"$1,200.00",0.83%,120.00,3,3,15.00%',
        '2026-10-01,Tents,USD,SP Tents,Dome,dome tent,EXACT,"dome tent, 4 person",500,10,2.00%,$0.55,$5.50,$0.00,,0.00,0,0,0.00%',
        "2026-10-01,,USD,SP Auto,Auto,close-match,-,camping gear,300,6,2.00%,$0.30,$1.80,,,,,,",
        "2026-10-01,Tents,USD,SP Tents,Dome,tent stakes,BROAD,tent pegs,200,-3,,,$1.00,$0.00,,,0,0,",
        "2026-10-01,Tents,USD,SP Tents,Dome,tent stakes,BROAD,tent pegs,200,4,2.00%,£0.50,£2.00,$0.00,,,0,0,",
    ],
    "amazon_ads/hm-brand/helium10/2026-10-01.csv": [
        "Date,Portfolio,Campaign Name,Ad Group Name,Keyword,Match Type,Search Term,Impressions,Clicks,CTR,Spend,CPC,"
        "Orders,Sales,ACoS,ROAS,Conversion Rate,Brand",
        '2026-10-01,Tents,SP Tents,Dome,dome tent,Exact,,1500,30,2%,$15.50,$0.52,3,"$1,200.00",1.29%,77.42,10%,Hand Made',
        "2026-10-01,Auto Stuff,SP Auto,Auto,close-match,Auto,,300,6,2%,$1.80,$0.30,0,$0.00,-,0,0%,Hand Made",
        "2026-10-01,Tents,SP Tents,Dome,sleeping bag,Phrase,sleeping bag,400,8,2%,$4.00,$0.50,1,$60.00,6.67%,15.00,12.5%,",
    ],
    "amazon_ads/hm-brand/zonguru/2026-10-01.csv": [
        "Report Date,Portfolio Name,Campaign,Ad Group,Keyword / Target,Match,Search Query,Impr.,Clicks,Ad Spend,"
        "Ad Orders,Ad Sales,CTR,CPC,ACoS",
        "10/01/2026,Tents,SP Tents,Dome,sleeping bag,phrase,sleeping bag,999,9,$9.99,0,$0.00,0.9%,$1.11,-",
        '10/01/2026,Tents,SP Tents,Dome,dome tent,exact,dome tent,1500,30,$15.50,3,"$1,200",2%,$0.52,1.29%',
        "10/01/2026,,SP Lights,Lanterns,lantern,broad,camping lantern,100,2,$0.80,0,,2%,$0.40,",
    ],
    "amazon_ads/hm-brand/zonguru/2026-10-02.csv": [
        "Report Date,Portfolio Name,Campaign,Ad Group,Keyword / Target,Match,Search Query,Impr.,Clicks,Ad Spend,"
        "Ad Orders,Ad Sales,CTR,CPC,ACoS",
        "10/02/2026,Tents,SP Tents,Dome,dome tent,exact,dome tent,200,4,$2.00,1,$50.00,2%,$0.50,4%",
    ],
    "amazon_ads/hm-brand/zonguru/2026-10-03.csv": [
        "Report Date,Portfolio Name,Campaign,Ad Group,Keyword / Target,Match,Search Query,Impr.,Clicks,Spend,"
        "Ad Orders,Ad Sales",
        "10/03/2026,Tents,SP Tents,Dome,dome tent,exact,dome tent,200,4,$2.00,1,$50.00",
    ],
    "amazon_ads/ghost/amazon/2026-10-01.csv": [
        AMAZON_HEADER,
        "2026-10-01,,USD,X,Y,z,EXACT,z,1,1,,,$1.00,$0.00,,,0,0,",
    ],
    "amazon_ads/hm-brand/sales/2026-10-01.csv": [
        "Date,ASIN,Total Sales,Units,Ad Sales,Ad Units,Title",
        '2026-10-01,B0HAND0001,"$1,500.00",10,"$1,260.00",4,"Dome Tent, 4 Person"',
        "2026-10-01,B0HAND0002,$100.00,2,$150.00,3,Lantern",
        "2026-10-01,B0HAND0003,-$5.00,1,$0.00,0,Stakes",
        "2026-10-01,not-an-asin,$5.00,1,$0.00,0,Pegs",
    ],
}


def raw_snapshot(url):
    keyword_columns = (
        "brand_slug, source_format, report_date, portfolio_name, campaign_name, ad_group_name, keyword_text, "
        "match_type, search_term, impressions, clicks, spend, orders, sales, currency, reported_ctr, reported_cpc, "
        "reported_acos, reported_roas, reported_conversion_rate, extra_columns::text, source_file, source_row_number"
    )
    return {
        "keyword_reports": fetch_all(
            url, f"select {keyword_columns} from raw_amazon_ads.keyword_reports order by source_file, source_row_number"
        ),
        "sales_reports": fetch_all(
            url,
            "select brand_slug, report_date, asin, total_sales, total_units, ad_sales, ad_units, currency, "
            "extra_columns::text, source_file, source_row_number from raw_amazon_ads.sales_reports "
            "order by source_file, source_row_number",
        ),
        "rejected_rows": fetch_all(
            url,
            "select source_file, row_number, fields, reason, raw_record::text from ops.rejected_rows "
            "where source = 'amazon_ads' order by source_file, row_number",
        ),
    }


@pytest.fixture(scope="module")
def landed(tmp_path_factory, database_url):
    root = tmp_path_factory.mktemp("amazon_hand_made")
    for key, lines in FILES.items():
        write_file(root / "exports" / key, "\r\n".join(lines) + "\r\n")
    config = load_config(write_file(root / "config.yaml", CONFIG))
    with psycopg.connect(database_url) as conn:
        sync_config_tables(conn, config)
    store = open_exports_store(str(root / "exports"))
    first = land_days(database_url, store, config, DAYS, run_id="first")
    after_first = raw_snapshot(database_url)
    second = land_days(database_url, store, config, DAYS, run_id="second")
    return {"root": root, "first": first, "second": second, "after_first": after_first, "url": database_url}


@pytest.fixture(scope="module")
def built(landed):
    url = landed["url"]
    target = landed["root"] / "dbt_target"
    result = run_dbt(url, target, "build", "--vars", "{pnl_as_of: '2026-11-01T00:00:00Z'}")
    assert result.returncode == 0, result.stdout[-6000:]
    return url


def latest_logs(url):
    return {
        target.rsplit("/exports/", 1)[1]: (status, processed, loaded, rejected, message)
        for target, status, processed, loaded, rejected, message in fetch_all(
            url,
            "select distinct on (target) target, status, records_processed, records_loaded, records_rejected, message "
            "from ops.ingestion_logs where source = 'amazon_ads' order by target, ingestion_log_id desc",
        )
    }


def test_each_format_lands_every_valid_row_with_its_source_format_and_file(landed):
    rows = fetch_all(
        landed["url"],
        "select source_format, report_date, count(*), sum(impressions), sum(clicks), sum(spend), sum(orders), sum(sales) "
        "from raw_amazon_ads.keyword_reports group by 1, 2 order by 1, 2",
    )
    assert rows == [
        # r2 + r3 + r4: 1000 + 500 + 300 imp; 20 + 10 + 6 clk; 10.00 + 5.50 + 1.80; 3 + 0 + 0; 1200 + 0 + 0
        ("amazon", date(2026, 10, 1), 3, 1800, 36, D("17.30"), 3, D("1200.00")),
        # 1500 + 300 + 400; 30 + 6 + 8; 15.50 + 1.80 + 4.00; 3 + 0 + 1; 1200 + 0 + 60
        ("helium10", date(2026, 10, 1), 3, 2200, 44, D("21.30"), 4, D("1260.00")),
        # 999 + 1500 + 100; 9 + 30 + 2; 9.99 + 15.50 + 0.80; 0 + 3 + 0; 0 + 1200 + 0
        ("zonguru", date(2026, 10, 1), 3, 2599, 41, D("26.29"), 3, D("1200")),
        ("zonguru", date(2026, 10, 2), 1, 200, 4, D("2.00"), 1, D("50.00")),
    ]


def test_the_amazon_mapping_keeps_names_quirks_reported_ratios_and_extra_columns(landed):
    [row] = fetch_all(
        landed["url"],
        "select portfolio_name, campaign_name, ad_group_name, keyword_text, match_type, search_term, impressions, "
        "spend, sales, currency, reported_ctr, reported_cpc, reported_acos, reported_roas, reported_conversion_rate, "
        "extra_columns from raw_amazon_ads.keyword_reports where source_format = 'amazon' and source_row_number = 3",
    )
    assert row == (
        "Tents",
        "SP Tents",
        "Dome",
        "dome tent",
        "exact",
        "dome tent, 4 person",
        500,
        D("5.50"),
        D("0.00"),
        "USD",
        "2.00%",
        "$0.55",
        None,
        "0.00",
        "0.00%",
        {"7 Day Total Units (#)": "0"},
    )
    [auto] = fetch_all(
        landed["url"],
        "select portfolio_name, match_type, sales, orders from raw_amazon_ads.keyword_reports "
        "where source_format = 'amazon' and source_row_number = 4",
    )
    assert auto == (None, "auto", D("0"), 0)  # blank portfolio is null; blank sales and orders are 0
    [helium] = fetch_all(
        landed["url"],
        "select match_type, search_term, reported_acos, extra_columns from raw_amazon_ads.keyword_reports "
        "where source_format = 'helium10' and source_row_number = 3",
    )
    assert helium == ("auto", None, "-", {"Brand": "Hand Made"})


def test_quarantined_rows_name_file_row_field_and_reason(landed):
    rejected = [
        (f.rsplit("/exports/", 1)[1], n, fields, reason)
        for f, n, fields, reason, _ in raw_snapshot(landed["url"])["rejected_rows"]
    ]
    assert rejected == [
        ("amazon_ads/hm-brand/amazon/2026-10-01.csv", 5, "clicks", "clicks: must be zero or more (got '-3')"),
        (
            "amazon_ads/hm-brand/amazon/2026-10-01.csv",
            6,
            "spend",
            "spend: currency symbol contradicts the brand's currency USD (got '£2.00')",
        ),
        (
            "amazon_ads/hm-brand/sales/2026-10-01.csv",
            4,
            "total_sales",
            "total_sales: must be zero or more (got '-$5.00')",
        ),
        (
            "amazon_ads/hm-brand/sales/2026-10-01.csv",
            5,
            "asin",
            "asin: must be 10 upper-case letters or digits (got 'not-an-asin')",
        ),
    ]
    [(raw_record,)] = fetch_all(
        landed["url"], "select raw_record from ops.rejected_rows where row_number = 5 and fields = 'clicks'"
    )
    assert raw_record["Clicks"] == "-3" and raw_record["Customer Search Term"] == "tent pegs"


def test_losing_files_log_how_many_keyword_days_were_superseded_and_by_whom(landed):
    logs = latest_logs(landed["url"])
    assert logs["amazon_ads/hm-brand/helium10/2026-10-01.csv"] == (
        "completed",
        3,
        3,
        0,
        "2 keyword-day(s) superseded by amazon (precedence amazon > helium10 > zonguru; rows kept in raw, not counted)",
    )
    assert logs["amazon_ads/hm-brand/zonguru/2026-10-01.csv"][4] == (
        "1 keyword-day(s) superseded by amazon, 1 keyword-day(s) superseded by helium10 "
        "(precedence amazon > helium10 > zonguru; rows kept in raw, not counted)"
    )
    amazon_status, processed, loaded, rejected, message = logs["amazon_ads/hm-brand/amazon/2026-10-01.csv"]
    assert (amazon_status, processed, loaded, rejected) == ("partial", 5, 3, 2)
    assert "superseded" not in message  # the winner loses nothing
    assert logs["amazon_ads/hm-brand/zonguru/2026-10-02.csv"] == ("completed", 1, 1, 0, None)
    assert [f.superseded for f in landed["second"][0].files if f.folder == "zonguru"] == [2]


def test_a_wrong_header_or_an_unknown_brand_fails_by_name_and_the_rest_lands(landed):
    logs = latest_logs(landed["url"])
    status, _, loaded, _, message = logs["amazon_ads/hm-brand/zonguru/2026-10-03.csv"]
    assert (status, loaded) == ("failed", 0)
    assert "zonguru/2026-10-03.csv: header is missing column(s) Ad Spend of the zonguru format" in message
    assert "unexpected: Spend" in message
    status, _, _, _, message = logs["amazon_ads/ghost/amazon/2026-10-01.csv"]
    assert status == "failed" and "unknown Amazon brand 'ghost'" in message
    failed = sorted(f.file.rsplit("/exports/", 1)[1] for day in landed["second"] for f in day.failed_files)
    assert failed == ["amazon_ads/ghost/amazon/2026-10-01.csv", "amazon_ads/hm-brand/zonguru/2026-10-03.csv"]


def test_landing_twice_leaves_identical_tables(landed):
    assert landed["after_first"]["keyword_reports"]  # something to compare
    assert raw_snapshot(landed["url"]) == landed["after_first"]
    [(runs,)] = fetch_all(
        landed["url"], "select array_agg(distinct ingestion_run_id) from raw_amazon_ads.keyword_reports"
    )
    assert runs == ["second"]


def test_keyword_metrics_take_the_winning_format_and_recompute_ratios(built):
    rows = fetch_all(
        built,
        "select report_date, campaign_name, keyword_text, match_type, source_format, portfolio_name, impressions, "
        "clicks, spend, orders, sales, ctr, cpc, roas, acos, conversion_rate, currency, workspace_slug, client_slug "
        "from marts.fct_amazon_keyword_daily order by report_date, campaign_name, keyword_text",
    )
    common = ("USD", "hand", "handmade")
    assert rows == [
        (
            date(2026, 10, 1),
            "SP Auto",
            "close-match",
            "auto",
            "amazon",
            "(no portfolio)",
            300,
            6,
            D("1.80"),
            0,
            D("0"),
            D("0.02"),
            D("0.3"),
            D("0"),
            None,
            D("0"),
            *common,
        ),
        (
            date(2026, 10, 1),
            "SP Lights",
            "lantern",
            "broad",
            "zonguru",
            "(no portfolio)",
            100,
            2,
            D("0.80"),
            0,
            D("0"),
            D("0.02"),
            D("0.4"),
            D("0"),
            None,
            D("0"),
            *common,
        ),
        (
            date(2026, 10, 1),
            "SP Tents",
            "dome tent",
            "exact",
            "amazon",
            "Tents",
            1500,
            30,
            D("15.50"),
            3,
            D("1200.00"),
            D("0.02"),
            D("0.516667"),
            D("77.419355"),
            D("0.012917"),
            D("0.1"),
            *common,
        ),
        (
            date(2026, 10, 1),
            "SP Tents",
            "sleeping bag",
            "phrase",
            "helium10",
            "Tents",
            400,
            8,
            D("4.00"),
            1,
            D("60.00"),
            D("0.02"),
            D("0.5"),
            D("15"),
            D("0.066667"),
            D("0.125"),
            *common,
        ),
        # 200 / 4 / 2.00 / 1 / 50: CTR .02, CPC .5, ROAS 25, ACOS .04, CVR .25
        (
            date(2026, 10, 2),
            "SP Tents",
            "dome tent",
            "exact",
            "zonguru",
            "Tents",
            200,
            4,
            D("2.00"),
            1,
            D("50.00"),
            D("0.02"),
            D("0.5"),
            D("25"),
            D("0.04"),
            D("0.25"),
            *common,
        ),
    ]


def test_superseded_rows_are_queryable_with_their_winner(built):
    rows = fetch_all(
        built,
        "select source_format, winning_format, keyword_text, spend from intermediate.int_amazon_ads__superseded_rows "
        "order by source_format, keyword_text",
    )
    assert rows == [
        ("helium10", "amazon", "close-match", D("1.80")),
        ("helium10", "amazon", "dome tent", D("15.50")),
        ("zonguru", "amazon", "dome tent", D("15.50")),
        ("zonguru", "helium10", "sleeping bag", D("9.99")),
    ]


def test_the_hierarchy_joins_the_unified_entities_and_the_account_rolls_up(built):
    entities = fetch_all(
        built,
        "select level, entity_path from marts.dim_ad_entities where platform = 'amazon_ads' order by entity_path",
    )
    assert entities == [
        ("account", "Hand Made Co"),
        ("portfolio", "Hand Made Co > (no portfolio)"),
        ("campaign", "Hand Made Co > (no portfolio) > SP Auto"),
        ("ad_group", "Hand Made Co > (no portfolio) > SP Auto > Auto"),
        ("keyword", "Hand Made Co > (no portfolio) > SP Auto > Auto > close-match [auto]"),
        ("campaign", "Hand Made Co > (no portfolio) > SP Lights"),
        ("ad_group", "Hand Made Co > (no portfolio) > SP Lights > Lanterns"),
        ("keyword", "Hand Made Co > (no portfolio) > SP Lights > Lanterns > lantern [broad]"),
        ("portfolio", "Hand Made Co > Tents"),
        ("campaign", "Hand Made Co > Tents > SP Tents"),
        ("ad_group", "Hand Made Co > Tents > SP Tents > Dome"),
        ("keyword", "Hand Made Co > Tents > SP Tents > Dome > dome tent [exact]"),
        ("keyword", "Hand Made Co > Tents > SP Tents > Dome > sleeping bag [phrase]"),
    ]
    account_days = fetch_all(
        built,
        "select metric_date, spend, impressions, clicks, conversions, platform_revenue, roas from marts.fct_ad_entity_daily "
        "where platform = 'amazon_ads' and level = 'account' order by 1",
    )
    assert account_days == [
        # 22.10 spend, 2300 imp, 46 clk, 4 orders, 1260 sales: ROAS 1260 / 22.10 = 57.013575
        (date(2026, 10, 1), D("22.10"), 2300, 46, D("4"), D("1260.00"), D("57.013575")),
        (date(2026, 10, 2), D("2.00"), 200, 4, D("1"), D("50.00"), D("25")),
    ]


def test_amazon_spend_joins_the_pnl(built):
    rows = fetch_all(
        built,
        "select metric_date, spend, platform_revenue, currency from marts.fct_pnl_daily "
        "where kind = 'eod' and platform = 'amazon_ads' and level = 'account' order by 1",
    )
    assert rows == [
        (date(2026, 10, 1), D("22.10"), D("1260.00"), "USD"),
        (date(2026, 10, 2), D("2.00"), D("50.00"), "USD"),
    ]


def test_sales_daily_per_asin_with_sku_mapping_and_the_organic_floor(built):
    rows = fetch_all(
        built,
        "select sales_date, channel, store_id, workspace_slug, client_slug, sku, asin, currency, units, total_sales, "
        "ad_attributed_units, ad_attributed_sales, organic_units, organic_sales, orders, gross_sales, product_title "
        "from marts.fct_sales_daily where channel = 'amazon' order by sku",
    )
    assert rows == [
        # 1500 - 1260 = 240 organic; 10 - 4 = 6 units
        (
            date(2026, 10, 1),
            "amazon",
            "hm-brand",
            "hand",
            "handmade",
            "HM-TENT",
            "B0HAND0001",
            "USD",
            10,
            D("1500.00"),
            4,
            D("1260.00"),
            6,
            D("240.00"),
            None,
            None,
            None,
        ),
        # 100 - 150 < 0 and 2 - 3 < 0: floored at 0
        (
            date(2026, 10, 1),
            "amazon",
            "hm-brand",
            "hand",
            "handmade",
            "asin:B0HAND0002",
            "B0HAND0002",
            "USD",
            2,
            D("100.00"),
            3,
            D("150.00"),
            0,
            D("0"),
            None,
            None,
            None,
        ),
    ]
    [(extra,)] = fetch_all(built, "select extra_columns from raw_amazon_ads.sales_reports where asin = 'B0HAND0001'")
    assert extra == {"Title": "Dome Tent, 4 Person"}
    assert json.dumps(extra)  # jsonb round-trips


def test_when_amazons_file_vanishes_its_rows_go_and_helium10_wins_instead(landed, built):
    # Runs last: it changes the landed day 2026-10-01 (the marts above were built before).
    url, root = landed["url"], landed["root"]
    (root / "exports" / "amazon_ads/hm-brand/amazon/2026-10-01.csv").unlink()
    config = load_config(root / "config.yaml")
    [day] = land_days(url, open_exports_store(str(root / "exports")), config, [DAYS[0]], run_id="third")
    assert day.vanished_rows == 3  # the amazon file's three landed rows
    assert fetch_all(url, "select count(*) from raw_amazon_ads.keyword_reports where source_format = 'amazon'") == [
        (0,)
    ]
    assert fetch_all(
        url, "select count(*) from ops.rejected_rows where source_file like '%/amazon/2026-10-01.csv'"
    ) == [(0,)]
    logs = latest_logs(url)
    assert logs["amazon_ads/hm-brand/helium10/2026-10-01.csv"][4] is None
    assert logs["amazon_ads/hm-brand/zonguru/2026-10-01.csv"][4].startswith("2 keyword-day(s) superseded by helium10 ")
