from datetime import date

import pytest

from metrics_pipeline.sources.media_partner.parse import (
    EXPECTED_COLUMNS,
    ExportFileError,
    parse_export,
    parse_export_key,
)

HEADER = ",".join(EXPECTED_COLUMNS)
KEY = "media_partner/acme-outdoor/2026-09-01.csv"
FILE = "s3://bucket/exports/" + KEY


def parse(text: str | bytes):
    data = text.encode("utf-8") if isinstance(text, str) else text
    return parse_export(data, parse_export_key(KEY), source_file=FILE, run_id="run-1")


def test_key_layout():
    parsed = parse_export_key(KEY)
    assert (parsed.client_slug, parsed.report_date) == ("acme-outdoor", date(2026, 9, 1))
    assert parse_export_key("media_partner/acme-outdoor/2026-02-30.csv") is None
    assert parse_export_key("media_partner/acme-outdoor/notes.txt") is None
    assert parse_export_key("media_partner/2026-09-01.csv") is None


def test_real_export_quirks_are_accepted():
    data = (
        "\ufeff" + HEADER + "\r\n"
        '2026-09-01,"Fall Sale, Outerwear",Prospecting,"Homepage, top",Banner A,"12,345",120,0.97%,3,"1,234.50"\r\n'
        "2026-09-01,Always On,Retargeting,Sidebar,Banner B,999,0,0%,0,0\r\n"
        "\r\n\r\n"
    )
    parsed = parse(data)
    assert parsed.rejections == []
    assert parsed.processed == 2
    first, second = parsed.rows.to_dicts()
    assert first["campaign_name"] == "Fall Sale, Outerwear"
    assert first["placement_name"] == "Homepage, top"
    assert first["impressions"] == 12345
    assert first["conversion_revenue"] == "1234.50"  # stays a decimal literal, never a float
    assert first["report_date"] == date(2026, 9, 1)
    assert first["source_row_number"] == 2
    assert first["source_file"] == FILE and first["ingestion_run_id"] == "run-1"
    assert second["clicks"] == 0 and second["reported_ctr"] == "0%"
    assert parsed.status == "completed"


def test_header_case_spacing_and_column_order_do_not_matter():
    columns = list(reversed(EXPECTED_COLUMNS))
    header = ", ".join(c.upper() for c in columns)
    values = {
        "date": "2026-09-01",
        "campaign_name": "C",
        "strategy_name": "S",
        "placement_name": "P",
        "creative_name": "Cr",
        "impressions": "10",
        "clicks": "1",
        "ctr": "",
        "conversions": "0",
        "conversion_revenue": "0",
    }
    parsed = parse(header + "\n" + ",".join(values[c] for c in columns) + "\n")
    assert parsed.rows.select("campaign_name", "impressions").row(0) == ("C", 10)


@pytest.mark.parametrize(
    ("cells", "field", "reason_part"),
    [
        ({"impressions": "-120"}, "impressions", "whole number of zero or more (got '-120')"),
        ({"clicks": "12O4"}, "clicks", "(got '12O4')"),
        ({"conversions": "1.5"}, "conversions", "whole number"),
        ({"impressions": "1,2"}, "impressions", "whole number"),
        ({"conversion_revenue": "-3.00"}, "conversion_revenue", "amount of zero or more"),
        ({"conversion_revenue": "$12"}, "conversion_revenue", "amount of zero or more"),
        ({"conversion_revenue": ""}, "conversion_revenue", "amount"),
        ({"date": "2026-09-02"}, "date", "must be the file's date 2026-09-01 (got '2026-09-02')"),
        ({"date": "09/01/2026"}, "date", "file's date"),
        ({"creative_name": "  "}, "creative_name", "required"),
        ({"campaign_name": ""}, "campaign_name", "required"),
        # What the parser used to pass and COPY then refused, failing every row of the file:
        ({"conversion_revenue": "123456789012345678.00"}, "conversion_revenue", "too large for the warehouse"),
        ({"conversion_revenue": "100,000,000,000,000"}, "conversion_revenue", "too large"),
        ({"creative_name": "Cr\x00eative"}, "creative_name", "NUL character"),
        ({"ctr": "5\x00%"}, "ctr", "NUL character"),
    ],
)
def test_a_bad_cell_quarantines_only_its_row(cells, field, reason_part):
    good = {
        "date": "2026-09-01",
        "campaign_name": "C",
        "strategy_name": "S",
        "placement_name": "P",
        "creative_name": "Cr",
        "impressions": "100",
        "clicks": "5",
        "ctr": "5%",
        "conversions": "1",
        "conversion_revenue": "10.00",
    }
    bad = {**good, **cells}
    rows = [good, bad, good]
    text = HEADER + "\n" + "\n".join(",".join(f'"{r[c]}"' for c in EXPECTED_COLUMNS) for r in rows) + "\n"
    parsed = parse(text)
    assert parsed.rows.height == 2
    assert parsed.status == "partial"
    [rejection] = parsed.rejections
    assert rejection.row_number == 3
    assert rejection.fields == (field,)
    assert reason_part in rejection.reason
    assert rejection.raw_record["date"] == bad["date"]  # the row is kept as read
    assert rejection.raw_record["impressions"] == bad["impressions"]


