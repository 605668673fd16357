"""Attribution, refunds and COGS on a world small enough to calculate by hand.

One shop (UTC, USD) and one Google Ads account. Visitor v1's touches before the order, which
the pixel saw complete at 2026-10-02 15:00 UTC (order #1001, checkout token tok1):

  when           event                                         resolves to
  40 days before gclid G-OLD (generic ad)                      outside the 30-day look-back
   7 days before gclid G-BRAND and utm_id=12 (generic campaign) the Brand ad: gclid beats utm_id
   4 days before newsletter email                              channel email, no ad entity
   1 day before  utm_id=12 (Search | Generic)                  the Generic campaign (utm_id, high)

The order: 2 jackets at 100.00, 20.00 discount, one jacket refunded for 90.00 on 2026-10-06.
  net revenue = 200 - 20 - 90 = 90;  unit cost 40.00 (observed 09-01), 50.00 only from 10-05,
  so COGS = 2 x 40 - 1 x 40 (refunded back to stock) = 40;  gross profit = 50.
"""

from __future__ import annotations

import math
from datetime import date
from decimal import Decimal

import psycopg
import pytest

from tests.conftest import fetch_all
from tests.dbt_cli import run_dbt

pytestmark = pytest.mark.integration

D = Decimal
SHOP = "shop1.myshopify.com"

WORLD_SQL = f"""
insert into config.workspaces (workspace_slug, workspace_name, reporting_currency) values ('w1', 'W1', 'USD');
insert into config.clients (client_slug, workspace_slug, client_name, currency, timezone, pixel_site_id)
values ('c1', 'w1', 'C1', 'USD', 'UTC', 'px1');
insert into config.connections (connection_id, workspace_slug, client_slug, provider, account_ids,
    manager_customer_id, status, sync_frequency, lookback_days)
values ('g1', 'w1', 'c1', 'google_ads', '{{1234567890}}', null, 'active', 'daily', 14),
       ('s1', 'w1', 'c1', 'shopify', '{{{SHOP}}}', null, 'active', 'daily', 30);
insert into config.attribution_settings values ('w1', 30, 0.4, 0.4, 7, 7, 'last_touch');

insert into raw_google_ads.customers values (1234567890, null, 'g1', 'Acme', 'USD', 'UTC', false, 'ENABLED', 'r', now());
insert into raw_google_ads.campaigns values
    (1234567890, 11, 'Search | Brand', 'ENABLED', 'SEARCH', 'TARGET_ROAS', 'r', now()),
    (1234567890, 12, 'Search | Generic', 'ENABLED', 'SEARCH', 'MANUAL_CPC', 'r', now());
insert into raw_google_ads.ad_groups values
    (1234567890, 21, 11, 'Brand', 'ENABLED', 'SEARCH_STANDARD', 'r', now()),
    (1234567890, 22, 12, 'Generic', 'ENABLED', 'SEARCH_STANDARD', 'r', now());
insert into raw_google_ads.ads (customer_id, ad_group_id, ad_id, campaign_id, name, status, type, ingestion_run_id, extracted_at)
values (1234567890, 21, 31, 11, 'Brand ad', 'ENABLED', 'RESPONSIVE_SEARCH_AD', 'r', now()),
       (1234567890, 22, 32, 12, 'Generic ad', 'ENABLED', 'RESPONSIVE_SEARCH_AD', 'r', now());
insert into raw_google_ads.click_views (customer_id, click_date, gclid, campaign_id, ad_group_id, ad_id,
    keyword_criterion_id, ingestion_run_id, extracted_at)
values (1234567890, '2026-09-25', 'G-BRAND', 11, 21, 31, null, 'r', now()),
       (1234567890, '2026-08-23', 'G-OLD', 12, 22, 32, null, 'r', now());
insert into raw_google_ads.ad_daily_metrics values
    (1234567890, 12, 22, 32, '2026-10-02', 10000000, 100, 10, 1, 200, 'r', now());

insert into raw_shopify.shops values ('{SHOP}', 's1', 'Shop', 'USD', 'UTC', 'r', now());
insert into raw_shopify.products values ('{SHOP}', 501, 'Jacket', 'Outerwear', 'Acme', 'ACTIVE', 'r', now());
insert into raw_shopify.product_variants values ('{SHOP}', 601, 501, 'JKT-M', 'M', 100, 701, 'r', now());
insert into raw_shopify.variant_cost_observations values
    ('{SHOP}', 601, 40, '2026-09-01T00:00Z', 'r'), ('{SHOP}', 601, 50, '2026-10-05T00:00Z', 'r');
insert into raw_shopify.customers values ('{SHOP}', 801, 'hash1', '2026-09-01T00:00Z', '2026-10-02T15:05Z', 'r', now());
insert into raw_shopify.orders (shop_domain, order_id, order_name, created_at, processed_at, updated_at, cancelled_at,
    financial_status, currency, subtotal_price, total_discounts, total_shipping, total_tax, total_price, customer_id,
    email_hash, landing_site, referring_site, source_name, checkout_token, utm_source, utm_medium, utm_campaign,
    utm_term, utm_content, utm_id, gclid, fbclid, ttclid, ingestion_run_id, extracted_at)
values ('{SHOP}', 9001, '#1001', '2026-10-02T15:05Z', '2026-10-02T15:05Z', '2026-10-06T10:00Z', null,
    'PARTIALLY_REFUNDED', 'USD', 180, 20, 10, 0, 190, 801, 'hash1',
    'https://shop1.example/?gclid=G-BRAND&utm_id=12', null, 'web', 'tok1', null, null, null,
    null, null, '12', 'G-BRAND', null, null, 'r', now());
insert into raw_shopify.order_line_items values ('{SHOP}', 9001, 1, 501, 601, 'JKT-M', 'Jacket', 2, 100, 20, 'r');
insert into raw_shopify.refunds values ('{SHOP}', 9001, 9101, '2026-10-06T10:00Z', 90, 'r');
insert into raw_shopify.refund_line_items values ('{SHOP}', 9101, 1, 1, 90, 'r');
"""

