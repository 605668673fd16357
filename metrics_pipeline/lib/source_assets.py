"""Dagster wiring made from a source's declaration (sources/contract.py): its landing asset, the
check that names what failed, its source-only job and its new-files sensor (file sources), its
intraday snapshot asset (API sources with one). `defs/sources.py` applies these to the registry.
"""

from collections.abc import Sequence
from datetime import UTC, date, datetime

import dagster as dg

from metrics_pipeline.landing.ingestion import failure_logged_before_any_attempt, stored_text
from metrics_pipeline.landing.outcomes import FAILED, FileOutcome, TargetOutcome
from metrics_pipeline.lib.dbt_project import BOUNDED_EXECUTION, DBT_RUN_TAGS, with_dbt_inputs
from metrics_pipeline.lib.file_sources import FILES_CHECK, new_files_sensor
from metrics_pipeline.lib.partitions import daily_partitions
from metrics_pipeline.lib.redacted_failures import redacted_failures
from metrics_pipeline.lib.resources import ExportsResource, PipelineConfigResource, WarehouseResource
from metrics_pipeline.operations.failures import TRANSIENT
from metrics_pipeline.sources.contract import ApiSource, FileSource, resolve

INTRADAY_GROUP = "intraday"
FAILURE_KIND_METADATA = "failure_kind"  # on a step's dg.Failure: what the retry sensor reads

# A run-level retry for what the per-call backoff cannot heal (the warehouse restarting, say).
API_RETRY_POLICY = dg.RetryPolicy(max_retries=2, delay=30, backoff=dg.Backoff.EXPONENTIAL, jitter=dg.Jitter.PLUS_MINUS)


def landing_keys(source: FileSource | ApiSource) -> list[dg.AssetKey]:
    return [dg.AssetKey([source.name, table.name]) for table in source.tables]


# --------------------------------------------------------------------------- #
# File sources
# --------------------------------------------------------------------------- #


def file_metadata(days: int, files: Sequence[FileOutcome]) -> dict[str, int]:
    """The same figures for every file source and table; source-only counts appear when non-zero."""
    metadata = {
        "days": days,
        "files": len(files),
        "rows_landed": sum(f.loaded for f in files),
        "rows_quarantined": sum(f.rejected for f in files),
        "files_failed": sum(1 for f in files if f.status == FAILED),
    }
    if duplicates := sum(f.duplicates for f in files):
        metadata["duplicate_ids_dropped"] = duplicates
    if superseded := sum(f.superseded for f in files):
        metadata["superseded_keyword_days"] = superseded
    return metadata


def files_check_result(
    key: dg.AssetKey, failed: Sequence[FileOutcome], ignored: Sequence[FileOutcome] = ()
) -> dg.AssetCheckResult:
    """Failed: the files that could not be landed, each by its message (which names the file);
    a warning when the only ones are files outside the layout (ignored, to be renamed)."""
    return dg.AssetCheckResult(
        asset_key=key,
        check_name=FILES_CHECK,
        passed=not failed and not ignored,
        severity=dg.AssetCheckSeverity.ERROR if failed else dg.AssetCheckSeverity.WARN,
        metadata={
            "failed_files": dg.MetadataValue.md("\n".join(f"- {stored_text(f.message)}" for f in failed) or "none"),
            "ignored_files": dg.MetadataValue.md(
                "\n".join(f"- {stored_text(f'{f.file}: {f.message}')}" for f in ignored) or "none"
            ),
        },
    )


