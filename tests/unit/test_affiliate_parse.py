import json
from datetime import UTC, date, datetime

import pytest

from metrics_pipeline.sources.affiliate.parse import (
    AffiliateFile,
    AffiliateFileError,
    fraction_literal,
    money_literal,
    parse_affiliate_key,
    parse_catalogue,
    parse_events,
)

DAY = date(2026, 9, 1)
EVENTS_FILE = AffiliateFile("affiliate/2026-09-01/events.csv", DAY, "events")
CATALOGUE_FILE = AffiliateFile("affiliate/2026-09-01/catalog.csv", DAY, "catalogue")
HEADER = "event_id,event_type,occurred_at,tracking_id,product_id,revenue,source"


def events(*lines: str, header: str = HEADER):
    return parse_events(("\n".join([header, *lines]) + "\n").encode(), EVENTS_FILE, source_file="f", run_id="r")


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("affiliate/2026-09-01/events.csv", AffiliateFile("affiliate/2026-09-01/events.csv", DAY, "events")),
        ("affiliate/2026-09-01/catalog.csv", AffiliateFile("affiliate/2026-09-01/catalog.csv", DAY, "catalogue")),
        (
            "affiliate/2026-09-01/Catalogue-v2.CSV",
            AffiliateFile("affiliate/2026-09-01/Catalogue-v2.CSV", DAY, "catalogue"),
        ),
        ("affiliate/2026-09-01/products_1.csv", AffiliateFile("affiliate/2026-09-01/products_1.csv", DAY, "catalogue")),
        ("affiliate/2026-09-01/my-products.csv", AffiliateFile("affiliate/2026-09-01/my-products.csv", DAY, "events")),
        ("affiliate/2026-09-01/readme.txt", None),
        ("affiliate/2026-02-30/events.csv", None),
        ("affiliate/2026-09-01/sub/events.csv", None),
        ("media_partner/acme/2026-09-01.csv", None),
    ],
)
def test_keys_give_the_day_and_tell_the_catalogue_by_its_name(key, expected):
    assert parse_affiliate_key(key) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("$1,234.50", "1234.50"),
        ("1234.5", "1234.5"),
        ("-12.00", "-12.00"),
        ("-$12", "-12"),
        ("$-12", "-12"),
        ("0", "0"),
        (" 7 ", "7"),
        ("1,23", None),
        ("--1", None),
        ("-$-1", None),
        ("12.1234567", None),
        ("abc", None),
        ("$", None),
        ("1e3", None),
        ("99999999999999.999999", "99999999999999.999999"),  # the most numeric(20, 6) holds
        ("100,000,000,000,000", None),  # one digit more: quarantined, never refused by COPY
    ],
)
def test_money_stays_exact_text(text, expected):
    assert money_literal(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12.5%", "0.125"),
        ("5 %", "0.05"),
        ("100%", "1"),
        ("0%", "0"),
        ("0.125", "0.125"),
        ("1", "1"),
        ("12.5", None),
        ("150%", None),
        ("-5%", None),
        ("abc", None),
    ],
)
def test_percentages_become_exact_fractions(text, expected):
    assert fraction_literal(text) == expected


def test_header_aliases_map_to_the_columns_and_unknown_columns_are_kept():
    parsed = events(
        "e1,Click,2026-09-01T10:00:00Z,acme-fb,P1,,fb,campaign 7",
        header="ID,Type,Timestamp,TID,Product,Amount,Traffic Source,Sub ID",
    )
    assert parsed.rejections == []
    [row] = parsed.rows.to_dicts()
    assert (row["event_id"], row["event_type"], row["tracking_id"], row["product_id"], row["revenue"]) == (
        "e1",
        "click",
        "acme-fb",
        "P1",
        "0",
    )
    assert (row["source"], row["extra_columns"], row["event_type_as_exported"]) == (
        "fb",
        '{"Sub ID": "campaign 7"}',
        "Click",
    )


def test_unknown_columns_keep_no_email_ip_address_or_personal_column():
    parsed = events(
        "e1,click,2026-09-01T10:00:00Z,acme-fb,P1,,fb,jane@example.com,2001:db8:85a3::8a2e:370:7334,555-0100,"
        "https://shop.example/?utm_source=aff&email=jane%40example.com",
        header=f"{HEADER},Buyer,Buyer IP,Customer Phone,Landing",
    )
    [row] = parsed.rows.to_dicts()
    assert json.loads(row["extra_columns"]) == {
        "Buyer": "redacted-email",
        "Buyer IP": "redacted-ip",
        "Customer Phone": "redacted",
        "Landing": "https://shop.example/?utm_source=aff&email=redacted",
    }


