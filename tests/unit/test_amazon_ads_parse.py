"""Amazon Ads exports: each format's mapping, money / count cells, match types, rejections."""

from __future__ import annotations

import io
import json
from datetime import date, datetime

import pytest
import xlsxwriter
import yaml

from metrics_pipeline.lib.dbt_project import DBT_PROJECT_DIR
from metrics_pipeline.sources.amazon_ads.formats import FORMAT_PRECEDENCE, FORMATS, normalise_header
from metrics_pipeline.sources.amazon_ads.load import superseded_message
from metrics_pipeline.sources.amazon_ads.parse import (
    ExportFileError,
    ReportFile,
    classify_targeting,
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
        "ad_type": "SP",
        "report_date": DAY,
        "portfolio_name": "Core",
        "campaign_name": "SP Rain",
        "ad_group_name": "Jackets",
        "keyword_text": "rain jacket",
        "match_type": "exact",
        "targeting_type": "keyword",
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
            ("ad_group_name", "sales", "match_type"),
            "ad_group_name: required; sales: is a percentage where an amount is expected (got '12%'); "
            "match_type: must be exact, phrase, broad or auto, or '-' with a product, audience or automatic "
            "targeting expression (got 'negative' with targeting 'k5')",
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


# --------------------------------------------------------------------------- #
# The console's real reports: product and automatic targets, SB and SD, .xlsx
# --------------------------------------------------------------------------- #

SP_HEADER = (
    "Date,Campaign Name,Ad Group Name,Targeting,Match Type,Customer Search Term,Impressions,Clicks,Spend,"
    "7 Day Total Sales ,7 Day Total Orders (#)\n"
)


def test_keys_may_be_xlsx_and_carry_a_label_after_the_day():
    assert parse_report_key("amazon_ads/acme/amazon/2026-10-01.xlsx").is_xlsx
    assert parse_report_key("amazon_ads/acme/amazon/2026-10-01.XLSX").is_xlsx
    assert not parse_report_key("amazon_ads/acme/amazon/2026-10-01_sponsored-brands.CSV").is_xlsx
    labelled = parse_report_key("amazon_ads/acme/amazon/2026-10-01_sponsored-brands.csv")
    assert (labelled.folder, labelled.report_date, labelled.is_xlsx) == ("amazon", DAY, False)
    for key in (
        "amazon_ads/acme/amazon/2026-10-01.txt",
        "amazon_ads/acme/amazon/2026-10-01.xls",  # the legacy binary format: not what the console writes
        "amazon_ads/acme/amazon/2026-10-01backup.csv",
        "amazon_ads/acme/amazon/report_2026-10-01.csv",
    ):
        assert parse_report_key(key) is None, key


@pytest.mark.parametrize(
    ("match_type", "targeting", "expected"),
    [
        ("EXACT", "rain jacket", ("exact", "keyword")),
        ("-", 'asin="B0RIVAL123"', (None, "product")),
        ("-", 'asin-expanded="B0RIVAL123"', (None, "product")),
        ("-", 'category="Men\'s Rain Coats" price<50', (None, "product")),
        ("TARGETING_EXPRESSION", 'brand="Rival"', (None, "product")),
        ("-", "close-match", ("auto", "auto")),
        ("-", "loose-match", ("auto", "auto")),
        ("-", "substitutes", ("auto", "auto")),
        ("-", "complements", ("auto", "auto")),
        ("TARGETING_EXPRESSION_PREDEFINED", "close-match", ("auto", "auto")),
        (None, "views=(exact-product lookback=30)", (None, "audience")),
        (None, "similar-product", (None, "product")),
        ("-", "rain jacket", (None, None)),  # a keyword needs its match type
        ("negative exact", "rain jacket", (None, None)),
    ],
)
def test_targeting_types(match_type, targeting, expected):
    assert classify_targeting(match_type, targeting) == expected


def test_product_targets_and_automatic_groups_land_with_their_targeting_type():
    parsed = parse(
        "amazon",
        SP_HEADER
        + '2026-10-01,SP PT,Rivals,"asin=""B0RIVAL123""",-,b0rival123,400,8,$4.40,$100.00,1\n'
        + '2026-10-01,SP PT,Category,"category=""Tents""",-,b0rival456,300,5,$2.25,,\n'
        + "2026-10-01,SP Auto,Auto,substitutes,-,b0rival789,200,4,$1.20,,\n"
        + "2026-10-01,SP Auto,Auto,complements,-,b0rival000,100,2,$0.60,,\n"
        + "2026-10-01,SP Kw,Kw,rain jacket,-,rain,100,2,$0.60,,\n",
    )
    assert parsed.rows.select("ad_type", "targeting_type", "match_type", "keyword_text", "spend").rows() == [
        ("SP", "product", None, 'asin="B0RIVAL123"', "4.40"),
        ("SP", "product", None, 'category="Tents"', "2.25"),
        ("SP", "auto", "auto", "substitutes", "1.20"),
        ("SP", "auto", "auto", "complements", "0.60"),
    ]
    [rejection] = parsed.rejections
    assert (rejection.row_number, rejection.fields) == (6, ("match_type",))
    assert "(got '-' with targeting 'rain jacket')" in rejection.reason


def test_sponsored_brands_and_display_reports_are_told_by_their_header():
    brands = parse(
        "amazon",
        "Date,Campaign Name,Ad Group Name,Targeting,Match Type,Customer Search Term,Impressions,Clicks,Spend,"
        "14 Day Total Sales ,14 Day Total Orders (#),14 Day Total Units (#)\n"
        "2026-10-01,SB Brand,Headline,acme rain,BROAD,acme rain jacket,500,10,$7.00,$300.00,3,3\n",
    )
    assert brands.ad_type == "SB"
    assert brands.rows.select("ad_type", "targeting_type", "match_type", "spend", "orders", "sales").rows() == [
        ("SB", "keyword", "broad", "7.00", 3, "300.00")
    ]
    display = parse(
        "amazon",
        "Date,Campaign Name,Ad Group Name,Targeting,Cost Type,Impressions,Clicks,Spend,14 Day Total Orders (#),"
        "14 Day Total Units (#),14 Day Total Sales \n"
        "2026-10-01,SD Retarget,Views,views=(exact-product lookback=30),CPC,2000,12,$3.30,1,1,$45.10\n",
    )
    assert display.ad_type == "SD" and display.rejections == []
    assert display.rows.select("ad_type", "targeting_type", "match_type", "search_term", "sales").rows() == [
        ("SD", "audience", None, None, "45.10")
    ]
    assert json.loads(display.rows["extra_columns"][0]) == {"Cost Type": "CPC", "14 Day Total Units (#)": "1"}
    with pytest.raises(
        ExportFileError,
        match=r"missing column\(s\) Spend, 14 Day Total Orders \(#\) of the amazon \(Sponsored Display targeting report\)",
    ):
        parse("amazon", "Campaign Name,Ad Group Name,Targeting,Impressions,Clicks,14 Day Total Sales\n")


def xlsx_bytes(rows: list[list]) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet()
    day_format = book.add_format({"num_format": "yyyy-mm-dd"})
    for row_index, cells in enumerate(rows):
        for column, cell in enumerate(cells):
            if isinstance(cell, datetime):
                sheet.write_datetime(row_index, column, cell, day_format)
            elif cell is not None:
                sheet.write(row_index, column, cell)
    book.close()
    return buffer.getvalue()


def parse_xlsx(data: bytes, folder: str = "amazon"):
    report_file = ReportFile(f"amazon_ads/brand/{folder}/{DAY}.xlsx", "brand", folder, DAY)
    return parse_report(data, report_file, brand_currency="USD", source_file="s3://b/x.xlsx", run_id="r")


def test_an_xlsx_report_keeps_exact_cents_dates_and_text():
    header = SP_HEADER.strip().split(",")
    parsed = parse_xlsx(
        xlsx_bytes(
            [
                header,
                # a date cell; money as floats, one with binary noise (0.1 + 0.2 = 0.30000000000000004)
                [datetime(2026, 10, 1), "SP Tents", "Dome", "rain jacket", "EXACT", "rain jacket, men"]
                + [1000, 20, 0.1 + 0.2, 1234.5, 3],
                # the date as a bare serial number (a number cell without a date format); money as text
                [(DAY - date(1899, 12, 30)).days, "SP Tents", "Dome", "rain jacket", "EXACT", "rain coat"]
                + [500, 10, "$1,234.56", None, None],
                [DAY.isoformat(), "SP PT", "Rivals", 'asin="B0RIVAL123"', "-", "b0rival123", 3, 1, 19.99, 0, 0],
            ]
        )
    )
    assert parsed.rejections == []
    assert parsed.rows.select("search_term", "impressions", "spend", "sales", "orders", "targeting_type").rows() == [
        ("rain jacket, men", 1000, "0.3", "1234.5", 3, "keyword"),
        ("rain coat", 500, "1234.56", "0", 0, "keyword"),
        ("b0rival123", 3, "19.99", "0", 0, "product"),
    ]
    assert parsed.rows["source_row_number"].to_list() == [2, 3, 4]


def test_a_wrong_date_in_an_xlsx_is_rejected_by_row_and_a_broken_workbook_fails_by_name():
    header = SP_HEADER.strip().split(",")
    parsed = parse_xlsx(xlsx_bytes([header, [datetime(2026, 9, 30), "C", "G", "k", "EXACT", "k", 1, 1, 1.0, 0, 0]]))
    assert [(r.row_number, r.reason) for r in parsed.rejections] == [
        (2, "report_date: must be the file's date 2026-10-01 (got '2026-09-30')")
    ]
    with pytest.raises(ExportFileError, match=r"s3://b/x.xlsx: is not a readable .xlsx workbook"):
        parse_xlsx(b"Date,Campaign Name\n2026-10-01,x\n")


def test_a_workbook_cut_short_fails_whole_naming_the_file():
    """An .xlsx is a zip whose directory is at its end: cut anywhere, nothing of it can be read,
    and the message says it looks truncated rather than landing part of it."""
    header = SP_HEADER.strip().split(",")
    data = xlsx_bytes(
        [header] + [[datetime(2026, 10, 1), "C", "G", f"k{i}", "EXACT", "k", 1, 1, 1.25, 0, 0] for i in range(50)]
    )
    assert parse_xlsx(data).rows.height == 50
    for cut in (4, len(data) // 3, len(data) // 2, len(data) - 23, len(data) - 10, len(data) - 1):
        with pytest.raises(
            ExportFileError, match=r"^s3://b/x.xlsx: ends before its zip directory does \(truncated\?\)"
        ):
            parse_xlsx(data[:cut])


def test_a_search_term_report_cut_short_fails_whole():
    """The CSV truncation checks hold for every report the console's folder holds (here SB)."""
    text = (
        "Date,Campaign Name,Ad Group Name,Targeting,Match Type,Customer Search Term,Impressions,Clicks,Spend,"
        "14 Day Total Orders (#),14 Day Total Sales \n"
        '2026-10-01,SB Brand,Headline,acme rain,BROAD,"acme rain, jacket",500,10,$7.00,3,$300.00\n'
        "2026-10-01,SB Brand,Headline,acme rain,BROAD,acme coat,500,10,$7.00,3,$300.00\n"
    )
    assert parse("amazon", text).ad_type == "SB"
    with pytest.raises(ExportFileError, match="ends inside a quoted field"):
        parse("amazon", text[: text.index("rain, jacket")])
    with pytest.raises(ExportFileError, match="ends mid-row"):
        parse("amazon", text[: text.rindex(",$300.00")])
    with pytest.raises(ExportFileError, match="row 3, which does not validate"):
        parse("amazon", text[: text.rindex("$300.00") + 5])


def test_a_cell_the_warehouse_cannot_store_rejects_its_row_not_the_file():
    parsed = parse(
        "helium10",
        HELIUM_HEADER
        + "2026-10-01,C,G,k1,exact,10,1,$1.00,0,$0\n"
        + "2026-10-01,C,G,k\x002,exact,10,1,$1.00,0,$0\n"  # a NUL byte: Postgres text refuses it
        + '2026-10-01,C,G,k3,exact,10,1,"$123,456,789,012,345.00",0,$0\n'  # more than numeric(20, 6)
        + '2026-10-01,C,G,k4,exact,10,1,"$99,999,999,999,999.99",0,$0\n',  # the most it holds
    )
    assert parsed.rows["keyword_text"].to_list() == ["k1", "k4"]
    assert [(r.row_number, r.fields) for r in parsed.rejections] == [(3, ("keyword_text",)), (4, ("spend",))]
    assert "NUL character" in parsed.rejections[0].reason and "too large" in parsed.rejections[1].reason
