"""The sensor every file source shares: it requests the days of new or re-uploaded files."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import dagster as dg

from metrics_pipeline.landing.exports import loose_day_of_key
from metrics_pipeline.landing.new_files import FileCursor, contiguous_ranges, new_objects_since
from metrics_pipeline.lib.partitions import daily_partitions, range_tags
from metrics_pipeline.lib.resources import ExportsResource

FILES_CHECK = "every_file_landed"  # the check on a file source's landing table


def new_files_sensor(
    name: str, *, job, prefix: str, day_of_key: Callable[[str], date | None], layout: str
) -> dg.SensorDefinition:
    """Requests exactly the days of new or re-uploaded files under `prefix`, each once.

    Consecutive days go in one run; a file for a day that is still open is left to the
    nightly run, so the cursor never has to wait for it. A file outside the layout whose key
    names a day anyway (`2026-9-1.csv`) requests that day too: its run logs the file as
    ignored in ops.ingestion_logs, where a person sees it, and keeps the day's rows.
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
                day = loose_day_of_key(obj.key)
                context.log.warning(
                    f"{obj.uri} is not {layout}: it will not be landed"
                    + (f"; requesting {day} to log it as ignored" if day else "")
                )
            if day is None:
                continue
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
