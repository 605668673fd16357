"""Dagster wiring every file source shares (partner exports, pixel events): the check that
names unreadable files, the source-only job, and the sensor that requests new files' days."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date

import dagster as dg

from metrics_pipeline.lib.dbt_project import BOUNDED_EXECUTION, DBT_RUN_TAGS, with_dbt_inputs
from metrics_pipeline.landing.new_files import FileCursor, contiguous_ranges, new_objects_since
from metrics_pipeline.lib.partitions import daily_partitions, range_tags
from metrics_pipeline.lib.resources import ExportsResource

FILES_CHECK = "every_file_landed"


def files_check_spec(asset_key: dg.AssetKey) -> dg.AssetCheckSpec:
    return dg.AssetCheckSpec(
        FILES_CHECK,
        asset=asset_key,
        description="Every file of the partition could be read; failed files are named.",
    )


def files_check_result(failed: Iterable) -> dg.AssetCheckResult:
    """Failed: the files that could not be read, each by its message (which names the file)."""
    failed = list(failed)
    return dg.AssetCheckResult(
        check_name=FILES_CHECK,
        passed=not failed,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={"failed_files": dg.MetadataValue.md("\n".join(f"- {f.message}" for f in failed) or "none")},
    )


def source_only_job(name: str, landing_key: dg.AssetKey | Sequence[dg.AssetKey], description: str):
    """The file's source, config and what they feed: what a file sensor runs, never the APIs.

    `landing_key` may be several keys: the tables one landing multi-asset writes together."""
    landing_keys = [landing_key] if isinstance(landing_key, dg.AssetKey) else list(landing_key)
    return dg.define_asset_job(
        name,
        selection=with_dbt_inputs(
            (dg.AssetSelection.assets(*landing_keys) | dg.AssetSelection.key_prefixes(["config"])).downstream()
        ),
        partitions_def=daily_partitions,
        tags=DBT_RUN_TAGS,
        description=description,
        config=BOUNDED_EXECUTION,
    )


def new_files_sensor(
    name: str, *, job, prefix: str, day_of_key: Callable[[str], date | None], layout: str
) -> dg.SensorDefinition:
    """Requests exactly the days of new or re-uploaded files under `prefix`, each once.

    Consecutive days go in one run; a file for a day that is still open is left to the
    nightly run, so the cursor never has to wait for it.
    """

    @dg.sensor(
        name=name,
        job=job,
        minimum_interval_seconds=60,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description=f"Requests the partitions of new or re-uploaded {layout} files, each once.",
    )
    def sensor(context: dg.SensorEvaluationContext, exports: ExportsResource):
        cursor = FileCursor.from_json(context.cursor)
        new, next_cursor = new_objects_since(cursor, exports.store().list(prefix))
        valid_keys = set(daily_partitions.get_partition_keys(dynamic_partitions_store=context.instance))
        days = set()
        for obj in new:
            day = day_of_key(obj.key)
            if day is None:
                context.log.info(f"ignoring {obj.uri}: not {layout}")
            elif day.isoformat() not in valid_keys:
                context.log.info(f"not requesting {obj.uri}: {day} is still open; the nightly run lands it")
            else:
                days.add(day)
        run_key_suffix = next_cursor.to_json()
        for first, last in contiguous_ranges(days):
            run_key = f"{first}..{last}@{run_key_suffix}"
            if first == last:
                yield dg.RunRequest(run_key=run_key, partition_key=first.isoformat())
            else:
                yield dg.RunRequest(run_key=run_key, tags=range_tags(first.isoformat(), last.isoformat()))
        context.update_cursor(next_cursor.to_json())

    return sensor
