from datetime import date

import dagster as dg

from metrics_pipeline.lib.dbt_project import BOUNDED_EXECUTION, DBT_RUN_TAGS, with_dbt_inputs
from metrics_pipeline.lib.file_sources import FILES_CHECK, files_check_result, files_check_spec, new_files_sensor
from metrics_pipeline.lib.partitions import daily_partitions
from metrics_pipeline.lib.resources import ExportsResource, PipelineConfigResource, WarehouseResource
from metrics_pipeline.sources.amazon_ads.load import EXPORTS_PREFIX, land_days
from metrics_pipeline.sources.amazon_ads.parse import parse_report_key

GROUP = "amazon_ads"
KEYWORD_REPORTS_KEY = dg.AssetKey([GROUP, "keyword_reports"])
SALES_REPORTS_KEY = dg.AssetKey([GROUP, "sales_reports"])
LAYOUT = "amazon_ads/<brand>/<amazon|helium10|zonguru|sales>/<YYYY-MM-DD>.csv"
__all__ = ["FILES_CHECK", "KEYWORD_REPORTS_KEY", "SALES_REPORTS_KEY"]


@dg.multi_asset(
    name="amazon_ads_landing",
    specs=[
        dg.AssetSpec(
            KEYWORD_REPORTS_KEY,
            group_name=GROUP,
            kinds={"s3", "polars", "postgres"},
            description=(
                "raw_amazon_ads.keyword_reports: Sponsored Products search-term exports of Amazon, "
                "Helium 10 and ZonGuru (amazon_ads/<brand>/<format>/<YYYY-MM-DD>.csv), each mapped onto "
                "one shape and validated; bad rows go to ops.rejected_rows."
            ),
        ),
        dg.AssetSpec(
            SALES_REPORTS_KEY,
            group_name=GROUP,
            kinds={"s3", "polars", "postgres"},
            description=(
                "raw_amazon_ads.sales_reports: daily sales per ASIN (amazon_ads/<brand>/sales/<YYYY-MM-DD>.csv), "
                "total and ad-attributed; bad rows go to ops.rejected_rows."
            ),
        ),
    ],
    check_specs=[files_check_spec(KEYWORD_REPORTS_KEY), files_check_spec(SALES_REPORTS_KEY)],
    partitions_def=daily_partitions,
    # A backfill of many days is one run that lands them day by day, not one run per day.
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool="landing_amazon_ads",
)
def amazon_ads_landing(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    pipeline_config: PipelineConfigResource,
    exports: ExportsResource,
):
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
    files = [f for outcome in outcomes for f in outcome.files]
    for failure in (f for f in files if f.status == "failed"):
        context.log.error(failure.message or failure.file)
    for key, is_sales in ((KEYWORD_REPORTS_KEY, False), (SALES_REPORTS_KEY, True)):
        mine = [f for f in files if (f.folder == "sales") == is_sales]
        failed = [f for f in mine if f.status == "failed"]
        metadata = {
            "days": len(days),
            "files": len(mine),
            "rows_landed": sum(f.loaded for f in mine),
            "rows_quarantined": sum(f.rejected for f in mine),
            "files_failed": len(failed),
        }
        if not is_sales:
            metadata["keyword_days_superseded"] = sum(f.superseded_keyword_days for f in mine)
        check = files_check_result(failed)
        yield dg.MaterializeResult(asset_key=key, metadata=metadata)
        yield dg.AssetCheckResult(
            asset_key=key,
            check_name=check.check_name,
            passed=check.passed,
            severity=check.severity,
            metadata=check.metadata,
        )


# Like file_sources.source_only_job, for a source that lands two tables in one step.
amazon_ads_daily_job = dg.define_asset_job(
    "amazon_ads_daily",
    selection=with_dbt_inputs(
        (
            dg.AssetSelection.assets(KEYWORD_REPORTS_KEY, SALES_REPORTS_KEY) | dg.AssetSelection.key_prefixes(["config"])
        ).downstream()
    ),
    partitions_def=daily_partitions,
    tags=DBT_RUN_TAGS,
    description="Sync config, land the Amazon Ads exports of the requested days, rebuild what they feed.",
    config=BOUNDED_EXECUTION,
)


def _report_day(key: str) -> date | None:
    report_file = parse_report_key(key)
    return report_file.report_date if report_file else None


amazon_ads_new_files = new_files_sensor(
    "amazon_ads_new_files",
    job=amazon_ads_daily_job,
    prefix=EXPORTS_PREFIX,
    day_of_key=_report_day,
    layout=LAYOUT,
)
