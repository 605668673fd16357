"""The throw-away databases each benchmark part measures in, on the warehouse's server."""

from __future__ import annotations

import psycopg
from psycopg import sql

from metrics_pipeline import warehouse
from metrics_pipeline.warehouse.migrations import apply_migrations


def fresh_database(server_url: str, name: str) -> str:
    """Drop and create database `name`, apply the migrations, and return its URL."""
    drop_database(server_url, name)
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
    url = warehouse.with_database(server_url, name)
    with psycopg.connect(url) as conn:
        apply_migrations(conn)
    return url


def drop_database(server_url: str, name: str) -> None:
    with psycopg.connect(server_url, autocommit=True) as conn:
        # a dbt killed mid-build can leave sessions behind that `with (force)` alone trips over
        conn.execute("select pg_terminate_backend(pid) from pg_stat_activity where datname = %s", (name,))
        conn.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name)))
