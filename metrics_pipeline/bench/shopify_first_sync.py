"""A Shopify first sync (no cursor: the shop's whole history) by bulk operation vs page by page.

The sandbox's commerce world, its orders copied under new ids until each shop holds the bench
size's count, is served by the Shopify stand-in; `sync_shopify` lands it into a fresh database
twice, once per way of reading the orders (METRICS_SHOPIFY_FIRST_SYNC), the same rows each time.

Two figures per way, since the sandbox cannot stand for Shopify's clock:
- wall time in the sandbox, with Shopify's time compressed (throttle waits and bulk polls scaled
  to nearly nothing): what the connector costs this machine, reading, reassembling and landing;
- the rate-limit floor: the query points the sync spent (the server's own record of each query's
  requested cost) over a bucket that starts full (2,000 points) and refills at 100 points a
  second (Shopify's standard plan): no paged sync of that shop can be faster on Shopify. The bulk
  operation's own run on Shopify's side is not modelled (the stand-in finishes it in two polls);
  it does not draw on the bucket.
"""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import yaml

from metrics_pipeline.bench.databases import drop_database, fresh_database
from metrics_pipeline.config import load_config
from metrics_pipeline.sandbox.commerce_world import CommerceWorld, Order, build_commerce_world
from metrics_pipeline.sandbox.shopify_server import MAXIMUM_AVAILABLE, RESTORE_RATE, ShopifySandboxServer
from metrics_pipeline.sources.shopify.client import ShopifySettings
from metrics_pipeline.sources.shopify.load import sync_shopify

ORDERS_PER_SHOP = {"small": 1_000, "default": 10_000, "large": 50_000}
DATABASE = "metrics_bench_shopify"
TIME_SCALE = 0.0001  # real seconds per Shopify second: throttle waits and polls cost next to nothing
MODES = ("paged", "bulk")
# A copy's ids are the original's plus this times the copy number: far above any id the world has.
_ID_STRIDE = 10**15

Log = Callable[[str], None]


def scaled_world(orders_per_shop: int) -> CommerceWorld:
    """The commerce world with each shop's orders copied (new order, line and refund ids, the same
    customers, products and landing pages) until it has `orders_per_shop`."""
    world = build_commerce_world()
    orders: list[Order] = []
    for shop in world.shops:
        originals = world.orders_of(shop.shop_domain)
        for n in range(orders_per_shop):
            copy, original = divmod(n, len(originals))
            orders.append(_copy(originals[original], copy))
    return dataclasses.replace(world, orders=tuple(orders))


def _copy(order: Order, copy: int) -> Order:
    if copy == 0:
        return order
    offset = copy * _ID_STRIDE
    lines = tuple(dataclasses.replace(line, line_item_id=line.line_item_id + offset) for line in order.lines)
    refunds = tuple(
        dataclasses.replace(
            refund,
            refund_id=refund.refund_id + offset,
            order_id=order.order_id + offset,
            lines=tuple(dataclasses.replace(r, line_item_id=r.line_item_id + offset) for r in refund.lines),
        )
        for refund in order.refunds
    )
    return dataclasses.replace(
        order, order_id=order.order_id + offset, name=f"{order.name}-{copy}", lines=lines, refunds=refunds
    )


