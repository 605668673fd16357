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
from datetime import date
from pathlib import Path

import psycopg

from metrics_pipeline.config import PipelineConfig
from metrics_pipeline.landing.exports import (
    ExportObject,
    ExportsStore,
    FileListing,
    IgnoredObject,
    list_by_day,
    open_checked,
)
from metrics_pipeline.landing.file_days import FileDayLanding, FileToLand, land_file_day, land_file_days
from metrics_pipeline.landing.ingestion import (
    Rejection,
    append_rejections,
    copy_frame,
    delete_rejections,
    describe_rejections,
    read_sql,
)
from metrics_pipeline.landing.outcomes import COMPLETED, PARTIAL, DayOutcome, FileOutcome
from metrics_pipeline.landing.streaming import prefetched
from metrics_pipeline.sources.media_partner import SOURCE as DECLARATION
from metrics_pipeline.sources.media_partner.parse import (
    DEFAULT_BLOCK_BYTES,
    SOURCE,
    ExportFile,
    ExportFileError,
    parse_export_blocks,
    parse_export_key,
)

SQL_DIR = Path(__file__).parent / "sql"
TABLE = "daily_exports"
LANDING_TABLE = f"raw_media_partner.{TABLE}"
EXPORTS_PREFIX = "media_partner/"


def exports_by_day(objects: Iterable[ExportObject]) -> FileListing[ExportFile]:
    """Media-partner export objects by report day, and the keys outside the layout."""
    return list_by_day(objects, parse_export_key, lambda info: info.report_date, DECLARATION.layout)


def list_exports(store: ExportsStore) -> FileListing[ExportFile]:
    return exports_by_day(store.list(EXPORTS_PREFIX))


def _landing(store: ExportsStore, config: PipelineConfig, run_id: str, block_bytes: int) -> FileDayLanding[ExportFile]:
    def remove_vanished(conn: psycopg.Connection, day: date, files, outcome: DayOutcome) -> None:
        outcome.vanished_rows = conn.execute(
            read_sql(SQL_DIR, "delete_days_of_vanished_files"),
            {"report_date": day, "clients_with_files": sorted({export_file.client_slug for _, export_file in files})},
        ).rowcount

    def write(conn: psycopg.Connection, file: FileToLand[ExportFile]) -> FileOutcome:
        obj, export_file = file.obj, file.info
        if config.client(export_file.client_slug) is None:
            raise ExportFileError(
                obj.uri, f"unknown client {export_file.client_slug!r}: add it to {config.source_path}"
            )
        conn.execute(
            read_sql(SQL_DIR, "delete_client_day"),
            {"client_slug": export_file.client_slug, "report_date": export_file.report_date},
        )
        delete_rejections(conn, source=SOURCE, partition_key=file.partition_key, source_file=obj.uri)
        processed = loaded = rejected = 0
        first_rejections: list[Rejection] = []
        with (
            closing(open_checked(store, obj)) as stream,
            prefetched(
                parse_export_blocks(stream, export_file, source_file=obj.uri, run_id=run_id, block_bytes=block_bytes)
            ) as blocks,
        ):
            for block in blocks:
                loaded += copy_frame(conn, LANDING_TABLE, block.rows)
                append_rejections(
                    conn,
                    source=SOURCE,
                    partition_key=file.partition_key,
                    source_file=obj.uri,
                    log_id=file.log_id,
                    rejections=block.rejections,
                )
                processed += block.processed
                rejected += len(block.rejections)
                first_rejections.extend(block.rejections[: 5 - len(first_rejections)])
        return FileOutcome(
            obj.uri,
            TABLE,
            PARTIAL if rejected else COMPLETED,
            processed,
            loaded,
            rejected,
            message=describe_rejections(first_rejections, rejected),
        )

    return FileDayLanding(
        what="media-partner",
        source=SOURCE,
        table_of=lambda _: TABLE,
        write=write,
        remove_vanished=remove_vanished,
        unit_of=lambda export_file: f"client and day ({export_file.client_slug}, {export_file.report_date})",
    )


def land_day(
    url: str,
    store: ExportsStore,
    config: PipelineConfig,
    day: date,
    files: list[tuple[ExportObject, ExportFile]],
    *,
    run_id: str,
    ignored: list[IgnoredObject] | None = None,
    log: Callable[[str], None] = lambda message: None,
    detail: Callable[[str], None] = lambda message: None,
    block_bytes: int = DEFAULT_BLOCK_BYTES,
) -> DayOutcome:
    """Land the day's files in one transaction, each file read block by block in its own savepoint."""
    landing = _landing(store, config, run_id, block_bytes)
    return land_file_day(url, landing, day, files, ignored=ignored or (), run_id=run_id, log=log, detail=detail)


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
    landing = _landing(store, config, run_id, block_bytes)
    return land_file_days(url, landing, list_exports(store), days, run_id=run_id, log=log, detail=detail)
