"""The Shopify landing asset: one unpartitioned multi-asset over every raw_shopify table."""

from __future__ import annotations

import dagster as dg

from metrics_pipeline.defs.sources import LANDING_ASSETS
from metrics_pipeline.lib.source_assets import API_RETRY_POLICY

SHOPS_CHECK = "every_shop_synced"
shopify_landing = LANDING_ASSETS["shopify"]

TABLES = (
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


def test_one_unpartitioned_asset_per_raw_table_with_its_check():
    assert shopify_landing.keys == {dg.AssetKey(["shopify", t]) for t in TABLES}
    assert shopify_landing.partitions_def is None
    for key in shopify_landing.keys:
        spec = shopify_landing.specs_by_key[key]
        assert spec.group_name == "shopify"
        assert set(spec.kinds) == {"shopify", "postgres"}
    [check] = shopify_landing.check_specs
    assert (check.name, check.asset_key) == (SHOPS_CHECK, dg.AssetKey(["shopify", "orders"]))
    assert shopify_landing.op.retry_policy == API_RETRY_POLICY
    assert set(shopify_landing.required_resource_keys) >= {"warehouse", "pipeline_config"}


def test_the_code_location_loads_it():
    from metrics_pipeline.definitions import defs

    graph = defs.get_repository_def().asset_graph
    assert dg.AssetKey(["shopify", "orders"]) in graph.get_all_asset_keys()
    assert SHOPS_CHECK in {key.name for key in graph.asset_check_keys}
