import dagster as dg

from metrics_pipeline.config.mirror import sync_config_tables
from metrics_pipeline.lib.resources import PipelineConfigResource, WarehouseResource
from metrics_pipeline.warehouse import connect

CONFIG_TABLES = (
    "workspaces",
    "clients",
    "media_partner_cpm_rates",
    "connections",
    "connection_account_clients",
    "fx_rates",
    "attribution_settings",
    "amazon_brands",
    "amazon_asin_skus",
    "affiliate_tracking_prefixes",
)


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            ["config", table],
            group_name="config",
            kinds={"yaml", "postgres"},
            description=f"config.{table}: mirrored from the METRICS_CONFIG file on every run.",
        )
        for table in CONFIG_TABLES
    ],
)
def metrics_config_tables(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    pipeline_config: PipelineConfigResource,
):
    config = pipeline_config.load()
    with connect(warehouse.url()) as conn:
        tables = sync_config_tables(conn, config)
    context.log.info(f"config tables synced from {config.source_path}: {tables.row_counts()}")
    for table, rows in tables.row_counts().items():
        yield dg.MaterializeResult(
            asset_key=["config", table],
            metadata={"rows": rows, "config_file": config.source_path},
        )
