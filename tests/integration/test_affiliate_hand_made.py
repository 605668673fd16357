"""Affiliate files made by hand, landed by the real job into Postgres and built by dbt, checked
against a hand calculation.

Clients (workspace `hand`): `handmade` (America/New_York, UTC-4 in September) with tracking
prefix `hm-`, and `other` (UTC) with the longer prefix `hm-x-`, so `hm-x-1` is other's.

affiliate/2026-09-10/ (files land in key order: catalog.csv, events-a.csv, events-b.csv)
  catalog.csv    P1 'Keto Guide', P2 'Yoga Plan'
  events-a.csv   headers by alias (ID, Type, Timestamp, TID, Product, Amount, Source, Refund, Note)
    c1..c4  click hm-fb P1, blank or 0 revenue                       -> 4 clicks
    s1      Conversion, 18:00+02:00 = 12:00 New York, "$1,234.50"    -> conversion 1234.50
    s2      conversion $40.00                                        -> conversion 40.00
    s4      conversion 60                                            -> conversion 60.00
    r1      conversion $40.00 with Refund = yes                      -> refund -40.00
    r2      refund -10.00 at 2026-09-11T02:00Z = 09-10 22:00 local   -> refund -10.00 (on 09-10)
    b1      rebill 25.5                                              -> rebill 25.50
    x1      type 'upsell'                                            -> quarantined (unknown event type)
    x2      click with -1.00                                         -> quarantined (negative click revenue)
    u1      conversion zz-unknown P9 $99                             -> landed, maps to no client
    o1      conversion hm-x-1 P1 $10                                 -> client other
  events-b.csv   a re-sent part: s2 again (dropped: already landed) and c5, one more click
affiliate/2026-09-11/
  products.csv   P1 'Keto Guide 2', P2 'Yoga Plan Pro'
  events.csv     s1 again (dropped: landed on 09-10), s3 conversion hm-fb P2 $50.00,
                 c6 click hm-fb P2 at 2026-09-12T03:00Z = 09-11 23:00 local
affiliate/2026-09-12/
  broken.csv     a header without occurred_at, product_id and revenue: the file fails by name

handmade, hm-fb, P1, 2026-09-10:
  clicks 5 (c1..c5), conversions 3 (s1, s2, s4), refunds 2 (r1, r2), rebills 1 (b1)
  gross = 1234.50 + 40.00 + 60.00 + 25.50 = 1360.00; refunded = 40.00 + 10.00 = 50.00
  net = 1310.00; EPC = 1310 / 5 = 262; refund rate = 2 / 3 = 0.666667
  title 'Keto Guide' (the 09-10 snapshot; the 09-11 rename is later than the day)
handmade, hm-fb, P2, 2026-09-11: clicks 1, conversions 1, gross = net = 50.00, EPC 50,
  refund rate 0, title 'Yoga Plan Pro'
other, hm-x-1, P1, 2026-09-10: conversions 1, net 10.00, no clicks so EPC null
"""

from __future__ import annotations

import os
from datetime import date
from decimal import Decimal

import dagster as dg
import pytest

from metrics_pipeline.landing.exports import open_exports_store
from metrics_pipeline.sources.affiliate.load import land_days
from tests.conftest import fetch_all, write_file

pytestmark = pytest.mark.integration
D = Decimal

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
        affiliate:
          tracking_id_prefixes: [hm-]
      - slug: other
        name: Other Co
        currency: USD
        timezone: UTC
        affiliate:
          tracking_id_prefixes: [hm-x-]
          currency: USD
