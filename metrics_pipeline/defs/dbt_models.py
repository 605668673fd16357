import os
from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets

from metrics_pipeline.resources import WarehouseResource
from metrics_pipeline.transform import DBT_PROJECT, ensure_manifest
from metrics_pipeline.warehouse import dbt_environment

# dbt and landing tables: at most one dbt build at a time (see dagster_home/dagster.yaml).
DBT_RUN_TAGS = {"metrics_pipeline/dbt": "build"}
# Two cores: more parallel steps in one run only thrash.
BOUNDED_EXECUTION = {"execution": {"config": {"multiprocess": {"max_concurrent": 2}}}}


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
    context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource
):
    # dbt runs as a subprocess that inherits this environment; profiles.yml reads METRICS_PG_*.
    os.environ.update(dbt_environment(warehouse.url()))
    yield from dbt.cli(["build"], context=context).stream()


def with_dbt_inputs(selection: dg.AssetSelection) -> dg.AssetSelection:
    """`selection` plus every dbt model it reads, so a subset build never meets a missing relation.

    Models in the unified marts read every platform's staging views; a job that lands one
    source still has to create the others' views on a fresh database.
    """
    return selection | (selection.upstream() & dg.AssetSelection.assets(metrics_dbt_models))


DBT_VIEW_LAYERS = ("staging", "intermediate")
