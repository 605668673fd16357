"""Shopify: one unpartitioned landing asset for every raw_shopify table.

Shopify is incremental by `updated_at` (with a refund look-back), not day-partitioned: each
materialization syncs every active shop from its own cursor. What the sync does lives in
`metrics_pipeline/sources/shopify/`.
"""

import dagster as dg

from metrics_pipeline.defs.ad_platforms import API_RETRY_POLICY, raise_if_transient
from metrics_pipeline.lib.resources import PipelineConfigResource, WarehouseResource
from metrics_pipeline.sources.shopify.load import sync_shopify

GROUP = "shopify"
SHOPS_CHECK = "every_shop_synced"
LANDING_TABLES = (
    "orders", "order_line_items", "refunds", "refund_line_items", "customers", "products", "product_variants",
    "variant_cost_observations", "shops",
)
ORDERS_KEY = dg.AssetKey([GROUP, "orders"])


@dg.multi_asset(
    name="shopify_landing",
    specs=[
        dg.AssetSpec(
            [GROUP, table],
            group_name=GROUP,
            kinds={"shopify", "postgres"},
            description=f"raw_shopify.{table}, landed incrementally from the Shopify Admin GraphQL API.",
        )
        for table in LANDING_TABLES
    ],
    check_specs=[
        dg.AssetCheckSpec(
            SHOPS_CHECK,
            asset=ORDERS_KEY,
            description="Every shop of every active Shopify connection synced; failures are named.",
        )
    ],
    retry_policy=API_RETRY_POLICY,
    pool="landing_shopify",
)
def shopify_landing(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, pipeline_config: PipelineConfigResource
):
    outcomes = sync_shopify(warehouse.url(), pipeline_config.load(), run_id=context.run_id, log=context.log.info)
    failed = [o for o in outcomes if o.status == "failed"]
    for outcome in failed:
        context.log.error(f"Shopify: {outcome.target}: {outcome.message}")
    metadata = {
        "shops": len(outcomes),
        "shops_failed": len(failed),
        "orders": sum(o.rows_loaded for o in outcomes),
        "new_unit_costs": sum(o.cost_observations for o in outcomes),
    }
    for table in LANDING_TABLES:
        yield dg.MaterializeResult(asset_key=[GROUP, table], metadata=metadata)
    yield dg.AssetCheckResult(
        asset_key=ORDERS_KEY,
        check_name=SHOPS_CHECK,
        passed=not failed,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={"failed_shops": dg.MetadataValue.md(
            "\n".join(f"- {o.target}: {o.message}" for o in failed) or "none")},
    )
    raise_if_transient("Shopify", [(o.target, o.message) for o in failed])
