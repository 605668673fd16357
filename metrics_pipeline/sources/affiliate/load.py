"""Land days of affiliate files: every file under affiliate/<YYYY-MM-DD>/, one transaction per day.

The unit of replacement is the file: first the day's rows of files that vanished from the
exports root are deleted (events by event_date, catalogue rows by snapshot_date), then each
file, in key order and inside its own savepoint, deletes its own rows and lands its new ones.
A file that fails (a wrong header, a file cut short) rolls back to its savepoint: the rows it
landed before stay, and the rest of the day still lands.

Events are COPYed into a temporary table and merged into raw_affiliate.events: an event id
lands once. An id repeated in a file, in another file of the day (a re-sent file under
another name) or already landed by another day is dropped and counted as a duplicate, never
double-counted. Within a day the file first in key order holds the id, as if the day had been
landed from nothing: the merge takes an id over from a later file of the same day, which is
re-landed after it and then drops it. The id belongs to the day that landed it first;
re-landing that day keeps it there, and the other day keeps dropping it.

A product id repeated in the day's catalogue files keeps its row of the first file (key
order); the later files' rows are quarantined, naming the row that is kept.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path

import polars as pl
import psycopg

from metrics_pipeline.config import PipelineConfig
from metrics_pipeline.landing.exports import (
    ExportObject,
    ExportsStore,
    FileListing,
    IgnoredObject,
    list_by_day,
    read_checked,
)
from metrics_pipeline.landing.file_days import (
    WHOLE_SOURCE,
    FileDayLanding,
    FileToLand,
    land_file_day,
    land_file_days,
)
from metrics_pipeline.landing.ingestion import (
    Rejection,
    copy_frame,
    read_sql,
    replace_rejections,
)
from metrics_pipeline.landing.outcomes import COMPLETED, PARTIAL, DayOutcome, FileOutcome
from metrics_pipeline.sources.affiliate import SOURCE as DECLARATION
from metrics_pipeline.sources.affiliate.parse import (
    SOURCE,
    AffiliateFile,
    parse_affiliate_key,
    parse_file,
)

SQL_DIR = Path(__file__).parent / "sql"
EVENTS, CATALOGUE = "events", "catalogue_snapshots"
BATCH_TABLE = "pg_temp.affiliate_events_batch"
CATALOGUE_BATCH_TABLE = "pg_temp.affiliate_catalogue_batch"
EXPORTS_PREFIX = "affiliate/"
_MESSAGE_REJECTIONS = 5


def files_by_day(objects: Iterable[ExportObject]) -> FileListing[AffiliateFile]:
    """Affiliate objects by their folder's day, and the keys outside the layout."""
    return list_by_day(objects, parse_affiliate_key, lambda info: info.day, DECLARATION.layout)


def list_affiliate_files(store: ExportsStore) -> FileListing[AffiliateFile]:
    return files_by_day(store.list(EXPORTS_PREFIX))


def _table_of(affiliate_file: AffiliateFile) -> str:
    return EVENTS if affiliate_file.kind == "events" else CATALOGUE


def _landing(store: ExportsStore, run_id: str) -> FileDayLanding[AffiliateFile]:
    def remove_vanished(conn: psycopg.Connection, day: date, files, outcome: DayOutcome) -> None:
        [(removed,)] = conn.execute(
            read_sql(SQL_DIR, "delete_rows_of_vanished_files"),
            {"day": day, "present_files": [obj.uri for obj, _ in files]},
        ).fetchall()
        outcome.vanished_rows = int(removed)

    def begin(conn: psycopg.Connection, day: date, outcome: DayOutcome) -> None:
        conn.execute(read_sql(SQL_DIR, "create_batch_table"))
        conn.execute(read_sql(SQL_DIR, "create_catalogue_batch_table"))

    def write(conn: psycopg.Connection, file: FileToLand[AffiliateFile]) -> FileOutcome:
        obj, affiliate_file = file.obj, file.info
        result = parse_file(read_checked(store, obj), affiliate_file, source_file=obj.uri, run_id=run_id)
        rows, rejections, duplicates = result.rows, list(result.rejections), 0
        conn.execute(
            read_sql(SQL_DIR, "delete_rows_of_file"),
            {"day": affiliate_file.day, "source_file": obj.uri, "kind": affiliate_file.kind},
        )
        if affiliate_file.kind == "events":
            loaded = _insert_events(conn, rows)
            duplicates = rows.height - loaded
        else:
            loaded, repeated = _insert_catalogue(conn, rows)
            rejections = sorted(rejections + repeated, key=lambda r: r.row_number)
        replace_rejections(
            conn,
            source=SOURCE,
            partition_key=file.partition_key,
            source_file=obj.uri,
            log_id=file.log_id,
            rejections=rejections,
        )
        return FileOutcome(
            obj.uri,
            _table_of(affiliate_file),
            PARTIAL if rejections else COMPLETED,
            result.processed,
            loaded,
            len(rejections),
            duplicates,
            message=_message(affiliate_file.kind, loaded, duplicates, rejections),
        )

    return FileDayLanding(
        what="affiliate",
        source=SOURCE,
        table_of=_table_of,
        write=write,
        remove_vanished=remove_vanished,
        begin=begin,
        lock_key=lambda _: WHOLE_SOURCE,
    )


