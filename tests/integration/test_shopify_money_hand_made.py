"""Shopify money in the commerce marts on orders small enough to calculate by hand (issue 14).

One shop (UTC, USD), rows landed as the connector lands them:

  #1001  2 jackets at 100.00: a code (FALL10, 20.00) and an order-level goodwill discount (10.00)
         allocated to the line. Shopify's LineItem.totalDiscountSet shows neither (0); the line's
         discountAllocations sum to 30.00.                                      net 200 - 30 = 170
         3 socks at 50.00, 15.00 of discounts, one removed by an order edit (quantity 3,
         currentQuantity 2, no refund): 2 sold, 10.00 of discount on them.   net 100 - 10 = 90
         unit costs 40.00 and 20.00:                          COGS 2 x 40 + 2 x 20 = 120, profit 140
  #1002  prices include VAT (taxesIncluded): 1 jacket at 119.00, tax line 19.00: net 100; refunded
         two days later (subtotal 119.00 with 19.00 tax) and NOT restocked: product refunds 100,
         net 0, the jacket's cost stays spent: COGS 40, gross profit -40.
  #1003  a test order (Bogus Gateway), 100.00: in no mart.

On the code before issue 14, #1001 showed net 350 - 0 = 350 (the discounts invisible, the removed
sock sold), #1002 net 0 but COGS 0 (the spoilt jacket counted as back in stock), and #1003 counted.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import psycopg
import pytest

from tests.conftest import fetch_all
from tests.dbt_cli import run_dbt

pytestmark = pytest.mark.integration

D = Decimal
SHOP = "shop1.myshopify.com"

ORDER_COLUMNS = (
    "shop_domain, order_id, order_name, created_at, processed_at, updated_at, cancelled_at, financial_status,"
    " currency, subtotal_price, total_discounts, total_shipping, total_tax, total_price, customer_id, email_hash,"
    " source_name, taxes_included, is_test, ingestion_run_id, extracted_at"
)
LINE_COLUMNS = (
    "shop_domain, order_id, line_item_id, product_id, variant_id, sku, title, quantity, current_quantity,"
    " original_unit_price, total_discount, discount_allocated, tax, ingestion_run_id"
)

WORLD_SQL = f"""
insert into config.workspaces (workspace_slug, workspace_name, reporting_currency) values ('w1', 'W1', 'USD');
insert into config.clients (client_slug, workspace_slug, client_name, currency, timezone, pixel_site_id)
values ('c1', 'w1', 'C1', 'USD', 'UTC', 'px1');
insert into config.connections (connection_id, workspace_slug, client_slug, provider, account_ids,
    manager_customer_id, status, sync_frequency, lookback_days)
values ('s1', 'w1', 'c1', 'shopify', '{{{SHOP}}}', null, 'active', 'daily', 30);

insert into raw_shopify.shops values ('{SHOP}', 's1', 'Shop', 'USD', 'UTC', 'r', now());
insert into raw_shopify.products values
    ('{SHOP}', 501, 'Jacket', 'Outerwear', 'Acme', 'ACTIVE', 'r', now()),
    ('{SHOP}', 502, 'Socks', 'Apparel', 'Acme', 'ACTIVE', 'r', now());
insert into raw_shopify.product_variants values
    ('{SHOP}', 601, 501, 'JKT-M', 'M', 100, 701, 'r', now()),
    ('{SHOP}', 602, 502, 'SOX-M', 'M', 50, 702, 'r', now());
insert into raw_shopify.variant_cost_observations values
    ('{SHOP}', 601, 40, '2026-09-01T00:00Z', 'r'), ('{SHOP}', 602, 20, '2026-09-01T00:00Z', 'r');
insert into raw_shopify.customers values ('{SHOP}', 801, 'hash1', '2026-09-01T00:00Z', '2026-10-02T15:05Z', 'r', now());

insert into raw_shopify.orders ({ORDER_COLUMNS}) values
    ('{SHOP}', 9001, '#1001', '2026-10-02T15:05Z', '2026-10-02T15:05Z', '2026-10-02T16:05Z', null, 'PAID',
     'USD', 305, 45, 0, 0, 305, 801, 'hash1', 'web', false, false, 'r', now()),
    ('{SHOP}', 9002, '#1002', '2026-10-03T09:00Z', '2026-10-03T09:00Z', '2026-10-05T10:00Z', null, 'REFUNDED',
     'USD', 119, 0, 0, 19, 119, 801, 'hash1', 'web', true, false, 'r', now()),
    ('{SHOP}', 9003, '#1003', '2026-10-03T11:00Z', '2026-10-03T11:00Z', '2026-10-03T11:00Z', null, 'PAID',
     'USD', 100, 0, 0, 0, 100, 801, 'hash1', 'web', false, true, 'r', now());
