"""The marts comparison of the scale-out figure, on a real Postgres: two small schemas that
differ in the ways two builds could."""

from __future__ import annotations

import psycopg
import pytest

from metrics_pipeline.bench.celery_figure import compare_fingerprints, schema_fingerprints

pytestmark = pytest.mark.integration

TABLE = "(day date, entity text, spend numeric(18,6), top jsonb, as_of_at timestamptz)"


@pytest.fixture(scope="module")
def conn(database_url):
    with psycopg.connect(database_url, autocommit=True) as conn:
        for schema in ("build_a", "build_b"):
            conn.execute(f"create schema {schema}")
            for table in ("same", "reordered", "changed", "shorter"):
                conn.execute(f"create table {schema}.{table} {TABLE}")
        rows = [
            ("2026-10-01", "ad 1", "1.50", '{"a": 1}'),
            ("2026-10-02", "ad 2", None, None),
            ("2026-10-02", "ad 3", "0", "[]"),
        ]
        insert = "insert into {}.{} (day, entity, spend, top, as_of_at) values (%s, %s, %s, %s, now() - %s * interval '1 hour')"
        for schema, hours in (("build_a", 0), ("build_b", 5)):  # built at different instants
            for table in ("same", "changed", "shorter"):
                for row in rows[: 2 if (schema, table) == ("build_b", "shorter") else 3]:
                    conn.execute(insert.format(schema, table), (*row, hours))
            ordered = rows if schema == "build_a" else rows[::-1]  # written in another physical order
            for row in ordered:
                conn.execute(insert.format(schema, "reordered"), (*row, hours))
        conn.execute("update build_b.changed set spend = 1.51 where entity = 'ad 1'")
        conn.execute("create table build_a.only_here (x int)")
        conn.execute("create view build_b.a_view as select 1 as x")  # views are not compared
        yield conn


def test_equal_tables_match_whatever_the_row_order_and_build_time(conn):
    compared = {
        c.table: c
        for c in compare_fingerprints(schema_fingerprints(conn, "build_a"), schema_fingerprints(conn, "build_b"))
    }
    assert set(compared) == {"same", "reordered", "changed", "shorter", "only_here"}
    assert compared["same"].equal and compared["reordered"].equal
    assert (compared["same"].rows_a, compared["same"].rows_b) == (3, 3)
    assert not compared["changed"].equal and compared["changed"].rows_a == compared["changed"].rows_b == 3
    assert not compared["shorter"].equal and (compared["shorter"].rows_a, compared["shorter"].rows_b) == (3, 2)
    assert not compared["only_here"].equal and compared["only_here"].rows_b is None


def test_the_build_time_column_counts_when_not_excluded(conn):
    a = schema_fingerprints(conn, "build_a", exclude_columns=frozenset())
    b = schema_fingerprints(conn, "build_b", exclude_columns=frozenset())
    assert a["same"] != b["same"]
