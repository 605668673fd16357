"""Amazon Ads exports: each format's mapping, money / count cells, match types, rejections."""

from __future__ import annotations

import json
from datetime import date

import pytest
import yaml

from metrics_pipeline.lib.dbt_project import DBT_PROJECT_DIR
from metrics_pipeline.sources.amazon_ads.formats import FORMAT_PRECEDENCE, FORMATS, normalise_header
from metrics_pipeline.sources.amazon_ads.load import superseded_message
from metrics_pipeline.sources.amazon_ads.parse import (
    ExportFileError,
    ReportFile,
    normalise_match_type,
    parse_count_cell,
    parse_money_cell,
    parse_report,
    parse_report_date,
    parse_report_key,
)

DAY = date(2026, 10, 1)


def parse(folder: str, text: str, currency: str = "USD"):
    report_file = ReportFile(f"amazon_ads/brand/{folder}/{DAY}.csv", "brand", folder, DAY)
    return parse_report(
        text.encode(), report_file, brand_currency=currency, source_file=f"s3://b/{report_file.key}", run_id="r"
    )


def test_keys_name_brand_format_and_day():
    assert parse_report_key("amazon_ads/acme/helium10/2026-10-01.csv") == ReportFile(
        "amazon_ads/acme/helium10/2026-10-01.csv", "acme", "helium10", DAY
    )
    assert parse_report_key("amazon_ads/acme/sales/2026-10-01.csv").is_sales
    for key in (
        "amazon_ads/acme/sellics/2026-10-01.csv",  # not a known format
        "amazon_ads/acme/amazon/2026-13-01.csv",
        "amazon_ads/acme/2026-10-01.csv",
        "media_partner/acme/2026-10-01.csv",
    ):
        assert parse_report_key(key) is None, key


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("$1,234.50", ("1234.50", "$", None)),
        ("£12", ("12", "£", None)),
        ("€ 0.5", ("0.5", "€", None)),
        ("1234.123456", ("1234.123456", None, None)),
        ("-", ("0", None, None)),  # the tools' "none"
        ("", ("0", None, None)),
        (None, ("0", None, None)),
        ("-$3.00", (None, "$", "must be zero or more")),
        ("($3.00)", (None, "$", "must be zero or more")),
        ("12.5%", (None, None, "is a percentage where an amount is expected")),
        ("1,2", (None, None, "is not an amount (at most 6 decimals)")),
        ("1.1234567", (None, None, "is not an amount (at most 6 decimals)")),
        ("USD 5", (None, None, "is not an amount (at most 6 decimals)")),
    ],
)
def test_money_cells(cell, expected):
    assert parse_money_cell(cell) == expected


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("12", (12, None)),
        ("1,234", (1234, None)),
        ("", (0, None)),
        ("-", (0, None)),
        ("-3", (None, "must be zero or more")),
        ("3.0", (None, "is not a whole number")),
        ("12O4", (None, "is not a whole number")),
        ("1" * 16, (None, "is not a whole number")),
    ],
)
def test_count_cells(cell, expected):
    assert parse_count_cell(cell) == expected


def test_match_types_normalise_to_four():
    assert [
        normalise_match_type(m, "kw") for m in ("EXACT", "Phrase", " broad ", "Auto", "automatic", "Exact Match")
    ] == [
        "exact",
        "phrase",
        "broad",
        "auto",
        "auto",
        "exact",
    ]
    # Amazon writes "-" for an automatic campaign's targeting groups
    assert normalise_match_type("-", "close-match") == "auto"
    assert normalise_match_type("-", "*") == "auto"
    assert normalise_match_type("-", "rain jacket") is None
    assert normalise_match_type("negative exact", "rain jacket") is None


def test_report_dates_as_the_tools_write_them():
    assert {parse_report_date(t) for t in ("2026-10-01", "10/01/2026", "Oct 01, 2026", "01.10.2026")} == {DAY}
    assert parse_report_date("yesterday") is None


