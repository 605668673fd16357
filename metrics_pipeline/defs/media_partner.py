from datetime import date

import dagster as dg

from metrics_pipeline.defs.dbt_models import BOUNDED_EXECUTION, DBT_RUN_TAGS, with_dbt_inputs
from metrics_pipeline.new_files import FileCursor, contiguous_ranges, new_objects_since
from metrics_pipeline.partitions import daily_partitions, range_tags
from metrics_pipeline.resources import ExportsResource, PipelineConfigResource, WarehouseResource
from metrics_pipeline.sources.media_partner.load import EXPORTS_PREFIX, land_days
from metrics_pipeline.sources.media_partner.parse import parse_export_key

LANDING_KEY = dg.AssetKey(["media_partner", "daily_exports"])
FILES_CHECK = "every_file_landed"


@dg.asset(
    key=LANDING_KEY,
    partitions_def=daily_partitions,
    # A backfill of many days is one run that lands them day by day, not one run per day.
    backfill_policy=dg.BackfillPolicy.single_run(),
    group_name="media_partner",
    kinds={"s3", "polars", "postgres"},
    check_specs=[
        dg.AssetCheckSpec(
            FILES_CHECK,
            asset=LANDING_KEY,
            description="Every export file of the partition could be read; failed files are named.",
        )
    ],
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
media_partner_daily_job = dg.define_asset_job(
    "media_partner_daily",
    selection=with_dbt_inputs(
        (dg.AssetSelection.assets(LANDING_KEY) | dg.AssetSelection.key_prefixes(["config"])).downstream()
    ),
    partitions_def=daily_partitions,
    tags=DBT_RUN_TAGS,
    description="Sync config, land the partner exports of the requested days, rebuild what they feed.",
    config=BOUNDED_EXECUTION,
)


@dg.sensor(
    job=media_partner_daily_job,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Requests the partitions of new or re-uploaded partner files, each once.",
)
def media_partner_new_files(context: dg.SensorEvaluationContext, exports: ExportsResource):
    cursor = FileCursor.from_json(context.cursor)
    new, next_cursor = new_objects_since(cursor, exports.store().list(EXPORTS_PREFIX))
    valid_keys = set(daily_partitions.get_partition_keys(dynamic_partitions_store=context.instance))
    days = set()
    for obj in new:
        export_file = parse_export_key(obj.key)
        if export_file is None:
            context.log.info(f"ignoring {obj.uri}: not media_partner/<client>/<YYYY-MM-DD>.csv")
        elif export_file.report_date.isoformat() not in valid_keys:
            context.log.info(
                f"not requesting {obj.uri}: {export_file.report_date} is still open; the nightly run lands it"
            )
        else:
            days.add(export_file.report_date)
    run_key_suffix = next_cursor.to_json()
    for first, last in contiguous_ranges(days):
        run_key = f"{first}..{last}@{run_key_suffix}"
        if first == last:
            yield dg.RunRequest(run_key=run_key, partition_key=first.isoformat())
        else:
            yield dg.RunRequest(run_key=run_key, tags=range_tags(first.isoformat(), last.isoformat()))
    context.update_cursor(next_cursor.to_json())
