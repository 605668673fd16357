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

from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import closing
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import polars as pl
import psycopg

from metrics_pipeline.security import pii
from metrics_pipeline.config import PipelineConfig
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
from metrics_pipeline.sources.pixel.parse import (
    DEFAULT_CHUNK_BYTES,
    SOURCE,
    EventChunk,
    PixelFile,
    PixelFileError,
    iter_event_chunks,
    parse_pixel_key,
)
from metrics_pipeline.landing.streaming import prefetched

SQL_DIR = Path(__file__).parent / "sql"
LANDING_TABLE = "raw_pixel.events"
BATCH_TABLE = "pg_temp.pixel_events_batch"
EXPORTS_PREFIX = "pixel/"
_MESSAGE_REJECTIONS = 5


@dataclass(frozen=True)
class FileOutcome:
    file: str
    status: str  # completed | partial | failed
    processed: int = 0  # non-blank lines
    loaded: int = 0
    rejected: int = 0
    duplicates: int = 0  # valid events dropped because their event id had already landed
    message: str | None = None


@dataclass
class DayOutcome:
    partition_key: str
    files: list[FileOutcome] = field(default_factory=list)
    replaced_rows: int = 0  # the day's rows before it was landed again

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


def known_sites(config: PipelineConfig) -> dict[str, str]:
    """pixel site id → client slug, from the clients' `pixel_site_id`."""
    return {c.pixel_site_id: c.slug for c in config.clients if c.pixel_site_id}


def files_by_day(objects: Iterable[ExportObject]) -> dict[date, list[tuple[ExportObject, PixelFile]]]:
    """Group pixel export objects by their folder's day; keys outside the layout are skipped."""
    return objects_by_day(objects, parse_pixel_key, lambda info: info.event_date)


def list_pixel_files(store: ExportsStore) -> dict[date, list[tuple[ExportObject, PixelFile]]]:
    return files_by_day(store.list(EXPORTS_PREFIX))


def land_pixel_day(
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
    partition_key = day.isoformat()
    log_ids = [
        start_attempt(url, source=SOURCE, partition_key=partition_key, target=obj.uri, run_id=run_id)
        for obj, _ in files
    ]
    outcome = DayOutcome(partition_key)
    # The day's files are read and parsed a block ahead in a worker thread while the current
    # block is COPYed and inserted.
    try:
        with prefetched(
            _read_and_parse(store, files, day=day, sites=sites, pii_key=pii_key, chunk_bytes=chunk_bytes)
        ) as stream, psycopg.connect(url) as conn, conn.transaction():
            conn.execute(read_sql(SQL_DIR, "lock_pixel"))
            outcome.replaced_rows = conn.execute(read_sql(SQL_DIR, "delete_day"), {"event_date": day}).rowcount
            conn.execute(
                read_sql(SQL_DIR, "delete_rejections_of_vanished_files"),
                {"partition_key": partition_key, "present_files": [obj.uri for obj, _ in files]},
            )
            writer = _BlockWriter(conn)
            for index, ((obj, _), log_id) in enumerate(zip(files, log_ids)):
                outcome.files.append(
                    _land_file(writer, _chunks_of_file(stream, index), obj, log_id, day=day, run_id=run_id)
                )
    except Exception as exc:
        # The day's transaction rolled back: nothing of it changed. Say so in every log row.
        fail_attempts(url, log_ids, f"{type(exc).__name__}: {exc}")
        raise
    for file_outcome in outcome.files:
        (log if file_outcome.status != "completed" else detail)(_describe(partition_key, file_outcome))
    return outcome


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


def _land_file(
    writer: _BlockWriter,
    chunks: Iterator[EventChunk],
    obj: ExportObject,
    log_id: int,
    *,
    day: date,
    run_id: str,
) -> FileOutcome:
    conn = writer.conn
    partition_key = day.isoformat()
    processed = loaded = duplicates = 0
    rejections: list[Rejection] = []
    try:
        with conn.transaction():  # a savepoint: a file that fails takes nothing of itself along
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
            status = "partial" if rejections else "completed"
            message = _message(loaded, duplicates, rejections)
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
                processed=processed,
                loaded=loaded,
                rejected=len(rejections),
                message=message,
            )
    except (PixelFileError, psycopg.DataError) as exc:
        if isinstance(exc, PixelFileError):
            message = str(exc)
        else:
            message = f"{obj.uri}: the warehouse refused its events ({exc}); nothing of it was landed"
            _skip(chunks)
        replace_rejections(
            conn, source=SOURCE, partition_key=partition_key, source_file=obj.uri, log_id=log_id, rejections=[]
        )
        finish_attempt(conn, log_id, status="failed", message=message)
        return FileOutcome(obj.uri, "failed", message=message)
    return FileOutcome(obj.uri, status, processed, loaded, len(rejections), duplicates, message)