PIXEL_EVENTS = [
    # event_id, occurred_at, session, event_type, utm_source, utm_medium, utm_campaign, utm_id, gclid, checkout_token
    ("e0", "2026-08-23T15:00:00Z", "s0", "page_view", None, None, None, None, "G-OLD", None),
    ("e1", "2026-09-25T15:00:00Z", "s1", "page_view", "google", "cpc", "Search | Brand", "12", "G-BRAND", None),
    ("e2", "2026-09-28T15:00:00Z", "s2", "page_view", "newsletter", "email", "sept", None, None, None),
    ("e3", "2026-10-01T15:00:00Z", "s3", "page_view", "google", "cpc", "Search | Generic", "12", None, None),
    ("e4", "2026-10-02T15:00:00Z", "s3", "checkout_completed", "google", "cpc", "Search | Generic", "12", None, "tok1"),
]


def load_world(url: str) -> None:
    """The shop, the Google Ads account and visitor v1's pixel events, as landed rows."""
    with psycopg.connect(url) as conn:
        conn.execute(WORLD_SQL)
        for event_id, at, session, kind, source, medium, campaign, utm_id, gclid, token in PIXEL_EVENTS:
            conn.execute(
                "insert into raw_pixel.events (event_id, site_id, event_type, occurred_at, event_date, visitor_id,"
                " session_id, landing_page, utm_source, utm_medium, utm_campaign, utm_id, gclid, checkout_token,"
                " order_value, currency, source_file, source_line, ingestion_run_id)"
                " values (%s, 'px1', %s, %s, %s::timestamptz::date, 'v1', %s, 'https://shop1.example/', %s, %s, %s,"
                " %s, %s, %s, %s, 'USD', 'hand-made', 1, 'r')",
                (
                    event_id,
                    kind,
                    at,
                    at,
                    session,
                    source,
                    medium,
                    campaign,
                    utm_id,
                    gclid,
                    token,
                    D("180") if token else None,
                ),
            )


@pytest.fixture(scope="module")
def built(database_url, tmp_path_factory):
    load_world(database_url)
    target = tmp_path_factory.mktemp("dbt_target")
    result = run_dbt(database_url, target, "build", "--vars", "{pnl_as_of: '2026-11-01T00:00:00Z'}")
    assert result.returncode == 0, result.stdout[-4000:]
    return database_url


def links(url, model):
    return fetch_all(
        url,
        "select position, weight, attributed_revenue, match_type, touch_occurred_at::date "
        "from marts.fct_attribution_links where model = %s order by position",
        (model,),
    )


def test_every_model_weighs_the_three_touches_in_the_window_as_calculated_by_hand(built):
    half_life = 7
    decay = [2 ** (-days / half_life) for days in (7, 4, 1)]
    expected = {
        "first_touch": [1, 0, 0],
        "last_touch": [0, 0, 1],
        "linear": [1 / 3, 1 / 3, 1 / 3],
        "position_based": [0.4, 0.2, 0.4],  # 40 % first, 40 % last, the middle shares 20 %
        "time_decay": [w / sum(decay) for w in decay],
        # The only journey converts: start -> google_ads -> email -> google_ads -> conversion, a
        # chain with a loop (google_ads -> email 1/2, -> conversion 1/2; email -> google_ads 1).
        # P(conversion) = 1 (in the limit: 200 steps leave 2^-100 in the loop). Without
        # google_ads it is 0: removal effect 1. Without email, google_ads -> email goes to null
        # and P = 1/2: removal effect 1/2. Normalised: google_ads 2/3, split over its two
        # touches, email 1/3 - linear's weights, by another road.
        "markov": [1 / 3, 1 / 3, 1 / 3],
    }
    for model, weights in expected.items():
        rows = links(built, model)
        assert [position for position, *_ in rows] == [1, 2, 3], model
        assert sum(weight for _, weight, *_ in rows) == 1, model  # exactly, not approximately
        for (_, weight, revenue, _, _), want in zip(rows, weights, strict=True):
            assert math.isclose(float(weight), want, abs_tol=1e-9), (model, weight, want)
            assert math.isclose(float(revenue), 90 * want, abs_tol=1e-6), (model, revenue)


