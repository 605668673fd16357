"""Shared fixtures. Integration tests get their own throw-away database on a real PostgreSQL:
the server METRICS_DATABASE_URL names, else the project's embedded pgserver."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from metrics_pipeline import warehouse
from metrics_pipeline.lib.dbt_project import ensure_manifest
from metrics_pipeline.warehouse.migrations import apply_migrations


def pytest_sessionstart(session: pytest.Session) -> None:
    """Under pytest-xdist, the controller starts the embedded server (creating its database) and
    parses the dbt project once, before the workers would race to do both."""
    config = session.config
    if not hasattr(config, "workerinput") and getattr(config.option, "numprocesses", None):
        warehouse.database_url()
        ensure_manifest()


def _create_database(prefix: str) -> tuple[str, str]:
    server_url = warehouse.database_url()
    name = f"{prefix}_{os.getpid()}_{secrets.token_hex(3)}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'create database "{name}"')
    return server_url, name


def _drop_database(server_url: str, name: str) -> None:
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'drop database if exists "{name}" with (force)')


@pytest.fixture(scope="session")
def server_url() -> str:
    return warehouse.database_url()


@pytest.fixture(scope="module")
def database_url(server_url: str) -> Iterator[str]:
    """A fresh, migrated database for one test module; the code under test resolves to it."""
    _, name = _create_database("metrics_test")
    url = warehouse.with_database(server_url, name)
    with psycopg.connect(url) as conn:
        apply_migrations(conn)
    previous = os.environ.get("METRICS_DATABASE_URL")
    os.environ["METRICS_DATABASE_URL"] = url
    try:
        yield url
    finally:
        if previous is None:
            os.environ.pop("METRICS_DATABASE_URL", None)
        else:
            os.environ["METRICS_DATABASE_URL"] = previous
        _drop_database(server_url, name)


def fetch_all(url: str, query: str, params: object = None) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(query, params).fetchall()


def write_file(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return path
