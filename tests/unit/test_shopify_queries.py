"""The connector's GraphQL documents: valid for its API version, within Shopify's cost limit, and the
search filters it builds. Checked with the sandbox's parser and schema slice (no server needed)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from metrics_pipeline.sandbox.graphql_engine import (
    collect_fields,
    parse_document,
    requested_cost,
    validate,
)
from metrics_pipeline.sandbox.shopify_schema import schema_for
from metrics_pipeline.sandbox.shopify_server import MAX_QUERY_COST
from metrics_pipeline.sources.shopify import queries
from metrics_pipeline.sources.shopify.client import API_VERSION, ShopifySettings

SETTINGS = ShopifySettings()
DOCUMENTS = {
    "Shop": (queries.SHOP, {}),
    "Products": (queries.PRODUCTS, {"first": SETTINGS.products_page}),
    "ProductVariants": (queries.PRODUCT_VARIANTS, {"first": SETTINGS.variants_page}),
    "Orders": (
        queries.ORDERS,
        {
            "first": SETTINGS.orders_page,
            "lineItems": SETTINGS.line_items_page,
            "refunds": SETTINGS.refunds_page,
            "refundLineItems": SETTINGS.refund_line_items_page,
        },
    ),
    "OrderLineItems": (
        queries.ORDER_LINE_ITEMS,
        {"id": "gid://shopify/Order/1", "first": SETTINGS.more_line_items_page},
    ),
    "OrderRefunds": (
        queries.ORDER_REFUNDS,
        {
            "id": "gid://shopify/Order/1",
            "refunds": SETTINGS.more_refunds,
            "refundLineItems": SETTINGS.refund_line_items_page,
        },
    ),
    "RefundLineItems": (
        queries.REFUND_LINE_ITEMS,
        {"id": "gid://shopify/Refund/1", "first": SETTINGS.more_line_items_page},
    ),
    "Customers": (queries.CUSTOMERS, {"first": SETTINGS.customers_page, "query": "id:1"}),
}


def analyse(document: str, variables: dict, version: str = API_VERSION) -> tuple[list[dict], int]:
    parsed = parse_document(document)
    operation = parsed.operation(None)
    arguments = operation.resolve_variables(variables)
    fields = collect_fields(operation.selections, "QueryRoot", parsed.fragments)
    schema = schema_for(version)
    errors = validate(fields, "QueryRoot", schema, parsed.fragments, arguments)
    return errors, (0 if errors else requested_cost(fields, "QueryRoot", schema, parsed.fragments, arguments))


@pytest.mark.parametrize("name", DOCUMENTS)
def test_every_document_is_valid_and_within_the_cost_limit(name):
    document, variables = DOCUMENTS[name]
    errors, cost = analyse(document, variables)
    assert errors == []
    assert 0 < cost <= MAX_QUERY_COST, (name, cost)
    assert f"query {name}" in document  # the operation name the client sends


def test_a_page_of_orders_uses_most_of_the_budget_but_no_more():
    document, variables = DOCUMENTS["Orders"]
    _, cost = analyse(document, variables)
    assert 700 < cost <= MAX_QUERY_COST
    _, bigger = analyse(document, {**variables, "first": variables["first"] + 2})
    assert bigger > MAX_QUERY_COST  # the page size is what the limit allows


def test_the_orders_document_needs_2026_07_for_the_checkout_token():
    document, variables = DOCUMENTS["Orders"]
    errors, _ = analyse(document, variables, version="2025-10")
    assert [e["extensions"]["fieldName"] for e in errors] == ["checkoutToken"]


def test_search_filters():
    since = datetime(2026, 9, 1, 2, 30, tzinfo=timezone(timedelta(hours=-4)))
    assert queries.updated_since_filter(since) == "updated_at:>='2026-09-01T06:30:00Z'"
    assert queries.updated_since_filter(None) is None
    with pytest.raises(ValueError):
        queries.updated_since_filter(datetime(2026, 9, 1))
    assert queries.customer_ids_filter([7, 8]) == "id:7 OR id:8"
    with pytest.raises(ValueError):
        queries.customer_ids_filter([])
