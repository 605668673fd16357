"""Land days of pixel events: every file under pixel/<YYYY-MM-DD>/, one transaction per day.

The unit of replacement is the file: first the day's rows of files that vanished from the
exports root are deleted, then each file (in key order), inside its own savepoint, deletes
its own rows and is parsed block by block; every block is COPYed into a temporary table and
merged into raw_pixel.events (`insert_batch.sql`), so an event id lands once: a duplicate
later in the file, in another file of the day, or already landed by another day is dropped
and counted (a block with no such id is COPYed straight in, see `_BlockWriter`: same rows,
bare-COPY speed). A file that fails (a truncated gzip, a line cut short) rolls back to its
savepoint: the rows it landed before stay, as do its quarantined rows, and the rest of the
day lands. The next block is read and parsed in a worker thread while the current one is COPYed.

Within a day the file first in key order wins an id both files have, as if the day had been
landed from nothing: the merge takes over an id from a later file of the same day (that file
is re-landed after it in the same run and then drops the id). So re-landing a day is
idempotent and gives the same rows, row for row, whichever files were landed before. An
event id belongs to the day that landed it first; re-landing that day keeps it there, and
the other day keeps dropping it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from contextlib import closing
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
    open_checked,
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
from metrics_pipeline.landing.streaming import prefetched
from metrics_pipeline.security import pii
from metrics_pipeline.sources.pixel import SOURCE as DECLARATION
from metrics_pipeline.sources.pixel.parse import (
    DEFAULT_CHUNK_BYTES,
    SOURCE,
    PixelFile,
    iter_event_chunks,
    parse_pixel_key,
)

SQL_DIR = Path(__file__).parent / "sql"
TABLE = "events"
LANDING_TABLE = f"raw_pixel.{TABLE}"
BATCH_TABLE = "pg_temp.pixel_events_batch"
EXPORTS_PREFIX = "pixel/"
_MESSAGE_REJECTIONS = 5


def known_sites(config: PipelineConfig) -> dict[str, str]:
    """pixel site id → client slug, from the clients' `pixel_site_id`."""
    return {c.pixel_site_id: c.slug for c in config.clients if c.pixel_site_id}


def files_by_day(objects: Iterable[ExportObject]) -> FileListing[PixelFile]:
    """Pixel export objects by their folder's day, and the keys outside the layout."""
    return list_by_day(objects, parse_pixel_key, lambda info: info.event_date, DECLARATION.layout)


def list_pixel_files(store: ExportsStore) -> FileListing[PixelFile]:
    return files_by_day(store.list(EXPORTS_PREFIX))


def _landing(
    store: ExportsStore, *, sites: Mapping[str, str], pii_key: bytes, run_id: str, chunk_bytes: int | None
) -> FileDayLanding[PixelFile]:
    writers: list[_BlockWriter] = []  # the day's writer, made once the day's transaction is open

    def remove_vanished(conn: psycopg.Connection, day: date, files, outcome: DayOutcome) -> None:
        outcome.vanished_rows = conn.execute(
            read_sql(SQL_DIR, "delete_rows_of_vanished_files"),
            {"event_date": day, "present_files": [obj.uri for obj, _ in files]},
        ).rowcount

    def begin(conn: psycopg.Connection, day: date, outcome: DayOutcome) -> None:
        writers[:] = [_BlockWriter(conn)]

    def write(conn: psycopg.Connection, file: FileToLand[PixelFile]) -> FileOutcome:
        obj, writer = file.obj, writers[0]
        conn.execute(
            read_sql(SQL_DIR, "delete_rows_of_file"), {"event_date": file.info.event_date, "source_file": obj.uri}
        )
        writer.merge_next = False
        processed = loaded = duplicates = 0
        rejections: list[Rejection] = []
        # The next block is read and parsed on a worker thread while this one is COPYed.
        with (
            closing(open_checked(store, obj)) as stream,
            prefetched(
                iter_event_chunks(
                    stream,
                    file=obj.uri,
                    event_date=file.info.event_date,
                    known_sites=sites,
                    pii_key=pii_key,
                    chunk_bytes=chunk_bytes,
                )
            ) as chunks,
        ):
            for chunk in chunks:
                processed += chunk.processed
                duplicates += chunk.duplicates
                rejections += chunk.rejections
                if chunk.events.height:
                    inserted = writer.write(
                        chunk.events.with_columns(
                            pl.lit(obj.uri).alias("source_file"), pl.lit(run_id).alias("ingestion_run_id")
                        )
                    )
                    loaded += inserted
                    duplicates += chunk.events.height - inserted
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
            TABLE,
            PARTIAL if rejections else COMPLETED,
            processed,
            loaded,
            len(rejections),
            duplicates,
            message=_message(loaded, duplicates, rejections),
        )

    # Every pixel landing at once, not one day's: an event id belongs to the first day that
    # landed it, so two days landing together would race for the same ids.
    return FileDayLanding(
        what="pixel",
        source=SOURCE,
        table_of=lambda _: TABLE,
        write=write,
        remove_vanished=remove_vanished,
        begin=begin,
        lock_key=lambda _: WHOLE_SOURCE,
    )