def test_the_amazon_mapping():
    parsed = parse(
        "amazon",
        "Date,Portfolio name,Currency,Campaign Name,Ad Group Name,Targeting,Match Type,Customer Search Term,"
        "Impressions,Clicks,Click-Thru Rate (CTR),Cost Per Click (CPC),Spend,7 Day Total Sales ,"
        "Total Advertising Cost of Sales (ACOS) ,Total Return on Advertising Spend (ROAS),7 Day Total Orders (#),"
        "7 Day Total Units (#),7 Day Conversion Rate,Retailer\n"
        '"Oct 01, 2026",Core,USD,SP Rain,Jackets,rain jacket,EXACT,"rain jacket, men","1,000",12,1.2%,$0.85,$10.20,'
        '"$1,234.50",0.83%,121.03,3,4,25%,Amazon\n',
    )
    assert parsed.rejections == [] and parsed.processed == 1
    [row] = parsed.rows.to_dicts()
    assert {k: v for k, v in row.items() if k != "extra_columns"} == {
        "brand_slug": "brand",
        "source_format": "amazon",
        "report_date": DAY,
        "portfolio_name": "Core",
        "campaign_name": "SP Rain",
        "ad_group_name": "Jackets",
        "keyword_text": "rain jacket",
        "match_type": "exact",
        "search_term": "rain jacket, men",
        "impressions": 1000,
        "clicks": 12,
        "spend": "10.20",
        "orders": 3,
        "sales": "1234.50",
        "currency": "USD",
        "reported_ctr": "1.2%",
        "reported_cpc": "$0.85",
        "reported_acos": "0.83%",
        "reported_roas": "121.03",
        "reported_conversion_rate": "25%",
        "source_file": "s3://b/amazon_ads/brand/amazon/2026-10-01.csv",
        "source_row_number": 2,
        "ingestion_run_id": "r",
    }
    assert json.loads(row["extra_columns"]) == {"7 Day Total Units (#)": "4", "Retailer": "Amazon"}


def test_the_helium10_mapping():
    parsed = parse(
        "helium10",
        "Date,Portfolio,Campaign Name,Ad Group Name,Keyword,Match Type,Search Term,Impressions,Clicks,CTR,Spend,CPC,"
        "Orders,Sales,ACoS,ROAS,Conversion Rate\n"
        "2026-10-01,,SP Auto,Auto,close-match,Auto,,300,6,2%,£1.80,£0.30,0,,-,0,0%\n",
        currency="GBP",
    )
    [row] = parsed.rows.to_dicts()
    assert (
        row["portfolio_name"],
        row["match_type"],
        row["search_term"],
        row["spend"],
        row["sales"],
        row["orders"],
    ) == (None, "auto", None, "1.80", "0", 0)
    assert (row["currency"], row["reported_acos"], row["extra_columns"]) == ("GBP", "-", "{}")


def test_the_zonguru_mapping():
    parsed = parse(
        "zonguru",
        "Report Date,Portfolio Name,Campaign,Ad Group,Keyword / Target,Match,Search Query,Impr.,Clicks,Ad Spend,"
        "Ad Orders,Ad Sales,CTR,CPC,ACoS,Conv. Rate\n"
        '10/01/2026,Lights,SP Lights,Lanterns,lantern,BROAD,camping lantern,"2,100",21,€4.20,2,€50,1%,€0.20,8.4%,9.52%\n',
        currency="EUR",
    )
    [row] = parsed.rows.to_dicts()
    assert (
        row["keyword_text"],
        row["match_type"],
        row["search_term"],
        row["impressions"],
        row["spend"],
        row["sales"],
    ) == ("lantern", "broad", "camping lantern", 2100, "4.20", "50")
    assert row["reported_conversion_rate"] == "9.52%"


def test_the_sales_mapping():
    parsed = parse(
        "sales",
        "(Child) ASIN,Ordered Product Sales,Units Ordered,Ad Sales,Ad Units,Sessions\n"
        'B0ACME0001,"$1,500.00",10,$1260,4,321\n',
    )
    [row] = parsed.rows.to_dicts()
    assert {k: row[k] for k in ("asin", "total_sales", "total_units", "ad_sales", "ad_units", "currency")} == {
        "asin": "B0ACME0001",
        "total_sales": "1500.00",
        "total_units": 10,
        "ad_sales": "1260",
        "ad_units": 4,
        "currency": "USD",
    }
    assert json.loads(row["extra_columns"]) == {"Sessions": "321"}


def test_unknown_columns_keep_no_email_or_ip_address():
    parsed = parse(
        "sales",
        "(Child) ASIN,Ordered Product Sales,Units Ordered,Ad Sales,Ad Units,Sessions,Contact,Seller Email\n"
        "B0ACME0001,$15,1,$12,1,3,ops@brand.example from 198.51.100.4,seller@brand.example\n"
        "B0ACME0002,$15,1,$12,1,3,,\n",
    )
    first, second = (json.loads(row["extra_columns"]) for row in parsed.rows.to_dicts())
    assert first == {"Sessions": "3", "Contact": "redacted-email from redacted-ip", "Seller Email": "redacted"}
    assert second == {"Sessions": "3", "Contact": None, "Seller Email": None}


