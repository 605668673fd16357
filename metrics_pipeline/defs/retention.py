"""Retention on a monthly schedule: archive the raw months older than the config's `retention:`
section (metrics_pipeline.retention). Without that section the schedule skips and a manual run
moves nothing."""

from datetime import UTC, datetime

import dagster as dg

from metrics_pipeline.lib.resources import ExportsResource, PipelineConfigResource, WarehouseResource
from metrics_pipeline.retention.archive import archive


@dg.op(description="Move every whole raw month older than the retention to archive/ in the exports store.")
def archive_old_raw_months(
    context: dg.OpExecutionContext,
    warehouse: WarehouseResource,
    exports: ExportsResource,
    pipeline_config: PipelineConfigResource,
) -> dg.Output:
    settings = pipeline_config.load().retention
    if settings is None:
        context.log.info("no retention section in the config: nothing archived")
        return dg.Output(None, metadata={"table_months": 0, "rows": 0})
    results = archive(warehouse.url(), exports.store(), settings, datetime.now(UTC).date(), progress=context.log.info)
    return dg.Output(None, metadata={"table_months": len(results), "rows": sum(r.rows for r in results)})


@dg.job(description="Archive raw rows older than the configured retention to Parquet, then delete them.")
def retention_archive():
    archive_old_raw_months()


@dg.schedule(
    job=retention_archive,
    cron_schedule="0 4 2 * *",  # the 2nd of each month, after the nightly run
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Monthly: archive the raw months older than the config's retention (skips without one).",
)
def retention_monthly(context: dg.ScheduleEvaluationContext, pipeline_config: PipelineConfigResource):
    if pipeline_config.load().retention is None:
        return dg.SkipReason("no retention section in the config")
    scheduled = context.scheduled_execution_time or datetime.now(UTC)
    return dg.RunRequest(run_key=f"retention-{scheduled:%Y-%m}")
