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
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import polars as pl
import psycopg

from metrics_pipeline.landing.exports import ExportObject, ExportsStore, objects_by_day
from metrics_pipeline.landing.ingestion import (
    Rejection,
    copy_frame,
    fail_attempts,
    finish_attempt,
    read_sql,
    replace_rejections,
    start_attempt,
)
from metrics_pipeline.sources.affiliate.parse import (
    SOURCE,
    AffiliateFile,
    AffiliateFileError,
    ParsedFile,
    parse_affiliate_key,
    parse_file,
)

SQL_DIR = Path(__file__).parent / "sql"
EVENTS_TABLE = "raw_affiliate.events"
CATALOGUE_TABLE = "raw_affiliate.catalogue_snapshots"
BATCH_TABLE = "pg_temp.affiliate_events_batch"
EXPORTS_PREFIX = "affiliate/"
_MESSAGE_REJECTIONS = 5


@dataclass(frozen=True)
class FileOutcome:
    file: str
    kind: str  # events | catalogue
    status: str  # completed | partial | failed
    processed: int = 0
    loaded: int = 0
    rejected: int = 0
    duplicates: int = 0  # valid events dropped because their event id had already landed
    message: str | None = None


@dataclass
class DayOutcome:
    partition_key: str
    files: list[FileOutcome] = field(default_factory=list)
    replaced_rows: int = 0  # the day's events and catalogue rows before it was landed again

    @property
    def loaded(self) -> int:
        return sum(f.loaded for f in self.files)

    @property
    def rejected(self) -> int:
        return sum(f.rejected for f in self.files)

    @property
    def duplicates(self) -> int:
        return sum(f.duplicates for f in self.files)

    @property
    def failed_files(self) -> list[FileOutcome]:
        return [f for f in self.files if f.status == "failed"]


def files_by_day(objects: Iterable[ExportObject]) -> dict[date, list[tuple[ExportObject, AffiliateFile]]]:
    """Group affiliate objects by their folder's day; keys outside the layout are skipped."""
    return objects_by_day(objects, parse_affiliate_key, lambda info: info.day)


def list_affiliate_files(store: ExportsStore) -> dict[date, list[tuple[ExportObject, AffiliateFile]]]:
    return files_by_day(store.list(EXPORTS_PREFIX))


def land_affiliate_day(
    url: str,
    store: ExportsStore,
    day: date,
    files: list[tuple[ExportObject, AffiliateFile]],
    *,
    run_id: str,
    log: Callable[[str], None] = lambda message: None,
    detail: Callable[[str], None] = lambda message: None,
) -> DayOutcome:
    partition_key = day.isoformat()
    log_ids = [
        start_attempt(url, source=SOURCE, partition_key=partition_key, target=obj.uri, run_id=run_id)
        for obj, _ in files
    ]
    outcome = DayOutcome(partition_key)
    try:
        # Read everything before the transaction: storage trouble fails the day before anything changes.
        parsed = [_parse(store, obj, affiliate_file, run_id) for obj, affiliate_file in files]
        with psycopg.connect(url) as conn, conn.transaction():
            conn.execute(read_sql(SQL_DIR, "lock_affiliate"))
            outcome.replaced_rows = (
                conn.execute(read_sql(SQL_DIR, "delete_day_events"), {"day": day}).rowcount
                + conn.execute(read_sql(SQL_DIR, "delete_day_catalogue"), {"day": day}).rowcount
            )
            conn.execute(
                read_sql(SQL_DIR, "delete_rejections_of_vanished_files"),
                {"partition_key": partition_key, "present_files": [obj.uri for obj, _ in files]},
            )
            conn.execute(read_sql(SQL_DIR, "create_batch_table"))
            catalogue_rows: dict[str, tuple[str, int]] = {}  # product id -> (file, row) that landed it
            for (obj, affiliate_file), result, log_id in zip(files, parsed, log_ids):
                outcome.files.append(
                    _land_file(conn, obj, affiliate_file, result, log_id, partition_key, catalogue_rows)
                )
    except Exception as exc:
        # The day's transaction rolled back: nothing of it changed. Say so in every log row.
        fail_attempts(url, log_ids, f"{type(exc).__name__}: {exc}")
        raise
    for file_outcome in outcome.files:
        (log if file_outcome.status != "completed" else detail)(_describe(partition_key, file_outcome))
    return outcome


