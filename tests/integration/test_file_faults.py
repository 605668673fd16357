"""A partial file never half-lands: an export cut short in the bucket fails whole, and the
client's day keeps exactly what the last complete file landed. For every file source: a cut
inside a quoted or an unquoted last field, before a comma, inside a JSON line or a gzip
stream; a read at another size than listed; and keys outside the layout, logged as ignored."""

from __future__ import annotations

import gzip
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import psycopg
import pytest
import xlsxwriter

from metrics_pipeline.config import load_config
from metrics_pipeline.landing.exports import open_exports_store
from metrics_pipeline.operations.failures import classify_failure
from metrics_pipeline.sources.affiliate.load import land_days as affiliate_land_days
from metrics_pipeline.sources.amazon_ads.load import land_days as amazon_land_days
from metrics_pipeline.sources.media_partner.load import land_days
from metrics_pipeline.sources.pixel.load import land_days as pixel_land_days
from tests.conftest import fetch_all, write_file
from tests.integration.conftest import data_rows

media_partner_land_days = land_days

pytestmark = pytest.mark.integration

ROWS_OF_DAY = """
    select client_slug, campaign_name, strategy_name, placement_name, creative_name, impressions, clicks,
           reported_ctr, conversions, conversion_revenue, source_file, source_row_number
    from raw_media_partner.daily_exports where report_date = %s order by source_file, source_row_number
"""


