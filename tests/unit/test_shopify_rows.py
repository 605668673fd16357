"""Shaping Admin GraphQL answers into raw_shopify rows: ids, exact money, times, hashed emails."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from metrics_pipeline.security.pii import hash_email
from metrics_pipeline.sources.shopify.rows import (
    ShopifyRowError,
    customer_row,
    decimal_text,
    gid_number,
    money,
    order_rows,
    orders_frames,
    shop_info,
    timestamp,
    unit_cost,
    variant_row,
)

KEY = b"a-unit-test-key-of-enough-length"
SHOP = "acme-outdoor.myshopify.com"


def usd(amount: str) -> dict:
    return {"shopMoney": {"amount": amount, "currencyCode": "USD"}}


ORDER = {
    "id": "gid://shopify/Order/6000100000470",
    "name": "#1047",
    "createdAt": "2026-09-05T17:12:09Z",
    "processedAt": "2026-09-05T17:12:09Z",
    "updatedAt": "2026-09-11T18:05:00Z",
    "cancelledAt": None,
    "displayFinancialStatus": "PARTIALLY_REFUNDED",
    "currencyCode": "USD",
    "sourceName": "web",
    "email": " Grace.Clark1@Example.com ",
    "checkoutToken": "0d39914f039de5e09cb9d1640c314cdd",
    "subtotalPriceSet": usd("0.3"),
    "totalDiscountsSet": usd("0.0"),
    "totalShippingPriceSet": usd("7.95"),
    "totalTaxSet": usd("0.02"),
    "totalPriceSet": usd("8.27"),
    "customer": {"id": "gid://shopify/Customer/7000100000001"},
    "customerJourneySummary": {
        "lastVisit": {
            "landingPage": "https://www.acme-outdoor.com/?gclid=Cj0KCQjwAbc&utm_source=google&utm_medium=cpc"
            "&utm_campaign=Search+%7C+Brand&utm_id=10010100000",
            "referrerUrl": "https://www.google.com/",
        }
    },
    "lineItems": [
        {
            "id": "gid://shopify/LineItem/15000100004701",
            "sku": "AO-IB",
            "title": "Insulated Bottle 1L",
            "quantity": 3,
            "currentQuantity": 2,
            "variant": {"id": "gid://shopify/ProductVariant/45000100009001"},
            "product": {"id": "gid://shopify/Product/8000100009000"},
            "originalUnitPriceSet": usd("0.1"),
            "totalDiscountSet": usd("0.0"),
            "discountAllocations": [],
            "taxLines": [{"priceSet": usd("0.02")}],
        },
        {
            "id": "gid://shopify/LineItem/15000100004702",
            "sku": "",
            "title": "Gift wrap",
            "quantity": 1,
            "currentQuantity": 1,
            "variant": None,
            "product": None,
            "originalUnitPriceSet": usd("0.0"),
            "totalDiscountSet": usd("0.0"),
            "discountAllocations": [],
            "taxLines": [],
        },
    ],
    "refunds": [
        {
            "id": "gid://shopify/Refund/9000100000471",
            "createdAt": "2026-09-11T18:05:00Z",
            "totalRefundedSet": usd("0.1"),
            "refundLineItems": [
                {
                    "quantity": 1,
                    "restockType": "RETURN",
                    "lineItem": {"id": "gid://shopify/LineItem/15000100004701"},
                    "subtotalSet": usd("0.1"),
                    "totalTaxSet": usd("0.01"),
                }
            ],
        },
    ],
}


def test_landing_and_referring_sites_lose_personal_data_and_keep_their_click_ids():
    order = {
        **ORDER,
        "customerJourneySummary": {
            "lastVisit": {
                "landingPage": "/products/tent?utm_source=klaviyo&email=grace.clark1%40example.com&fbclid=IwAR-9"
                "&phone=555-0100&utm_campaign=winback",
                "referrerUrl": "https://mail.example/?from=grace.clark1@example.com&ip=198.51.100.4",
            }
        },
    }
    row = order_rows(order, SHOP, "USD", KEY).order
    assert row["landing_site"] == "/products/tent?utm_source=klaviyo&fbclid=IwAR-9&utm_campaign=winback"
    assert row["referring_site"] == "https://mail.example/?from=redacted-email"
    assert (row["utm_source"], row["utm_campaign"], row["fbclid"]) == ("klaviyo", "winback", "IwAR-9")
    assert "grace" not in repr(row).lower() and "555-0100" not in repr(row) and "198.51" not in repr(row)


def test_global_ids_become_their_numbers_and_the_kind_is_checked():
    assert gid_number("gid://shopify/Order/6000100000470", "Order") == 6000100000470
    assert gid_number("gid://shopify/LineItem/1?from=x", "LineItem") == 1
    assert gid_number(None, "Order") is None
    for bad in ("gid://shopify/Customer/1", "6000100000470", "gid://shopify/Order/abc"):
        with pytest.raises(ShopifyRowError):
            gid_number(bad, "Order")


def test_money_is_the_api_text_checked_never_a_float():
    assert money(usd("0.1"), "x") == "0.1"
    assert money(usd("1234567.89"), "x", "USD") == "1234567.89"
    assert decimal_text("149.0", "x") == "149.0" and decimal_text(12, "x") == "12"
    assert sum(Decimal(money(usd(a), "x")) for a in ("0.1", "0.2")) == Decimal("0.3")  # exact, unlike floats
    for bad in (usd("NaN"), usd("Infinity"), usd("12,50"), usd(None), {"presentmentMoney": {}}, None):
        with pytest.raises(ShopifyRowError):
            money(bad, "x")
    with pytest.raises(ShopifyRowError):
        decimal_text(0.1, "a float from some JSON emitter is refused, not rounded")
    with pytest.raises(ShopifyRowError, match="not the shop's USD"):
        money({"shopMoney": {"amount": "1.00", "currencyCode": "EUR"}}, "x", "USD")


def test_times_keep_their_zone_and_a_zoneless_time_is_refused():
    assert timestamp("2026-09-05T17:12:09Z", "x") == datetime(2026, 9, 5, 17, 12, 9, tzinfo=UTC)
    assert timestamp(None, "x") is None
    with pytest.raises(ShopifyRowError):
        timestamp("2026-09-05T17:12:09", "x")
    with pytest.raises(ShopifyRowError):
        timestamp("yesterday", "x")


def test_an_order_becomes_its_rows_with_parsed_click_ids_and_a_hashed_email():
    rows = order_rows(ORDER, SHOP, "USD", KEY)
    order = rows.order
    assert (order["order_id"], order["order_name"], order["customer_id"]) == (6000100000470, "#1047", 7000100000001)
    assert order["email_hash"] == hash_email("grace.clark1@example.com", KEY)
    assert "grace" not in repr(rows).lower()
    assert (order["gclid"], order["utm_source"], order["utm_campaign"], order["utm_id"], order["fbclid"]) == (
        "Cj0KCQjwAbc",
        "google",
        "Search | Brand",
        "10010100000",
        None,
    )
    assert order["landing_site"].startswith("https://www.acme-outdoor.com/?gclid=")
    assert order["referring_site"] == "https://www.google.com/"
    assert order["checkout_token"] == "0d39914f039de5e09cb9d1640c314cdd"
    assert (order["subtotal_price"], order["total_shipping"], order["total_tax"], order["total_price"]) == (
        "0.3",
        "7.95",
        "0.02",
        "8.27",
    )
    assert order["updated_at"] == datetime(2026, 9, 11, 18, 5, tzinfo=UTC)
    assert [
        (i["line_item_id"], i["variant_id"], i["product_id"], i["sku"], i["quantity"]) for i in rows.line_items
    ] == [
        (15000100004701, 45000100009001, 8000100009000, "AO-IB", 3),
        (15000100004702, None, None, None, 1),  # a custom line: no variant, no product, no SKU
    ]
    assert rows.refunds == [
        {
            "shop_domain": SHOP,
            "order_id": 6000100000470,
            "refund_id": 9000100000471,
            "created_at": datetime(2026, 9, 11, 18, 5, tzinfo=UTC),
            "total_refunded": "0.1",
        }
    ]
    assert rows.refund_line_items == [
        {
            "shop_domain": SHOP,
            "refund_id": 9000100000471,
            "line_item_id": 15000100004701,
            "quantity": 1,
            "subtotal": "0.1",
            "restock_type": "RETURN",
            "total_tax": "0.01",
        }
    ]


def test_every_discount_allocation_counts_not_just_total_discount_set():
    """An order-level discount (allocated across lines) and a discount code: Shopify's
    LineItem.totalDiscountSet shows neither, the line's discountAllocations show both."""
    line = {
        **ORDER["lineItems"][0],
        "totalDiscountSet": usd("0.0"),
        "discountAllocations": [
            {"allocatedAmountSet": usd("0.03")},  # the code FALL10
            {"allocatedAmountSet": usd("7.35")},  # its share of a 10.00 order discount
        ],
    }
    [item] = order_rows({**ORDER, "lineItems": [line]}, SHOP, "USD", KEY).line_items
    assert (item["total_discount"], item["discount_allocated"]) == ("0.0", "7.38")
    with pytest.raises(ShopifyRowError, match="discountAllocations"):
        order_rows({**ORDER, "lineItems": [{**line, "discountAllocations": None}]}, SHOP, "USD", KEY)
    with pytest.raises(ShopifyRowError, match="discount allocation 2"):
        bad = [{"allocatedAmountSet": usd("1")}, {"allocatedAmountSet": usd("lots")}]
        order_rows({**ORDER, "lineItems": [{**line, "discountAllocations": bad}]}, SHOP, "USD", KEY)