def test_refunds_are_negative_whatever_the_file_did():
    parsed = events(
        "a,refund,2026-09-01T10:00:00Z,t,P,-$5.00,",
        "b,refund,2026-09-01T10:00:00Z,t,P,$5.00,",
        "c,conversion,2026-09-01T10:00:00Z,t,P,$5.00,,yes",
        "d,rebill,2026-09-01T10:00:00Z,t,P,5,,TRUE",
        "e,conversion,2026-09-01T10:00:00Z,t,P,-5,,1",
        "f,conversion,2026-09-01T10:00:00Z,t,P,5,,no",
        "g,refund,2026-09-01T10:00:00Z,t,P,0,,",
        header=HEADER + ",is_refund",
    )
    assert parsed.rejections == []
    assert parsed.rows.select(
        "event_id", "event_type", "revenue", "revenue_as_exported", "refund_flag_as_exported"
    ).rows() == [
        ("a", "refund", "-5.00", "-$5.00", None),
        ("b", "refund", "-5.00", "$5.00", None),
        ("c", "refund", "-5.00", "$5.00", "yes"),
        ("d", "refund", "-5", "5", "TRUE"),
        ("e", "refund", "-5", "-5", "1"),
        ("f", "conversion", "5", "5", "no"),
        ("g", "refund", "0", "0", None),
    ]


def test_timestamps_need_a_zone_and_are_kept_in_utc():
    parsed = events(
        "a,click,2026-09-01T10:00:00Z,t,P,,",
        "b,click,2026-09-01 12:00:00+02:00,t,P,,",
        "c,click,2026-09-01T06:00:00.5-04:00,t,P,,",
        "d,click,2026-09-01T10:00:00,t,P,,",
        "e,click,yesterday,t,P,,",
    )
    assert parsed.rows["occurred_at"].to_list() == [
        datetime(2026, 9, 1, 10, tzinfo=UTC),
        datetime(2026, 9, 1, 10, tzinfo=UTC),
        datetime(2026, 9, 1, 10, 0, 0, 500000, tzinfo=UTC),
    ]
    assert [(r.row_number, r.reason) for r in parsed.rejections] == [
        (5, "occurred_at: needs a time zone offset, like 2026-09-01T12:34:56Z or +02:00 (got '2026-09-01T10:00:00')"),
        (6, "occurred_at: must be an ISO 8601 timestamp with a time zone, like 2026-09-01T12:34:56Z (got 'yesterday')"),
    ]


def test_bad_rows_are_quarantined_with_every_reason_and_the_row_as_read():
    parsed = events(
        "a,upsell,2026-09-01T10:00:00Z,t,P,5,",
        "b,click,2026-09-01T10:00:00Z,t,P,-1.00,",
        "c,click,2026-09-01T10:00:00Z,t,P,$2.00,",
        "d,conversion,2026-09-01T10:00:00Z,t,P,-3,",
        "e,conversion,2026-09-01T10:00:00Z,t,P,,",
        ",rebill,2026-09-01T10:00:00Z,,P,12 dollars,",
        "g,click,2026-09-01T10:00:00Z,t,P,,,surplus",
        "h,click,2026-09-01T10:00:00Z,t,P,,src",
    )
    assert [(r.row_number, r.fields, r.reason) for r in parsed.rejections] == [
        (
            2,
            ("event_type",),
            "event_type: unknown event type, expected one of click, conversion, refund, rebill (got 'upsell')",
        ),
        (3, ("revenue",), "revenue: a click's revenue must not be negative (got '-1.00')"),
        (4, ("revenue",), "revenue: a click carries no revenue (only blank or 0) (got '$2.00')"),
        (
            5,
            ("revenue",),
            "revenue: negative on a conversion or rebill: only refunds (by type or refund flag) may be negative (got '-3')",
        ),
        (6, ("revenue",), "revenue: required on a conversion, refund or rebill"),
        (
            7,
            ("event_id", "tracking_id", "revenue"),
            "event_id: required; tracking_id: required; revenue: must be an amount like 1234.50, $1,234.50 or -12.00 (at most 6 decimals) (got '12 dollars')",
        ),
        (8, ("*",), "row has more fields than the header's 7"),
    ]
    assert parsed.rejections[0].raw_record == {
        "event_id": "a",
        "event_type": "upsell",
        "occurred_at": "2026-09-01T10:00:00Z",
        "tracking_id": "t",
        "product_id": "P",
        "revenue": "5",
        "source": None,
    }
    assert parsed.rows["event_id"].to_list() == ["h"]
    assert parsed.processed == 8


def test_a_click_cannot_be_refunded_and_a_flag_must_be_yes_or_no():
    parsed = events(
        "a,click,2026-09-01T10:00:00Z,t,P,,,yes",
        "b,conversion,2026-09-01T10:00:00Z,t,P,5,,maybe",
        header=HEADER + ",refund",
    )
    assert [r.reason for r in parsed.rejections] == [
        "refund_flag: a click cannot be refunded (got 'yes')",
        "refund_flag: must be yes/no, true/false or 1/0 (got 'maybe')",
    ]