def file_source_asset(source: FileSource) -> dg.AssetsDefinition:
    checked = [t.name for t in source.tables if t.file_check]

    @dg.multi_asset(
        name=f"{source.name}_landing",
        specs=[
            dg.AssetSpec(
                [source.name, table.name],
                group_name=source.name,
                kinds={"s3", "polars", "postgres"},
                description=table.description,
            )
            for table in source.tables
        ],
        check_specs=[
            dg.AssetCheckSpec(
                FILES_CHECK,
                asset=dg.AssetKey([source.name, name]),
                description="Every file of the partition could be landed; failed files are named.",
            )
            for name in checked
        ],
        partitions_def=daily_partitions,
        # A backfill of many days is one run that lands them day by day, not one run per day.
        backfill_policy=dg.BackfillPolicy.single_run(),
        pool=f"landing_{source.name}",
    )
    def land(
        context: dg.AssetExecutionContext,
        warehouse: WarehouseResource,
        pipeline_config: PipelineConfigResource,
        exports: ExportsResource,
    ):
        # Redaction outermost: the failure row below is written from the exception as raised
        # (its kind read from its causes) and stored scrubbed; what reaches Dagster is scrubbed too.
        with redacted_failures():
            days = [date.fromisoformat(key) for key in context.partition_keys]
            url = warehouse.url()
            with failure_logged_before_any_attempt(
                url,
                source=source.name,
                partition_keys=context.partition_keys,
                target=f"{exports.uri.rstrip('/')}/{source.prefix}",
                run_id=context.run_id,
            ):
                outcomes = resolve(source.land_days)(
                    url,
                    exports.store(),
                    pipeline_config.load(),
                    days,
                    run_id=context.run_id,
                    log=context.log.info,
                    detail=context.log.debug,
                )
            files = [f for outcome in outcomes for f in outcome.files]
            ignored = [f for outcome in outcomes for f in outcome.ignored]
            for failure in (f for f in files if f.status == FAILED):
                context.log.error(failure.message or failure.file)
            for outside in ignored:
                context.log.warning(f"{outside.file}: {outside.message}")
            for table in source.tables:
                mine = [f for f in files if f.table == table.name]
                yield dg.MaterializeResult(asset_key=[source.name, table.name], metadata=file_metadata(len(days), mine))
            for name in checked:
                # one checked table answers for every file; several answer for their own files
                mine = files if len(checked) == 1 else [f for f in files if f.table == name]
                # an ignored file has no table: the first checked table answers for it
                outside = ignored if name == checked[0] else []
                yield files_check_result(
                    dg.AssetKey([source.name, name]), [f for f in mine if f.status == FAILED], outside
                )

    return land


def file_source_job(source: FileSource):
    """The source, config and what they feed: what its new-files sensor runs, never the APIs."""
    return dg.define_asset_job(
        source.job_name,
        selection=with_dbt_inputs(
            (dg.AssetSelection.assets(*landing_keys(source)) | dg.AssetSelection.key_prefixes(["config"])).downstream()
        ),
        partitions_def=daily_partitions,
        tags=DBT_RUN_TAGS,
        description=f"Sync config, land the {source.title} files of the requested days, rebuild what they feed.",
        config=BOUNDED_EXECUTION,
    )


def file_source_sensor(source: FileSource, job) -> dg.SensorDefinition:
    return new_files_sensor(
        f"{source.name}_new_files", job=job, prefix=source.prefix, day_of_key=source.day_of, layout=source.layout
    )


# --------------------------------------------------------------------------- #
# API sources
# --------------------------------------------------------------------------- #


def raise_if_transient(title: str, failed: Sequence[TargetOutcome]) -> None:
    """Fail the step when a target failed for a passing cause, after everything else landed:
    the step retry policy, then the retry sensor, try again. Permanent causes (an expired
    token) are already recorded per account and only fail the check: a retry cannot heal them."""
    transient = [o for o in failed if o.retryable]
    if transient:
        raise dg.Failure(
            description=stored_text(
                f"{title}: {len(transient)} target(s) failed for a transient cause: "
                + "; ".join(f"{o.target}: {o.message}" for o in transient)
            ),
            metadata={"targets": [o.target for o in transient], FAILURE_KIND_METADATA: TRANSIENT},
        )


