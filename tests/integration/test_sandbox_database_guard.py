"""`metrics-pipeline dev` and `demo` write the sandbox's fake credentials and config only into a
sandbox database: the embedded server's, or an empty one the operator names with
--sandbox-database (both marked in ops.sandbox_database). A warehouse in METRICS_DATABASE_URL
that is not one is refused before the sandbox starts.

`dagster dev` itself is not started: subprocess.call (the process boundary) records the command.
"""

from __future__ import annotations

import os
import subprocess

import psycopg
import pytest

from metrics_pipeline import warehouse
from metrics_pipeline.cli.main import main
from metrics_pipeline.warehouse.migrations import apply_migrations
from tests.conftest import _create_database, _drop_database, fetch_all

pytestmark = pytest.mark.integration

WHAT_THE_SANDBOX_WRITES = (
    "select (select count(*) from credentials.connection_credentials), (select count(*) from config.clients), "
    "(select count(*) from ops.sandbox_database)"
)


@pytest.fixture
def dagster_dev_commands(monkeypatch) -> list[list[str]]:
    commands: list[list[str]] = []
    monkeypatch.setattr(subprocess, "call", lambda command, **kwargs: commands.append(command) or 0)
    return commands


@pytest.fixture
def without_exports(restore_environ, database_url):
    """A warehouse configured the way an operator's is: METRICS_DATABASE_URL, no exports root."""
    os.environ["METRICS_DATABASE_URL"] = database_url
    os.environ.pop("METRICS_EXPORTS_URI", None)
    return database_url


def test_dev_refuses_a_warehouse_that_is_not_a_sandbox_database(without_exports, dagster_dev_commands, capsys):
    code = main(["dev"])
    assert fetch_all(without_exports, "select count(*) from credentials.connection_credentials") == [(0,)]
    assert code == 2
    message = capsys.readouterr().err
    assert "is not a sandbox database" in message and "--sandbox-database" in message
    assert "METRICS_EXPORTS_URI" in message  # the way to open the UI on one's own data
    assert fetch_all(without_exports, WHAT_THE_SANDBOX_WRITES) == [(0, 0, 0)]
    assert dagster_dev_commands == []


def test_demo_refuses_it_too(without_exports, capsys):
    assert main(["demo"]) == 2
    assert "is not a sandbox database" in capsys.readouterr().err
    assert fetch_all(without_exports, WHAT_THE_SANDBOX_WRITES) == [(0, 0, 0)]


def test_a_warehouse_with_data_cannot_be_made_a_sandbox_database(without_exports, dagster_dev_commands, capsys):
    with psycopg.connect(without_exports) as conn:
        conn.execute("insert into config.workspaces (workspace_slug, workspace_name) values ('real', 'Real')")
        conn.execute(
            "insert into config.clients (client_slug, workspace_slug, client_name, currency, timezone) "
            "values ('real-client', 'real', 'Real Client', 'USD', 'UTC')"
        )
    for command in (["dev", "--sandbox-database"], ["demo", "--sandbox-database"]):
        assert main(command) == 2
        message = capsys.readouterr().err
        assert "is not empty (it has configured clients)" in message, command
    assert fetch_all(without_exports, WHAT_THE_SANDBOX_WRITES) == [(0, 1, 0)]
    assert dagster_dev_commands == []


@pytest.fixture
def empty_database(server_url):
    _, name = _create_database("metrics_test_sandbox")
    url = warehouse.with_database(server_url, name)
    with psycopg.connect(url) as conn:
        apply_migrations(conn)
    try:
        yield url
    finally:
        _drop_database(server_url, name)


def test_an_empty_database_named_with_sandbox_database_becomes_one(
    restore_environ, empty_database, dagster_dev_commands
):
    os.environ["METRICS_DATABASE_URL"] = empty_database
    os.environ.pop("METRICS_EXPORTS_URI", None)
    assert main(["dev", "--sandbox-database"]) == 0
    [(credentials, _, marked)] = fetch_all(empty_database, WHAT_THE_SANDBOX_WRITES)
    assert credentials > 0 and marked == 1
    assert fetch_all(empty_database, "select claimed_by, claimed_how from ops.sandbox_database") == [
        ("dev", "--sandbox-database")
    ]
    assert len(dagster_dev_commands) == 1 and dagster_dev_commands[0][1] == "dev"
    # From now on it is a sandbox database, without the flag.
    from metrics_pipeline.cli.sandbox_database import ensure_sandbox_database

    assert ensure_sandbox_database(empty_database, command="demo", embedded=False, claim=False) == "--sandbox-database"
