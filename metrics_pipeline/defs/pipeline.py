"""The nightly pipeline over every source, and the 15-minute intraday refresh."""

from datetime import date, datetime, timedelta

import dagster as dg
import psycopg

from metrics_pipeline.lib.dbt_project import (
    BOUNDED_EXECUTION,
    DBT_RUN_TAGS,
    DBT_VIEW_LAYERS,
    INTRADAY_WINDOW,
    INTRADAY_WINDOW_TAG,
    intermediate_tables,
    with_dbt_inputs,
)
from metrics_pipeline.lib.partitions import daily_partitions, nightly_range, range_tags, restatement_window_days
from metrics_pipeline.lib.resources import WarehouseResource
from metrics_pipeline.lib.source_assets import INTRADAY_GROUP
from metrics_pipeline.sources.google_ads.conversion_windows import landed_conversion_windows
from metrics_pipeline.sources.registry import SOURCE_NAMES

DAILY_SOURCE_GROUPS = ("config", *SOURCE_NAMES)
# The intraday refresh rebuilds the P&L and the entity tables it joins (a new ad must not drop
# out of today's snapshot), plus the views they read; the daily fact tables stay as the nightly
# run left them, which keeps a 15-minute refresh cheap.
INTRADAY_MARTS = dg.AssetSelection.assets(
    dg.AssetKey(["marts", "fct_pnl_daily"]),
    dg.AssetKey(["marts", "dim_ad_entities"]),
    dg.AssetKey(["marts", "dim_ad_entity_ancestors"]),
)

daily_pipeline_job = dg.define_asset_job(
    "daily_pipeline",
    selection=with_dbt_inputs(dg.AssetSelection.groups(*DAILY_SOURCE_GROUPS).downstream()),
    partitions_def=daily_partitions,
    tags=DBT_RUN_TAGS,
    description="Land every source for the requested days, then build every dbt model and test.",
    config=BOUNDED_EXECUTION,
)

intraday_job = dg.define_asset_job(
    "intraday_snapshots",
    selection=dg.AssetSelection.groups(INTRADAY_GROUP)
    | INTRADAY_MARTS
    | ((INTRADAY_MARTS.upstream() & dg.AssetSelection.groups(*DBT_VIEW_LAYERS)) - intermediate_tables()),
    tags={**DBT_RUN_TAGS, INTRADAY_WINDOW_TAG: INTRADAY_WINDOW},
    description="Capture today's cumulative ad metrics and refresh the snapshot rows of the P&L "
    "(the nightly daily_pipeline must have run once).",
    config=BOUNDED_EXECUTION,
)


@dg.schedule(
    job=daily_pipeline_job,
    cron_schedule="30 2 * * *",
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Every night: re-land the restatement window ending yesterday (each Google account's "
    "conversion window as last landed, unless its connection sets lookback_days), then rebuild the marts.",
)
def daily_pipeline_nightly(context: dg.ScheduleEvaluationContext, warehouse: WarehouseResource) -> dg.RunRequest:
    scheduled = context.scheduled_execution_time or datetime.now()
    try:
        conversion_windows = landed_conversion_windows(warehouse.url())
    except psycopg.Error as exc:
        # Without the warehouse, Google connections fall back to their default window (30 days).
        context.log.warning(f"conversion windows not read ({type(exc).__name__}); Google's default applies")
        conversion_windows = {}
    first, last = nightly_range(
        scheduled.date() - timedelta(days=1),
        restatement_window_days(conversion_windows),
        date.fromisoformat(daily_partitions.get_first_partition_key()),
    )
    return dg.RunRequest(run_key=f"nightly-{last.isoformat()}", tags=range_tags(first.isoformat(), last.isoformat()))


intraday_every_15_minutes = dg.ScheduleDefinition(
    job=intraday_job,
    cron_schedule="*/15 * * * *",
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
