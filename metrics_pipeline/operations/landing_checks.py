"""Data checks on landing tables and the P&L: what they look at, and the SQL that measures it.

Each landing table names the column that says which day (or instant) a row is about and
its money columns. The checks:

- no_future_dates: no row about a day after tomorrow (UTC): an account's local day can be
  UTC's tomorrow (Pacific/Kiritimati is UTC+14), never later;
- no_negative_money: no money column below zero (refunds land as their own positive rows);
- rows_match_source_totals: where the source states its own total, the landed rows match
  it. Only files state one (their row count, recorded per attempt in ops.ingestion_logs
  as records_processed = loaded + rejected); the Google Ads, Meta and Shopify APIs return
  no total row count for the queries the connectors make, so for them this check does not
  exist and every_account_synced / every_shop_synced / every_advertiser_synced say what did not land.

`source_freshness` says, per source, how long ago it last landed anything (from
ops.ingestion_logs, so every source is measured the same way): a source that stopped landing
is stale after METRICS_FRESHNESS_HOURS (default 26: a nightly run plus two hours of slack).

`restatement_drift` reports per account and day how far the EOD P&L's spend moved from
what the platform first reported.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from psycopg import sql

from metrics_pipeline.sources.registry import SOURCES

SQL_DIR = Path(__file__).parent / "sql"


@dataclass(frozen=True)
class CheckedTable:
    asset_key: tuple[str, ...]
    table: str  # schema.table
    day_column: str  # a date, or a timestamptz compared against the next UTC midnight
    money_columns: tuple[str, ...]
    file_column: str | None = None  # the file a row came from, when the source is files
    log_source: str | None = None  # its ops.ingestion_logs source


def checked_tables() -> tuple[CheckedTable, ...]:
    """Every landing table whose source declares its day column (sources/<name>/__init__.py)."""
    return tuple(
        CheckedTable(
            (source.name, table.name),
            f"raw_{source.name}.{table.name}",
            table.day_column,
            table.money_columns,
            file_column="source_file" if table.row_totals else None,
            log_source=source.name if table.row_totals else None,
        )
        for source in SOURCES
        for table in source.tables
        if table.day_column
    )


LANDING_TABLES = checked_tables()


@dataclass(frozen=True)
class CheckOutcome:
    passed: bool
    count: int  # offending rows (or files)
    examples: list[tuple]


def _table(name: str) -> sql.Composable:
    return sql.Identifier(*name.split("."))


def future_dated_rows(conn: psycopg.Connection, landing: CheckedTable, limit: int = 5) -> CheckOutcome:
    query = sql.SQL(
        "select {day}::text, count(*) from {table} where {day} >= (current_date + 2) group by {day} order by {day} desc"
    ).format(day=sql.Identifier(landing.day_column), table=_table(landing.table))
    rows = conn.execute(query).fetchall()
    return CheckOutcome(not rows, sum(n for _, n in rows), rows[:limit])


def negative_money_rows(conn: psycopg.Connection, landing: CheckedTable, limit: int = 5) -> CheckOutcome:
    counts = sql.SQL(", ").join(
        sql.SQL("count(*) filter (where {c} < 0)").format(c=sql.Identifier(c)) for c in landing.money_columns
    )
    [row] = conn.execute(sql.SQL("select {counts} from {table}").format(counts=counts, table=_table(landing.table)))
    by_column = [(column, n) for column, n in zip(landing.money_columns, row) if n]
    return CheckOutcome(not by_column, sum(n for _, n in by_column), by_column[:limit])


def rows_against_file_totals(conn: psycopg.Connection, landing: CheckedTable, limit: int = 5) -> CheckOutcome:
    """Files whose landed rows differ from what their latest landing attempt counted and loaded."""
    assert landing.file_column and landing.log_source
    query = sql.SQL((SQL_DIR / "landed_rows_against_file_totals.sql").read_text(encoding="utf-8")).format(
        table=_table(landing.table), file_column=sql.Identifier(landing.file_column)
    )
    rows = conn.execute(query, {"source": landing.log_source}).fetchall()
    return CheckOutcome(not rows, len(rows), rows[:limit])


DEFAULT_FRESHNESS_HOURS = 26.0


def freshness_hours() -> float:
    return float(os.environ.get("METRICS_FRESHNESS_HOURS", DEFAULT_FRESHNESS_HOURS))


def stale_sources(
    conn: psycopg.Connection, *, max_hours: float, as_of: datetime | None = None
) -> tuple[list[tuple], list[tuple]]:
    """(every source with its last landing and hours since, the sources older than max_hours)."""
    rows = conn.execute(
        (SQL_DIR / "source_freshness.sql").read_text(encoding="utf-8"),
        {"as_of": as_of or datetime.now(UTC)},
    ).fetchall()
    return rows, [row for row in rows if row[2] > max_hours]


def restatement_drift(conn: psycopg.Connection, limit: int = 10) -> tuple[int, list[tuple]]:
    """(account-days whose EOD spend moved since first reported, the `limit` largest moves)."""
    rows = conn.execute((SQL_DIR / "pnl_restatement_drift.sql").read_text(encoding="utf-8")).fetchall()
    return len(rows), rows[:limit]