def land_day(
    url: str,
    store: ExportsStore,
    day: date,
    files: list[tuple[ExportObject, PixelFile]],
    *,
    sites: Mapping[str, str],
    pii_key: bytes,
    run_id: str,
    ignored: list[IgnoredObject] | None = None,
    log: Callable[[str], None] = lambda message: None,
    detail: Callable[[str], None] = lambda message: None,
    chunk_bytes: int | None = DEFAULT_CHUNK_BYTES,
) -> DayOutcome:
    landing = _landing(store, sites=sites, pii_key=pii_key, run_id=run_id, chunk_bytes=chunk_bytes)
    return land_file_day(url, landing, day, files, ignored=ignored or (), run_id=run_id, log=log, detail=detail)


class _BlockWriter:
    """Adds blocks of events to raw_pixel.events, each event id once; says how many landed.

    The rule is the merge: COPY the block into a temporary table, then `insert ... on
    conflict (event_id)` (`insert_batch.sql`). As most blocks hold no id that has landed already, a
    block is first COPYed straight into raw_pixel.events inside a savepoint (bare-COPY
    speed); a unique violation rolls that back and the block is merged instead. After a block
    that did drop duplicates, the next one is merged right away. Either way the same rows land.
    """

    def __init__(self, conn: psycopg.Connection):
        self.conn = conn
        self.merge_next = False
        conn.execute(read_sql(SQL_DIR, "create_batch_table"))

    def write(self, events: pl.DataFrame) -> int:
        if not self.merge_next:
            try:
                with self.conn.transaction():
                    return copy_frame(self.conn, LANDING_TABLE, events)
            except psycopg.errors.UniqueViolation:
                pass  # rolled back to the block's savepoint: nothing of it stayed
        self.conn.execute(read_sql(SQL_DIR, "truncate_batch_table"))
        copied = copy_frame(self.conn, BATCH_TABLE, events)
        inserted = self.conn.execute(read_sql(SQL_DIR, "insert_batch")).rowcount
        self.merge_next = inserted < copied
        return inserted


def _message(loaded: int, duplicates: int, rejections: list[Rejection]) -> str:
    message = f"{loaded} events landed, {duplicates} duplicate event ids dropped"
    if rejections:
        shown = "; ".join(f"line {r.row_number}: {r.reason}" for r in rejections[:_MESSAGE_REJECTIONS])
        message += f", {len(rejections)} line(s) quarantined: {shown}"
        if len(rejections) > _MESSAGE_REJECTIONS:
            message += f"; and {len(rejections) - _MESSAGE_REJECTIONS} more in ops.rejected_rows"
    return message


def land_days(
    url: str,
    store: ExportsStore,
    config: PipelineConfig,
    days: list[date],
    *,
    run_id: str,
    pii_key: bytes | None = None,
    log: Callable[[str], None] = lambda message: None,
    detail: Callable[[str], None] = lambda message: None,
    chunk_bytes: int | None = DEFAULT_CHUNK_BYTES,
) -> list[DayOutcome]:
    """Land each day in turn (one transaction per day), listing the exports root once; a day
    whose files are all gone loses its rows, like any file vanished from the exports root.

    `pii_key` defaults to `metrics_pipeline.security.pii.pii_key()` (METRICS_PII_KEY), read
    only when one of the days has files, before anything is touched: without it no IP address
    could be hashed, and a user without pixel data needs no key.
    """
    listing = list_pixel_files(store)
    has_files = any(listing.files_of(day) for day in days)
    # Without files there is nothing to hash: vanished rows are deleted, misnamed keys logged.
    key = (pii.pii_key() if pii_key is None else pii_key) if has_files else b""
    sites = known_sites(config)
    if not sites and has_files:
        log(f"no client in {config.source_path} has a pixel_site_id: every pixel event will be quarantined")
    landing = _landing(store, sites=sites, pii_key=key, run_id=run_id, chunk_bytes=chunk_bytes)
    return land_file_days(url, landing, listing, days, run_id=run_id, log=log, detail=detail)