def test_every_problem_of_a_row_is_named():
    text = HEADER + "\n2026-09-02,C,S,P,,-1,5,,1,10\n"
    [rejection] = parse(text).rejections
    assert rejection.fields == ("date", "creative_name", "impressions")
    assert rejection.reason.count(";") == 2


def test_a_row_with_too_many_fields_is_rejected_not_shifted():
    text = HEADER + "\n2026-09-01,Fall Sale, Outerwear,S,P,Cr,100,5,5%,1,10.00\n2026-09-01,C,S,P,Cr,100,5,5%,1,10.00\n"
    parsed = parse(text)
    assert parsed.rows.height == 1
    [rejection] = parsed.rejections
    assert rejection.row_number == 2 and rejection.fields == ("*",)
    assert "more fields than the header" in rejection.reason


def test_missing_columns_fail_the_file_naming_it_and_them():
    text = "date,campaign_name,strategy_name,placement_name,creative,impressions,clicks,ctr,conversions,revenue\n"
    with pytest.raises(ExportFileError) as raised:
        parse(text + "2026-09-01,C,S,P,Cr,1,0,,0,0\n")
    message = str(raised.value)
    assert message.startswith(FILE + ": ")
    assert "missing column(s) creative_name, conversion_revenue" in message
    assert "unexpected: creative, revenue" in message


def test_undecodable_bytes_fail_the_file():
    with pytest.raises(ExportFileError, match="not UTF-8"):
        parse((HEADER + "\n2026-09-01,Caf\xe9,S,P,Cr,1,0,,0,0\n").encode("latin-1"))


def test_header_only_file_lands_nothing_and_rejects_nothing():
    parsed = parse(HEADER + "\r\n")
    assert parsed.rows.height == 0 and parsed.rejections == [] and parsed.processed == 0


def test_a_file_cut_mid_row_fails_whole_not_half():
    complete = HEADER + "\n2026-09-01,C,S,P,Cr,100,5,5%,1,10.00\n2026-09-01,D,S,P,Cr,200,7,3.5%,2,20.00\n"
    cut = complete[: complete.rindex(",3.5%")]  # the upload stopped inside the last row: 7 of 10 fields
    with pytest.raises(ExportFileError) as raised:
        parse(cut)
    assert str(raised.value).startswith(FILE + ": ends mid-row")
    assert "7 of 10 fields" in str(raised.value)
    # A complete last row without a trailing line break is not a truncation.
    assert parse(complete.rstrip("\n")).rows.height == 2
    # A last row whose last field is empty and has no line break after it is indistinguishable
    # from one cut right after its last comma: it does not validate, so the file fails whole...
    with pytest.raises(ExportFileError, match="row 2, which does not validate .*truncated inside its last field"):
        parse(HEADER + "\n2026-09-01,C,S,P,Cr,100,5,,1,")
    # ...while with its line break it is a complete row, quarantined with its reason.
    assert parse(HEADER + "\n2026-09-01,C,S,P,Cr,100,5,,1,\n").rejections[0].fields == ("conversion_revenue",)


def test_the_largest_amount_the_warehouse_holds_still_lands():
    text = HEADER + "\n" + "2026-09-01,C,S,P,Cr,1,0,0%,0,99999999999999.999999\n"
    parsed = parse(text)
    assert parsed.rejections == [] and parsed.rows["conversion_revenue"].to_list() == ["99999999999999.999999"]
