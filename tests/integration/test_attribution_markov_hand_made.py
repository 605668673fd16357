"""The Markov-chain (data-driven) attribution model on a world small enough to solve by hand.

One shop (UTC, USD), one workspace, three channels: G = google_ads (a gclid), M = meta (an
fbclid), E = email (newsletter UTMs). Six visitors; the site's newest event is 10-19, so with
the default 7 inactivity days a journey without an order whose last event is before 10-12 is
abandoned:

  v1  G 10-10, E 10-12, E 10-14, order #2001        path  G E      -> conversion (E twice)
  v2  M 10-11, G 10-13, order #2002                 path  M G      -> conversion
  v3  G 09-20                       abandoned       path  G        -> null
  v4  M 09-21, E 09-23              abandoned       path  M E      -> null
  v5  E 10-15, order #2005                          path  E        -> conversion
  v6  M 10-19                       in progress     left out (it may still convert)

v1's two E touches are one step of the chain (a self-loop changes no absorption probability).
Transitions (counts / outgoing):
  start -> G 2/5, M 2/5, E 1/5
  G     -> E 1/3, conversion 1/3, null 1/3
  M     -> G 1/2, E 1/2
  E     -> conversion 2/3, null 1/3
Probability of conversion from each state, p(s) = sum over t of P(s -> t) p(t):
  p(E) = 2/3;  p(G) = 1/3 * 2/3 + 1/3 = 5/9;  p(M) = 1/2 * 5/9 + 1/2 * 2/3 = 11/18
  P    = 2/5 * 5/9 + 2/5 * 11/18 + 1/5 * 2/3 = 10/45 + 11/45 + 6/45 = 3/5   (3 of 5 paths convert)
Removing a channel sends every transition into it to null (its p becomes 0):
  without G:  p(M) = 1/2 * 2/3 = 1/3;         P = 2/5 * 1/3 + 1/5 * 2/3 = 4/15   RE(G) = 1 - (4/15)/(3/5) = 5/9
  without M:  P = 2/5 * 5/9 + 1/5 * 2/3 = 16/45                               RE(M) = 1 - 16/27 = 11/27
  without E:  p(G) = 1/3, p(M) = 1/6;  P = 2/5 * 1/3 + 2/5 * 1/6 = 1/5        RE(E) = 1 - 1/3 = 2/3
Weights (the order's channels' removal effects normalised to 1, a channel's share split over
its touches), in 27ths: G 15, M 11, E 18:
  #2001  G 15/33 = 5/11;  E 18/33 = 6/11, split over two touches: 3/11, 3/11
  #2002  M 11/26;  G 15/26
  #2005  E 1
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import psycopg
import pytest

from metrics_pipeline.cli.reports import print_attribution_report
from tests.conftest import fetch_all
from tests.dbt_cli import run_dbt

pytestmark = pytest.mark.integration

SHOP = "shop1.myshopify.com"

WORLD_SQL = f"""
insert into config.workspaces (workspace_slug, workspace_name, reporting_currency) values ('w1', 'W1', 'USD');
insert into config.clients (client_slug, workspace_slug, client_name, currency, timezone, pixel_site_id)
values ('c1', 'w1', 'C1', 'USD', 'UTC', 'px1');
insert into config.connections (connection_id, workspace_slug, client_slug, provider, account_ids,
    manager_customer_id, status, sync_frequency, lookback_days)
values ('s1', 'w1', 'c1', 'shopify', '{{{SHOP}}}', null, 'active', 'daily', 30);