def test_edits_taxes_restocking_and_test_orders_land_as_shopify_says():
    rows = order_rows({**ORDER, "taxesIncluded": True, "test": True}, SHOP, "USD", KEY)
    assert (rows.order["taxes_included"], rows.order["is_test"]) == (True, True)
    assert [(i["quantity"], i["current_quantity"], i["tax"]) for i in rows.line_items] == [(3, 2, "0.02"), (1, 1, "0")]
    assert order_rows(ORDER, SHOP, "USD", KEY).order["is_test"] is False  # an older answer without the flag
    spoilt = {**ORDER["refunds"][0]["refundLineItems"][0], "restockType": "NO_RESTOCK"}
    refund = {**ORDER["refunds"][0], "refundLineItems": [spoilt]}
    [line] = order_rows({**ORDER, "refunds": [refund]}, SHOP, "USD", KEY).refund_line_items
    assert line["restock_type"] == "NO_RESTOCK"
    with pytest.raises(ShopifyRowError, match="test"):
        order_rows({**ORDER, "test": "yes"}, SHOP, "USD", KEY)
    frames = orders_frames([rows], run_id="r", extracted_at=datetime(2026, 9, 12, tzinfo=UTC))
    assert frames["raw_shopify.orders"]["is_test"].to_list() == [True]
    assert frames["raw_shopify.order_line_items"]["discount_allocated"].to_list() == ["0", "0"]


