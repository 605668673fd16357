"""The one landing template every file source follows, day by day.

For each partition day: start one `ops.ingestion_logs` attempt per file (committed at once,
so a killed run leaves a trace), then in one transaction take the source's partition lock,
let the source clear what the day no longer holds (`begin`), drop quarantined rows of files
that vanished, and land each file inside its own savepoint through the source's writer. A
file the source cannot read (`LandingFileError`) or whose values the warehouse refuses
(`psycopg.DataError`) rolls back to its savepoint: its previously landed rows stay, its
attempt is marked failed with its cause, and the day's other files still land. Anything else
rolls the whole day back, and every attempt of the day says so, with the cause's kind.

A source keeps only what is its own: how its keys map to days, its writer and its SQL.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Generic, TypeVar

import psycopg

from metrics_pipeline.landing.exports import ExportObject, LandingFileError
from metrics_pipeline.landing.ingestion import (
    SQL_DIR,
    fail_attempts,
    finish_attempt,
    read_sql,
    start_attempt,
)
from metrics_pipeline.landing.outcomes import FAILED, DayOutcome, FileOutcome, progress_line, report_day
from metrics_pipeline.operations.failures import cause_of

Info = TypeVar("Info")  # what a source reads off an object's key (its day, client, format)
Log = Callable[[str], None]
WHOLE_SOURCE = "*"  # the lock key of a source whose days share ids (every day at once)


def _quiet(message: str) -> None:
    pass


@dataclass(frozen=True)
class FileToLand(Generic[Info]):
    obj: ExportObject
    info: Info
    log_id: int
    partition_key: str


@dataclass(frozen=True)
class FileDayLanding(Generic[Info]):
    """What a file source plugs into the template.

    - `table_of(info)`: the landing table a file writes (for its outcome and the asset it feeds);
    - `write(conn, file)`: inside the file's savepoint, replace the file's rows and return its
      outcome (the template finishes its attempt);
    - `begin(conn, day, files, outcome)`: after the lock, before any file: delete the rows of
      vanished files, or the whole day, and record how many in `outcome`;
    - `end(conn, outcome)`: after every file of the day landed (Amazon's precedence of formats);
      returns the outcomes to finish the attempts with;
    - `lock_key(day)`: the advisory-lock key; `WHOLE_SOURCE` serialises all days.
    """

    source: str
    table_of: Callable[[Info], str]
    write: Callable[[psycopg.Connection, FileToLand[Info]], FileOutcome]
    begin: Callable[[psycopg.Connection, date, Sequence[tuple[ExportObject, Info]], DayOutcome], None]
    end: Callable[[psycopg.Connection, DayOutcome], None] | None = None
    lock_key: Callable[[date], str] = date.isoformat
    what: str = ""  # the log's word for the files: "Amazon", "pixel"


def land_file_day(
    url: str,
    landing: FileDayLanding[Info],
    day: date,
    files: Sequence[tuple[ExportObject, Info]],
    *,
    run_id: str,
    log: Log = _quiet,
    detail: Log = _quiet,
) -> DayOutcome:
    partition_key = day.isoformat()
    log_ids = [
        start_attempt(url, source=landing.source, partition_key=partition_key, target=obj.uri, run_id=run_id)
        for obj, _ in files
    ]
    outcome = DayOutcome(partition_key)
    try:
        with psycopg.connect(url) as conn, conn.transaction():
            conn.execute(
                read_sql(SQL_DIR, "lock_source_partition"),
                {"source": landing.source, "partition_key": landing.lock_key(day)},
            )
            landing.begin(conn, day, files, outcome)
            conn.execute(
                read_sql(SQL_DIR, "delete_rejections_of_vanished_files"),
                {"source": landing.source, "partition_key": partition_key, "present_files": [o.uri for o, _ in files]},
            )
            for (obj, info), log_id in zip(files, log_ids, strict=True):
                outcome.files.append(_land_file(conn, landing, FileToLand(obj, info, log_id, partition_key)))
            if landing.end is not None:
                landing.end(conn, outcome)
            for file_outcome, log_id in zip(outcome.files, log_ids, strict=True):
                finish_attempt(
                    conn,
                    log_id,
                    status=file_outcome.status,
                    processed=file_outcome.processed,
                    loaded=file_outcome.loaded,
                    rejected=file_outcome.rejected,
                    message=file_outcome.message,
                    failure_kind=file_outcome.cause.kind if file_outcome.cause else None,
                )
    except Exception as exc:
        # The day's transaction rolled back: nothing of it changed. Say so in every log row.
        fail_attempts(url, log_ids, f"{type(exc).__name__}: {exc}", cause_of(exc).kind)
        raise
    report_day(outcome, log=log, detail=detail)
    return outcome


def _land_file(conn: psycopg.Connection, landing: FileDayLanding[Info], file: FileToLand[Info]) -> FileOutcome:
    try:
        with conn.transaction():  # a savepoint: a file that fails takes nothing of itself along
            return landing.write(conn, file)
    except (LandingFileError, psycopg.DataError) as exc:
        if isinstance(exc, LandingFileError):
            message = str(exc)
        else:
            refusal = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            message = f"{file.obj.uri}: the warehouse refused its rows ({refusal}); nothing of it was landed"
        return FileOutcome(file.obj.uri, landing.table_of(file.info), FAILED, message=message, cause=cause_of(exc))


def land_file_days(
    url: str,
    landing: FileDayLanding[Info],
    available: Mapping[date, Sequence[tuple[ExportObject, Info]]],
    days: Sequence[date],
    *,
    run_id: str,
    log: Log = _quiet,
    detail: Log = _quiet,
) -> list[DayOutcome]:
    """Land each day in turn (one transaction per day) from one listing of the exports root,
    with a progress line per day that had files."""
    if days and not any(available.get(day) for day in days):
        log(f"no {landing.what} files for {days[0]} .. {days[-1]}: nothing to land")
    outcomes = []
    for position, day in enumerate(days, start=1):
        files = list(available.get(day, []))
        outcome = land_file_day(url, landing, day, files, run_id=run_id, log=log, detail=detail)
        outcomes.append(outcome)
        if files:
            log(progress_line(position, len(days), outcome, landing.what))
    return outcomes