def test_a_truncated_export_fails_whole_and_keeps_the_previous_landing(served_world, database_url):
    world = served_world.world
    day = date(2026, 9, 15)
    key = f"media_partner/{world.client_slugs[0]}/{day.isoformat()}.csv"
    local = world.exports_dir / key
    complete = local.read_bytes()
    assert data_rows(local) > 3
    store = open_exports_store(served_world.exports_uri)
    config = load_config(world.config_path)
    land_days(database_url, store, config, [day], run_id="complete")
    before = fetch_all(database_url, ROWS_OF_DAY, (day,))
    assert len([r for r in before if r[0] == world.client_slugs[0]]) == data_rows(local)

    # The partner's re-upload stopped inside a row, two thirds of the way through.
    cut = complete[: len(complete) * 2 // 3]
    cut = cut[: cut.rindex(b",")]
    bucket, prefix = served_world.exports_uri.removeprefix("s3://").split("/", 1)
    served_world.s3.client().put_object(Bucket=bucket, Key=f"{prefix}/{key}", Body=cut)
    try:
        [outcome] = land_days(database_url, store, config, [day], run_id="truncated")
    finally:
        served_world.s3.client().put_object(Bucket=bucket, Key=f"{prefix}/{key}", Body=complete)

    [failed] = outcome.failed_files
    assert failed.file.endswith(key) and "ends mid-row" in failed.message
    assert classify_failure(failed.message).kind == "permanent"
    assert fetch_all(database_url, ROWS_OF_DAY, (day,)) == before  # nothing of the cut file landed
    logs = fetch_all(
        database_url,
        "select target, status, records_loaded, message from ops.ingestion_logs"
        " where run_id = 'truncated' and status = 'failed'",
    )
    assert [(t.endswith(key), s, n) for t, s, n, _ in logs] == [(True, "failed", 0)]
    assert "ends mid-row" in logs[0][3]


# --------------------------------------------------------------------------- #
# Every file source, from a local folder: a file cut short fails whole and keeps what its
# previous complete upload landed; a key outside the layout is logged as ignored.
# --------------------------------------------------------------------------- #

DAY = date(2026, 9, 2)
PII_KEY = "file-faults-test-key-0123456789"
ALL_SOURCES_CONFIG = """
workspaces:
  - slug: ws
    name: Workspace
    reporting_currency: USD
    clients:
      - slug: alpha
        name: Alpha
        currency: USD
        timezone: UTC
        pixel_site_id: site-alpha
        media_partner: {cpm_rates: [{effective_from: 2026-09-01, cpm: "10.00"}]}
        amazon: {brand_slug: alpha-brand}
"""
MEDIA_PARTNER_KEY = f"media_partner/alpha/{DAY}.csv"
MEDIA_PARTNER_FILE = (
    "date,campaign_name,strategy_name,placement_name,creative_name,impressions,clicks,ctr,conversions,"
    f'conversion_revenue\n{DAY},A,S,P,C1,1000,10,1%,1,12.50\n{DAY},A,S,P,C2,500,5,1%,2,"1,234.50"\n'
)
AMAZON_KEY = f"amazon_ads/alpha-brand/sales/{DAY}.csv"
AMAZON_FILE = (
    "Date,ASIN,Total Sales,Units,Ad Units,Ad Sales\n"
    f'{DAY},B0ALPHA001,$100.00,2,1,$12.50\n{DAY},B0ALPHA002,"$1,500.00",10,4,"$1,260.00"\n'
)
AFFILIATE_KEY = f"affiliate/{DAY}/events.csv"
AFFILIATE_FILE = (
    "event_id,event_type,occurred_at,tracking_id,product_id,revenue\n"
    'e1,conversion,2026-09-02T10:00:00Z,al-fb,P1,12.50\ne2,conversion,2026-09-02T11:00:00Z,al-fb,P1,"$1,234.50"\n'
)
PIXEL_KEY = f"pixel/{DAY}/events.jsonl"
PIXEL_FILE = "".join(
    json.dumps(
        {
            "event_id": f"p{i}",
            "site_id": "site-alpha",
            "event_type": "page_view",
            "occurred_at": "2026-09-02T10:00:00Z",
            "visitor_id": f"v{i}",
        }
    )
    + "\n"
    for i in range(3)
)


@dataclass(frozen=True)
class FileSourceCase:
    land_days: Callable
    key: str
    complete: str
    table: str


CASES = {
    "media_partner": FileSourceCase(
        media_partner_land_days, MEDIA_PARTNER_KEY, MEDIA_PARTNER_FILE, "raw_media_partner.daily_exports"
    ),
    "amazon_ads": FileSourceCase(amazon_land_days, AMAZON_KEY, AMAZON_FILE, "raw_amazon_ads.sales_reports"),
    "affiliate": FileSourceCase(affiliate_land_days, AFFILIATE_KEY, AFFILIATE_FILE, "raw_affiliate.events"),
    "pixel": FileSourceCase(pixel_land_days, PIXEL_KEY, PIXEL_FILE, "raw_pixel.events"),
}


def _cut_inside_quoted_last_field(text: str) -> str:
    return text[: text.rindex('"') - 3]  # '"1,234' / '"$1,260': the quote never closes


def _cut_inside_unquoted_last_field(text: str) -> bytes:
    # Only the first data row's last field is unquoted: keep the rows up to it, cut inside it.
    return text[: text.index("12.50") + 3].encode()  # '12.' is not an amount


def _cut_before_a_comma(text: str) -> str:
    return text[: text.rindex(',"')]  # the last row loses its last field: one field short


def _cut_inside_the_last_json_line(text: str) -> str:
    return text[: len(text) - 20]


def _gzip_cut_short(text: str) -> bytes:
    data = gzip.compress(text.encode())
    return data[: len(data) - 6]  # the CRC and size trailer (and a little more) are missing


CUTS = [
    ("media_partner", _cut_inside_quoted_last_field, "ends inside a quoted field"),
    ("media_partner", _cut_inside_unquoted_last_field, "row 2, which does not validate"),
    ("media_partner", _cut_before_a_comma, "ends mid-row"),
    ("amazon_ads", _cut_inside_quoted_last_field, "ends inside a quoted field"),
    ("amazon_ads", _cut_inside_unquoted_last_field, "row 2, which does not validate"),
    ("amazon_ads", _cut_before_a_comma, "ends mid-row"),
    ("affiliate", _cut_inside_quoted_last_field, "ends inside a quoted field"),
    ("affiliate", _cut_inside_unquoted_last_field, "row 2, which does not validate"),
    ("affiliate", _cut_before_a_comma, "ends mid-row"),
    ("pixel", _cut_inside_the_last_json_line, "ends mid-line"),
    ("pixel", _gzip_cut_short, "not a readable gzip stream"),
]


@pytest.fixture
def local_root(tmp_path, database_url, monkeypatch):
    monkeypatch.setenv("METRICS_PII_KEY", PII_KEY)
    with psycopg.connect(database_url) as conn:
        conn.execute(
            "truncate raw_media_partner.daily_exports, raw_amazon_ads.sales_reports, raw_affiliate.events,"
            " raw_amazon_ads.keyword_reports,"
            " raw_pixel.events, ops.rejected_rows, ops.ingestion_logs"
        )
    config = load_config(write_file(tmp_path / "config.yaml", ALL_SOURCES_CONFIG))
    return tmp_path / "exports", config


def _land(case: FileSourceCase, url: str, root, config, run_id: str):
    [outcome] = case.land_days(url, open_exports_store(str(root)), config, [DAY], run_id=run_id)
    return outcome


def _rows(url: str, table: str) -> list[tuple]:
    return fetch_all(url, f"select * from {table} order by source_file, 2, 3, 4")  # noqa: S608 - a constant


@pytest.mark.parametrize(
    ("source", "cut", "expected"), CUTS, ids=[f"{source}-{cut.__name__.strip('_')}" for source, cut, _ in CUTS]
)
def test_a_file_cut_short_fails_whole_naming_it_and_keeps_its_previous_rows(
    local_root, database_url, source, cut, expected
):
    root, config = local_root
    case = CASES[source]
    write_file(root / case.key, case.complete)
    first = _land(case, database_url, root, config, "complete")
    assert [f.status for f in first.files] == ["completed"]
    before = _rows(database_url, case.table)
    assert len(before) >= 2

    write_file(root / case.key, cut(case.complete))
    outcome = _land(case, database_url, root, config, "cut")

    [failed] = outcome.files
    assert failed.status == "failed" and failed.loaded == 0
    assert failed.message.startswith(str((root / case.key).resolve())) and expected in failed.message
    assert _rows(database_url, case.table) == before
    logged = fetch_all(
        database_url, "select target, status, message, failure_kind from ops.ingestion_logs where run_id = 'cut'"
    )
    assert [(target, status) for target, status, *_ in logged] == [(failed.file, "failed")]
    assert expected in logged[0][2] and logged[0][3] == "permanent"


def test_a_file_read_at_another_size_than_listed_fails_alone_and_keeps_its_rows(local_root, database_url):
    """A file replaced (or still being written) between the listing and the read: the bytes
    read do not add up to the size listed, so nothing of it lands; it is transient (the
    re-upload's new stamp brings the day back)."""
    from metrics_pipeline.sources.media_partner.load import land_day, list_exports

    root, config = local_root
    write_file(root / MEDIA_PARTNER_KEY, MEDIA_PARTNER_FILE)
    beta = MEDIA_PARTNER_FILE.replace("C1", "B1").replace("C2", "B2")
    config = load_config(
        write_file(
            root.parent / "config2.yaml",
            ALL_SOURCES_CONFIG
            + '      - slug: beta\n        name: Beta\n        media_partner: {cpm_rates: [{effective_from: 2026-09-01, cpm: "5.00"}]}\n',
        )
    )
    write_file(root / f"media_partner/beta/{DAY}.csv", beta)
    store = open_exports_store(str(root))
    media_partner_land_days(database_url, store, config, [DAY], run_id="complete")
    before = _rows(database_url, "raw_media_partner.daily_exports")

    listing = list_exports(store)
    # alpha's file is cut at a line break after the listing was taken: its content alone
    # cannot tell, the listed size can.
    write_file(root / MEDIA_PARTNER_KEY, MEDIA_PARTNER_FILE[: MEDIA_PARTNER_FILE.index("\n", 120) + 1])
    outcome = land_day(database_url, store, config, DAY, listing.files_of(DAY), run_id="changed")

    assert [(f.file.rsplit("/", 2)[-2], f.status) for f in outcome.files] == [
        ("alpha", "failed"),
        ("beta", "completed"),
    ]
    assert "where the exports root listed" in outcome.files[0].message
    assert outcome.files[0].cause.kind == "transient"
    after = _rows(database_url, "raw_media_partner.daily_exports")
    assert [r for r in after if r[0] == "alpha"] == [r for r in before if r[0] == "alpha"]  # both rows kept


@pytest.mark.parametrize("source", sorted(CASES))
def test_a_key_outside_the_layout_is_logged_as_ignored_and_keeps_the_days_rows(local_root, database_url, source):
    """The day's file is re-uploaded under a name the layout does not know (a date that is not
    zero-padded) and the old one removed: the new name is logged as ignored, with its reason,
    and the rows landed from the old name stay instead of looking vanished."""
    root, config = local_root
    case = CASES[source]
    write_file(root / case.key, case.complete)
    _land(case, database_url, root, config, "complete")
    before = _rows(database_url, case.table)

    misnamed = case.key.replace(DAY.isoformat(), f"{DAY.year}-{DAY.month}-{DAY.day}")
    (root / misnamed).parent.mkdir(parents=True, exist_ok=True)
    (root / case.key).rename(root / misnamed)
    outcome = _land(case, database_url, root, config, "misnamed")

    assert outcome.files == [] and [(i.file, i.status) for i in outcome.ignored] == [
        (str((root / misnamed).resolve()), "ignored")
    ]
    assert _rows(database_url, case.table) == before
    logged = fetch_all(
        database_url,
        "select partition_key, target, status, message from ops.ingestion_logs where run_id = 'misnamed'",
    )
    assert [(p, t.endswith(misnamed), s) for p, t, s, _ in logged] == [(DAY.isoformat(), True, "ignored")]
    assert f"must be written YYYY-MM-DD, zero-padded ({DAY.isoformat()})" in logged[0][3]

    # Renamed back, it lands again; with no file at all for the day, its rows go.
    (root / misnamed).rename(root / case.key)
    assert [f.status for f in _land(case, database_url, root, config, "renamed").files] == ["completed"]
    assert _rows(database_url, case.table) != [] and len(_rows(database_url, case.table)) == len(before)
    (root / case.key).unlink()
    _land(case, database_url, root, config, "gone")
    assert _rows(database_url, case.table) == []


def test_an_upper_case_extension_lands_and_two_names_of_one_client_day_both_fail(local_root, database_url):
    root, config = local_root
    upper = MEDIA_PARTNER_KEY.replace(".csv", ".CSV")
    write_file(root / upper, MEDIA_PARTNER_FILE)
    outcome = _land(CASES["media_partner"], database_url, root, config, "upper")
    assert [(f.file.rsplit("/", 1)[-1], f.status, f.loaded) for f in outcome.files] == [(f"{DAY}.CSV", "completed", 2)]
    before = _rows(database_url, "raw_media_partner.daily_exports")

    write_file(root / MEDIA_PARTNER_KEY, MEDIA_PARTNER_FILE.replace("C1", "X1"))
    outcome = _land(CASES["media_partner"], database_url, root, config, "both")
    assert [f.status for f in outcome.files] == ["failed", "failed"]
    assert all("is a file of the same client and day" in f.message for f in outcome.files)
    assert _rows(database_url, "raw_media_partner.daily_exports") == before


def _sales_workbook() -> bytes:
    """A sales report as the console's .xlsx download: typed number cells, the first row the header."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ["Date", "ASIN", "Total Sales", "Units", "Ad Units", "Ad Sales"])
    for index in range(40):
        sheet.write_row(index + 1, 0, [DAY.isoformat(), f"B0ALPHA{index:03d}", 100.25 + index, 2, 1, 12.5])
    book.close()
    return buffer.getvalue()


def test_an_amazon_workbook_cut_short_fails_whole_naming_it_and_keeps_its_previous_rows(local_root, database_url):
    """An .xlsx is a zip with its directory at the end: a cut-short upload is a failed file that
    names itself and says it looks truncated, never a partial landing."""
    root, config = local_root
    key = AMAZON_KEY.replace(".csv", ".xlsx")
    complete = _sales_workbook()
    write_file(root / key, complete)
    first = _land(CASES["amazon_ads"], database_url, root, config, "complete")
    assert [(f.status, f.loaded) for f in first.files] == [("completed", 40)]
    before = _rows(database_url, "raw_amazon_ads.sales_reports")

    write_file(root / key, complete[: len(complete) * 2 // 3])
    [failed] = _land(CASES["amazon_ads"], database_url, root, config, "cut").files

    assert failed.status == "failed" and failed.loaded == 0
    assert failed.message.startswith(str((root / key).resolve()) + ": ends before its zip directory does (truncated?)")
    assert _rows(database_url, "raw_amazon_ads.sales_reports") == before
    assert fetch_all(
        database_url,
        "select status, failure_kind from ops.ingestion_logs where run_id = 'cut' and target = %s",
        (failed.file,),
    ) == [("failed", "permanent")]


def test_amazon_reports_of_one_day_land_side_by_side_but_two_cases_of_one_key_both_fail(local_root, database_url):
    """Each Amazon file replaces only its own rows, so labelled reports of one folder and day
    (Sponsored Products and Brands) both land; `.csv` and `.CSV` of one name are one file twice."""
    root, config = local_root
    folder = "amazon_ads/alpha-brand/amazon"
    sp = (
        "Date,Campaign Name,Ad Group Name,Targeting,Match Type,Customer Search Term,Impressions,Clicks,Spend,"
        f"7 Day Total Sales ,7 Day Total Orders (#)\n{DAY},SP,G,rain jacket,EXACT,rain jacket,100,2,$1.00,$0,0\n"
    )
    sb = sp.replace("7 Day", "14 Day").replace(",SP,", ",SB,")
    write_file(root / f"{folder}/{DAY}.CSV", sp)
    write_file(root / f"{folder}/{DAY}_sponsored-brands.csv", sb)
    outcome = _land(CASES["amazon_ads"], database_url, root, config, "side-by-side")
    assert [(f.file.rsplit("/", 1)[1], f.status) for f in outcome.files] == [
        (f"{DAY}.CSV", "completed"),
        (f"{DAY}_sponsored-brands.csv", "completed"),
    ]
    landed = fetch_all(database_url, "select ad_type, campaign_name from raw_amazon_ads.keyword_reports order by 1")
    assert landed == [("SB", "SB"), ("SP", "SP")]

    write_file(root / f"{folder}/{DAY}.csv", sp.replace("$1.00", "$9.00"))
    outcome = _land(CASES["amazon_ads"], database_url, root, config, "two-cases")
    assert [(f.file.rsplit("/", 1)[1], f.status) for f in outcome.files] == [
        (f"{DAY}.CSV", "failed"),
        (f"{DAY}.csv", "failed"),
        (f"{DAY}_sponsored-brands.csv", "completed"),
    ]
    assert all("names differ only in case?" in f.message for f in outcome.files[:2])
    assert fetch_all(database_url, "select spend from raw_amazon_ads.keyword_reports where ad_type = 'SP'") == [
        (Decimal("1.00"),)
    ]
