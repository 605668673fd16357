"""Alert rules: the config table the rules are mirrored into, the sensor that evaluates them
once the marts are rebuilt (see `metrics_pipeline/operations/alert_rules.py`), and the sensor
that sends notifications (`metrics_pipeline/operations/notifications.py`)."""

from datetime import UTC, datetime

import dagster as dg

from metrics_pipeline.config import ConfigError
from metrics_pipeline.defs.pipeline import daily_pipeline_job, intraday_job
from metrics_pipeline.defs.sources import FILE_SOURCE_JOBS
from metrics_pipeline.lib.resources import PipelineConfigResource, WarehouseResource
from metrics_pipeline.operations.alert_rules import evaluate_due_rules, sync_alert_rules
from metrics_pipeline.operations.notifications import deliver_due, raise_sync_failure_notices
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
    "has passed, writes what triggered to ops.alert_events (once per rule, entity and day) with a pending "
    "notification per channel of its rule, and resolves ('auto') the open alerts whose condition cleared.",
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
    for alert_event_id, workspace, rule, entity, day in evaluation.resolved:
        context.log.info(
            f"alert {alert_event_id} {workspace}/{rule} on {entity} for {day}: resolved (condition cleared)"
        )


@dg.sensor(
    name="deliver_notifications",
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Every minute: records a notice of each landing that failed permanently (once per source, "
    "target and day) and sends the notifications that are due (alert events and those notices) to their Slack "
    "and e-mail channels, retrying failed sends with backoff; never starts a run, never fails one.",
)
def deliver_notifications(
    context: dg.SensorEvaluationContext, warehouse: WarehouseResource, pipeline_config: PipelineConfigResource
):
    now = datetime.now(UTC)
    try:
        settings = pipeline_config.load().notifications
    except ConfigError as exc:
        return dg.SkipReason(f"the config does not load, nothing sent: {exc}")
    # autocommit: each delivery's transaction commits as soon as it was sent (never sent twice)
    with connect(warehouse.url(), autocommit=True) as conn:
        notices = raise_sync_failure_notices(conn, settings, now)
        report = deliver_due(conn, settings, now)
    for _, source, target, day in notices:
        context.log.warning(f"sync failure notice: {source} {target} failed permanently on {day}")
    for delivery_id, channel, error in report.retrying:
        context.log.warning(f"notification {delivery_id} to {channel} failed, will retry: {error}")
    for delivery_id, channel, error in report.failed:
        context.log.error(f"notification {delivery_id} to {channel} failed for good: {error}")
    return dg.SkipReason(f"{len(notices)} new sync failure notice(s); notifications {report.summary()}")
