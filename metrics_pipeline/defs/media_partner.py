from datetime import date

import dagster as dg

from metrics_pipeline.lib.file_sources import (
    FILES_CHECK,
    files_check_result,
    files_check_spec,
    new_files_sensor,
    source_only_job,
)
from metrics_pipeline.lib.partitions import daily_partitions
from metrics_pipeline.lib.resources import ExportsResource, PipelineConfigResource, WarehouseResource
from metrics_pipeline.sources.media_partner.load import EXPORTS_PREFIX, land_days
from metrics_pipeline.sources.media_partner.parse import parse_export_key

LANDING_KEY = dg.AssetKey(["media_partner", "daily_exports"])
__all__ = ["FILES_CHECK", "LANDING_KEY"]


@dg.asset(
    key=LANDING_KEY,
    partitions_def=daily_partitions,
    # A backfill of many days is one run that lands them day by day, not one run per day.
    backfill_policy=dg.BackfillPolicy.single_run(),
    group_name="media_partner",
    pool="landing_media_partner",
    kinds={"s3", "polars", "postgres"},
    check_specs=[files_check_spec(LANDING_KEY)],
    description=(
        "raw_media_partner.daily_exports: the partner's daily CSVs "
        "(media_partner/<client>/<YYYY-MM-DD>.csv), validated; bad rows go to ops.rejected_rows."
    ),
)
def media_partner_daily_exports(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    pipeline_config: PipelineConfigResource,
    exports: ExportsResource,
) -> dg.MaterializeResult:
    days = [date.fromisoformat(key) for key in context.partition_keys]
    outcomes = land_days(
        warehouse.url(),
        exports.store(),
        pipeline_config.load(),
        days,
        run_id=context.run_id,
        log=context.log.info,
        detail=context.log.debug,
    )
    failed = [f for outcome in outcomes for f in outcome.failed_files]
    for failure in failed:
        context.log.error(failure.message or failure.file)
    return dg.MaterializeResult(
        metadata={
            "days": len(days),
            "files": sum(len(o.files) for o in outcomes),
            "rows_landed": sum(o.loaded for o in outcomes),
            "rows_quarantined": sum(o.rejected for o in outcomes),
            "files_failed": len(failed),
        },
        check_results=[files_check_result(failed)],
    )


media_partner_daily_job = source_only_job(
    "media_partner_daily",
    LANDING_KEY,
    "Sync config, land the partner exports of the requested days, rebuild what they feed.",
)


def _export_day(key: str) -> date | None:
    export_file = parse_export_key(key)
    return export_file.report_date if export_file else None


media_partner_new_files = new_files_sensor(
    "media_partner_new_files",
    job=media_partner_daily_job,
    prefix=EXPORTS_PREFIX,
    day_of_key=_export_day,
    layout="media_partner/<client>/<YYYY-MM-DD>.csv",
)