def test_a_wrong_header_fails_the_file_naming_what_is_missing():
    with pytest.raises(AffiliateFileError) as error:
        events("e1,click,t", header="id,type,tid")
    assert str(error.value) == (
        "f: header is missing column(s) occurred_at (or timestamp / event_time / time), "
        "product_id (or product / item), revenue (or amount / sale_amount)"
    )
    with pytest.raises(AffiliateFileError, match="header is ambiguous: 'tracking_id' and 'tid' both mean tracking_id"):
        events(header=HEADER + ",tid")
    with pytest.raises(AffiliateFileError, match="more than once: revenue"):
        events(header=HEADER + ",Revenue")
    with pytest.raises(AffiliateFileError, match="not UTF-8"):
        parse_events(b"\xff\xfe", EVENTS_FILE, source_file="f", run_id="r")


def test_blank_lines_bom_and_crlf_are_tolerated():
    data = ("\ufeff" + HEADER + "\r\n\r\na,click,2026-09-01T10:00:00Z,t,P,,\r\n,,,,,,\r\n\r\n").encode()
    parsed = parse_events(data, EVENTS_FILE, source_file="f", run_id="r")
    assert (parsed.rows.height, parsed.rejections, parsed.processed) == (1, [], 1)
    assert parsed.rows["source_row_number"].to_list() == [3]


def test_the_catalogue_parses_quirky_cells_and_blank_ones_are_null():
    text = (
        "Product ID,Title,Vendor,Category,Commission Rate,Commission Amount,Gravity,Refund Rate,Rebill,Launch\n"
        'P1,"Keto, Guide",ketov,Health,12.5%,"$1,020.00","1,045.3",5%,yes,2026\n'
        "P2,,,,,,,,,\n"
        "P1,Again,,,,,,,,\n"
        "P3,x,,,12.5,$-1,abc,200%,maybe,\n"
        ",nameless,,,,,,,,\n"
    )
    parsed = parse_catalogue(text.encode(), CATALOGUE_FILE, source_file="c", run_id="r")
    assert parsed.rows.select(
        "snapshot_date",
        "product_id",
        "title",
        "commission_rate",
        "commission_amount",
        "gravity",
        "refund_rate",
        "is_rebill",
        "extra_columns",
    ).rows() == [
        (DAY, "P1", "Keto, Guide", "0.125", "1020.00", "1045.3", "0.05", True, '{"Launch": "2026"}'),
        (DAY, "P2", None, None, None, None, None, None, '{"Launch": null}'),
    ]
    assert [(r.row_number, r.fields) for r in parsed.rejections] == [
        (4, ("product_id",)),
        (5, ("commission_rate", "refund_rate", "commission_amount", "gravity", "is_rebill")),
        (6, ("product_id",)),
    ]
    assert (
        parsed.rejections[0].reason
        == "product_id: appears more than once in the file; the first row is kept (got 'P1')"
    )
    assert parsed.rejections[1].reason.startswith(
        "commission_rate: must be a percent like 12.5% or a fraction from 0 to 1 (got '12.5')"
    )


def test_a_catalogue_without_its_columns_fails():
    with pytest.raises(AffiliateFileError, match="header is missing column\\(s\\) gravity, refund_rate"):
        parse_catalogue(
            b"product_id,title,vendor,category,commission_rate,commission_amount,is_rebill\nP1,,,,,,\n",
            CATALOGUE_FILE,
            source_file="c",
            run_id="r",
        )


def test_a_nul_byte_or_an_oversized_gravity_quarantines_its_row_and_the_rest_lands():
    parsed = events(
        "e1,conversion,2026-09-01T10:00:00Z,acme-1,P1,10.00,web",
        "e2,conversion,2026-09-01T10:00:00Z,acme-1\x00,P1,10.00,web",
        "e3,conversion,2026-09-01T10:00:00Z,acme-1,P1,10.00,we\x00b",
        "e4,conversion,2026-09-01T10:00:00Z,acme-1,P1,10.00,web",
    )
    assert parsed.rows["event_id"].to_list() == ["e1", "e4"]
    assert [(r.row_number, r.fields) for r in parsed.rejections] == [(3, ("tracking_id",)), (4, ("source",))]
    assert "NUL character" in parsed.rejections[0].reason
    catalogue = parse_catalogue(
        b"Product ID,Title,Vendor,Category,Commission Rate,Commission Amount,Gravity,Refund Rate,Rebill\n"
        b"P1,,,,,,12345678901,,\nP2,,,,,,1234567890.5,,\n",
        CATALOGUE_FILE,
        source_file="c",
        run_id="r",
    )
    assert catalogue.rows["product_id"].to_list() == ["P2"]
    assert [(r.row_number, r.fields) for r in catalogue.rejections] == [(2, ("gravity",))]
