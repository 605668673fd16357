"""Land days of affiliate files: every file under affiliate/<YYYY-MM-DD>/, one transaction per day.

A day is replaced as a whole: its events (raw_affiliate.events, by event_date) and its
catalogue snapshot (raw_affiliate.catalogue_snapshots, by snapshot_date) are deleted, then
each file, in key order, is landed inside a savepoint, so a file that fails (a wrong header)
keeps nothing of itself and the rest of the day still lands.

Events are COPYed into a temporary table and inserted with `on conflict (event_id) do
nothing`: an event id lands once. An id repeated in a file, in a later file of the day (a
re-sent file under another name) or already landed by another day is dropped and counted
as a duplicate, never double-counted. The id belongs to the day that landed it first;
re-landing that day keeps it there, and the other day keeps dropping it.

A product id repeated in the day's catalogue files keeps its first row (key order); the
later rows are quarantined.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path

import polars as pl
import psycopg

from metrics_pipeline.config import PipelineConfig
from metrics_pipeline.landing.exports import ExportObject, ExportsStore, objects_by_day
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
    delete_partition_rejections,
    read_sql,
    replace_rejections,
)
from metrics_pipeline.landing.outcomes import COMPLETED, PARTIAL, DayOutcome, FileOutcome
from metrics_pipeline.sources.affiliate.parse import (
    SOURCE,
    AffiliateFile,
    parse_affiliate_key,
    parse_file,
)

SQL_DIR = Path(__file__).parent / "sql"
EVENTS, CATALOGUE = "events", "catalogue_snapshots"
CATALOGUE_TABLE = f"raw_affiliate.{CATALOGUE}"
BATCH_TABLE = "pg_temp.affiliate_events_batch"
EXPORTS_PREFIX = "affiliate/"
_MESSAGE_REJECTIONS = 5


def files_by_day(objects: Iterable[ExportObject]) -> dict[date, list[tuple[ExportObject, AffiliateFile]]]:
    """Group affiliate objects by their folder's day; keys outside the layout are skipped."""
    return objects_by_day(objects, parse_affiliate_key, lambda info: info.day)


def list_affiliate_files(store: ExportsStore) -> dict[date, list[tuple[ExportObject, AffiliateFile]]]:
    return files_by_day(store.list(EXPORTS_PREFIX))


def _table_of(affiliate_file: AffiliateFile) -> str:
    return EVENTS if affiliate_file.kind == "events" else CATALOGUE


def _landing(store: ExportsStore, run_id: str) -> FileDayLanding[AffiliateFile]:
    catalogue_rows: dict[str, tuple[str, int]] = {}  # product id -> (file, row) that landed it, this day

    def begin(conn: psycopg.Connection, day: date, files, outcome: DayOutcome) -> None:
        catalogue_rows.clear()
        outcome.replaced_rows = (
            conn.execute(read_sql(SQL_DIR, "delete_day_events"), {"day": day}).rowcount
            + conn.execute(read_sql(SQL_DIR, "delete_day_catalogue"), {"day": day}).rowcount
        )
        delete_partition_rejections(conn, source=SOURCE, partition_key=day.isoformat())
        conn.execute(read_sql(SQL_DIR, "create_batch_table"))

    def write(conn: psycopg.Connection, file: FileToLand[AffiliateFile]) -> FileOutcome:
        obj, affiliate_file = file.obj, file.info
        result = parse_file(store.read_bytes(obj.key), affiliate_file, source_file=obj.uri, run_id=run_id)
        rows, rejections, duplicates = result.rows, list(result.rejections), 0
        new_products: dict[str, tuple[str, int]] = {}
        if affiliate_file.kind == "events":
            loaded = _insert_events(conn, rows)
            duplicates = rows.height - loaded
        else:
            rows, repeated, new_products = _first_catalogue_rows(rows, obj.uri, catalogue_rows)
            rejections = sorted(rejections + repeated, key=lambda r: r.row_number)
            loaded = copy_frame(conn, CATALOGUE_TABLE, rows)
        replace_rejections(
            conn,
            source=SOURCE,
            partition_key=file.partition_key,
            source_file=obj.uri,
            log_id=file.log_id,
            rejections=rejections,
        )
        catalogue_rows.update(new_products)
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
        what="affiliate", source=SOURCE, table_of=_table_of, write=write, begin=begin, lock_key=lambda _: WHOLE_SOURCE
    )


def land_day(
    url: str,
    store: ExportsStore,
    day: date,
    files: list[tuple[ExportObject, AffiliateFile]],
    *,
    run_id: str,
    log: Callable[[str], None] = lambda message: None,
    detail: Callable[[str], None] = lambda message: None,
) -> DayOutcome:
    return land_file_day(url, _landing(store, run_id), day, files, run_id=run_id, log=log, detail=detail)


def _insert_events(conn: psycopg.Connection, events: pl.DataFrame) -> int:
    if events.height == 0:
        return 0
    conn.execute(read_sql(SQL_DIR, "truncate_batch_table"))
    copy_frame(conn, BATCH_TABLE, events)
    return conn.execute(read_sql(SQL_DIR, "insert_batch")).rowcount


def _first_catalogue_rows(
    rows: pl.DataFrame, source_file: str, landed: dict[str, tuple[str, int]]
) -> tuple[pl.DataFrame, list[Rejection], dict[str, tuple[str, int]]]:
    """(the rows whose product id no earlier catalogue file of the day had, the others as
    rejections, where the kept rows are)."""
    repeated = []
    keep = []
    kept: dict[str, tuple[str, int]] = {}
    for product_id, row_number in rows.select("product_id", "source_row_number").iter_rows():
        if product_id in landed:
            first_file, first_row = landed[product_id]
            keep.append(False)
            repeated.append(
                Rejection(
                    row_number,
                    ("product_id",),
                    f"product_id: already in the day's catalogue ({first_file} line {first_row}), "
                    f"which is kept (got '{product_id}')",
                    {"product_id": product_id},
                )
            )
        else:
            keep.append(True)
            kept[product_id] = (source_file, row_number)
    return rows.filter(pl.Series(keep, dtype=pl.Boolean)), repeated, kept


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