def test_an_order_without_a_journey_or_customer_still_lands():
    bare = {
        **ORDER,
        "customerJourneySummary": None,
        "customer": None,
        "email": None,
        "checkoutToken": None,
        "refunds": [],
        "lineItems": [],
    }
    order = order_rows(bare, SHOP, "USD", KEY).order
    assert (order["landing_site"], order["gclid"], order["customer_id"], order["email_hash"]) == (
        None,
        None,
        None,
        None,
    )


def test_a_malformed_order_is_refused_with_where_it_is():
    with pytest.raises(ShopifyRowError, match="order 6000100000470"):
        order_rows({**ORDER, "totalPriceSet": usd("lots")}, SHOP, "USD", KEY)
    with pytest.raises(ShopifyRowError, match="quantity"):
        order_rows({**ORDER, "lineItems": [{**ORDER["lineItems"][0], "quantity": 1.5}]}, SHOP, "USD", KEY)
    with pytest.raises(ShopifyRowError, match="updatedAt"):
        order_rows({**ORDER, "updatedAt": None}, SHOP, "USD", KEY)


def test_frames_carry_money_as_exact_text_for_copy():
    frames = orders_frames(
        [order_rows(ORDER, SHOP, "USD", KEY)], run_id="r1", extracted_at=datetime(2026, 11, 1, tzinfo=UTC)
    )
    orders = frames["raw_shopify.orders"]
    assert orders.height == 1 and orders["total_price"].to_list() == ["8.27"]
    assert orders["ingestion_run_id"].to_list() == ["r1"]
    assert orders["extracted_at"].to_list() == ["2026-11-01T00:00:00+00:00"]
    csv = frames["raw_shopify.order_line_items"].write_csv(include_header=False, null_value="")
    assert "0.1" in csv and "0.1000000" not in csv
    assert frames["raw_shopify.refund_line_items"].height == 1


def test_variants_costs_customers_and_the_shop():
    node = {
        "id": "gid://shopify/ProductVariant/45000100001002",
        "sku": "AO-RS-M",
        "title": "M",
        "price": "149.00",
        "product": {"id": "gid://shopify/Product/8000100001000"},
        "inventoryItem": {
            "id": "gid://shopify/InventoryItem/47000100001002",
            "unitCost": {"amount": "64.85", "currencyCode": "USD"},
        },
    }
    assert variant_row(node, SHOP) == {
        "shop_domain": SHOP,
        "variant_id": 45000100001002,
        "product_id": 8000100001000,
        "sku": "AO-RS-M",
        "title": "M",
        "price": "149.00",
        "inventory_item_id": 47000100001002,
    }
    assert unit_cost(node, "USD") == "64.85"
    assert unit_cost({**node, "inventoryItem": {"id": "x", "unitCost": None}}, "USD") is None
    with pytest.raises(ShopifyRowError):
        unit_cost(node, "EUR")
    customer = customer_row(
        {
            "id": "gid://shopify/Customer/7",
            "createdAt": "2026-08-03T13:42:57Z",
            "updatedAt": "2026-08-03T13:42:57Z",
            "defaultEmailAddress": {"emailAddress": "Someone@Example.org"},
        },
        SHOP,
        KEY,
    )
    assert customer["email_hash"] == hash_email("someone@example.org", KEY)
    assert "someone" not in repr(customer).lower()
    info = shop_info({"name": "Acme", "currencyCode": "USD", "ianaTimezone": "America/New_York"}, SHOP)
    assert (info.currency, info.timezone) == ("USD", "America/New_York")
    with pytest.raises(ShopifyRowError):
        shop_info({"name": "Acme"}, SHOP)