HELIUM_HEADER = "Date,Campaign Name,Ad Group Name,Keyword,Match Type,Impressions,Clicks,Spend,Orders,Sales\n"


def test_bad_rows_are_rejected_with_field_and_reason_and_the_rest_lands():
    parsed = parse(
        "helium10",
        HELIUM_HEADER
        + "2026-10-01,C,G,k1,exact,10,1,$1.00,0,$0\n"
        + "2026-10-01,C,G,k2,exact,10,-1,$1.00,0,$0\n"  # negative clicks
        + "2026-10-01,C,G,k3,exact,10,1,£1.00,0,$0\n"  # a pound in a USD brand
        + "2026-09-30,C,G,k4,exact,10,1,$1.00,0,$0\n"  # another day
        + "2026-10-01,C,,k5,negative,10,1,$1.00,0,12%\n"  # no ad group, unknown match type, a percentage
        + "2026-10-01,C,G,k6,exact,10,1,$1.00,0,$0,surplus\n"  # more fields than the header
        + "\n,,,,,,,,,\n",  # blank lines are not rows
    )
    assert parsed.rows["keyword_text"].to_list() == ["k1"]
    assert parsed.processed == 6 and parsed.status == "partial"
    assert [(r.row_number, r.fields, r.reason) for r in parsed.rejections] == [
        (3, ("clicks",), "clicks: must be zero or more (got '-1')"),
        (4, ("spend",), "spend: currency symbol contradicts the brand's currency USD (got '£1.00')"),
        (5, ("report_date",), "report_date: must be the file's date 2026-10-01 (got '2026-09-30')"),
        (
            6,
            ("ad_group_name", "match_type", "sales"),
            "ad_group_name: required; match_type: must be exact, phrase, broad or auto (got 'negative'); "
            "sales: is a percentage where an amount is expected (got '12%')",
        ),
        (7, ("*",), "row has more fields than the header's 10"),
    ]
    assert parsed.rejections[0].raw_record["Clicks"] == "-1"


def test_a_currency_column_naming_another_currency_rejects_the_row():
    parsed = parse(
        "sales",
        "ASIN,Total Sales,Total Units,Ad Sales,Ad Units,Currency\nB0ACME0001,10,1,0,0,GBP\nB0ACME0002,10,1,0,0,usd\n",
    )
    assert parsed.rows["asin"].to_list() == ["B0ACME0002"]
    assert parsed.rejections[0].reason == "currency: must be the brand's currency USD (got 'GBP')"


def test_a_wrong_header_fails_the_file_naming_the_missing_columns():
    with pytest.raises(ExportFileError) as error:
        parse("zonguru", "Campaign,Ad Group,Keyword,Match,Impressions,Clicks,Spend,Orders,Sales\n")
    assert str(error.value) == (
        "s3://b/amazon_ads/brand/zonguru/2026-10-01.csv: header is missing column(s) Ad Spend, Ad Orders, Ad Sales "
        "of the zonguru format; unexpected: Spend, Orders, Sales"
    )
    with pytest.raises(ExportFileError, match="columns 'Date' and 'Start Date' both carry report_date"):
        parse("amazon", "Date,Start Date,Campaign Name\n")
    with pytest.raises(ExportFileError, match="is not UTF-8"):
        parse_report(
            b"\xff\xfe", ReportFile("k", "b", "amazon", DAY), brand_currency="USD", source_file="k", run_id="r"
        )


def test_headers_match_whatever_the_case_and_spacing():
    assert normalise_header("\ufeff 7 Day  Total Sales ") == "7 day total sales"
    assert FORMATS["amazon"].field_of_header("7 DAY TOTAL SALES") == "sales"
    assert FORMATS["zonguru"].field_of_header("Spend") is None


def test_dbt_applies_the_same_precedence_as_the_loader():
    project = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text())
    assert (
        tuple(project["vars"]["amazon_ads_format_precedence"]) == FORMAT_PRECEDENCE == ("amazon", "helium10", "zonguru")
    )


def test_the_superseded_message_names_counts_and_winners():
    assert superseded_message([]) is None
    assert superseded_message([("amazon", 2), ("helium10", 1)]) == (
        "2 keyword-day(s) superseded by amazon, 1 keyword-day(s) superseded by helium10 "
        "(precedence amazon > helium10 > zonguru; rows kept in raw, not counted)"
    )
