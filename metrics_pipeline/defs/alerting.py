"""Alert rules: the config table the rules are mirrored into, and the sensor that evaluates
them once the marts are rebuilt (see `metrics_pipeline/operations/alert_rules.py`)."""

from datetime import UTC, datetime

import dagster as dg

from metrics_pipeline.defs.pipeline import daily_pipeline_job, intraday_job
from metrics_pipeline.defs.sources import FILE_SOURCE_JOBS
from metrics_pipeline.lib.resources import PipelineConfigResource, WarehouseResource
from metrics_pipeline.operations.alert_rules import evaluate_due_rules, sync_alert_rules
from metrics_pipeline.warehouse import connect

ALERT_RULES_KEY = dg.AssetKey(["config", "alert_rules"])


@dg.asset(
    key=ALERT_RULES_KEY,
    group_name="config",
    kinds={"yaml", "postgres"},
    pool="config_alert_rules",
    description="config.alert_rules: each workspace's alert_rules, mirrored from the METRICS_CONFIG file.",
)
def alert_rules(warehouse: WarehouseResource, pipeline_config: PipelineConfigResource) -> dg.MaterializeResult:
    config = pipeline_config.load()
    with connect(warehouse.url()) as conn:
        rules = sync_alert_rules(conn, config)
    return dg.MaterializeResult(metadata={"rules": rules, "config_file": config.source_path})


@dg.run_status_sensor(
    name="evaluate_alert_rules",
    run_status=dg.DagsterRunStatus.SUCCESS,
    monitored_jobs=[daily_pipeline_job, *FILE_SOURCE_JOBS.values(), intraday_job],
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="After a run that rebuilt the marts: evaluates the alert rules whose evaluation interval "
    "has passed and writes what triggered to ops.alert_events (once per rule, entity and day).",
)
def evaluate_alert_rules(context: dg.RunStatusSensorContext, warehouse: WarehouseResource):
    with connect(warehouse.url()) as conn:
        evaluation = evaluate_due_rules(conn, datetime.now(UTC))
    context.log.info(
        f"after run {context.dagster_run.run_id}: evaluated {len(evaluation.evaluated)} rule(s), "
        f"raised {len(evaluation.raised)} new alert(s)"
    )
    for workspace, rule, entity, day, current, baseline in evaluation.raised:
        context.log.warning(f"alert {workspace}/{rule} on {entity} for {day}: {current} (baseline {baseline})")
