"""A bulk operation's JSONL put back together (pure), the bulk query bulk operations accept, and the
setting that picks bulk or paging for a sync without a cursor."""

from __future__ import annotations

import json

import pytest

from metrics_pipeline.config import ConfigError
from metrics_pipeline.operations.call_retry import RetriesExhausted
from metrics_pipeline.sandbox.graphql_engine import collect_fields, parse_document, requested_cost, validate
from metrics_pipeline.sandbox.shopify_bulk import check_bulk_query
from metrics_pipeline.sandbox.shopify_schema import schema_for
from metrics_pipeline.sources.shopify import queries
from metrics_pipeline.sources.shopify.bulk import parse_lines, reassemble
from metrics_pipeline.sources.shopify.client import (
    API_VERSION,
    ShopifyBulkError,
    ShopifyClient,
    ShopifySettings,
    describe_error,
)
from metrics_pipeline.sources.shopify.rows import order_rows

CHILDREN = queries.BULK_ORDER_CHILDREN


def order(number: int, **fields) -> dict:
    return {"id": f"gid://shopify/Order/{number}", "name": f"#{number}", **fields}


def line(number: int, parent: int, **fields) -> dict:
    return {
        "id": f"gid://shopify/LineItem/{number}",
        "sku": f"SKU-{number}",
        **fields,
        "__parentId": order(parent)["id"],
    }


def test_children_are_attached_by_parent_id_not_by_position():
    # Shopify writes a child after its parent, not necessarily right after it.
    lines = [order(1), order(2), line(11, 1), order(3), line(21, 2), line(12, 1), line(31, 3)]

    orders = reassemble(lines, CHILDREN)

    assert [o["id"] for o in orders] == [order(n)["id"] for n in (1, 2, 3)]
    assert [[item["sku"] for item in o["lineItems"]] for o in orders] == [
        ["SKU-11", "SKU-12"],
        ["SKU-21"],
        ["SKU-31"],
    ]
    assert all("__parentId" not in item for o in orders for item in o["lineItems"])


def test_an_order_without_children_gets_an_empty_list_and_keeps_its_inline_lists():
    refunds = [{"id": "gid://shopify/Refund/7", "createdAt": "2026-09-01T10:00:00Z"}]
    [only] = reassemble([order(1, refunds=refunds)], CHILDREN)
    assert only == {**order(1), "refunds": refunds, "lineItems": []}


def test_the_input_lines_are_not_changed():
    child = line(11, 1)
    reassemble([order(1), child], CHILDREN)
    assert child["__parentId"] == "gid://shopify/Order/1"


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ([line(11, 1), order(1)], "parent gid://shopify/Order/1 is not before it"),
        ([order(1), line(11, 9)], "parent gid://shopify/Order/9 is not before it"),
        (
            [order(1), {"id": "gid://shopify/Fulfillment/5", "__parentId": "gid://shopify/Order/1"}],
            "unexpected type 'Fulfillment'",
        ),
        ([order(1), {"name": "#2"}], "line 2 has no id"),
        ([order(1), order(1)], "line 2: gid://shopify/Order/1 appears twice"),
    ],
)
def test_a_garbled_result_is_refused_naming_the_line(lines, message):
    with pytest.raises(ShopifyBulkError, match=message):
        reassemble(lines, CHILDREN)


def test_jsonl_lines_are_parsed_and_a_bad_one_is_named_by_number():
    text = [json.dumps(order(1)), "", json.dumps(line(11, 1))]
    assert parse_lines(text) == [order(1), line(11, 1)]
    with pytest.raises(ShopifyBulkError, match="line 2 is not JSON"):
        parse_lines([json.dumps(order(1)), '{"id": "gid://shopify/LineItem/1", "sku":'])
    with pytest.raises(ShopifyBulkError, match="line 1 is not a JSON object"):
        parse_lines(["[1, 2]"])