def _parse(
    store: ExportsStore, obj: ExportObject, affiliate_file: AffiliateFile, run_id: str
) -> ParsedFile | AffiliateFileError:
    data = store.read_bytes(obj.key)
    try:
        return parse_file(data, affiliate_file, source_file=obj.uri, run_id=run_id)
    except AffiliateFileError as exc:
        return exc


def _land_file(
    conn: psycopg.Connection,
    obj: ExportObject,
    affiliate_file: AffiliateFile,
    result: ParsedFile | AffiliateFileError,
    log_id: int,
    partition_key: str,
    catalogue_rows: dict[str, tuple[str, int]],
) -> FileOutcome:
    kind = affiliate_file.kind
    if isinstance(result, AffiliateFileError):
        replace_rejections(
            conn, source=SOURCE, partition_key=partition_key, source_file=obj.uri, log_id=log_id, rejections=[]
        )
        finish_attempt(conn, log_id, status="failed", message=str(result))
        return FileOutcome(obj.uri, kind, "failed", message=str(result))
    rows, rejections, duplicates = result.rows, list(result.rejections), 0
    new_products: dict[str, tuple[str, int]] = {}
    try:
        with conn.transaction():  # a savepoint: a file the warehouse refuses takes nothing of itself along
            if kind == "events":
                loaded = _insert_events(conn, rows)
                duplicates = rows.height - loaded
            else:
                rows, repeated, new_products = _first_catalogue_rows(rows, obj.uri, catalogue_rows)
                rejections = sorted(rejections + repeated, key=lambda r: r.row_number)
                loaded = copy_frame(conn, CATALOGUE_TABLE, rows)
            status = "partial" if rejections else "completed"
            message = _message(kind, loaded, duplicates, rejections)
            replace_rejections(
                conn,
                source=SOURCE,
                partition_key=partition_key,
                source_file=obj.uri,
                log_id=log_id,
                rejections=rejections,
            )
            finish_attempt(
                conn,
                log_id,
                status=status,
                processed=result.processed,
                loaded=loaded,
                rejected=len(rejections),
                message=message,
            )
    except psycopg.DataError as exc:
        message = f"{obj.uri}: the warehouse refused its rows ({exc}); nothing of it was landed"
        replace_rejections(
            conn, source=SOURCE, partition_key=partition_key, source_file=obj.uri, log_id=log_id, rejections=[]
        )
        finish_attempt(conn, log_id, status="failed", message=message)
        return FileOutcome(obj.uri, kind, "failed", message=message)
    catalogue_rows.update(new_products)
    return FileOutcome(obj.uri, kind, status, result.processed, loaded, len(rejections), duplicates, message)


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


def _describe(partition_key: str, outcome: FileOutcome) -> str:
    if outcome.status == "failed":
        return f"{partition_key}: FAILED {outcome.message}"  # the message names the file
    return f"{partition_key}: {outcome.file}: {outcome.message}"


def land_affiliate_days(
    url: str,
    store: ExportsStore,
    days: list[date],
    *,
    run_id: str,
    log: Callable[[str], None] = lambda message: None,
    detail: Callable[[str], None] = lambda message: None,
) -> list[DayOutcome]:
    """Land each day in turn (one transaction per day), listing the exports root once.

    Events are landed whatever their tracking id: which client one belongs to is decided in
    dbt from config.affiliate_tracking_prefixes, so a prefix added later applies to history.
    """
    available = list_affiliate_files(store)
    outcomes = []
    for position, day in enumerate(days, start=1):
        files = available.get(day, [])
        outcome = land_affiliate_day(url, store, day, files, run_id=run_id, log=log, detail=detail)
        outcomes.append(outcome)
        log(
            f"[{position}/{len(days)}] {day.isoformat()}: {len(files)} file(s), "
            f"{outcome.loaded} rows landed, {outcome.duplicates} duplicate event ids dropped, "
            f"{outcome.rejected} rows quarantined, {len(outcome.failed_files)} file(s) failed"
        )
    return outcomes