def land_day(
    url: str,
    store: ExportsStore,
    day: date,
    files: list[tuple[ExportObject, AffiliateFile]],
    *,
    run_id: str,
    ignored: list[IgnoredObject] | None = None,
    log: Callable[[str], None] = lambda message: None,
    detail: Callable[[str], None] = lambda message: None,
) -> DayOutcome:
    landing = _landing(store, run_id)
    return land_file_day(url, landing, day, files, ignored=ignored or (), run_id=run_id, log=log, detail=detail)


def _insert_events(conn: psycopg.Connection, events: pl.DataFrame) -> int:
    if events.height == 0:
        return 0
    conn.execute(read_sql(SQL_DIR, "truncate_batch_table"))
    copy_frame(conn, BATCH_TABLE, events)
    return conn.execute(read_sql(SQL_DIR, "insert_batch")).rowcount


def _insert_catalogue(conn: psycopg.Connection, rows: pl.DataFrame) -> tuple[int, list[Rejection]]:
    """Land a catalogue file's rows; (how many landed, the rows whose product an earlier file
    of the day already has, as rejections naming the row that is kept)."""
    if rows.height == 0:
        return 0, []
    conn.execute(read_sql(SQL_DIR, "truncate_catalogue_batch_table"))
    copy_frame(conn, CATALOGUE_BATCH_TABLE, rows)
    repeated = [
        Rejection(
            row_number,
            ("product_id",),
            f"product_id: already in the day's catalogue ({first_file} line {first_row}), "
            f"which is kept (got '{product_id}')",
            {"product_id": product_id},
        )
        for row_number, product_id, first_file, first_row in conn.execute(
            read_sql(SQL_DIR, "catalogue_products_of_earlier_files")
        ).fetchall()
    ]
    loaded = conn.execute(read_sql(SQL_DIR, "insert_catalogue_batch")).rowcount
    return loaded, repeated


def _message(kind: str, loaded: int, duplicates: int, rejections: list[Rejection]) -> str:
    if kind == "events":
        message = f"{loaded} events landed, {duplicates} duplicate event ids dropped"
    else:
        message = f"{loaded} catalogue products landed"
    if rejections:
        shown = "; ".join(f"row {r.row_number}: {r.reason}" for r in rejections[:_MESSAGE_REJECTIONS])
        message += f", {len(rejections)} row(s) quarantined: {shown}"
        if len(rejections) > _MESSAGE_REJECTIONS:
            message += f"; and {len(rejections) - _MESSAGE_REJECTIONS} more in ops.rejected_rows"
    return message


def land_days(
    url: str,
    store: ExportsStore,
    config: PipelineConfig | None,
    days: list[date],
    *,
    run_id: str,
    log: Callable[[str], None] = lambda message: None,
    detail: Callable[[str], None] = lambda message: None,
) -> list[DayOutcome]:
    """Land each day in turn (one transaction per day), listing the exports root once.

    Events are landed whatever their tracking id (`config` is not needed): which client one
    belongs to is decided in dbt from config.affiliate_tracking_prefixes, so a prefix added
    later applies to history.
    """
    landing = _landing(store, run_id)
    return land_file_days(url, landing, list_affiliate_files(store), days, run_id=run_id, log=log, detail=detail)
