"""The one landing template every file source follows, day by day.

For each partition day: log each key outside the source's layout as `ignored` (with the
reason), start one `ops.ingestion_logs` attempt per file (committed at once, so a killed run
leaves a trace), then in one transaction take the source's partition lock, let the source
delete the rows of files that vanished from the exports root (`remove_vanished`) and their
quarantined rows, and land each file inside its own savepoint through the source's writer,
which replaces that file's rows (or its unit's: a client-day) and nothing else. A file the
source cannot read (`LandingFileError`: a wrong header, a file cut short) or whose values the
warehouse refuses (`psycopg.DataError`, or `IntegrityError`: a check it fails; the parsers
quarantine what they can foresee, see `landing/storable.py`) rolls back to its savepoint: its previously landed
rows stay, its attempt is marked failed with its cause, and the day's other files still land.
Anything else rolls the whole day back, and every attempt of the day says so, with the
cause's kind.

A day with an ignored key removes nothing as vanished: a `2026-9-1.csv` may well be the
re-upload of the `2026-09-01.csv` that is gone, and the rows it had stay until a person
renames or deletes it. Two keys of one unit (`2026-09-01.csv` and `2026-09-01.CSV` of a
client) both fail, naming each other: which one is meant is for a person to say.

A source keeps only what is its own: how its keys map to days, its writer and its SQL.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Generic, TypeVar

import psycopg

from metrics_pipeline.landing.exports import ExportObject, FileListing, IgnoredObject, LandingFileError
from metrics_pipeline.landing.ingestion import (
    SQL_DIR,
    fail_attempts,
    finish_attempt,
    read_sql,
    start_attempt,
)
from metrics_pipeline.landing.outcomes import (
    FAILED,
    IGNORED,
    DayOutcome,
    FileOutcome,
    progress_line,
    report_day,
)
from metrics_pipeline.operations.failures import PERMANENT, FailureCause, cause_of

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
    - `write(conn, file)`: inside the file's savepoint, replace the file's rows (delete them,
      land the new ones) and return its outcome (the template finishes its attempt);
    - `remove_vanished(conn, day, files, outcome)`: after the lock, before any file: delete the
      day's rows of files (or units) not among `files` and record how many in `outcome`;
    - `begin(conn, day, outcome)`: after that, before any file (a temporary table, say);
    - `end(conn, outcome)`: after every file of the day landed (Amazon's precedence of formats);
      may replace the outcomes the attempts are finished with;
    - `unit_of(info)`: what a file replaces, when it is more than the file itself (a client's
      day): two files of one unit both fail;
    - `lock_key(day)`: the advisory-lock key; `WHOLE_SOURCE` serialises all days.
    """

    source: str
    table_of: Callable[[Info], str]
    write: Callable[[psycopg.Connection, FileToLand[Info]], FileOutcome]
    remove_vanished: Callable[[psycopg.Connection, date, Sequence[tuple[ExportObject, Info]], DayOutcome], None]
    begin: Callable[[psycopg.Connection, date, DayOutcome], None] | None = None
    end: Callable[[psycopg.Connection, DayOutcome], None] | None = None
    unit_of: Callable[[Info], str] | None = None
    lock_key: Callable[[date], str] = date.isoformat
    what: str = ""  # the log's word for the files: "Amazon", "pixel"


def land_file_day(
    url: str,
    landing: FileDayLanding[Info],
    day: date,
    files: Sequence[tuple[ExportObject, Info]],
    *,
    run_id: str,
    ignored: Sequence[IgnoredObject] = (),
    log: Log = _quiet,
    detail: Log = _quiet,
) -> DayOutcome:
    partition_key = day.isoformat()
    outcome = DayOutcome(partition_key)
    outcome.ignored.extend(log_ignored(url, landing, partition_key, ignored, run_id=run_id))
    log_ids = [
        start_attempt(url, source=landing.source, partition_key=partition_key, target=obj.uri, run_id=run_id)
        for obj, _ in files
    ]
    clashes = unit_clashes(files, landing.unit_of)
    try:
        with psycopg.connect(url) as conn, conn.transaction():
            conn.execute(
                read_sql(SQL_DIR, "lock_source_partition"),
                {"source": landing.source, "partition_key": landing.lock_key(day)},
            )
            if ignored:
                log(
                    f"{partition_key}: {len(ignored)} file(s) outside the {landing.what} layout: rows of files no "
                    "longer listed are kept until they are renamed or removed"
                )
            else:
                landing.remove_vanished(conn, day, files, outcome)
                conn.execute(
                    read_sql(SQL_DIR, "delete_rejections_of_vanished_files"),
                    {
                        "source": landing.source,
                        "partition_key": partition_key,
                        "present_files": [o.uri for o, _ in files],
                    },
                )
            if landing.begin is not None:
                landing.begin(conn, day, outcome)
            for (obj, info), log_id in zip(files, log_ids, strict=True):
                if obj.key in clashes:
                    outcome.files.append(
                        FileOutcome(obj.uri, landing.table_of(info), FAILED, message=clashes[obj.key], cause=_CLASH)
                    )
                    continue
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


