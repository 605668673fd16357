"""A first Shopify sync through a bulk operation, with the real client against the sandbox Admin API
and real Postgres: it lands exactly the rows a paged first sync lands; a failed operation, and the
app's other bulk queries holding the shop's slots, are handled and said so in ops.ingestion_logs.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
import requests

from metrics_pipeline.sandbox.commerce_world import END
from metrics_pipeline.sandbox.shopify_server import Fault
from metrics_pipeline.sources.shopify.client import ShopifySettings
from metrics_pipeline.sources.shopify.load import sync_shopify
from tests.conftest import fetch_all
from tests.integration.test_shopify_sync import (  # noqa: F401 - fixtures
    RAW_TABLES,
    config,
    config_path,
    server,
    table_contents,
    world,
)

pytestmark = pytest.mark.integration

NOW = datetime(2026, 11, 1, 6, 0, tzinfo=UTC)


def settings(mode: str, **changes) -> ShopifySettings:
    return dataclasses.replace(ShopifySettings.from_environ(), first_sync=mode, **changes)


def truncate(url: str) -> None:
    with psycopg.connect(url) as conn:
        conn.execute(f"truncate {', '.join(RAW_TABLES)}, ops.rejected_rows, ops.ingestion_logs, ops.connection_states")


@pytest.fixture
def clean(database_url, server):  # noqa: F811
    truncate(database_url)
    server.as_of = END  # every refund of the world has happened: refund line items are read too
    server.clear_faults()
    server.reset_requests()
    server.bulk.limit = None
    return server


def test_a_first_sync_by_bulk_operation_lands_exactly_the_rows_of_a_paged_one(database_url, clean, world, config):  # noqa: F811
    paged = sync_shopify(database_url, config, run_id="paged", now=NOW, settings=settings("paged"))
    assert {o.status for o in paged} == {"completed"}
    reference = table_contents(database_url)
    assert reference["raw_shopify.refund_line_items"] and reference["raw_shopify.orders"]
    truncate(database_url)
    clean.reset_requests()
    logs: list[str] = []

    bulk = sync_shopify(database_url, config, run_id="bulk", now=NOW, settings=settings("bulk"), log=logs.append)

    assert {o.status for o in bulk} == {"completed"}
    assert table_contents(database_url) == reference  # row for row, every raw_shopify table
    for shop in world.shops:
        # One operation per shop, polled by id; no page of orders; each refund's lines read after.
        assert clean.count("bulkOperationRunQuery", shop=shop.shop_domain) == 1
        assert clean.count("bulkOperation", shop=shop.shop_domain) >= 2  # RUNNING, then COMPLETED
        assert clean.count("orders", shop=shop.shop_domain) == 0
        refunds = sum(
            len(o.refunds_as_of(world.cutoff(shop.shop_domain, END))) for o in world.orders_of(shop.shop_domain, END)
        )
        assert clean.count("refund", shop=shop.shop_domain) == refunds > 0
    # The result file is fetched from its signed URL without the shop's token, and the URL is not logged.
    downloads = [r for r in clean.requests if r.root == "bulk-results"]
    assert [(r.status, r.token) for r in downloads] == [(200, "signed-url")] * len(world.shops)
    assert not any("bulk-results" in line for line in logs)
    messages = [m for (m,) in fetch_all(database_url, "select message from ops.ingestion_logs where run_id = 'bulk'")]
    assert len(messages) == 2 and all(
        "full history; bulk operation gid://shopify/BulkOperation/" in m for m in messages
    )

    # The next sync has a cursor: it pages, as every nightly incremental sync does.
    clean.reset_requests()
    again = sync_shopify(database_url, config, run_id="next", now=NOW + timedelta(hours=1), settings=settings("bulk"))
    assert {o.status for o in again} == {"completed"}
    assert clean.count("bulkOperationRunQuery") == 0 and clean.count("orders") >= len(world.shops)


def test_a_throttled_start_and_a_bad_gateway_while_polling_are_retried(database_url, clean, world, config):  # noqa: F811
    clean.queue_fault(Fault("throttled", "bulkOperationRunQuery"), Fault("server_error", "bulkOperation"))

    outcomes = sync_shopify(database_url, config, run_id="healed", now=NOW, settings=settings("bulk"))

    assert {o.status for o in outcomes} == {"completed"}
    assert clean.pending_faults == ()
    assert clean.count(fault="throttled") == 1 and clean.count(fault="server_error") == 1
    # Retrying the start did not start a second operation for the shop.
    started = [r for r in clean.requests if r.root == "bulkOperationRunQuery" and r.status == 200 and not r.throttled]
    assert len(started) == len(world.shops)
    assert fetch_all(database_url, "select count(*), count(distinct order_id) from raw_shopify.orders") == [
        (len(world.orders_of(world.shops[0].shop_domain, END)) + len(world.orders_of(world.shops[1].shop_domain, END)),)
        * 2
    ]


@pytest.mark.parametrize(
    ("error_code", "kind"), [("INTERNAL_SERVER_ERROR", "transient"), ("ACCESS_DENIED", "permanent")]
)
def test_a_failed_bulk_operation_fails_its_shop_clearly_and_lands_no_orders(
    error_code,
    kind,
    database_url,
    clean,
    world,
    config,  # noqa: F811
):
    clean.fail_next_bulk_operation(error_code)

    outcomes = sync_shopify(database_url, config, run_id="failed", now=NOW, settings=settings("bulk"))

    [failed] = [o for o in outcomes if o.status == "failed"]
    assert {o.status for o in outcomes if o is not failed} == {"completed"}
    assert failed.cause.kind == kind
    assert f"ended FAILED ({error_code})" in failed.message and "partial data is not used" in failed.message
    assert fetch_all(
        database_url,
        "select status, failure_kind, message from ops.ingestion_logs where run_id = 'failed' and target = %s",
        (failed.target,),
    ) == [("failed", kind, failed.message)]
    # The partial result Shopify offers is not landed: no order, and no cursor to resume past it.
    for table in ("raw_shopify.orders", "raw_shopify.sync_cursors"):
        assert fetch_all(database_url, f"select count(*) from {table} where shop_domain = %s", (failed.target,)) == [
            (0,)
        ]
    # The next run starts the full read again, by bulk operation, and lands the shop.
    rerun = sync_shopify(database_url, config, run_id="rerun", now=NOW, settings=settings("bulk"))
    assert {o.status for o in rerun} == {"completed"}
    assert fetch_all(
        database_url, "select count(*) from raw_shopify.orders where shop_domain = %s", (failed.target,)
    ) == [(len(world.orders_of(failed.target, END)),)]


def test_the_apps_other_bulk_queries_holding_the_slots_are_waited_for(database_url, clean, world, config):  # noqa: F811
    shop = world.shops[0].shop_domain
    # Five: all API version 2026-07 allows at a time. 3,000 sandbox seconds are 3 s here: longer
    # than the sync takes to reach its bulk query on a busy machine, shorter than it waits (2 hours).
    clean.occupy_bulk_operations(shop, 5, seconds=3000)
    logs: list[str] = []

    outcomes = sync_shopify(
        database_url,
        config,
        run_id="waited",
        now=NOW,
        settings=settings("bulk", bulk_slot_wait=7200.0),
        log=logs.append,
    )

    assert {o.status for o in outcomes} == {"completed"}
    refused = [r for r in clean.requests if r.root == "bulkOperationRunQuery" and r.shop_domain == shop]
    assert len(refused) > 1  # refused while the slots were held, then started
    assert any("Bulk operations limit reached" in line and "trying again" in line for line in logs)
    assert fetch_all(database_url, "select count(*) from raw_shopify.orders where shop_domain = %s", (shop,)) == [
        (len(world.orders_of(shop, END)),)
    ]


def test_slots_that_stay_held_fail_the_shop_as_transient_after_the_wait(database_url, clean, world, config):  # noqa: F811
    shop = world.shops[0].shop_domain
    clean.occupy_bulk_operations(shop, 5, seconds=10**9)

    outcomes = sync_shopify(
        database_url, config, run_id="busy", now=NOW, settings=settings("bulk", bulk_slot_wait=30.0)
    )

    [failed] = [o for o in outcomes if o.status == "failed"]
    assert failed.target == shop and failed.cause.kind == "transient"
    assert "LIMIT_REACHED" in failed.message and "still ran after" in failed.message
    assert fetch_all(
        database_url,
        "select status, failure_kind from ops.ingestion_logs where run_id = 'busy' and target = %s",
        (shop,),
    ) == [("failed", "transient")]


def test_the_sandbox_runs_bulk_queries_as_the_api_version_asked_for(clean, world):  # noqa: F811
    """Before 2026-01: one bulk query at a time (OPERATION_IN_PROGRESS) and no bulkOperation(id:)."""
    shop = world.shops[1]
    run = (
        'mutation { bulkOperationRunQuery(query: "{ products { edges { node { id } } } }")'
        " { bulkOperation { id status } userErrors { code message } } }"
    )

    def post(version: str, query: str) -> dict:
        response = requests.post(
            f"{clean.url_template.format(shop_domain=shop.shop_domain)}/admin/api/{version}/graphql.json",
            json={"query": query},
            headers={"X-Shopify-Access-Token": shop.access_token, "Content-Type": "application/json"},
            timeout=10,
        )
        return response.json()

    first = post("2025-10", run)["data"]["bulkOperationRunQuery"]
    assert first["bulkOperation"]["status"] == "CREATED" and first["userErrors"] == []
    second = post("2025-10", run)["data"]["bulkOperationRunQuery"]
    assert second["bulkOperation"] is None
    assert [e["code"] for e in second["userErrors"]] == ["OPERATION_IN_PROGRESS"]
    assert first["bulkOperation"]["id"] in second["userErrors"][0]["message"]
    old = post("2025-10", '{ bulkOperation(id: "gid://shopify/BulkOperation/1") { id } }')
    assert old["errors"][0]["extensions"]["code"] == "undefinedField"
    # currentBulkOperation moves it on: RUNNING, then COMPLETED with a URL to its JSONL.
    statuses = [
        post("2025-10", "{ currentBulkOperation { status url } }")["data"]["currentBulkOperation"] for _ in range(2)
    ]
    assert [s["status"] for s in statuses] == ["RUNNING", "COMPLETED"] and statuses[1]["url"]
    lines = requests.get(statuses[1]["url"], timeout=10).text.splitlines()
    assert len(lines) == len(world.products_of(shop.shop_domain))