def api_source_asset(source: ApiSource) -> dg.AssetsDefinition:
    main_key = dg.AssetKey([source.name, source.tables[0].name])
    check_name = f"every_{source.target_noun}_synced"

    @dg.multi_asset(
        name=f"{source.name}_landing",
        specs=[
            dg.AssetSpec(
                [source.name, table.name],
                group_name=source.name,
                kinds={source.name, "postgres"},
                description=table.description or f"raw_{source.name}.{table.name}, landed from the {source.title} API.",
            )
            for table in source.tables
        ],
        check_specs=[
            dg.AssetCheckSpec(
                check_name,
                asset=main_key,
                description=f"Every {source.target_noun} of every active connection synced; failures are named.",
            )
        ],
        partitions_def=daily_partitions if source.partitioned else None,
        backfill_policy=dg.BackfillPolicy.single_run() if source.partitioned else None,
        retry_policy=API_RETRY_POLICY,
        pool=f"landing_{source.name}",
    )
    def land(context: dg.AssetExecutionContext, warehouse: WarehouseResource, pipeline_config: PipelineConfigResource):
        # Redaction outermost, as for the file sources.
        with redacted_failures():
            url = warehouse.url()
            # An unpartitioned source (Shopify) logs its attempts under the run's UTC date.
            keys = context.partition_keys if source.partitioned else [datetime.now(UTC).date().isoformat()]
            with failure_logged_before_any_attempt(
                url,
                source=source.name,
                partition_keys=keys,
                target=f"(before any {source.target_noun})",
                run_id=context.run_id,
            ):
                sync = resolve(source.sync)
                config = pipeline_config.load()
                if not config.connections_for(source.connection_provider):
                    # Every source is optional: a user without this platform runs too, and the log
                    # says why nothing landed (the sync below finds no account and lands nothing).
                    context.log.info(f"no active {source.title} connections configured: nothing to land")
                if source.partitioned:
                    days = [date.fromisoformat(key) for key in keys]
                    outcomes = sync(url, config, days, run_id=context.run_id, log=context.log.info)
                else:
                    outcomes = sync(url, config, run_id=context.run_id, log=context.log.info)
            failed = [o for o in outcomes if o.status == FAILED]
            for outcome in failed:
                context.log.error(f"{source.title}: {outcome.target}: {outcome.message}")
            metadata = {
                f"{source.target_noun}s": len(outcomes),
                f"{source.target_noun}s_failed": len(failed),
                "rows_landed": sum(o.rows_loaded for o in outcomes),
            }
            for table in source.tables:
                yield dg.MaterializeResult(asset_key=[source.name, table.name], metadata=metadata)
            yield dg.AssetCheckResult(
                asset_key=main_key,
                check_name=check_name,
                passed=not failed,
                severity=dg.AssetCheckSeverity.ERROR,
                metadata={
                    f"failed_{source.target_noun}s": dg.MetadataValue.md(
                        "\n".join(f"- {o.target}: {stored_text(o.message)}" for o in failed) or "none"
                    )
                },
            )
            raise_if_transient(source.title, failed)

    return land


def intraday_asset(source: ApiSource) -> dg.AssetsDefinition:
    @dg.asset(
        key=[source.name, source.intraday_table],
        group_name=INTRADAY_GROUP,
        kinds={source.name, "postgres"},
        retry_policy=API_RETRY_POLICY,
        pool=f"landing_{source.name}_intraday",
        description=f"Today's cumulative {source.title} metrics per ad, one row per capture.",
    )
    def snapshot(
        context: dg.AssetExecutionContext, warehouse: WarehouseResource, pipeline_config: PipelineConfigResource
    ) -> dg.MaterializeResult:
        with redacted_failures():
            captured_at = datetime.now(UTC).replace(microsecond=0)
            resolve(source.snapshot)(
                warehouse.url(),
                pipeline_config.load(),
                captured_at=captured_at,
                run_id=context.run_id,
                log=context.log.info,
            )
            return dg.MaterializeResult(metadata={"captured_at": captured_at.isoformat()})

    return snapshot
