"""Archive and restore raw table-months through the exports store.

Archive, per table-month, in ONE transaction that locks the table against writers: read the
month's rows, merge them into the month's Parquet file (a file already there keeps the rows the
database no longer has), write it, read it back and check it holds every row, and only then
delete the rows and commit. Any failure before the commit rolls back: nothing is deleted.
Restore, per month: delete the month's rows and COPY the file's rows in, one transaction.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import psycopg
from psycopg import sql

from metrics_pipeline.config.retention import RetentionSettings
from metrics_pipeline.landing.exports import ExportsStore
from metrics_pipeline.landing.ingestion import read_sql
from metrics_pipeline.retention.plan import (
    RETAINED_TABLES,
    RetainedTable,
    archivable_months,
    archive_before,
    archive_key,
    months_between,
    next_month,
    retention_days,
)

SQL_DIR = Path(__file__).parent / "sql"
NUMERIC_PATTERN = re.compile(r"^numeric\((\d+),(\d+)\)$")
PLAIN_TYPES: dict[str, pl.DataType] = {
    "text": pl.String(),
    "character varying": pl.String(),
    "date": pl.Date(),
    "timestamp with time zone": pl.Datetime("us", "UTC"),
    "timestamp without time zone": pl.Datetime("us"),
    "bigint": pl.Int64(),
    "integer": pl.Int32(),
    "smallint": pl.Int16(),
    "boolean": pl.Boolean(),
    "double precision": pl.Float64(),
    "real": pl.Float32(),
}


class RetentionError(RuntimeError):
    pass


@dataclass(frozen=True)
class Column:
    name: str
    pg_type: str
    in_primary_key: bool

    @property
    def dtype(self) -> pl.DataType:
        return polars_type(self.pg_type)


def polars_type(pg_type: str) -> pl.DataType:
    """The Parquet column for a Postgres type. Everything without an exact counterpart (jsonb,
    unconstrained numeric, arrays, ...) is kept as Postgres' own text of the value, which
    COPY reads back to the same value."""
    if pg_type in PLAIN_TYPES:
        return PLAIN_TYPES[pg_type]
    match = NUMERIC_PATTERN.match(pg_type.replace(" ", ""))
    if match:
        return pl.Decimal(int(match.group(1)), int(match.group(2)))
    return pl.String()


@dataclass(frozen=True)
class MonthResult:
    table: str
    month: date
    key: str
    rows: int  # rows moved (archive), put back (restore), or found (dry run)


def table_columns(conn: psycopg.Connection, table: RetainedTable) -> list[Column]:
    rows = conn.execute(read_sql(SQL_DIR, "columns"), {"relation": table.name}).fetchall()
    return [Column(name, pg_type, bool(in_key)) for name, pg_type, in_key in rows]


def _select_month(table: RetainedTable, columns: list[Column], month: date) -> tuple[sql.Composed, dict]:
    fields = sql.SQL(", ").join(
        sql.Identifier(c.name)
        if c.pg_type in PLAIN_TYPES or NUMERIC_PATTERN.match(c.pg_type.replace(" ", ""))
        # Postgres' text of the value (what the Parquet column holds), named like the column
        else sql.SQL("{}::text as {}").format(sql.Identifier(c.name), sql.Identifier(c.name))
        for c in columns
    )
    query = sql.SQL("select {} from {}.{} where {} >= %(first)s and {} < %(after)s").format(
        fields,
        sql.Identifier(table.schema),
        sql.Identifier(table.table),
        sql.Identifier(table.day_column),
        sql.Identifier(table.day_column),
    )
    return query, {"first": month, "after": next_month(month)}


def _frame(columns: list[Column], rows: list[tuple]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema={c.name: c.dtype for c in columns}, orient="row")


def _read_parquet(store: ExportsStore, key: str) -> pl.DataFrame | None:
    if not any(obj.key == key for obj in store.list(key.rsplit("/", 1)[0])):
        return None
    return pl.read_parquet(io.BytesIO(store.read_bytes(key)))


def merge_month(existing: pl.DataFrame | None, landed: pl.DataFrame, key_columns: list[str], day_column: str):
    """The month's file after archiving `landed`: the rows landed now, plus the rows of the file
    already there that they do not replace (same primary key; a table without one: same day, as
    a day is landed whole). Re-archiving the same rows gives the same file."""
    if existing is None or existing.height == 0:
        return landed
    existing = existing.select(landed.columns).cast(landed.schema)
    keys = key_columns or [day_column]
    kept = existing.join(landed.select(keys).unique(), on=keys, how="anti", nulls_equal=True)
    return pl.concat([kept, landed]).sort(keys)


def _log(
    conn: psycopg.Connection,
    action: str,
    table: str,
    month: date,
    key: str,
    rows: int,
    status: str,
    message: str | None,
) -> None:
    conn.execute(
        read_sql(SQL_DIR, "log"),
        {
            "action": action,
            "table_name": table,
            "month": month,
            "object_key": key,
            "row_count": rows,
            "status": status,
            "message": message,
        },
    )


def months_with_rows(conn: psycopg.Connection, table: RetainedTable, before: date) -> list[date]:
    query = sql.SQL(
        "select distinct date_trunc('month', {day})::date from {schema}.{table} where {day} < %(before)s order by 1"
    ).format(
        day=sql.Identifier(table.day_column), schema=sql.Identifier(table.schema), table=sql.Identifier(table.table)
    )
    return [month for (month,) in conn.execute(query, {"before": before}).fetchall()]


def _count_month(conn: psycopg.Connection, table: RetainedTable, month: date) -> int:
    query = sql.SQL("select count(*) from {}.{} where {} >= %(first)s and {} < %(after)s").format(
        sql.Identifier(table.schema),
        sql.Identifier(table.table),
        sql.Identifier(table.day_column),
        sql.Identifier(table.day_column),
    )
    return conn.execute(query, {"first": month, "after": next_month(month)}).fetchone()[0]


def archive_month(url: str, store: ExportsStore, table: RetainedTable, month: date) -> MonthResult:
    key = archive_key(table, month)
    with psycopg.connect(url) as conn:
        try:
            with conn.transaction():
                # writers wait (and a second archiver) until the rows are deleted or rolled back
                conn.execute(
                    sql.SQL("lock table {}.{} in share row exclusive mode").format(
                        sql.Identifier(table.schema), sql.Identifier(table.table)
                    )
                )
                columns = table_columns(conn, table)
                query, params = _select_month(table, columns, month)
                landed = _frame(columns, conn.execute(query, params).fetchall())
                if landed.height == 0:
                    return MonthResult(table.name, month, key, 0)
                merged = merge_month(
                    _read_parquet(store, key), landed, [c.name for c in columns if c.in_primary_key], table.day_column
                )
                buffer = io.BytesIO()
                merged.write_parquet(buffer)
                store.write_bytes(key, buffer.getvalue())
                _verify(store, key, merged)
                deleted = conn.execute(
                    sql.SQL("delete from {}.{} where {} >= %(first)s and {} < %(after)s").format(
                        sql.Identifier(table.schema),
                        sql.Identifier(table.table),
                        sql.Identifier(table.day_column),
                        sql.Identifier(table.day_column),
                    ),
                    params,
                ).rowcount
                if deleted != landed.height:
                    raise RetentionError(
                        f"{table.name} {month:%Y-%m}: read {landed.height} rows but would delete {deleted}"
                    )
                _log(conn, "archive", table.name, month, key, deleted, "completed", None)
        except Exception as exc:
            with conn.transaction():
                _log(conn, "archive", table.name, month, key, 0, "failed", f"{type(exc).__name__}: {exc}"[:2000])
            raise
    return MonthResult(table.name, month, key, deleted)


def _verify(store: ExportsStore, key: str, expected: pl.DataFrame) -> None:
    """The object as read back holds exactly the rows written (not only as many)."""
    written = _read_parquet(store, key)
    if written is None or written.height != expected.height or not written.equals(expected):
        got = "nothing" if written is None else f"{written.height} rows"
        raise RetentionError(f"{store.uri}/{key}: read back {got}, expected the {expected.height} rows written")


def archive(
    url: str,
    store: ExportsStore,
    settings: RetentionSettings,
    today: date,
    *,
    dry_run: bool = False,
    tables: Iterable[RetainedTable] = RETAINED_TABLES,
    progress: Callable[[str], Any] = lambda line: None,
) -> list[MonthResult]:
    """Archive every whole month older than each table's retention. Months already archived
    have no rows left, so a second run moves nothing."""
    results = []
    for table in tables:
        days = retention_days(table, settings)
        with psycopg.connect(url) as conn:
            months = archivable_months(months_with_rows(conn, table, archive_before(today, days)), today, days)
            counts = {month: _count_month(conn, table, month) for month in months} if dry_run else {}
        for month in months:
            if dry_run:
                result = MonthResult(table.name, month, archive_key(table, month), counts[month])
                progress(f"would archive {table.name} {month:%Y-%m}: {result.rows} rows -> {result.key}")
            else:
                result = archive_month(url, store, table, month)
                progress(f"archived {table.name} {month:%Y-%m}: {result.rows} rows -> {store.uri}/{result.key}")
            results.append(result)
    return results


def restore(
    url: str,
    store: ExportsStore,
    table: RetainedTable,
    first: date,
    last: date,
    progress: Callable[[str], Any] = lambda line: None,
) -> list[MonthResult]:
    """Put the archived rows of [first's month, last's month] back: per month, delete the
    month's rows and COPY the file's in, one transaction. Months without a file are skipped."""
    results = []
    for month in months_between(first, last):
        key = archive_key(table, month)
        frame = _read_parquet(store, key)
        if frame is None:
            progress(f"no archive for {table.name} {month:%Y-%m} ({key}): skipped")
            continue
        with psycopg.connect(url) as conn, conn.transaction():
            columns = table_columns(conn, table)
            names = [c.name for c in columns]
            _, params = _select_month(table, columns, month)
            conn.execute(
                sql.SQL("delete from {}.{} where {} >= %(first)s and {} < %(after)s").format(
                    sql.Identifier(table.schema),
                    sql.Identifier(table.table),
                    sql.Identifier(table.day_column),
                    sql.Identifier(table.day_column),
                ),
                params,
            )
            copy = sql.SQL("copy {}.{} ({}) from stdin").format(
                sql.Identifier(table.schema),
                sql.Identifier(table.table),
                sql.SQL(", ").join(map(sql.Identifier, names)),
            )
            with conn.cursor().copy(copy) as writer:
                for row in frame.select(names).iter_rows():
                    writer.write_row(row)
            _log(conn, "restore", table.name, month, key, frame.height, "completed", None)
        results.append(MonthResult(table.name, month, key, frame.height))
        progress(f"restored {table.name} {month:%Y-%m}: {frame.height} rows from {store.uri}/{key}")
    return results


def archived_months(conn: psycopg.Connection) -> list[tuple[str, date, str]]:
    """(table, month, object key) of every table-month now held only by the archive."""
    return [tuple(row) for row in conn.execute(read_sql(SQL_DIR, "archived_months")).fetchall()]


def full_refresh_warning(months: Sequence[tuple[str, date, str]]) -> str | None:
    """What a full rebuild of the marts must say when months are archived: it rebuilds the
    day-keyed marts from the landed rows only, so those months' days would leave the marts."""
    if not months:
        return None
    first, last = min(m for _, m, _ in months), max(m for _, m, _ in months)
    return (
        f"{len(months)} table-month(s) from {first:%Y-%m} to {last:%Y-%m} are archived (retention);"
        " a full refresh leaves their days out of the marts. Restore them first with"
        " `metrics-pipeline retention restore --table ... --from ... --to ...`"
    )