insert into raw_shopify.shops values ('{SHOP}', 's1', 'Shop', 'USD', 'UTC', 'r', now());
insert into raw_shopify.products values ('{SHOP}', 501, 'Jacket', 'Outerwear', 'Acme', 'ACTIVE', 'r', now());
insert into raw_shopify.product_variants values ('{SHOP}', 601, 501, 'JKT-M', 'M', 100, 701, 'r', now());
insert into raw_shopify.variant_cost_observations values ('{SHOP}', 601, 40, '2026-09-01T00:00Z', 'r');
"""

# order_id, name, processed_at, checkout token
ORDERS = [
    (2001, "#2001", "2026-10-14T10:10Z", "tok1"),
    (2002, "#2002", "2026-10-13T10:10Z", "tok2"),
    (2005, "#2005", "2026-10-15T10:10Z", "tok5"),
]

G = {"gclid": "G"}
M = {"fbclid": "F"}
E = {"utm_source": "newsletter", "utm_medium": "email", "utm_campaign": "oct"}

# event_id, visitor, session, occurred_at, event_type, signal, checkout token
PIXEL_EVENTS = [
    ("a1", "v1", "s1a", "2026-10-10T10:00Z", "page_view", G, None),
    ("a2", "v1", "s1b", "2026-10-12T10:00Z", "page_view", E, None),
    ("a3", "v1", "s1c", "2026-10-14T10:00Z", "page_view", E, None),
    ("a4", "v1", "s1c", "2026-10-14T10:05Z", "checkout_completed", E, "tok1"),
    ("b1", "v2", "s2a", "2026-10-11T10:00Z", "page_view", M, None),
    ("b2", "v2", "s2b", "2026-10-13T10:00Z", "page_view", G, None),
    ("b3", "v2", "s2b", "2026-10-13T10:05Z", "checkout_completed", G, "tok2"),
    ("c1", "v3", "s3a", "2026-09-20T10:00Z", "page_view", G, None),
    ("d1", "v4", "s4a", "2026-09-21T10:00Z", "page_view", M, None),
    ("d2", "v4", "s4b", "2026-09-23T10:00Z", "page_view", E, None),
    ("e1", "v5", "s5a", "2026-10-15T10:00Z", "page_view", E, None),
    ("e2", "v5", "s5a", "2026-10-15T10:05Z", "checkout_completed", E, "tok5"),
    ("f1", "v6", "s6a", "2026-10-19T10:00Z", "page_view", M, None),
]

RE_G, RE_M, RE_E = Fraction(5, 9), Fraction(11, 27), Fraction(2, 3)


@pytest.fixture(scope="module")
def built(database_url, tmp_path_factory):
    with psycopg.connect(database_url) as conn:
        conn.execute(WORLD_SQL)
        for order_id, name, at, token in ORDERS:
            conn.execute(
                "insert into raw_shopify.orders (shop_domain, order_id, order_name, created_at, processed_at,"
                " updated_at, cancelled_at, financial_status, currency, subtotal_price, total_discounts,"
                " total_shipping, total_tax, total_price, source_name, checkout_token, ingestion_run_id,"
                " extracted_at)"
                " values (%s, %s, %s, %s, %s, %s, null, 'PAID', 'USD', 100, 0, 0, 0, 100, 'web', %s, 'r', now())",
                (SHOP, order_id, name, at, at, at, token),
            )
            conn.execute(
                "insert into raw_shopify.order_line_items values (%s, %s, 1, 501, 601, 'JKT-M', 'Jacket', 1, 100, 0, 'r')",
                (SHOP, order_id),
            )
        for event_id, visitor, session, at, kind, signal, token in PIXEL_EVENTS:
            conn.execute(
                "insert into raw_pixel.events (event_id, site_id, event_type, occurred_at, event_date, visitor_id,"
                " session_id, landing_page, utm_source, utm_medium, utm_campaign, gclid, fbclid, checkout_token,"
                " order_value, currency, source_file, source_line, ingestion_run_id)"
                " values (%s, 'px1', %s, %s, %s::timestamptz::date, %s, %s, 'https://shop1.example/', %s, %s, %s,"
                " %s, %s, %s, %s, 'USD', 'hand-made', 1, 'r')",
                (
                    event_id,
                    kind,
                    at,
                    at,
                    visitor,
                    session,
                    signal.get("utm_source"),
                    signal.get("utm_medium"),
                    signal.get("utm_campaign"),
                    signal.get("gclid"),
                    signal.get("fbclid"),
                    token,
                    Decimal("100") if token else None,
                ),
            )
    target = tmp_path_factory.mktemp("dbt_target")
    result = run_dbt(database_url, target, "build", "--vars", "{pnl_as_of: '2026-11-01T00:00:00Z'}")
    assert result.returncode == 0, result.stdout[-4000:]
    return database_url


def test_the_journeys_are_the_ones_the_docstring_solves(built):
    rows = fetch_all(built, "select visitor_id, status from marts.fct_journeys order by visitor_id")
    assert rows == [
        ("v1", "converted"),
        ("v2", "converted"),
        ("v3", "abandoned"),
        ("v4", "abandoned"),
        ("v5", "converted"),
        ("v6", "in_progress"),
    ]


def test_the_removal_effects_are_as_solved_by_hand(built):
    rows = fetch_all(
        built,
        "select channel, conversion_probability, conversion_probability_without, removal_effect,"
        " converting_paths, abandoned_paths, unabsorbed_mass"
        " from intermediate.int_attribution__markov_removal_effects where workspace_slug = 'w1' order by channel",
    )
    expected = [
        ("email", Fraction(1, 5), RE_E, 2, 1),
        ("google_ads", Fraction(4, 15), RE_G, 2, 1),
        ("meta", Fraction(16, 45), RE_M, 1, 1),
    ]
    assert [row[0] for row in rows] == [channel for channel, *_ in expected]
    for (channel, p, p_without, effect, converting, abandoned, leftover), want in zip(rows, expected, strict=True):
        _, want_without, want_effect, want_converting, want_abandoned = want
        assert round(p, 9) == round(3 / 5, 9), channel
        assert round(p_without, 9) == round(float(want_without), 9), channel
        assert round(effect, 9) == round(float(want_effect), 9), channel
        assert (converting, abandoned, leftover) == (want_converting, want_abandoned, 0), channel


def test_each_order_splits_its_credit_by_its_channels_removal_effects(built):
    rows = fetch_all(
        built,
        "select order_name, position, channel, weight from marts.fct_attribution_links"
        " where model = 'markov' order by order_name, position",
    )
    g, m, e = RE_G, RE_M, RE_E
    expected = [
        ("#2001", 1, "google_ads", g / (g + e)),
        ("#2001", 2, "email", e / (g + e) / 2),  # E's share split over its two touches
        ("#2001", 3, "email", e / (g + e) / 2),
        ("#2002", 1, "meta", m / (m + g)),
        ("#2002", 2, "google_ads", g / (m + g)),
        ("#2005", 1, "email", Fraction(1)),
    ]
    assert [Fraction(5, 11), Fraction(3, 11), Fraction(11, 26), Fraction(15, 26)] == [
        expected[0][3],
        expected[1][3],
        expected[3][3],
        expected[4][3],
    ]
    assert [(name, position, channel) for name, position, channel, _ in rows] == [row[:3] for row in expected]
    for (name, position, _, weight), (*_, want) in zip(rows, expected, strict=True):
        assert round(weight, 6) == round(Decimal(want.numerator) / Decimal(want.denominator), 6), (name, position)
    for name in ("#2001", "#2002", "#2005"):
        assert sum(weight for order, *_, weight in rows if order == name) == 1  # exactly


def test_the_markov_weights_revenue_like_the_other_models(built):
    [(revenue,)] = fetch_all(
        built,
        "select sum(attributed_revenue) from marts.fct_attribution_links"
        " where model = 'markov' and order_name = '#2002' and channel = 'meta'",
    )
    assert round(revenue, 6) == round(Decimal(100) * 11 / 26, 6)


def test_the_demo_prints_each_channels_removal_effect_and_credit(built, capsys):
    print_attribution_report(built)
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].startswith("first-party attribution per channel")
    # 100 per order. markov: email 6/11 of #2001 and all of #2005, google_ads 5/11 of #2001 and
    # 15/26 of #2002, meta 11/26 of #2002. linear: email 2/3 of #2001 and #2005, google_ads 1/3
    # of #2001 and 1/2 of #2002, meta 1/2 of #2002. last touch: email #2001 and #2005,
    # google_ads #2002, meta 0 (its touch is listed with weight 0).
    rows = [line.split() for line in lines[4:]]
    assert rows == [
        ["w1", "email", "USD", "2", "0.667", "200.00", "166.67", "154.55"],
        ["w1", "google_ads", "USD", "2", "0.556", "100.00", "83.33", "103.15"],
        ["w1", "meta", "USD", "1", "0.407", "0.00", "50.00", "42.31"],
    ]