def _read_and_parse(
    store: ExportsStore,
    files: list[tuple[ExportObject, PixelFile]],
    *,
    day: date,
    sites: Mapping[str, str],
    pii_key: bytes,
    chunk_bytes: int | None,
) -> Iterator[tuple[int, EventChunk | PixelFileError | None]]:
    """(file index, block) for each file in turn, then (index, None); (index, error) if it fails.

    Any other exception (storage unreachable, say) ends the stream: the day cannot be landed.
    """
    for index, (obj, _) in enumerate(files):
        with closing(store.open(obj.key)) as stream:  # read block by block, never whole
            try:
                for chunk in iter_event_chunks(
                    stream, file=obj.uri, event_date=day, known_sites=sites, pii_key=pii_key, chunk_bytes=chunk_bytes
                ):
                    yield index, chunk
            except PixelFileError as exc:
                yield index, exc
                continue
        yield index, None


def _chunks_of_file(
    stream: Iterator[tuple[int, EventChunk | PixelFileError | None]], index: int
) -> Iterator[EventChunk]:
    """The blocks of file `index` from the day's stream; its PixelFileError is raised here."""
    for got, item in stream:
        if got != index:  # a consumer bug, never data: fail the day rather than mix files
            raise RuntimeError(f"pixel stream out of order: file {got} while landing file {index}")
        if item is None:
            return
        if isinstance(item, PixelFileError):
            raise item
        yield item


def _skip(chunks: Iterator[EventChunk]) -> None:
    """Consume what is left of a file the warehouse refused, so the next file starts clean."""
    try:
        for _ in chunks:
            pass
    except PixelFileError:
        pass


def _message(loaded: int, duplicates: int, rejections: list[Rejection]) -> str:
    message = f"{loaded} events landed, {duplicates} duplicate event ids dropped"
    if rejections:
        shown = "; ".join(f"line {r.row_number}: {r.reason}" for r in rejections[:_MESSAGE_REJECTIONS])
        message += f", {len(rejections)} line(s) quarantined: {shown}"
        if len(rejections) > _MESSAGE_REJECTIONS:
            message += f"; and {len(rejections) - _MESSAGE_REJECTIONS} more in ops.rejected_rows"
    return message


def _describe(partition_key: str, outcome: FileOutcome) -> str:
    if outcome.status == "failed":
        return f"{partition_key}: FAILED {outcome.message}"  # the message names the file
    return f"{partition_key}: {outcome.file}: {outcome.message}"


def land_pixel_days(
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

    `pii_key` defaults to `metrics_pipeline.security.pii.pii_key()` (METRICS_PII_KEY), read before
    anything is touched: without it no IP address could be hashed.
    """
    key = pii.pii_key() if pii_key is None else pii_key
    sites = known_sites(config)
    if not sites:
        log(f"no client in {config.source_path} has a pixel_site_id: every pixel event will be quarantined")
    available = list_pixel_files(store)
    outcomes = []
    for position, day in enumerate(days, start=1):
        files = available.get(day, [])
        outcome = land_pixel_day(
            url, store, day, files, sites=sites, pii_key=key, run_id=run_id, log=log, detail=detail,
            chunk_bytes=chunk_bytes,
        )
        outcomes.append(outcome)
        log(
            f"[{position}/{len(days)}] {day.isoformat()}: {len(files)} file(s), "
            f"{outcome.loaded} events landed, {outcome.duplicates} duplicate event ids dropped, "
            f"{outcome.rejected} lines quarantined, {len(outcome.failed_files)} file(s) failed"
        )
    return outcomes