def measure_shopify_first_sync(server_url: str, size: str, log: Log, work_dir: Path) -> dict:
    world = scaled_world(ORDERS_PER_SHOP[size])
    config_path = work_dir / "shopify-config.yaml"
    config_path.write_text(yaml.safe_dump(world.config_document(), sort_keys=False), encoding="utf-8")
    config = load_config(config_path)
    figures: dict = {"orders_per_shop": ORDERS_PER_SHOP[size], "shops": len(world.shops)}
    saved = dict(os.environ)
    try:
        with ShopifySandboxServer(world, faults=(), clock_scale=TIME_SCALE) as server:
            os.environ.update(server.environment())
            os.environ["METRICS_RETRY_BASE_DELAY"] = str(TIME_SCALE)
            os.environ.setdefault("METRICS_PII_KEY", "bench-pii-key-not-a-secret")
            for mode in MODES:
                log(f"shopify first sync, {mode}: {len(world.orders):,} orders in {len(world.shops)} shops")
                url = fresh_database(server_url, DATABASE)
                server.reset_requests()
                server.refill_buckets()
                settings = dataclasses.replace(ShopifySettings.from_environ(), first_sync=mode)
                started = time.perf_counter()
                outcomes = sync_shopify(
                    url, config, run_id=f"bench-{mode}", now=datetime(2026, 11, 1, 6, tzinfo=UTC), settings=settings
                )
                seconds = time.perf_counter() - started
                if {o.status for o in outcomes} != {"completed"}:
                    raise RuntimeError(f"the {mode} first sync failed: {[o.message for o in outcomes]}")
                with psycopg.connect(url) as conn:
                    landed = conn.execute("select count(*) from raw_shopify.orders").fetchone()[0]
                points = {shop.shop_domain: _points_of(server, shop.shop_domain) for shop in world.shops}
                # Shops are synced one after the other, each with its own bucket: their floors add up.
                floor = sum(max(0.0, (p - MAXIMUM_AVAILABLE) / RESTORE_RATE) for p in points.values())
                figures[mode] = {
                    "orders": landed,
                    "seconds": round(seconds, 2),
                    "orders_per_second": round(landed / seconds),
                    "requests": len(server.requests),
                    "query_points": sum(points.values()),
                    "rate_limit_floor_seconds": round(floor, 1),
                }
                log(f"  {landed:,} orders in {seconds:.1f} s, {len(server.requests):,} requests")
    finally:
        os.environ.clear()
        os.environ.update(saved)
        drop_database(server_url, DATABASE)
    if figures["paged"]["orders"] != figures["bulk"]["orders"]:
        raise RuntimeError("the bulk and paged first syncs landed different order counts")
    paged, bulk = figures["paged"], figures["bulk"]
    figures["bulk_vs_paged_wall"] = round(paged["seconds"] / bulk["seconds"], 2)
    paged_floor = max(paged["seconds"], paged["rate_limit_floor_seconds"])
    bulk_floor = max(bulk["seconds"], bulk["rate_limit_floor_seconds"])
    figures["paged_orders_per_second_at_rate_limit"] = round(paged["orders"] / paged_floor, 1)
    figures["bulk_orders_per_second_at_rate_limit"] = round(bulk["orders"] / bulk_floor, 1)
    return figures


def _points_of(server: ShopifySandboxServer, shop_domain: str) -> int:
    return sum(
        r.requested_cost or 0
        for r in server.requests
        if r.shop_domain == shop_domain and r.status == 200 and not r.throttled
    )


def render_shopify_markdown(figures: dict) -> list[str]:
    paged, bulk = figures["paged"], figures["bulk"]
    return [
        "## Shopify first sync: bulk operation vs paged (sandbox Admin API, same orders, same Postgres)",
        "",
        f"{figures['shops']} shops × {figures['orders_per_shop']:,} orders, every order landed with its lines,"
        " refunds and customers.",
        "",
        "| figure | paged (7 orders a page) | bulk operation |",
        "|---|---|---|",
        f"| orders landed | {paged['orders']:,} | {bulk['orders']:,} |",
        f"| wall time in the sandbox (Shopify's clock compressed) | {paged['seconds']:.1f} s "
        f"({paged['orders_per_second']:,} orders/s) | {bulk['seconds']:.1f} s ({bulk['orders_per_second']:,} orders/s) |",
        f"| requests | {paged['requests']:,} | {bulk['requests']:,} |",
        f"| query points spent | {paged['query_points']:,} | {bulk['query_points']:,} |",
        f"| rate-limit floor at 100 points/s (2,000-point bucket) | {paged['rate_limit_floor_seconds']:,.0f} s |"
        f" {bulk['rate_limit_floor_seconds']:,.0f} s |",
        f"| orders/s at Shopify's rate limit | **{figures['paged_orders_per_second_at_rate_limit']:,}** |"
        f" **{figures['bulk_orders_per_second_at_rate_limit']:,}** (plus the operation's run on Shopify,"
        " not modelled) |",
        "",
    ]
