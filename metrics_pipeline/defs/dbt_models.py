"""The dbt project's models as one Dagster multi-asset, built over the run's days."""

from datetime import UTC, datetime

import dagster as dg
import psycopg
from dagster_dbt import DbtCliResource, dbt_assets

from metrics_pipeline.lib.dbt_project import (
    DBT_PROJECT,
    DbtBuildConfig,
    LayeredTranslator,
    dbt_build_args,
    dbt_build_window,
    ensure_manifest,
    environment_for_a_subprocess,
    window_environment,
)
from metrics_pipeline.lib.resources import WarehouseResource
from metrics_pipeline.retention.archive import archived_months, full_refresh_warning
from metrics_pipeline.warehouse import dbt_environment


@dbt_assets(
    manifest=ensure_manifest(),
    project=DBT_PROJECT,
    dagster_dbt_translator=LayeredTranslator(),
    pool="dbt",
)
def metrics_dbt_models(
    context: dg.AssetExecutionContext,
    config: DbtBuildConfig,
    dbt: DbtCliResource,
    warehouse: WarehouseResource,
):
    window = dbt_build_window(context.run.tags, datetime.now(UTC).date(), config.full_refresh)
    if config.full_refresh:
        with psycopg.connect(warehouse.url()) as conn:
            warning = full_refresh_warning(archived_months(conn))
        if warning:
            context.log.warning(warning)
    args = dbt_build_args(config.full_refresh)
    context.log.info("dbt " + " ".join(args) + (f" over {window[0]} .. {window[1]}" if window else ", every day"))
    # profiles.yml reads METRICS_PG_*, the build-window macros METRICS_DBT_WINDOW_*: set for the
    # dbt process only (it starts inside cli()), not for the rest of this one
    with environment_for_a_subprocess({**dbt_environment(warehouse.url()), **window_environment(window)}):
        invocation = dbt.cli(args, context=context)
    yield from invocation.stream()