"""
EVENTS_HEADER = "ID,Type,Timestamp,TID,Product,Amount,Source,Refund,Note"
FILES = {
    "2026-09-10/catalog.csv": (
        "Product ID,Title,Vendor,Category,Commission Rate,Commission Amount,Gravity,Refund Rate,Rebill\n"
        'P1,Keto Guide,ketov,Health,12.5%,"$1,020.00",45.3,5%,yes\n'
        "P2,Yoga Plan,yogav,Fitness,50%,$20.00,,,no\n"
    ),
    "2026-09-10/events-a.csv": "\r\n".join(
        [
            EVENTS_HEADER,
            "c1,click,2026-09-10T14:00:00Z,hm-fb,P1,,facebook,,",
            "c2,click,2026-09-10T15:00:00Z,hm-fb,P1,0,facebook,,",
            "c3,click,2026-09-10T16:00:00Z,hm-fb,P1,,facebook,,first visit",
            "c4,click,2026-09-10T17:00:00Z,hm-fb,P1,,,,",
            's1,Conversion,2026-09-10T18:00:00+02:00,hm-fb,P1,"$1,234.50",facebook,no,',
            "s2,conversion,2026-09-10T19:00:00Z,hm-fb,P1,$40.00,facebook,,",
            "s4,conversion,2026-09-10T19:30:00Z,hm-fb,P1,60,facebook,,",
            "r1,conversion,2026-09-10T20:00:00Z,hm-fb,P1,$40.00,facebook,yes,",
            "r2,refund,2026-09-11T02:00:00Z,hm-fb,P1,-10.00,facebook,,",
            "b1,rebill,2026-09-10T21:00:00Z,hm-fb,P1,25.5,,,",
            "x1,upsell,2026-09-10T21:00:00Z,hm-fb,P1,5.00,,,",
            "x2,click,2026-09-10T21:00:00Z,hm-fb,P1,-1.00,,,",
            "u1,conversion,2026-09-10T12:00:00Z,zz-unknown,P9,$99.00,,,",
            "o1,conversion,2026-09-10T12:00:00Z,hm-x-1,P1,$10.00,,,",
            "",
        ]
    ),
    "2026-09-10/events-b.csv": (
        EVENTS_HEADER + "\n"
        "s2,conversion,2026-09-10T19:00:00Z,hm-fb,P1,$40.00,facebook,,\n"
        "c5,click,2026-09-10T22:00:00Z,hm-fb,P1,,facebook,,\n"
    ),
    "2026-09-11/products.csv": (
        "product_id,title,vendor,category,commission_rate,commission_amount,gravity,refund_rate,is_rebill\n"
        "P1,Keto Guide 2,ketov,Health,12.5%,$20.00,46,5%,yes\n"
        "P2,Yoga Plan Pro,yogav,Fitness,50%,$20.00,3.1,1.5%,no\n"
    ),
    "2026-09-11/events.csv": (
        "event_id,event_type,occurred_at,tracking_id,product_id,revenue,source\n"
        "s1,conversion,2026-09-10T16:00:00Z,hm-fb,P1,1234.50,facebook\n"
        "s3,conversion,2026-09-11T15:00:00Z,hm-fb,P2,$50.00,google\n"
        "c6,click,2026-09-12T03:00:00Z,hm-fb,P2,,google\n"
    ),
    "2026-09-12/broken.csv": "id,type,tid\ne1,click,hm-fb\n",
}
EVENT_COLUMNS = (
    "event_id, event_type, occurred_at, event_date, tracking_id, product_id, revenue, revenue_as_exported, "
    "event_type_as_exported, refund_flag_as_exported, source, extra_columns::text, source_file, source_row_number"
)
CATALOGUE_COLUMNS = (
    "snapshot_date, product_id, title, vendor, category, commission_rate, commission_amount, gravity, "
    "refund_rate, is_rebill, source_file, source_row_number"
)
REJECTION_COLUMNS = "partition_key, source_file, row_number, fields, reason, raw_record::text"


def landed_tables(url: str) -> dict[str, list[tuple]]:
    return {
        "events": fetch_all(url, f"select {EVENT_COLUMNS} from raw_affiliate.events order by event_id"),
        "catalogue": fetch_all(url, f"select {CATALOGUE_COLUMNS} from raw_affiliate.catalogue_snapshots order by 1, 2"),
        "rejections": fetch_all(
            url, f"select {REJECTION_COLUMNS} from ops.rejected_rows where source = 'affiliate' order by 2, 3"
        ),
    }


@pytest.fixture(scope="module")
def world(tmp_path_factory, database_url):
    root = tmp_path_factory.mktemp("affiliate")
    config_path = write_file(root / "config.yaml", CONFIG)
    for name, text in FILES.items():
        write_file(root / "exports" / "affiliate" / name, text)
    mp = pytest.MonkeyPatch()
    mp.setenv("METRICS_CONFIG", str(config_path))
    mp.setenv("METRICS_EXPORTS_URI", str(root / "exports"))
    try:
        from metrics_pipeline.definitions import defs

        result = defs.resolve_job_def("affiliate_daily").execute_in_process(
            instance=dg.DagsterInstance.ephemeral(),
            tags={
                "dagster/asset_partition_range_start": "2026-09-10",
                "dagster/asset_partition_range_end": "2026-09-12",
            },
            raise_on_error=False,
        )
    finally:
        mp.undo()
    return database_url, root, result


def test_the_job_succeeds_and_only_the_broken_file_fails_its_check(world):
    _, _, result = world
    assert result.success
    checks = {e.check_name: e for e in result.get_asset_check_evaluations()}
    files_check = checks["every_file_landed"]
    assert not files_check.passed
    assert "broken.csv" in files_check.metadata["failed_files"].value
    assert checks["assert_affiliate_revenue_reconciles_with_landed_events"].passed
    assert checks["assert_pnl_account_equals_sum_of_ads"].passed
    assert checks["assert_ad_entity_hierarchy_is_well_formed"].passed
    unmapped = checks["assert_affiliate_tracking_ids_map_to_a_client"]
    assert not unmapped.passed and unmapped.severity == dg.AssetCheckSeverity.WARN
    # The run's dbt window and warehouse were for its dbt process only: a later dbt call of this
    # process (another test's) must not compare just these three days, or another database.
    assert not {"METRICS_DBT_WINDOW_START", "METRICS_DBT_WINDOW_END", "METRICS_PG_DBNAME"} & set(os.environ)


def test_a_wrong_header_fails_naming_the_file_and_its_missing_columns(world):
    url, _, _ = world
    [(status, message)] = fetch_all(
        url,
        "select status, message from ops.ingestion_logs where source = 'affiliate' and partition_key = '2026-09-12'",
    )
    assert status == "failed"
    assert "broken.csv: header is missing column(s) occurred_at" in message
    assert "product_id" in message and "revenue" in message


def test_refunds_land_negative_with_the_cells_as_exported(world):
    url, _, _ = world
    rows = fetch_all(
        url,
        "select event_id, event_type, revenue, revenue_as_exported, event_type_as_exported, refund_flag_as_exported,"
        " occurred_at, extra_columns->>'Note' from raw_affiliate.events where event_id in ('r1', 'r2', 's1', 'c3')"
        " order by event_id",
    )
    import datetime as dt

    utc = dt.UTC
    assert rows == [
        ("c3", "click", D("0"), None, "click", None, dt.datetime(2026, 9, 10, 16, tzinfo=utc), "first visit"),
        ("r1", "refund", D("-40.00"), "$40.00", "conversion", "yes", dt.datetime(2026, 9, 10, 20, tzinfo=utc), None),
        ("r2", "refund", D("-10.00"), "-10.00", "refund", None, dt.datetime(2026, 9, 11, 2, tzinfo=utc), None),
        (
            "s1",
            "conversion",
            D("1234.50"),
            "$1,234.50",
            "Conversion",
            "no",
            dt.datetime(2026, 9, 10, 16, tzinfo=utc),
            None,
        ),
    ]


def test_duplicate_event_ids_are_landed_once_by_the_first_file_that_had_them(world):
    url, _, _ = world
    rows = fetch_all(
        url,
        "select event_id, event_date, source_file like '%/events-a.csv' from raw_affiliate.events"
        " where event_id in ('s1', 's2') order by event_id",
    )
    assert rows == [("s1", date(2026, 9, 10), True), ("s2", date(2026, 9, 10), True)]
    messages = dict(
        fetch_all(
            url,
            "select target, message from ops.ingestion_logs where source = 'affiliate' and status <> 'failed'",
        )
    )
    by_name = {target.rsplit("/", 1)[-1] + "@" + target.rsplit("/", 2)[-2]: m for target, m in messages.items()}
    assert by_name["events-b.csv@2026-09-10"] == "1 events landed, 1 duplicate event ids dropped"
    assert by_name["events.csv@2026-09-11"] == "2 events landed, 1 duplicate event ids dropped"
    # 14 data rows in events-a, 2 quarantined: 12; + c5; + s3, c6
    assert fetch_all(url, "select count(*) from raw_affiliate.events") == [(15,)]


def test_bad_rows_are_quarantined_with_their_reasons(world):
    url, _, _ = world
    rows = fetch_all(
        url,
        "select source_file like '%/2026-09-10/events-a.csv', row_number, fields, reason, raw_record->>'Type'"
        " from ops.rejected_rows where source = 'affiliate' order by row_number",
    )
    assert rows == [
        (
            True,
            12,
            "event_type",
            "event_type: unknown event type, expected one of click, conversion, refund, rebill (got 'upsell')",
            "upsell",
        ),
        (True, 13, "revenue", "revenue: a click's revenue must not be negative (got '-1.00')", "click"),
    ]


def test_fct_affiliate_daily_matches_the_hand_calculation(world):
    url, _, _ = world
    rows = fetch_all(
        url,
        "select metric_date, client_slug, tracking_id, product_id, product_title, vendor, category, currency,"
        " clicks, conversions, refunds, rebills, gross_revenue, refunded_revenue, net_revenue, epc, refund_rate"
        " from marts.fct_affiliate_daily order by client_slug, metric_date, product_id",
    )
    assert rows == [
        (
            date(2026, 9, 10),
            "handmade",
            "hm-fb",
            "P1",
            "Keto Guide",
            "ketov",
            "Health",
            "USD",
            5,
            3,
            2,
            1,
            D("1360.00"),
            D("50.00"),
            D("1310.00"),
            D("262"),
            D("0.666667"),
        ),
        (
            date(2026, 9, 11),
            "handmade",
            "hm-fb",
            "P2",
            "Yoga Plan Pro",
            "yogav",
            "Fitness",
            "USD",
            1,
            1,
            0,
            0,
            D("50.00"),
            D("0"),
            D("50.00"),
            D("50"),
            D("0"),
        ),
        (
            date(2026, 9, 10),
            "other",
            "hm-x-1",
            "P1",
            "Keto Guide",
            "ketov",
            "Health",
            "USD",
            0,
            1,
            0,
            0,
            D("10.00"),
            D("0"),
            D("10.00"),
            None,
            D("0"),
        ),
    ]


def test_the_catalogue_lands_percentages_as_fractions_and_money_exactly(world):
    url, _, _ = world
    rows = fetch_all(
        url,
        "select snapshot_date, product_id, commission_rate, commission_amount, gravity, refund_rate, is_rebill"
        " from raw_affiliate.catalogue_snapshots order by 1, 2",
    )
    assert rows == [
        (date(2026, 9, 10), "P1", D("0.125"), D("1020.00"), D("45.3"), D("0.05"), True),
        (date(2026, 9, 10), "P2", D("0.5"), D("20.00"), None, None, False),
        (date(2026, 9, 11), "P1", D("0.125"), D("20.00"), D("46"), D("0.05"), True),
        (date(2026, 9, 11), "P2", D("0.5"), D("20.00"), D("3.1"), D("0.015"), False),
    ]


def test_entities_and_the_pnl_carry_affiliate_campaigns_with_their_net_revenue(world):
    url, _, _ = world
    entities = fetch_all(
        url,
        "select client_slug, level, entity_path from marts.dim_ad_entities where platform = 'affiliate' order by 1, 3",
    )
    # product names: the latest snapshot's title
    assert entities == [
        ("handmade", "account", "Hand Made Co"),
        ("handmade", "campaign", "Hand Made Co > hm-fb"),
        ("handmade", "product", "Hand Made Co > hm-fb > Keto Guide 2"),
        ("handmade", "product", "Hand Made Co > hm-fb > Yoga Plan Pro"),
        ("other", "account", "Other Co"),
        ("other", "campaign", "Other Co > hm-x-1"),
        ("other", "product", "Other Co > hm-x-1 > Keto Guide 2"),
    ]
    pnl = fetch_all(
        url,
        "select client_slug, level, metric_date, spend, clicks, conversions, platform_revenue,"
        " platform_revenue_reporting from marts.fct_pnl_daily"
        " where kind = 'eod' and platform = 'affiliate' and level in ('account', 'campaign')"
        " order by client_slug, metric_date, level",
    )
    assert pnl == [
        ("handmade", "account", date(2026, 9, 10), D("0"), 5, D("3"), D("1310.00"), D("1310.00")),
        ("handmade", "campaign", date(2026, 9, 10), D("0"), 5, D("3"), D("1310.00"), D("1310.00")),
        ("handmade", "account", date(2026, 9, 11), D("0"), 1, D("1"), D("50.00"), D("50.00")),
        ("handmade", "campaign", date(2026, 9, 11), D("0"), 1, D("1"), D("50.00"), D("50.00")),
        ("other", "account", date(2026, 9, 10), D("0"), 0, D("1"), D("10.00"), D("10.00")),
        ("other", "campaign", date(2026, 9, 10), D("0"), 0, D("1"), D("10.00"), D("10.00")),
    ]


def test_unmapped_tracking_ids_stay_out_of_the_marts(world):
    url, _, _ = world
    assert fetch_all(
        url, "select tracking_id, event_id from intermediate.int_affiliate__events where not is_mapped"
    ) == [("zz-unknown", "u1")]
    assert fetch_all(url, "select count(*) from marts.fct_affiliate_daily where product_id = 'P9'") == [(0,)]


def test_landing_the_days_again_gives_identical_tables(world):
    url, root, _ = world
    before = landed_tables(url)
    days = [date(2026, 9, 10), date(2026, 9, 11), date(2026, 9, 12)]
    # landed twice more, in reverse order too: an id still belongs to the day that has it
    for order in (days, list(reversed(days))):
        land_days(url, open_exports_store(str(root / "exports")), None, order, run_id="again")
        assert landed_tables(url) == before
