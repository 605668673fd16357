"""Google Ads and Meta: one daily-partitioned landing asset per platform, one intraday snapshot.

Both platforms are wired by the same factory; what differs (the SDK, the tables) lives in
`metrics_pipeline/sources/<platform>/`.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timezone

import dagster as dg

from metrics_pipeline.operations.failures import classify_failure
from metrics_pipeline.lib.partitions import daily_partitions
from metrics_pipeline.lib.resources import PipelineConfigResource, WarehouseResource
from metrics_pipeline.sources.google_ads.load import snapshot_google_ads_today, sync_google_ads
from metrics_pipeline.sources.meta.load import snapshot_meta_today, sync_meta

ACCOUNTS_CHECK = "every_account_synced"
INTRADAY_GROUP = "intraday"

# A run-level retry for what the per-call backoff cannot heal (the warehouse restarting, say).
API_RETRY_POLICY = dg.RetryPolicy(
    max_retries=2, delay=30, backoff=dg.Backoff.EXPONENTIAL, jitter=dg.Jitter.PLUS_MINUS
)


@dataclass(frozen=True)
class AdPlatform:
    name: str
    title: str
    landing_tables: tuple[str, ...]  # raw_<name>.<table>, in the order they matter to a reader
    intraday_table: str
    sync: Callable[..., list]
    snapshot: Callable[..., object]


PLATFORMS = (
    AdPlatform(
        name="google_ads",
        title="Google Ads",
        landing_tables=(
            "ad_daily_metrics", "ad_daily_metrics_first_reported", "customers", "campaigns",
            "ad_groups", "ads", "keywords", "click_views",
        ),
        intraday_table="ad_intraday_snapshots",
        sync=sync_google_ads,
        snapshot=snapshot_google_ads_today,
    ),
    AdPlatform(
        name="meta",
        title="Meta",
        landing_tables=(
            "ad_daily_insights", "ad_daily_insights_first_reported", "ad_accounts", "campaigns",
            "adsets", "ads",
        ),
        intraday_table="ad_intraday_snapshots",
        sync=sync_meta,
        snapshot=snapshot_meta_today,
    ),
)


def raise_if_transient(title: str, failures: list[tuple[str, str | None]]) -> None:
    """Fail the step when a target failed for a passing cause, after everything else landed:
    the step retry policy, then the retry sensor, try again. Permanent causes (an expired
    token) are already recorded per account and only fail the check: a retry cannot heal them."""
    transient = [(target, message) for target, message in failures if classify_failure(message).retryable]
    if transient:
        raise dg.Failure(
            description=f"{title}: {len(transient)} target(s) failed for a transient cause: "
            + "; ".join(f"{target}: {message}" for target, message in transient),
            metadata={"targets": [target for target, _ in transient]},
        )


def _failed(outcomes: list) -> list:
    return [o for o in outcomes if getattr(o, "status", None) == "failed"]


def landing_asset(platform: AdPlatform) -> dg.AssetsDefinition:
    main_key = dg.AssetKey([platform.name, platform.landing_tables[0]])

    @dg.multi_asset(
        name=f"{platform.name}_landing",
        specs=[
            dg.AssetSpec(
                [platform.name, table],
                group_name=platform.name,
                kinds={platform.name, "postgres"},
                description=f"raw_{platform.name}.{table}, landed from the {platform.title} API.",
            )
            for table in platform.landing_tables
        ],
        check_specs=[
            dg.AssetCheckSpec(
                ACCOUNTS_CHECK,
                asset=main_key,
                description="Every account of every active connection synced; failures are named.",
            )
        ],
        partitions_def=daily_partitions,
        backfill_policy=dg.BackfillPolicy.single_run(),
        retry_policy=API_RETRY_POLICY,
        pool=f"landing_{platform.name}",
    )
    def land(context: dg.AssetExecutionContext, warehouse: WarehouseResource, pipeline_config: PipelineConfigResource):
        days = [date.fromisoformat(key) for key in context.partition_keys]
        outcomes = platform.sync(
            warehouse.url(), pipeline_config.load(), days, run_id=context.run_id, log=context.log.info
        )
        failed = _failed(outcomes)
        for outcome in failed:
            context.log.error(f"{platform.title}: {outcome.message}")
        for table in platform.landing_tables:
            yield dg.MaterializeResult(
                asset_key=[platform.name, table],
                metadata={"days": len(days), "accounts": len(outcomes), "accounts_failed": len(failed)},
            )
        yield dg.AssetCheckResult(
            asset_key=main_key,
            check_name=ACCOUNTS_CHECK,
            passed=not failed,
            severity=dg.AssetCheckSeverity.ERROR,
            metadata={"failed_accounts": dg.MetadataValue.md("\n".join(f"- {o.message}" for o in failed) or "none")},
        )
        raise_if_transient(platform.title, [(o.target, o.message) for o in failed])

    return land


def intraday_asset(platform: AdPlatform) -> dg.AssetsDefinition:
    @dg.asset(
        key=[platform.name, platform.intraday_table],
        group_name=INTRADAY_GROUP,
        kinds={platform.name, "postgres"},
        retry_policy=API_RETRY_POLICY,
        pool=f"landing_{platform.name}_intraday",
        description=f"Today's cumulative {platform.title} metrics per ad, one row per capture.",
    )
    def snapshot(
        context: dg.AssetExecutionContext, warehouse: WarehouseResource, pipeline_config: PipelineConfigResource
    ) -> dg.MaterializeResult:
        captured_at = datetime.now(timezone.utc).replace(microsecond=0)
        platform.snapshot(
            warehouse.url(), pipeline_config.load(), captured_at=captured_at, run_id=context.run_id,
            log=context.log.info,
        )
        return dg.MaterializeResult(metadata={"captured_at": captured_at.isoformat()})

    return snapshot


google_ads_landing = landing_asset(PLATFORMS[0])
meta_landing = landing_asset(PLATFORMS[1])
google_ads_intraday = intraday_asset(PLATFORMS[0])
meta_intraday = intraday_asset(PLATFORMS[1])
