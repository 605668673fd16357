"""Landing Shopify shops with the real GraphQL client against the sandbox Admin API, on real Postgres.

The tests of this module share one database and one server and run in order: a first sync as of
the day after the refunded order was placed, a second one at the end of the world (new orders, the
refund, the cost change), a rerun with nothing new, a revoked token, and the Dagster asset.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import dagster as dg
import psycopg
import pytest
import yaml

from metrics_pipeline.config import PipelineConfig, load_config
from metrics_pipeline.lib.resources import PipelineConfigResource, WarehouseResource
from metrics_pipeline.sandbox.commerce_world import (
    END,
    CommerceWorld,
    Order,
    build_commerce_world,
)
from metrics_pipeline.sandbox.shopify_server import DEFAULT_FAULTS, ShopifySandboxServer
from metrics_pipeline.security.pii import PiiKeyMissing, hash_email
from metrics_pipeline.sources.shopify.landing_urls import parse_landing_url
from metrics_pipeline.sources.shopify.load import sync_shopify
from tests.conftest import fetch_all

pytestmark = pytest.mark.integration

PII_KEY = "test-pii-key-for-the-shopify-sync-module"
RAW_TABLES = {
    # table -> its key columns; ingestion_run_id and extracted_at say when, not what
    "raw_shopify.shops": ("shop_domain",),
    "raw_shopify.orders": ("shop_domain", "order_id"),
    "raw_shopify.order_line_items": ("shop_domain", "line_item_id"),
    "raw_shopify.refunds": ("shop_domain", "refund_id"),
    "raw_shopify.refund_line_items": ("shop_domain", "refund_id", "line_item_id"),
    "raw_shopify.customers": ("shop_domain", "customer_id"),
    "raw_shopify.products": ("shop_domain", "product_id"),
    "raw_shopify.product_variants": ("shop_domain", "variant_id"),
    "raw_shopify.variant_cost_observations": ("shop_domain", "variant_id", "observed_at"),
    "raw_shopify.sync_cursors": ("shop_domain",),
}


@pytest.fixture(scope="module")
def world() -> CommerceWorld:
    return build_commerce_world()


@pytest.fixture(scope="module")
def server(world: CommerceWorld) -> Iterator[ShopifySandboxServer]:
    saved = dict(os.environ)
    with ShopifySandboxServer(world, clock_scale=0.001) as sandbox:
        os.environ.update(sandbox.environment())
        os.environ["METRICS_RETRY_BASE_DELAY"] = "0.001"
        os.environ["METRICS_PII_KEY"] = PII_KEY
        # These modules test the paged read (its pages, their faults); a first sync by bulk
        # operation, compared row for row with this one, is test_shopify_bulk.py's.
        os.environ["METRICS_SHOPIFY_FIRST_SYNC"] = "paged"
        try:
            yield sandbox
        finally:
            os.environ.clear()
            os.environ.update(saved)


@pytest.fixture(scope="module")
def config_path(world: CommerceWorld, tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("shopify-config") / "config.yaml"
    path.write_text(yaml.safe_dump(world.config_document(), sort_keys=False, allow_unicode=True), encoding="utf-8")
    return str(path)


@pytest.fixture(scope="module")
def config(config_path: str) -> PipelineConfig:
    return load_config(config_path)


@pytest.fixture(scope="module")
def first_as_of(world: CommerceWorld) -> date:
    """The day after the refunded order was placed: the refund and the cost change are still to come."""
    refunded = world.order(world.awkward.cost_change.shop_domain, world.awkward.refunded_order_id)
    as_of = refunded.created_at.date() + timedelta(days=1)
    assert world.awkward.refund.created_at.date() > as_of
    assert world.awkward.cost_change.changed_at.date() > as_of
    return as_of


def expected_orders(world: CommerceWorld, shop_domain: str, as_of: date) -> set[tuple]:
    """What raw_shopify.orders must say, computed from the world (an independent oracle)."""
    cutoff = world.cutoff(shop_domain, as_of)
    key = PII_KEY.encode()
    rows = set()
    for o in world.orders_of(shop_domain, as_of):
        params = parse_landing_url(o.landing_site)
        rows.add(
            (
                o.order_id,
                o.name,
                o.created_at,
                o.updated_at(cutoff),
                o.cancelled_as_of(cutoff),
                o.financial_status(cutoff),
                o.currency,
                o.subtotal,
                o.total_discounts,
                o.total_shipping,
                o.total_tax,
                o.total_price,
                o.customer_id,
                hash_email(o.email, key),
                o.landing_site,
                o.checkout_token,
                o.source_name,
                params.gclid,
                params.utm_id,
                params.utm_content,
                o.taxes_included,
                o.test,
            )
        )
    return rows


def expected_lines(world: CommerceWorld, shop_domain: str, as_of: date) -> set[tuple]:
    """raw_shopify.order_line_items from the world: discount_allocated is every discount on the line,
    total_discount Shopify's totalDiscountSet (no order-level or code discounts); current_quantity
    what order edits and refunds to date left."""
    cutoff = world.cutoff(shop_domain, as_of)
    rows = set()
    for o in world.orders_of(shop_domain, as_of):
        edited = o.edited_at is not None and o.edited_at < cutoff
        for line in o.lines:
            refunded = sum(
                r.quantity
                for refund in o.refunds_as_of(cutoff)
                for r in refund.lines
                if r.line_item_id == line.line_item_id
            )
            rows.add(
                (
                    o.order_id,
                    line.line_item_id,
                    line.product_id,
                    line.variant_id,
                    line.sku,
                    line.title,
                    line.quantity,
                    line.quantity - (line.removed_quantity if edited else 0) - refunded,
                    line.unit_price,
                    line.total_discount_set,
                    line.total_discount,
                    line.tax,
                )
            )
    return rows


def landed_lines(url: str, shop_domain: str) -> set[tuple]:
    return set(
        fetch_all(
            url,
            "select order_id, line_item_id, product_id, variant_id, sku, title, quantity, current_quantity,"
            " original_unit_price, total_discount, discount_allocated, tax"
            " from raw_shopify.order_line_items where shop_domain = %s",
            (shop_domain,),
        )
    )


def landed_orders(url: str, shop_domain: str) -> set[tuple]:
    return set(
        fetch_all(
            url,
            "select order_id, order_name, created_at, updated_at, cancelled_at, financial_status, currency,"
            " subtotal_price, total_discounts, total_shipping, total_tax, total_price, customer_id, email_hash,"
            " landing_site, checkout_token, source_name, gclid, utm_id, utm_content, taxes_included, is_test"
            " from raw_shopify.orders where shop_domain = %s",
            (shop_domain,),
        )
    )


def table_contents(url: str) -> dict[str, list[tuple]]:
    """Every raw_shopify row, without the columns that say when it was landed rather than what."""
    stamps = {"ingestion_run_id", "extracted_at"}
    contents = {}
    with psycopg.connect(url) as conn:
        for table, key in RAW_TABLES.items():
            skip = stamps | ({"updated_at"} if table == "raw_shopify.sync_cursors" else set())
            columns = [
                name
                for (name,) in conn.execute(
                    "select column_name from information_schema.columns"
                    " where table_schema || '.' || table_name = %s order by ordinal_position",
                    (table,),
                )
                if name not in skip
            ]
            contents[table] = conn.execute(
                f"select {', '.join(columns)} from {table} order by {', '.join(key)}"
            ).fetchall()
    return contents


def test_the_first_sync_lands_every_order_of_the_world_with_exact_money(
    database_url, server, world, config, first_as_of
):
    server.as_of = first_as_of
    server.clear_faults()
    server.queue_fault(*DEFAULT_FAULTS)
    server.reset_requests()
    now = datetime.combine(first_as_of + timedelta(days=1), datetime.min.time(), UTC) + timedelta(hours=6)

    outcomes = sync_shopify(database_url, config, run_id="first", now=now)

    assert [(o.account_id, o.status, o.state) for o in outcomes] == [
        (s.shop_domain, "completed", "ok") for s in world.shops
    ]
    for shop in world.shops:
        orders = world.orders_of(shop.shop_domain, first_as_of)
        assert len(orders) > 20
        assert landed_orders(database_url, shop.shop_domain) == expected_orders(world, shop.shop_domain, first_as_of)
        # Line items, exactly, the 12-line order (more than a page of line items) included.
        assert landed_lines(database_url, shop.shop_domain) == expected_lines(world, shop.shop_domain, first_as_of)
        totals = fetch_all(
            database_url,
            "select sum(total_price), sum(total_tax), count(*) from raw_shopify.orders where shop_domain = %s",
            (shop.shop_domain,),
        )
        assert totals == [
            (
                sum((o.total_price for o in orders), Decimal(0)),
                sum((o.total_tax for o in orders), Decimal(0)),
                len(orders),
            )
        ]
        # Paging: more than one page of orders; one log row; the cursor at the newest update.
        assert server.count("orders", shop=shop.shop_domain, status=200) > 1
        cutoff = world.cutoff(shop.shop_domain, first_as_of)
        assert fetch_all(
            database_url,
            "select orders_updated_at from raw_shopify.sync_cursors where shop_domain = %s",
            (shop.shop_domain,),
        ) == [(max(o.updated_at(cutoff) for o in orders),)]
        assert fetch_all(
            database_url,
            "select currency, timezone, connection_id from raw_shopify.shops where shop_domain = %s",
            (shop.shop_domain,),
        ) == [(shop.currency, shop.timezone, shop.connection_id)]
    large = world.awkward.large_order_id
    assert fetch_all(
        database_url, "select count(*) from raw_shopify.order_line_items where order_id = %s", (large,)
    ) == [(12,)]
    assert server.count("order") >= 1  # the follow-up that completed it

    # The gclid order carries its click id and campaign id, parsed from its landing URL.
    gclid_order = world.order(world.shops[0].shop_domain, world.awkward.gclid_order_id)
    assert fetch_all(
        database_url,
        "select gclid, utm_source, utm_medium, utm_campaign from raw_shopify.orders where order_id = %s",
        (gclid_order.order_id,),
    ) == [(world.awkward.gclid, "google", "cpc", parse_landing_url(gclid_order.landing_site).utm_campaign)]

    # The injected THROTTLED and 502 were each answered once and retried; nothing doubled.
    assert server.count(fault="throttled") == 1 and server.count(fault="server_error") == 1
    assert server.pending_faults == ()
    assert fetch_all(database_url, "select count(*), count(distinct (shop_domain, order_id)) from raw_shopify.orders")[
        0
    ][0] == sum(len(world.orders_of(s.shop_domain, first_as_of)) for s in world.shops)

    # Catalogue and a first unit-cost observation per variant that has a cost.
    for shop in world.shops:
        variants = world.variants_of(shop.shop_domain)
        assert fetch_all(
            database_url,
            "select count(*) from raw_shopify.product_variants where shop_domain = %s",
            (shop.shop_domain,),
        ) == [(len(variants),)]
        assert set(
            fetch_all(
                database_url,
                "select variant_id, unit_cost, observed_at from"
                " raw_shopify.variant_cost_observations where shop_domain = %s",
                (shop.shop_domain,),
            )
        ) == {(v.variant_id, v.unit_cost, now) for v in variants if v.unit_cost is not None}
    assert fetch_all(
        database_url,
        "select count(*) from raw_shopify.variant_cost_observations where variant_id = %s",
        (world.awkward.variant_without_cost,),
    ) == [(0,)]

    logs = fetch_all(
        database_url,
        "select target, partition_key, status, records_loaded, message"
        " from ops.ingestion_logs where source = 'shopify' order by target",
    )
    assert [(t, k, s, n) for t, k, s, n, _ in logs] == sorted(
        (s.shop_domain, now.date().isoformat(), "completed", len(world.orders_of(s.shop_domain, first_as_of)))
        for s in world.shops
    )
    assert all("full history" in message for *_, message in logs)
    assert fetch_all(
        database_url, "select connection_id, account_id, status from ops.connection_states order by 1"
    ) == [
        ("harbor-shopify", "citrus-kitchen.myshopify.com", "ok"),
        ("northstar-shopify", "acme-outdoor.myshopify.com", "ok"),
    ]


def test_moving_as_of_forward_picks_up_new_orders_the_refund_and_the_cost_change(
    database_url, server, world, config, first_as_of
):
    before = {row[0]: row for row in fetch_all(database_url, "select order_id, * from raw_shopify.orders")}
    acme = world.awkward.cost_change.shop_domain
    cursor = fetch_all(
        database_url, "select orders_updated_at from raw_shopify.sync_cursors where shop_domain = %s", (acme,)
    )[0][0]
    server.as_of = END
    server.reset_requests()
    now = datetime(2026, 11, 1, 6, 0, tzinfo=UTC)

    outcomes = sync_shopify(database_url, config, run_id="second", now=now)

    assert {o.status for o in outcomes} == {"completed"}
    for shop in world.shops:
        assert landed_orders(database_url, shop.shop_domain) == expected_orders(world, shop.shop_domain, END)
    # Incremental: only orders updated since the cursor minus the 30-day look-back were asked for.
    since = (cursor - timedelta(days=30)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert server.searches("orders", shop=acme) == {f"updated_at:>='{since}'"}
    untouched = [
        o
        for o in world.orders_of(acme, first_as_of)
        if o.updated_at(world.cutoff(acme, END)) < cursor - timedelta(days=30)
    ]
    assert untouched
    for order in untouched:  # not re-read: the first sync's row, stamps and all
        assert (
            fetch_all(
                database_url, "select order_id, * from raw_shopify.orders where order_id = %s", (order.order_id,)
            )[0]
            == before[order.order_id]
        )

    # The refund, days after its order, with its line item; the order re-landed as partially refunded.
    refund = world.awkward.refund
    assert fetch_all(
        database_url,
        "select order_id, created_at, total_refunded from raw_shopify.refunds where refund_id = %s",
        (refund.refund_id,),
    ) == [(refund.order_id, refund.created_at, refund.total_refunded)]
    assert fetch_all(
        database_url,
        "select line_item_id, quantity, subtotal, restock_type, total_tax"
        " from raw_shopify.refund_line_items where refund_id = %s",
        (refund.refund_id,),
    ) == [(line.line_item_id, line.quantity, line.subtotal, "RETURN", line.tax) for line in refund.lines]
    # The meal kit refunded without restocking, VAT included in its subtotal.
    spoilt = world.awkward.no_restock_refund
    assert fetch_all(
        database_url,
        "select line_item_id, quantity, subtotal, restock_type, total_tax"
        " from raw_shopify.refund_line_items where refund_id = %s",
        (spoilt.refund_id,),
    ) == [(line.line_item_id, line.quantity, line.subtotal, "NO_RESTOCK", line.tax) for line in spoilt.lines]
    for shop in world.shops:  # after refunds and the order edit: currentQuantity as Shopify reports it
        assert landed_lines(database_url, shop.shop_domain) == expected_lines(world, shop.shop_domain, END)
    assert fetch_all(
        database_url,
        "select financial_status, updated_at from raw_shopify.orders where order_id = %s",
        (refund.order_id,),
    ) == [("PARTIALLY_REFUNDED", refund.created_at)]
    cancelled: Order = world.order(world.shops[1].shop_domain, world.awkward.cancelled_order_id)
    assert fetch_all(
        database_url,
        "select financial_status, cancelled_at from raw_shopify.orders where order_id = %s",
        (cancelled.order_id,),
    ) == [("REFUNDED", cancelled.cancelled_at)]
    assert fetch_all(
        database_url, "select sum(total_refunded) from raw_shopify.refunds where order_id = %s", (cancelled.order_id,)
    ) == [(cancelled.total_price,)]

    # The cost change: a second observation for that variant only, at this sync's time.
    change = world.awkward.cost_change
    assert fetch_all(
        database_url,
        "select unit_cost, observed_at from raw_shopify.variant_cost_observations"
        " where variant_id = %s order by observed_at",
        (change.variant_id,),
    ) == [
        (
            change.old_cost,
            datetime.combine(first_as_of + timedelta(days=1), datetime.min.time(), UTC) + timedelta(hours=6),
        ),
        (change.new_cost, now),
    ]
    assert fetch_all(
        database_url, "select count(*) from raw_shopify.variant_cost_observations where observed_at = %s", (now,)
    ) == [(1,)]
    # Customers of every order, their emails only as keyed hashes.
    key = PII_KEY.encode()
    for shop in world.shops:
        placed = {o.customer_id for o in world.orders_of(shop.shop_domain, END)}
        assert set(
            fetch_all(
                database_url,
                "select customer_id, email_hash from raw_shopify.customers where shop_domain = %s",
                (shop.shop_domain,),
            )
        ) == {(c, hash_email(world.customer(shop.shop_domain, c).email, key)) for c in placed}
    messages = [m for (m,) in fetch_all(database_url, "select message from ops.ingestion_logs where run_id = 'second'")]
    assert len(messages) == 2 and all("updated since" in m for m in messages)


def test_a_rerun_with_nothing_new_changes_nothing(database_url, server, world, config):
    before = table_contents(database_url)
    observations = fetch_all(database_url, "select count(*) from raw_shopify.variant_cost_observations")
    server.queue_fault(*DEFAULT_FAULTS)

    outcomes = sync_shopify(database_url, config, run_id="rerun", now=datetime(2026, 11, 1, 7, tzinfo=UTC))

    assert {o.status for o in outcomes} == {"completed"}
    assert {o.count("cost_observations") for o in outcomes} == {0}
    assert table_contents(database_url) == before
    assert fetch_all(database_url, "select count(*) from raw_shopify.variant_cost_observations") == observations


def test_no_email_reaches_any_table(database_url, server, world):
    with psycopg.connect(database_url) as conn:
        tables = [
            f"{s}.{t}"
            for s, t in conn.execute(
                "select table_schema, table_name from information_schema.tables"
                " where table_schema in ('raw_shopify', 'ops') and table_type = 'BASE TABLE'"
            )
        ]
        text = "\n".join(str(row[0]) for table in tables for row in conn.execute(f"select t::text from {table} t"))
    assert "raw_shopify.orders" in tables and "ops.ingestion_logs" in tables
    assert len(text) > 100_000
    assert "@" not in text
    for customer in world.customers:
        local_part = customer.email.split("@")[0].lower()
        assert local_part not in text.lower()


def test_a_revoked_token_fails_its_shop_at_once_while_the_other_lands(database_url, server, world, config):
    acme, citrus = world.shops
    acme_before = fetch_all(
        database_url, "select * from raw_shopify.orders where shop_domain = %s order by order_id", (acme.shop_domain,)
    )
    server.revoke_token(acme.access_token)
    server.reset_requests()
    try:
        outcomes = {
            o.account_id: o
            for o in sync_shopify(database_url, config, run_id="revoked", now=datetime(2026, 11, 1, 8, tzinfo=UTC))
        }
    finally:
        server.restore_token(acme.access_token)

    failed = outcomes[acme.shop_domain]
    assert (failed.status, failed.state) == ("failed", "auth_error")
    assert (failed.cause.kind, failed.cause.reason) == ("permanent", "expired or invalid credentials")
    assert outcomes[citrus.shop_domain].status == "completed"
    assert server.count(shop=acme.shop_domain) == 1  # refused at once: no retries
    assert server.count(shop=acme.shop_domain, status=401, token="revoked") == 1
    state = fetch_all(
        database_url, "select status, last_error from ops.connection_states where connection_id = 'northstar-shopify'"
    )
    assert state[0][0] == "auth_error"
    log = fetch_all(
        database_url,
        "select status, message, failure_kind from ops.ingestion_logs where run_id = 'revoked' and target = %s",
        (acme.shop_domain,),
    )
    assert [(s, kind) for s, _, kind in log] == [("failed", "permanent")]
    for message in (failed.message, state[0][1], log[0][1]):
        assert "401" in message and "renew" in message and acme.access_token not in message
    assert (
        fetch_all(
            database_url,
            "select * from raw_shopify.orders where shop_domain = %s order by order_id",
            (acme.shop_domain,),
        )
        == acme_before
    )

    sync_shopify(database_url, config, run_id="renewed", now=datetime(2026, 11, 1, 9, tzinfo=UTC))
    assert fetch_all(
        database_url, "select status, last_error from ops.connection_states where connection_id = 'northstar-shopify'"
    ) == [("ok", None)]


def test_without_a_pii_key_nothing_is_attempted(database_url, server, config, monkeypatch):
    attempts = fetch_all(database_url, "select count(*) from ops.ingestion_logs")
    monkeypatch.delenv("METRICS_PII_KEY")
    server.reset_requests()
    with pytest.raises(PiiKeyMissing, match="METRICS_PII_KEY"):
        sync_shopify(database_url, config, run_id="no-key", now=datetime(2026, 11, 1, 10, tzinfo=UTC))
    assert fetch_all(database_url, "select count(*) from ops.ingestion_logs") == attempts
    assert server.requests == ()


def test_the_dagster_asset_lands_every_table_and_checks_every_shop(database_url, server, world, config_path):
    from metrics_pipeline.defs.sources import LANDING_ASSETS

    SHOPS_CHECK, shopify_landing = "every_shop_synced", LANDING_ASSETS["shopify"]

    result = dg.materialize(
        [shopify_landing],
        resources={"warehouse": WarehouseResource(), "pipeline_config": PipelineConfigResource(path=config_path)},
        instance=dg.DagsterInstance.ephemeral(),
    )
    assert result.success
    materialized = {event.asset_key.to_user_string() for event in result.get_asset_materialization_events()}
    assert materialized == {
        f"shopify/{t}"
        for t in (
            "orders",
            "order_line_items",
            "refunds",
            "refund_line_items",
            "customers",
            "products",
            "product_variants",
            "variant_cost_observations",
            "shops",
        )
    }
    [check] = result.get_asset_check_evaluations()
    assert (check.check_name, check.passed) == (SHOPS_CHECK, True)

    server.revoke_token(world.shops[1].access_token)
    try:
        result = dg.materialize(
            [shopify_landing],
            resources={"warehouse": WarehouseResource(), "pipeline_config": PipelineConfigResource(path=config_path)},
            instance=dg.DagsterInstance.ephemeral(),
        )
    finally:
        server.restore_token(world.shops[1].access_token)
    assert result.success  # a shop that cannot sync fails the check, not the run
    [check] = result.get_asset_check_evaluations()
    assert check.passed is False
    assert world.shops[1].shop_domain in str(check.metadata["failed_shops"].value)