insert into raw_shopify.order_line_items ({LINE_COLUMNS}) values
    ('{SHOP}', 9001, 1, 501, 601, 'JKT-M', 'Jacket', 2, 2, 100, 0, 30, 0, 'r'),
    ('{SHOP}', 9001, 2, 502, 602, 'SOX-M', 'Socks', 3, 2, 50, 0, 15, 0, 'r'),
    ('{SHOP}', 9002, 3, 501, 601, 'JKT-M', 'Jacket', 1, 0, 119, 0, 0, 19, 'r'),
    ('{SHOP}', 9003, 4, 501, 601, 'JKT-M', 'Jacket', 1, 1, 100, 0, 0, 0, 'r');
insert into raw_shopify.refunds values ('{SHOP}', 9002, 9102, '2026-10-05T10:00Z', 119, 'r');
insert into raw_shopify.refund_line_items
    (shop_domain, refund_id, line_item_id, quantity, subtotal, restock_type, total_tax, ingestion_run_id)
values ('{SHOP}', 9102, 3, 1, 119, 'NO_RESTOCK', 19, 'r');
"""


@pytest.fixture(scope="module")
def built(database_url, tmp_path_factory):
    with psycopg.connect(database_url) as conn:
        conn.execute(WORLD_SQL)
    target = tmp_path_factory.mktemp("dbt_target")
    result = run_dbt(
        database_url,
        target,
        "build",
        "--select",
        "+fct_shop_sales_daily",
        "+fct_sales_daily",
        "--indirect-selection",
        "cautious",  # no tests that need models outside the selection
    )
    # The build runs the singular tests too: COGS recomputed from the landed rows, refunds on their day.
    assert result.returncode == 0, result.stdout[-4000:]
    assert "assert_cogs_uses_cost_in_force" in result.stdout
    return database_url


def test_net_revenue_subtracts_order_level_and_code_discounts_and_edits(built):
    [row] = fetch_all(
        built,
        "select units, gross_sales, discounts, included_tax, net_revenue, cogs, gross_profit"
        " from marts.fct_orders where order_id = 9001",
    )
    assert row == (4, D("300"), D("40"), D("0"), D("260"), D("120"), D("140"))


def test_vat_is_not_revenue_and_a_refund_without_restock_keeps_its_cost(built):
    [row] = fetch_all(
        built,
        "select gross_sales, included_tax, product_refunds, other_refunds, net_revenue, refunded_cogs, cogs,"
        " gross_profit from marts.fct_orders where order_id = 9002",
    )
    assert row == (D("119"), D("19"), D("100"), D("19"), D("0"), D("0"), D("40"), D("-40"))


def test_a_test_order_is_in_no_mart(built):
    assert fetch_all(built, "select count(*) from marts.fct_orders where order_id = 9003") == [(0,)]
    assert fetch_all(built, "select count(*) from marts.fct_orders") == [(2,)]


def test_the_daily_marts_agree_with_the_orders(built):
    daily = fetch_all(
        built,
        "select sales_date, orders, units_sold, gross_sales, discounts, included_tax, product_refunds,"
        " net_revenue, cogs from marts.fct_shop_sales_daily where shop_domain = %s order by 1",
        (SHOP,),
    )
    assert daily == [
        (date(2026, 10, 2), 1, 4, D("300"), D("40"), D("0"), D("0"), D("260"), D("120")),
        (date(2026, 10, 3), 1, 1, D("119"), D("0"), D("19"), D("0"), D("100"), D("40")),
        (date(2026, 10, 5), 0, 0, D("0"), D("0"), D("0"), D("100"), D("-100"), D("0")),
    ]
    by_sku = fetch_all(
        built,
        "select sku, sum(units_sold), sum(total_sales) from marts.fct_sales_daily"
        " where channel = 'shopify' group by sku order by sku",
    )
    assert by_sku == [("JKT-M", 3, D("170")), ("SOX-M", 2, D("90"))]
