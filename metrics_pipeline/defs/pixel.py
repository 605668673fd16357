from datetime import date

import dagster as dg

from metrics_pipeline.defs.dbt_models import BOUNDED_EXECUTION, DBT_RUN_TAGS, with_dbt_inputs
from metrics_pipeline.new_files import FileCursor, contiguous_ranges, new_objects_since
from metrics_pipeline.partitions import daily_partitions, range_tags
from metrics_pipeline.pii import pii_key
from metrics_pipeline.resources import ExportsResource, PipelineConfigResource, WarehouseResource
from metrics_pipeline.sources.pixel.load import EXPORTS_PREFIX, land_pixel_days
from metrics_pipeline.sources.pixel.parse import parse_pixel_key

LANDING_KEY = dg.AssetKey(["pixel", "events"])
FILES_CHECK = "every_file_landed"


@dg.asset(
    key=LANDING_KEY,
    partitions_def=daily_partitions,
    # A backfill of many days is one run that lands them day by day, not one run per day.
    backfill_policy=dg.BackfillPolicy.single_run(),
    group_name="pixel",
    kinds={"s3", "polars", "postgres"},
    check_specs=[
        dg.AssetCheckSpec(
            FILES_CHECK,
            asset=LANDING_KEY,
            description="Every pixel file of the partition could be read; failed files are named.",
        )
    ],
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
        check_results=[
            dg.AssetCheckResult(
                check_name=FILES_CHECK,
                passed=not failed,
                severity=dg.AssetCheckSeverity.ERROR,
                metadata={
                    "failed_files": dg.MetadataValue.md(
                        "\n".join(f"- {f.message}" for f in failed) or "none"
                    )
                },
            )
        ],
    )


# What the file sensor runs: only this source and what it feeds, never the ad-platform APIs.
pixel_daily_job = dg.define_asset_job(
    "pixel_daily",
    selection=with_dbt_inputs(
        (dg.AssetSelection.assets(LANDING_KEY) | dg.AssetSelection.key_prefixes(["config"])).downstream()
    ),
    partitions_def=daily_partitions,
    tags=DBT_RUN_TAGS,
    description="Sync config, land the pixel events of the requested days, rebuild what they feed.",
    config=BOUNDED_EXECUTION,
)


@dg.sensor(
    job=pixel_daily_job,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Requests the partitions of new or re-uploaded pixel files, each once.",
)
def pixel_new_files(context: dg.SensorEvaluationContext, exports: ExportsResource):
    cursor = FileCursor.from_json(context.cursor)
    new, next_cursor = new_objects_since(cursor, exports.store().list(EXPORTS_PREFIX))
    valid_keys = set(daily_partitions.get_partition_keys(dynamic_partitions_store=context.instance))
    days = set()
    for obj in new:
        pixel_file = parse_pixel_key(obj.key)
        if pixel_file is None:
            context.log.info(f"ignoring {obj.uri}: not pixel/<YYYY-MM-DD>/<name>.jsonl[.gz]")
        elif pixel_file.event_date.isoformat() not in valid_keys:
            context.log.info(
                f"not requesting {obj.uri}: {pixel_file.event_date} is still open; the nightly run lands it"
            )
        else:
            days.add(pixel_file.event_date)
    run_key_suffix = next_cursor.to_json()
    for first, last in contiguous_ranges(days):
        run_key = f"{first}..{last}@{run_key_suffix}"
        if first == last:
            yield dg.RunRequest(run_key=run_key, partition_key=first.isoformat())
        else:
            yield dg.RunRequest(run_key=run_key, tags=range_tags(first.isoformat(), last.isoformat()))
    context.update_cursor(next_cursor.to_json())
