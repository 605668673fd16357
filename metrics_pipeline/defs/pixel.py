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
from metrics_pipeline.security.pii import pii_key
from metrics_pipeline.lib.resources import ExportsResource, PipelineConfigResource, WarehouseResource
from metrics_pipeline.sources.pixel.load import EXPORTS_PREFIX, land_pixel_days
from metrics_pipeline.sources.pixel.parse import parse_pixel_key

LANDING_KEY = dg.AssetKey(["pixel", "events"])
__all__ = ["FILES_CHECK", "LANDING_KEY"]


@dg.asset(
    key=LANDING_KEY,
    partitions_def=daily_partitions,
    # A backfill of many days is one run that lands them day by day, not one run per day.
    backfill_policy=dg.BackfillPolicy.single_run(),
    group_name="pixel",
    pool="landing_pixel",
    kinds={"s3", "polars", "postgres"},
    check_specs=[files_check_spec(LANDING_KEY)],
    description=(
        "raw_pixel.events: first-party pixel events (pixel/<YYYY-MM-DD>/*.jsonl[.gz]), validated; "
        "an event id lands once, IP addresses only as keyed hashes; bad lines go to ops.rejected_rows."
    ),
)
def pixel_events(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    pipeline_config: PipelineConfigResource,
    exports: ExportsResource,
) -> dg.MaterializeResult:
    days = [date.fromisoformat(key) for key in context.partition_keys]
    outcomes = land_pixel_days(
        warehouse.url(),
        exports.store(),
        pipeline_config.load(),
        days,
        run_id=context.run_id,
        pii_key=pii_key(),  # METRICS_PII_KEY, read at run time; never in config or metadata
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
            "events_landed": sum(o.loaded for o in outcomes),
            "duplicate_event_ids_dropped": sum(o.duplicates for o in outcomes),
            "lines_quarantined": sum(o.rejected for o in outcomes),
            "files_failed": len(failed),
        },
        check_results=[files_check_result(failed)],
    )


pixel_daily_job = source_only_job(
    "pixel_daily",
    LANDING_KEY,
    "Sync config, land the pixel events of the requested days, rebuild what they feed.",
)


def _pixel_day(key: str) -> date | None:
    pixel_file = parse_pixel_key(key)
    return pixel_file.event_date if pixel_file else None


pixel_new_files = new_files_sensor(
    "pixel_new_files",
    job=pixel_daily_job,
    prefix=EXPORTS_PREFIX,
    day_of_key=_pixel_day,
    layout="pixel/<YYYY-MM-DD>/<name>.jsonl[.gz]",
)
