"""Bookkeeping every loader shares: `ops.ingestion_logs`, `ops.rejected_rows`, and COPY.

An attempt's `started` row is committed on its own at once, so a killed run leaves a
visible trace; its final status is written inside the loader's data transaction, so
the log and the landed rows can never disagree. A landing that fails before its first
attempt (the exports root cannot be listed, the config is invalid, a key is missing) is
logged by `failure_logged_before_any_attempt` around it.

Whatever a loader puts in a message, a reason or a rejected row's raw record passes
`redact` (no secret) and `pii.scrub_pii_*` (no email or IP address, no `?email=`) here,
on its way into the table: a message built from an exception, or a row as a partner wrote
it, is never stored as it came.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
import psycopg
from psycopg import sql

from metrics_pipeline.landing.storable import storable_record, storable_text
from metrics_pipeline.operations.failures import cause_of
from metrics_pipeline.security.log_redaction import redact
from metrics_pipeline.security.pii import scrub_pii_text, scrub_pii_value

SQL_DIR = Path(__file__).parent / "sql"


def read_sql(directory: Path, name: str) -> str:
    return (directory / f"{name}.sql").read_text(encoding="utf-8")


@dataclass(frozen=True)
class Rejection:
    row_number: int  # 1 is the header line
    fields: tuple[str, ...]
    reason: str
    raw_record: dict[str, str | None] = field(default_factory=dict)


def start_attempt(url: str, *, source: str, partition_key: str, target: str, run_id: str) -> int:
    """Insert a `started` row in its own committed transaction; return its id."""
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(
            read_sql(SQL_DIR, "start_ingestion_attempt"),
            {"source": source, "partition_key": partition_key, "target": target, "run_id": run_id},
        ).fetchone()
    assert row is not None
    return int(row[0])


def finish_attempt(
    conn: psycopg.Connection,
    log_id: int,
    *,
    status: str,
    processed: int = 0,
    loaded: int = 0,
    rejected: int = 0,
    message: str | None = None,
    failure_kind: str | None = None,
) -> None:
    """The attempt's final row; a failed one carries its cause's kind (transient | permanent | unknown)."""
    conn.execute(
        read_sql(SQL_DIR, "finish_ingestion_attempt"),
        {
            "log_id": log_id,
            "status": status,
            "processed": processed,
            "loaded": loaded,
            "rejected": rejected,
            "message": stored_text(message),
            "failure_kind": failure_kind,
        },
    )


def stored_text(text: str | None) -> str | None:
    """`text` as it may be stored in `ops.*`: without secrets or personal data."""
    return None if text is None else scrub_pii_text(redact(text))


def stored_record(record: dict) -> dict:
    """A rejected row's raw record as it may be stored: personal columns' values and every
    email or IP address removed, secrets redacted, in each text (the JSON stays valid)."""

    def clean(value):
        if isinstance(value, str):
            return redact(value)
        if isinstance(value, dict):
            return {redact(str(key)): clean(item) for key, item in value.items()}
        if isinstance(value, list):
            return [clean(item) for item in value]
        return value

    return clean(scrub_pii_value(record))


def fail_attempts(url: str, log_ids: Sequence[int], message: str, failure_kind: str = "unknown") -> None:
    """After a day's data transaction rolled back: every attempt of the day says it did not land."""
    with psycopg.connect(url) as conn, conn.transaction():
        for log_id in log_ids:
            finish_attempt(conn, log_id, status="failed", message=f"not landed: {message}", failure_kind=failure_kind)


@contextmanager
def failure_logged_before_any_attempt(
    url: str, *, source: str, partition_keys: Sequence[str], target: str, run_id: str
) -> Iterator[None]:
    """Around a whole landing: if it raises before it logged any attempt of `source` in this
    run, leave one failed row per partition, for `target` (what it was reaching for: the
    exports folder, the connections), with the error and its failure_kind; then re-raise.

    Without it a run that could not list the bucket or load the config left no row at all:
    `ops.ingestion_logs` said nothing, and the retry sensor had no recorded cause to go by.
    """
    try:
        yield
    except Exception as exc:
        try:
            with psycopg.connect(url) as conn:
                conn.execute(
                    read_sql(SQL_DIR, "log_failure_before_any_attempt"),
                    {
                        "source": source,
                        "partition_keys": list(partition_keys),
                        "target": target,
                        "run_id": run_id,
                        "message": stored_text(f"not landed: {type(exc).__name__}: {exc}")[:4000],
                        "failure_kind": cause_of(exc).kind,
                    },
                )
        except psycopg.Error as log_error:  # the warehouse itself is down: the run's error still wins
            exc.add_note(f"(and no ops.ingestion_logs row could be written: {log_error})")
        raise


def replace_rejections(
    conn: psycopg.Connection,
    *,
    source: str,
    partition_key: str,
    source_file: str,
    log_id: int,
    rejections: Sequence[Rejection],
) -> None:
    """The file's quarantined rows become exactly `rejections` (a rerun never piles them up)."""
    delete_rejections(conn, source=source, partition_key=partition_key, source_file=source_file)
    append_rejections(
        conn, source=source, partition_key=partition_key, source_file=source_file, log_id=log_id, rejections=rejections
    )


def delete_rejections(conn: psycopg.Connection, *, source: str, partition_key: str, source_file: str) -> None:
    conn.execute(
        read_sql(SQL_DIR, "delete_rejections_of_file"),
        {"source": source, "partition_key": partition_key, "source_file": source_file},
    )


def append_rejections(
    conn: psycopg.Connection,
    *,
    source: str,
    partition_key: str,
    source_file: str,
    log_id: int,
    rejections: Sequence[Rejection],
) -> None:
    """Add quarantined rows; loaders that read a file block by block call it once per block."""
    if not rejections:
        return
    with conn.cursor().copy(
        "copy ops.rejected_rows (source, partition_key, source_file, row_number, fields, reason,"
        " raw_record, ingestion_log_id) from stdin"
    ) as copy:
        for rejection in rejections:
            copy.write_row(
                (
                    source,
                    partition_key,
                    source_file,
                    rejection.row_number,
                    ",".join(rejection.fields),
                    # A quarantined row is often one the warehouse could not store as it came; and
                    # it may hold a secret or a customer's data (stored_*), never stored as such.
                    storable_text(stored_text(rejection.reason)),
                    json.dumps(storable_record(stored_record(rejection.raw_record)), ensure_ascii=False),
                    log_id,
                )
            )


def describe_rejections(first: Sequence[Rejection], total: int) -> str | None:
    """The log message of a file's quarantined rows: the first few, then how many more."""
    message = "; ".join(f"row {r.row_number}: {r.reason}" for r in first[:5]) or None
    if message and total > 5:
        message += f"; and {total - 5} more in ops.rejected_rows"
    return message


def copy_frame(conn: psycopg.Connection, table: str, frame: pl.DataFrame) -> int:
    """COPY a frame into `schema.table` (columns by name) as CSV; return the row count.

    polars writes the CSV in native code and Postgres parses it server-side, which is
    what keeps landing near bare-COPY speed. Nulls are unquoted empty fields.
    """
    if frame.height == 0:
        return 0
    schema_name, table_name = table.split(".", 1)
    statement = sql.SQL("copy {}.{} ({}) from stdin with (format csv)").format(
        sql.Identifier(schema_name),
        sql.Identifier(table_name),
        sql.SQL(", ").join(sql.Identifier(column) for column in frame.columns),
    )
    with conn.cursor().copy(statement) as copy:
        copy.write(frame.write_csv(include_header=False, null_value=""))
    return frame.height