def test_the_look_back_cuts_off_the_touch_40_days_before(built):
    days = {day for *_, day in links(built, "linear")}
    assert days == {date(2026, 9, 25), date(2026, 9, 28), date(2026, 10, 1)}


def test_the_gclid_match_beats_the_utm_id_on_the_same_touch_and_on_the_order(built):
    [(match_type, confidence, ad_id)] = fetch_all(
        built,
        "select t.match_type, t.confidence, e.platform_entity_id from marts.fct_touchpoints t "
        "join marts.dim_ad_entities e using (entity_id) where t.event_id = 'e1'",
    )
    assert (match_type, confidence, ad_id) == ("gclid", "high", "31")
    [(order_match, order_entity_level)] = fetch_all(
        built, "select match_type, entity_level from marts.fct_order_attribution where order_id = 9001"
    )
    assert (order_match, order_entity_level) == ("gclid", "ad")


def test_net_revenue_cogs_as_of_the_order_and_refunds_on_their_own_date(built):
    [(net, cogs, profit)] = fetch_all(
        built, "select net_revenue, cogs, gross_profit from marts.fct_orders where order_id = 9001"
    )
    assert (net, cogs, profit) == (D("90"), D("40"), D("50"))
    daily = fetch_all(
        built,
        "select sales_date, net_revenue, refunds from marts.fct_shop_sales_daily where shop_domain = %s order by 1",
        (SHOP,),
    )
    assert daily == [(date(2026, 10, 2), D("180"), D("0")), (date(2026, 10, 6), D("-90"), D("90"))]


def test_the_pnl_shows_the_last_touch_revenue_and_poas_on_the_account(built):
    [(attributed, cogs, profit, spend, poas)] = fetch_all(
        built,
        "select attributed_revenue, cogs, gross_profit, spend, poas from marts.fct_pnl_daily "
        "where kind = 'eod' and level = 'account' and platform = 'google_ads' and metric_date = '2026-10-02'",
    )
    # last_touch credits the Generic campaign's utm_id touch with the whole order.
    assert (attributed, cogs, profit, spend) == (D("90"), D("40"), D("50"), D("10"))
    assert poas == D("5")


def build_pixel_window(url, tmp_path, first: str, last: str, full_refresh: bool = False) -> None:
    """int_pixel__events (and its tests) as the nightly job builds it: the window in the environment."""
    result = run_dbt(
        url,
        tmp_path,
        "build",
        "--select",
        "int_pixel__events",
        *(["--full-refresh"] if full_refresh else []),
        window=None if full_refresh else (first, last),
    )
    assert result.returncode == 0, result.stdout[-4000:]


def land_pixel_event(url, event_id: str, visitor: str, at: str) -> None:
    with psycopg.connect(url) as conn:
        conn.execute(
            "insert into raw_pixel.events (event_id, site_id, event_type, occurred_at, event_date, visitor_id,"
            " page_url, source_file, source_line, ingestion_run_id)"
            " values (%s, 'px1', 'page_view', %s, %s::timestamptz::date, %s, 'https://shop1.example/p',"
            " 'hand-made', 1, 'r')",
            (event_id, at, at, visitor),
        )


PIXEL_ROWS = (
    "select event_id, visitor_key, session_key, is_session_start, is_touchpoint "
    "from intermediate.int_pixel__events order by event_id"
)


# Last in the module: it lands more pixel events than the tests above expect.
def test_a_windowed_build_resessionises_a_touched_visitor_over_all_their_events(built, tmp_path):
    before = {row[0]: row for row in fetch_all(built, PIXEL_ROWS)}
    # v2 browses without a session id across midnight: 23:50 on 10-09, 00:10 on 10-10 is the same
    # 30-minute session, so the second event is neither a session start nor a touch
    land_pixel_event(built, "v2-a", "v2", "2026-10-09T23:50:00Z")
    build_pixel_window(built, tmp_path, "2026-10-09", "2026-10-09")
    land_pixel_event(built, "v2-b", "v2", "2026-10-10T00:10:00Z")
    build_pixel_window(built, tmp_path, "2026-10-10", "2026-10-10")

    rows = {row[0]: row for row in fetch_all(built, PIXEL_ROWS)}
    assert {k: v for k, v in rows.items() if k in before} == before  # v1, untouched, kept as it was
    assert rows["v2-a"][2:] == ("gap:1", True, True)
    assert rows["v2-b"][2:] == ("gap:1", False, False)

    # the 10-10 event withdrawn upstream: a rebuild of its day drops it and keeps 10-09's
    with psycopg.connect(built) as conn:
        conn.execute("delete from raw_pixel.events where event_id = 'v2-b'")
    build_pixel_window(built, tmp_path, "2026-10-10", "2026-10-10")
    windowed = fetch_all(built, PIXEL_ROWS)
    assert "v2-b" not in {row[0] for row in windowed}
    build_pixel_window(built, tmp_path, "", "", full_refresh=True)
    assert fetch_all(built, PIXEL_ROWS) == windowed
