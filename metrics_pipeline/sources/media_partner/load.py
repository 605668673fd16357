"""Land one day of media-partner exports: every client's file for that day, in one transaction.

Per file the unit of replacement is (client, day): its landed rows and quarantined rows
are deleted and the file is COPYed in again, so reruns, retries and backfills never
duplicate or lose rows. A file that cannot be read at all (wrong header, unknown
client) is logged as failed and leaves that client's previously landed rows alone;
the other files of the day still land.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import closing
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import psycopg

from metrics_pipeline.config import PipelineConfig
from metrics_pipeline.landing.exports import ExportObject, ExportsStore, objects_by_day
from metrics_pipeline.landing.ingestion import (
    Rejection,
    append_rejections,
    copy_frame,
    delete_rejections,
    describe_rejections,
    fail_attempts,
    finish_attempt,
    read_sql,
    start_attempt,
)
from metrics_pipeline.sources.media_partner.parse import (
    DEFAULT_BLOCK_BYTES,
    SOURCE,
    ExportFile,
    ExportFileError,
    parse_export_blocks,
    parse_export_key,
)
from metrics_pipeline.landing.streaming import prefetched

SQL_DIR = Path(__file__).parent / "sql"
LANDING_TABLE = "raw_media_partner.daily_exports"
EXPORTS_PREFIX = "media_partner/"


@dataclass(frozen=True)
class FileOutcome:
    file: str
    client_slug: str
    status: str  # completed | partial | failed
    processed: int = 0
    loaded: int = 0
    rejected: int = 0
    message: str | None = None


@dataclass
class DayOutcome:
    partition_key: str
    files: list[FileOutcome] = field(default_factory=list)
    removed_rows: int = 0

    @property
    def loaded(self) -> int:
        return sum(f.loaded for f in self.files)

    @property
    def rejected(self) -> int:
        return sum(f.rejected for f in self.files)

    @property
    def failed_files(self) -> list[FileOutcome]:
        return [f for f in self.files if f.status == "failed"]


def exports_by_day(objects: Iterable[ExportObject]) -> dict[date, list[tuple[ExportObject, ExportFile]]]:
    """Group media-partner export objects by report day; keys outside the layout are skipped."""
    return objects_by_day(objects, parse_export_key, lambda info: info.report_date)


def list_exports(store: ExportsStore) -> dict[date, list[tuple[ExportObject, ExportFile]]]:
    return exports_by_day(store.list(EXPORTS_PREFIX))


def land_day(
    url: str,
    store: ExportsStore,
    config: PipelineConfig,
    day: date,
    files: list[tuple[ExportObject, ExportFile]],
    *,
    run_id: str,
    log: Callable[[str], None] = lambda message: None,
    detail: Callable[[str], None] = lambda message: None,
    block_bytes: int = DEFAULT_BLOCK_BYTES,
) -> DayOutcome:
    """Land the day's files in one transaction, each file read block by block.

    Each file lands inside a savepoint: a file that turns out unreadable part-way (a byte
    that is not UTF-8 deep in the file) rolls back to the client's previous rows, so a file
    never half-lands, and the other files of the day still land.
    """
    partition_key = day.isoformat()
    log_ids = [
        start_attempt(url, source=SOURCE, partition_key=partition_key, target=obj.uri, run_id=run_id)
        for obj, _ in files
    ]
    outcome = DayOutcome(partition_key)
    try:
        with psycopg.connect(url) as conn, conn.transaction():
            conn.execute(read_sql(SQL_DIR, "lock_partition"), {"partition_key": partition_key})
            removed = conn.execute(
                read_sql(SQL_DIR, "delete_days_of_vanished_files"),
                {
                    "report_date": day,
                    "clients_with_files": sorted({export_file.client_slug for _, export_file in files}),
                },
            )
            outcome.removed_rows = removed.rowcount
            conn.execute(
                read_sql(SQL_DIR, "delete_rejections_of_vanished_files"),
                {"partition_key": partition_key, "present_files": [obj.uri for obj, _ in files]},
            )
            for (obj, export_file), log_id in zip(files, log_ids, strict=True):
                file_outcome = _land_file(
                    conn, store, config, obj, export_file, log_id, partition_key, run_id, block_bytes
                )
                outcome.files.append(file_outcome)
    except Exception as exc:
        # The data transaction rolled back (storage unreachable, say): nothing of this day
        # changed. Say so in every log row.
        fail_attempts(url, log_ids, f"{type(exc).__name__}: {exc}")
        raise
    for file_outcome in outcome.files:
        (log if file_outcome.status != "completed" else detail)(_describe(partition_key, file_outcome))
    if outcome.removed_rows:
        log(f"{partition_key}: removed {outcome.removed_rows} rows of files no longer in the exports root")
    return outcome


def _land_file(
    conn: psycopg.Connection,
    store: ExportsStore,
    config: PipelineConfig,
    obj: ExportObject,
    export_file: ExportFile,
    log_id: int,
    partition_key: str,
    run_id: str,
    block_bytes: int,
) -> FileOutcome:
    client_slug = export_file.client_slug
    processed = loaded = rejected = 0
    first_rejections: list[Rejection] = []
    try:
        with conn.transaction():  # a savepoint
            if config.client(client_slug) is None:
                raise ExportFileError(obj.uri, f"unknown client {client_slug!r}: add it to {config.source_path}")
            conn.execute(
                read_sql(SQL_DIR, "delete_client_day"),
                {"client_slug": client_slug, "report_date": export_file.report_date},
            )
            delete_rejections(conn, source=SOURCE, partition_key=partition_key, source_file=obj.uri)
            with closing(store.open(obj.key)) as stream, prefetched(
                parse_export_blocks(stream, export_file, source_file=obj.uri, run_id=run_id, block_bytes=block_bytes)
            ) as blocks:
                for block in blocks:
                    loaded += copy_frame(conn, LANDING_TABLE, block.rows)
                    append_rejections(
                        conn,
                        source=SOURCE,
                        partition_key=partition_key,
                        source_file=obj.uri,
                        log_id=log_id,
                        rejections=block.rejections,
                    )
                    processed += block.processed
                    rejected += len(block.rejections)
                    first_rejections.extend(block.rejections[: 5 - len(first_rejections)])
            status = "partial" if rejected else "completed"
            message = describe_rejections(first_rejections, rejected)
            finish_attempt(
                conn, log_id, status=status, processed=processed, loaded=loaded, rejected=rejected, message=message
            )
    except ExportFileError as exc:
        finish_attempt(conn, log_id, status="failed", message=str(exc))
        return FileOutcome(obj.uri, client_slug, "failed", message=str(exc))
    return FileOutcome(obj.uri, client_slug, status, processed, loaded, rejected, message)


def _describe(partition_key: str, outcome: FileOutcome) -> str:
    if outcome.status == "failed":
        return f"{partition_key}: FAILED {outcome.message}"  # the message names the file
    text = f"{partition_key}: {outcome.file}: {outcome.loaded} rows landed"
    if outcome.rejected:
        text += f", {outcome.rejected} quarantined ({outcome.message})"
    return text


def land_days(
    url: str,
    store: ExportsStore,
    config: PipelineConfig,
    days: list[date],
    *,
    run_id: str,
    log: Callable[[str], None] = lambda message: None,
    detail: Callable[[str], None] = lambda message: None,
    block_bytes: int = DEFAULT_BLOCK_BYTES,
) -> list[DayOutcome]:
    """Land each day in turn (one transaction per day), listing the exports root once."""
    available = list_exports(store)
    outcomes = []
    for position, day in enumerate(days, start=1):
        files = available.get(day, [])
        outcome = land_day(
            url, store, config, day, files, run_id=run_id, log=log, detail=detail, block_bytes=block_bytes
        )
        outcomes.append(outcome)
        log(
            f"[{position}/{len(days)}] {day.isoformat()}: {len(files)} file(s), "
            f"{outcome.loaded} rows landed, {outcome.rejected} quarantined, "
            f"{len(outcome.failed_files)} file(s) failed"
        )
    return outcomes
