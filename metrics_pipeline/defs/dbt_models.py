import json
import os
from collections.abc import Mapping
from datetime import date, datetime, timedelta, timezone
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets
from pydantic import Field

from metrics_pipeline.partitions import run_day_range
from metrics_pipeline.resources import WarehouseResource
from metrics_pipeline.transform import DBT_PROJECT, ensure_manifest, window_environment
from metrics_pipeline.warehouse import dbt_environment

# dbt and landing tables: at most one dbt build at a time (see dagster_home/dagster.yaml).
DBT_RUN_TAGS = {"metrics_pipeline/dbt": "build"}
# Two cores: more parallel steps in one run only thrash.
BOUNDED_EXECUTION = {"execution": {"config": {"multiprocess": {"max_concurrent": 2}}}}
# A run tagged with this rebuilds the days around today only (the intraday snapshot refresh).
INTRADAY_WINDOW_TAG = "metrics_pipeline/dbt_window"
INTRADAY_WINDOW = "today"


class DbtBuildConfig(dg.Config):
    full_refresh: bool = Field(
        default=False,
        description="Rebuild every mart over all history instead of the run's days (after a "
        "change to the config tables, a model, or landed data outside the restatement window).",
    )


def dbt_build_window(tags: Mapping[str, str], today: date, full_refresh: bool = False) -> tuple[str, str] | None:
    """The first and last day a run's dbt build replaces: its partition days.

    A day-keyed mart then replaces only those days (macros/build_window.sql), so the nightly
    build costs the restatement window, not the history. A run that covers no days, or a full
    refresh, rebuilds everything (None); the intraday refresh rebuilds the days that can still be
    anyone's local today.
    """
    if full_refresh:
        return None
    days = run_day_range(dict(tags))
    if days is None and tags.get(INTRADAY_WINDOW_TAG) == INTRADAY_WINDOW:
        # local "today" is UTC today -1..+1 somewhere; yesterday's snapshot rows close into eod
        days = ((today - timedelta(days=2)).isoformat(), (today + timedelta(days=1)).isoformat())
    return days


def dbt_build_args(full_refresh: bool = False) -> list[str]:
    # the window travels in the environment (transform.window_environment), not as --vars
    return ["build", "--full-refresh"] if full_refresh else ["build"]


class LayeredTranslator(DagsterDbtTranslator):
    """Group dbt models by their layer folder: staging, intermediate, marts."""

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        fqn = dbt_resource_props.get("fqn", [])
        return fqn[1] if dbt_resource_props.get("resource_type") == "model" and len(fqn) > 2 else None


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
    window = dbt_build_window(context.run.tags, datetime.now(timezone.utc).date(), config.full_refresh)
    # dbt runs as a subprocess that inherits this environment; profiles.yml reads METRICS_PG_*,
    # the build-window macros METRICS_DBT_WINDOW_*
    os.environ.update({**dbt_environment(warehouse.url()), **window_environment(window)})
    args = dbt_build_args(config.full_refresh)
    context.log.info("dbt " + " ".join(args) + (f" over {window[0]} .. {window[1]}" if window else ", every day"))
    yield from dbt.cli(args, context=context).stream()


def with_dbt_inputs(selection: dg.AssetSelection) -> dg.AssetSelection:
    """`selection` plus every dbt model it reads, so a subset build never meets a missing relation.

    Models in the unified marts read every platform's staging views; a job that lands one
    source still has to create the others' views on a fresh database.
    """
    return selection | (selection.upstream() & dg.AssetSelection.assets(metrics_dbt_models))


DBT_VIEW_LAYERS = ("staging", "intermediate")


def intermediate_tables() -> dg.AssetSelection:
    """The intermediate models built as tables (dbt_project.yml): costly to rebuild, so a job
    that only needs the views of those layers (the intraday refresh) leaves them out."""
    manifest = json.loads(ensure_manifest().read_text())
    translator = LayeredTranslator()
    return dg.AssetSelection.assets(*(
        translator.get_asset_key(node)
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model"
        and node["fqn"][1:2] == ["intermediate"]
        and node["config"].get("materialized") == "table"
    ))
