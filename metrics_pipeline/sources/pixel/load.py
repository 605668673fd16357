"""Land days of pixel events: every file under pixel/<YYYY-MM-DD>/, one transaction per day.

A day is replaced as a whole: its rows in raw_pixel.events are deleted, then each file (in
key order) is parsed block by block; every block is COPYed into a temporary table and
inserted with `on conflict (event_id) do nothing`, so an event id lands once: a duplicate
later in the file, in a later file of the day, or already landed by another day is dropped
and counted (a block with no such id is COPYed straight in, see `_BlockWriter`: same rows,
bare-COPY speed). Each file runs in a savepoint: a file that fails (a truncated gzip, say)
keeps nothing of itself, neither events nor quarantined rows, and the rest of the day lands.
The next block is read and parsed in a worker thread while the current one is COPYed.

Re-landing a day is idempotent: the same files give the same rows, row for row. An event id
belongs to the day that landed it first; re-landing that day keeps it there, and the other
day keeps dropping it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from contextlib import closing
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
from metrics_pipeline.landing.streaming import prefetched
from metrics_pipeline.security import pii
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


def files_by_day(objects: Iterable[ExportObject]) -> dict[date, list[tuple[ExportObject, PixelFile]]]:
    """Group pixel export objects by their folder's day; keys outside the layout are skipped."""
    return objects_by_day(objects, parse_pixel_key, lambda info: info.event_date)


def list_pixel_files(store: ExportsStore) -> dict[date, list[tuple[ExportObject, PixelFile]]]:
    return files_by_day(store.list(EXPORTS_PREFIX))


def _landing(
    store: ExportsStore, *, sites: Mapping[str, str], pii_key: bytes, run_id: str, chunk_bytes: int | None
) -> FileDayLanding[PixelFile]:
    writers: list[_BlockWriter] = []  # the day's writer, made once the day's transaction is open

    def begin(conn: psycopg.Connection, day: date, files, outcome: DayOutcome) -> None:
        outcome.replaced_rows = conn.execute(read_sql(SQL_DIR, "delete_day"), {"event_date": day}).rowcount
        delete_partition_rejections(conn, source=SOURCE, partition_key=day.isoformat())
        writers[:] = [_BlockWriter(conn)]

    def write(conn: psycopg.Connection, file: FileToLand[PixelFile]) -> FileOutcome:
        obj, writer = file.obj, writers[0]
        processed = loaded = duplicates = 0
        rejections: list[Rejection] = []
        # The next block is read and parsed on a worker thread while this one is COPYed.
        with (
            closing(store.open(obj.key)) as stream,
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
        what="pixel", source=SOURCE, table_of=lambda _: TABLE, write=write, begin=begin, lock_key=lambda _: WHOLE_SOURCE
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
    log: Callable[[str], None] = lambda message: None,
    detail: Callable[[str], None] = lambda message: None,
    chunk_bytes: int | None = DEFAULT_CHUNK_BYTES,
) -> DayOutcome:
    landing = _landing(store, sites=sites, pii_key=pii_key, run_id=run_id, chunk_bytes=chunk_bytes)
    return land_file_day(url, landing, day, files, run_id=run_id, log=log, detail=detail)


class _BlockWriter:
    """Adds blocks of events to raw_pixel.events, each event id once; says how many landed.

    The rule is the merge: COPY the block into a temporary table, then `insert ... on
    conflict (event_id) do nothing`. As most blocks hold no id that has landed already, a
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
    """Land each day in turn (one transaction per day), listing the exports root once.

    `pii_key` defaults to `metrics_pipeline.security.pii.pii_key()` (METRICS_PII_KEY), read
    only when one of the days has files, before anything is touched: without it no IP address
    could be hashed, and a user without pixel data needs no key.
    """
    available = list_pixel_files(store)
    if not any(available.get(day) for day in days):
        log(f"no pixel files under {EXPORTS_PREFIX} for these {len(days)} day(s): nothing to land")
        return [DayOutcome(day.isoformat()) for day in days]
    key = pii.pii_key() if pii_key is None else pii_key
    sites = known_sites(config)
    if not sites:
        log(f"no client in {config.source_path} has a pixel_site_id: every pixel event will be quarantined")
    landing = _landing(store, sites=sites, pii_key=key, run_id=run_id, chunk_bytes=chunk_bytes)
    return land_file_days(url, landing, available, days, run_id=run_id, log=log, detail=detail)
