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
from metrics_pipeline.lib.resources import ExportsResource, WarehouseResource
from metrics_pipeline.sources.affiliate.load import EXPORTS_PREFIX, land_affiliate_days
from metrics_pipeline.sources.affiliate.parse import parse_affiliate_key

LANDING_KEY = dg.AssetKey(["affiliate", "events"])
CATALOGUE_KEY = dg.AssetKey(["affiliate", "catalogue_snapshots"])
__all__ = ["CATALOGUE_KEY", "FILES_CHECK", "LANDING_KEY"]


# One asset per landed table, both written by one transaction per day (a day's events and
# catalogue are one partition), so they always materialise together.
@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            LANDING_KEY,
            group_name="affiliate",
            kinds={"s3", "polars", "postgres"},
            description=(
                "raw_affiliate.events: the affiliate network's event CSVs (affiliate/<YYYY-MM-DD>/*.csv), "
                "validated; refunds signed negative; an event id lands once; bad rows go to ops.rejected_rows."
            ),
        ),
        dg.AssetSpec(
            CATALOGUE_KEY,
            group_name="affiliate",
            kinds={"s3", "polars", "postgres"},
            description=(
                "raw_affiliate.catalogue_snapshots: the day's product catalogue "
                "(affiliate/<YYYY-MM-DD>/catalog*.csv or products*.csv), one row per product and day."
            ),
        ),
    ],
    partitions_def=daily_partitions,
    # A backfill of many days is one run that lands them day by day, not one run per day.
    backfill_policy=dg.BackfillPolicy.single_run(),
    check_specs=[files_check_spec(LANDING_KEY)],
    pool="landing_affiliate",
)
def affiliate_files(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    exports: ExportsResource,
):
    days = [date.fromisoformat(key) for key in context.partition_keys]
    outcomes = land_affiliate_days(
        warehouse.url(),
        exports.store(),
        days,
        run_id=context.run_id,
        log=context.log.info,
        detail=context.log.debug,
    )
    failed = [f for outcome in outcomes for f in outcome.failed_files]
    for failure in failed:
        context.log.error(failure.message or failure.file)
    landed = [f for outcome in outcomes for f in outcome.files]
    events = [f for f in landed if f.kind == "events"]
    catalogues = [f for f in landed if f.kind == "catalogue"]
    yield dg.MaterializeResult(
        asset_key=LANDING_KEY,
        metadata={
            "days": len(days),
            "files": len(events),
            "events_landed": sum(f.loaded for f in events),
            "duplicate_event_ids_dropped": sum(f.duplicates for f in events),
            "rows_quarantined": sum(f.rejected for f in events),
            "files_failed": len([f for f in failed if f.kind == "events"]),
        },
    )
    yield dg.MaterializeResult(
        asset_key=CATALOGUE_KEY,
        metadata={
            "days": len(days),
            "files": len(catalogues),
            "products_landed": sum(f.loaded for f in catalogues),
            "rows_quarantined": sum(f.rejected for f in catalogues),
            "files_failed": len([f for f in failed if f.kind == "catalogue"]),
        },
    )
    yield files_check_result(failed)


affiliate_daily_job = source_only_job(
    "affiliate_daily",
    [LANDING_KEY, CATALOGUE_KEY],
    "Sync config, land the affiliate events and catalogues of the requested days, rebuild what they feed.",
)


def _affiliate_day(key: str) -> date | None:
    affiliate_file = parse_affiliate_key(key)
    return affiliate_file.day if affiliate_file else None


affiliate_new_files = new_files_sensor(
    "affiliate_new_files",
    job=affiliate_daily_job,
    prefix=EXPORTS_PREFIX,
    day_of_key=_affiliate_day,
    layout="affiliate/<YYYY-MM-DD>/<name>.csv",
)