_CLASH = FailureCause(PERMANENT, "two files for one unit")


def unit_clashes(files: Sequence[tuple[ExportObject, Info]], unit_of: Callable[[Info], str] | None) -> dict[str, str]:
    """key -> why it cannot land, for every file that shares its unit with another file."""
    if unit_of is None:
        return {}
    by_unit: dict[str, list[ExportObject]] = {}
    for obj, info in files:
        by_unit.setdefault(unit_of(info), []).append(obj)
    clashes = {}
    for unit, objs in by_unit.items():
        if len(objs) > 1:
            for obj in objs:
                others = ", ".join(o.uri for o in objs if o is not obj)
                clashes[obj.key] = (
                    f"{obj.uri}: {others} is a file of the same {unit} (names differ only in case?); remove one "
                    "of them: nothing of either was landed and the rows landed before stay"
                )
    return clashes


def log_ignored(
    url: str, landing: FileDayLanding, partition_key: str, ignored: Sequence[IgnoredObject], *, run_id: str
) -> list[FileOutcome]:
    """One finished `ignored` row per key outside the layout, committed at once."""
    if not ignored:
        return []
    outcomes = []
    with psycopg.connect(url) as conn, conn.transaction():
        for item in ignored:
            message = f"{item.reason}; the file was not landed (rename it to land it)"
            conn.execute(
                read_sql(SQL_DIR, "log_ignored_file"),
                {
                    "source": landing.source,
                    "partition_key": partition_key,
                    "target": item.obj.uri,
                    "message": message,
                    "run_id": run_id,
                },
            )
            outcomes.append(FileOutcome(item.obj.uri, "", IGNORED, message=message))
    return outcomes


def _land_file(conn: psycopg.Connection, landing: FileDayLanding[Info], file: FileToLand[Info]) -> FileOutcome:
    try:
        with conn.transaction():  # a savepoint: a file that fails takes nothing of itself along
            return landing.write(conn, file)
    except (LandingFileError, psycopg.DataError, psycopg.IntegrityError) as exc:
        if isinstance(exc, LandingFileError):
            message = str(exc)
        else:
            refusal = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            message = f"{file.obj.uri}: the warehouse refused its rows ({refusal}); nothing of it was landed"
        return FileOutcome(file.obj.uri, landing.table_of(file.info), FAILED, message=message, cause=cause_of(exc))


def land_file_days(
    url: str,
    landing: FileDayLanding[Info],
    listing: FileListing[Info],
    days: Sequence[date],
    *,
    run_id: str,
    log: Log = _quiet,
    detail: Log = _quiet,
) -> list[DayOutcome]:
    """Land each day in turn (one transaction per day) from one listing of the exports root,
    with a progress line per day that had files. Keys outside the layout with no date in
    them are logged once per call, under partition `*` (they belong to no day)."""
    if days and not any(listing.files_of(day) for day in days):
        log(f"no {landing.what} files for {days[0]} .. {days[-1]}: nothing to land")
    dayless = log_ignored(url, landing, WHOLE_SOURCE, listing.ignored_without_day, run_id=run_id)
    for ignored in dayless:
        log(f"IGNORED {ignored.file}: {ignored.message}")
    outcomes = []
    for position, day in enumerate(days, start=1):
        files = listing.files_of(day)
        ignored = listing.ignored_of(day)
        outcome = land_file_day(url, landing, day, files, ignored=ignored, run_id=run_id, log=log, detail=detail)
        outcomes.append(outcome)
        if files or ignored:
            log(progress_line(position, len(days), outcome, landing.what))
    if outcomes:
        outcomes[0].ignored[:0] = dayless
    return outcomes