def test_a_reassembled_order_lands_the_same_rows_as_the_paged_shape():
    money = {"shopMoney": {"amount": "10.0", "currencyCode": "USD"}}
    item = {
        "id": "gid://shopify/LineItem/11",
        "sku": "SKU-11",
        "title": "Tent",
        "quantity": 2,
        "currentQuantity": 2,
        "variant": {"id": "gid://shopify/ProductVariant/5"},
        "product": {"id": "gid://shopify/Product/4"},
        "originalUnitPriceSet": money,
        "totalDiscountSet": money,
        "discountAllocations": [{"allocatedAmountSet": money}],
        "taxLines": [{"priceSet": money}],
    }
    node = {
        "id": "gid://shopify/Order/1",
        "name": "#1",
        "createdAt": "2026-09-01T10:00:00Z",
        "updatedAt": "2026-09-01T10:00:00Z",
        "currencyCode": "USD",
        "test": False,
        **{
            key: money
            for key in (
                "subtotalPriceSet",
                "totalDiscountsSet",
                "totalShippingPriceSet",
                "totalTaxSet",
                "totalPriceSet",
            )
        },
        "refunds": [],
    }
    paged = {**node, "lineItems": [item]}  # what extract._complete_order makes of a page's order
    [bulk] = reassemble([node, {**item, "__parentId": node["id"]}], CHILDREN)
    key = b"k" * 32
    assert order_rows(bulk, "s.myshopify.com", "USD", key) == order_rows(paged, "s.myshopify.com", "USD", key)


def test_the_orders_bulk_query_is_one_bulk_operations_accept():
    checked, problems = check_bulk_query(queries.BULK_ORDERS, schema_for(API_VERSION))
    assert problems == [] and checked is not None


@pytest.mark.parametrize(
    ("query", "problem"),
    [
        (
            "{ orders { edges { node { id refunds { id refundLineItems { edges { node { quantity } } } } } } } }",
            "connection field within a list field",
        ),
        ("{ orders { edges { node { name lineItems { edges { node { id } } } } } } }", "must select the 'id' field"),
        ("{ shop { name } }", "at least one connection"),
        ("{ orders { edges { node { id } } } products { edges { node { id } } } }", "exactly one top-level field"),
    ],
)
def test_the_sandbox_refuses_what_bulk_operations_refuse(query, problem):
    _, problems = check_bulk_query(query, schema_for(API_VERSION))
    assert any(problem in p for p in problems), problems


def test_the_first_sync_mode_comes_from_the_environment():
    assert ShopifySettings.from_environ({}).first_sync == "bulk"
    assert ShopifySettings.from_environ({"METRICS_SHOPIFY_FIRST_SYNC": " Paged "}).first_sync == "paged"
    with pytest.raises(ConfigError, match="METRICS_SHOPIFY_FIRST_SYNC"):
        ShopifySettings.from_environ({"METRICS_SHOPIFY_FIRST_SYNC": "fast"})


def test_the_bulk_documents_are_valid_for_the_api_version_and_cheap():
    schema = schema_for(API_VERSION)
    for document, root in ((queries.BULK_RUN_QUERY, "Mutation"), (queries.BULK_OPERATION, "QueryRoot")):
        parsed = parse_document(document)
        fields = collect_fields(parsed.operation(None).selections, root, parsed.fragments)
        assert (
            validate(fields, root, schema, parsed.fragments, {"query": "{}", "id": "gid://shopify/BulkOperation/1"})
            == []
        )
        assert requested_cost(fields, root, schema, parsed.fragments, {}) < 10
    # bulkOperation(id:) is from 2026-01 on: before it, only the most recent operation could be read.
    parsed = parse_document(queries.BULK_OPERATION)
    old = schema_for("2025-10")
    fields = collect_fields(parsed.operation(None).selections, "QueryRoot", parsed.fragments)
    assert [e["extensions"]["code"] for e in validate(fields, "QueryRoot", old, parsed.fragments, {"id": "x"})] == [
        "undefinedField"
    ]


def test_a_failed_download_names_no_part_of_the_signed_url():
    # Nothing listens on port 9 of loopback: every attempt is refused, and requests' error names the URL.
    url = "http://127.0.0.1:9/bulk-results/5f0c1d2e3a4b5c6d7e8f9a0b1c2d3e4f.jsonl?X-Goog-Signature=abcdef0123456789"
    settings = ShopifySettings.from_environ({"METRICS_RETRY_BASE_DELAY": "0.0001"})
    logs: list[str] = []
    with ShopifyClient("s.myshopify.com", "shpat_unit", settings=settings, log=logs.append) as client:
        with pytest.raises(RetriesExhausted) as raised:
            client.download_lines(url, "bulk operation result")
        text = describe_error(raised.value, client.secrets) + "\n".join(logs)
    assert "gave up after 6 attempts" in text
    assert "5f0c1d2e" not in text and "abcdef0123456789" not in text
