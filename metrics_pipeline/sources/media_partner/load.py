"""Land one day of media-partner exports: every client's file for that day, in one transaction.

Per file the unit of replacement is (client, day): its landed rows and quarantined rows
are deleted and the file is COPYed in again, so reruns, retries and backfills never
duplicate or lose rows. A file that cannot be read at all (wrong header, unknown
client) is logged as failed and leaves that client's previously landed rows alone;
the other files of the day still land.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import psycopg

from metrics_pipeline.config import PipelineConfig
from metrics_pipeline.exports import ExportObject, ExportsStore
from metrics_pipeline.ingestion import (
    copy_frame,
    finish_attempt,
    read_sql,
    replace_rejections,
    start_attempt,
)
from metrics_pipeline.sources.media_partner.parse import (
    SOURCE,
    ExportFile,
    ExportFileError,
    ParsedExport,
    parse_export,
    parse_export_key,
)

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


@dataclass(frozen=True)
class _Attempt:
    export: ExportObject
    export_file: ExportFile
    log_id: int
    parsed: ParsedExport | None = None
    error: str | None = None


def exports_by_day(objects: Iterable[ExportObject]) -> dict[date, list[tuple[ExportObject, ExportFile]]]:
    """Group media-partner export objects by report day; keys outside the layout are skipped."""
    grouped: dict[date, list[tuple[ExportObject, ExportFile]]] = defaultdict(list)
    for obj in objects:
        export_file = parse_export_key(obj.key)
        if export_file is not None:
            grouped[export_file.report_date].append((obj, export_file))
    return {day: sorted(files, key=lambda pair: pair[0].key) for day, files in grouped.items()}


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
) -> DayOutcome:
    partition_key = day.isoformat()
    attempts: list[_Attempt] = []
    for obj, export_file in files:
        log_id = start_attempt(url, source=SOURCE, partition_key=partition_key, target=obj.uri, run_id=run_id)
        try:
            attempts.append(_read_and_validate(store, config, obj, export_file, log_id, run_id))
        except Exception as exc:  # storage unreachable, say: nothing of the day is landed
            attempts.append(_Attempt(obj, export_file, log_id))
            _fail_attempts(url, attempts, f"{type(exc).__name__}: {exc}")
            raise
    outcome = DayOutcome(partition_key)
    try:
        with psycopg.connect(url) as conn, conn.transaction():
            conn.execute(read_sql(SQL_DIR, "lock_partition"), {"partition_key": partition_key})
            removed = conn.execute(
                read_sql(SQL_DIR, "delete_days_of_vanished_files"),
                {
                    "report_date": day,
                    "clients_with_files": sorted({a.export_file.client_slug for a in attempts}),
                },
            )
            outcome.removed_rows = removed.rowcount
            conn.execute(
                read_sql(SQL_DIR, "delete_rejections_of_vanished_files"),
                {"partition_key": partition_key, "present_files": [a.export.uri for a in attempts]},
            )
            for attempt in attempts:
                outcome.files.append(_write_attempt(conn, attempt, partition_key))
    except Exception as exc:
        # The data transaction rolled back: nothing of this day changed. Say so in every log row.
        _fail_attempts(url, attempts, f"{type(exc).__name__}: {exc}")
        raise
    for file_outcome in outcome.files:
        (log if file_outcome.status != "completed" else detail)(_describe(partition_key, file_outcome))
    if outcome.removed_rows:
        log(f"{partition_key}: removed {outcome.removed_rows} rows of files no longer in the exports root")
    return outcome


def _read_and_validate(
    store: ExportsStore,
    config: PipelineConfig,
    obj: ExportObject,
    export_file: ExportFile,
    log_id: int,
    run_id: str,
) -> _Attempt:
    try:
        if config.client(export_file.client_slug) is None:
            raise ExportFileError(
                obj.uri,
                f"unknown client {export_file.client_slug!r}: add it to {config.source_path}",
            )
        parsed = parse_export(store.read_bytes(obj.key), export_file, source_file=obj.uri, run_id=run_id)
    except ExportFileError as exc:
        return _Attempt(obj, export_file, log_id, error=str(exc))
    return _Attempt(obj, export_file, log_id, parsed=parsed)


def _write_attempt(conn: psycopg.Connection, attempt: _Attempt, partition_key: str) -> FileOutcome:
    client_slug = attempt.export_file.client_slug
    if attempt.parsed is None:
        finish_attempt(conn, attempt.log_id, status="failed", message=attempt.error)
        return FileOutcome(attempt.export.uri, client_slug, "failed", message=attempt.error)
    parsed = attempt.parsed
    conn.execute(
        read_sql(SQL_DIR, "delete_client_day"),
        {"client_slug": client_slug, "report_date": attempt.export_file.report_date},
    )
    loaded = copy_frame(conn, LANDING_TABLE, parsed.rows)
    replace_rejections(
        conn,
        source=SOURCE,
        partition_key=partition_key,
        source_file=attempt.export.uri,
        log_id=attempt.log_id,
        rejections=parsed.rejections,
    )
    message = "; ".join(f"row {r.row_number}: {r.reason}" for r in parsed.rejections[:5]) or None
    if len(parsed.rejections) > 5:
        message += f"; and {len(parsed.rejections) - 5} more in ops.rejected_rows"
    finish_attempt(
        conn,
        attempt.log_id,
        status=parsed.status,
        processed=parsed.processed,
        loaded=loaded,
        rejected=len(parsed.rejections),
        message=message,
    )
    return FileOutcome(
        attempt.export.uri, client_slug, parsed.status, parsed.processed, loaded, len(parsed.rejections), message
    )


def _fail_attempts(url: str, attempts: list[_Attempt], message: str) -> None:
    with psycopg.connect(url) as conn, conn.transaction():
        for attempt in attempts:
            finish_attempt(conn, attempt.log_id, status="failed", message=f"not landed: {message}")


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
) -> list[DayOutcome]:
    """Land each day in turn (one transaction per day), listing the exports root once."""
    available = list_exports(store)
    outcomes = []
    for position, day in enumerate(days, start=1):
        files = available.get(day, [])
        outcome = land_day(url, store, config, day, files, run_id=run_id, log=log, detail=detail)
        outcomes.append(outcome)
        log(
            f"[{position}/{len(days)}] {day.isoformat()}: {len(files)} file(s), "
            f"{outcome.loaded} rows landed, {outcome.rejected} quarantined, "
            f"{len(outcome.failed_files)} file(s) failed"
        )
    return outcomes
