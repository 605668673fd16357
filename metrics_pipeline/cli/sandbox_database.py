"""Which database `demo` and `dev` may fill with the sandbox's fake credentials and config.

The sandbox moves its tokens into the encrypted credential store and points METRICS_CONFIG at
its own clients, which the runs then mirror into config.*. On a real warehouse that would mix
fake clients and credentials into real ones, so both commands first make sure the database is
a sandbox one: it carries the row of ops.sandbox_database (staging_sql/0020). They add that
row themselves on the embedded server (METRICS_DATABASE_URL unset: the embedded server is for
the sandbox), or on a database the operator names with --sandbox-database, provided it holds
nothing yet. Anything else is refused before the sandbox starts.
"""

from __future__ import annotations

import os

import psycopg

from metrics_pipeline import warehouse
from metrics_pipeline.cli.runner import CliError

# What a database used for real holds; any of it and the database is not the sandbox's to claim.
REAL_DATA_TABLES = {
    "config.clients": "configured clients",
    "config.connections": "configured connections",
    "credentials.connection_credentials": "stored credentials",
    "ops.ingestion_logs": "ingestion attempts",
}


def uses_embedded_server() -> bool:
    """Call before prepare_environment(), which sets METRICS_DATABASE_URL for child processes."""
    return not os.environ.get("METRICS_DATABASE_URL", "").strip()


def what_it_holds(conn: psycopg.Connection) -> list[str]:
    held = []
    for table, what in REAL_DATA_TABLES.items():
        if conn.execute(f"select exists (select 1 from {table})").fetchone()[0]:
            held.append(what)
    return held


def ensure_sandbox_database(url: str, *, command: str, embedded: bool, claim: bool, alternative: str = "") -> str:
    """Return how the database is the sandbox's, marking it if allowed; raise CliError otherwise."""
    with warehouse.connect(url) as conn, conn.transaction():
        # one claimer at a time (demo and dev started together)
        conn.execute("lock table ops.sandbox_database in share row exclusive mode")
        marked = conn.execute("select claimed_how from ops.sandbox_database").fetchone()
        if marked:
            return marked[0]
        where = f"METRICS_DATABASE_URL ({warehouse.redact(url)})"
        if embedded:
            how = "embedded server"
        elif claim:
            held = what_it_holds(conn)
            if held:
                raise CliError(
                    f"{where} is not empty (it has {', '.join(held)}), so it is not made a sandbox database: "
                    f"`metrics-pipeline {command}` would write the sandbox's fake credentials and configuration "
                    "next to real ones. Create a new database for the sandbox."
                )
            how = "--sandbox-database"
        else:
            raise CliError(
                f"{where} is not a sandbox database: `metrics-pipeline {command}` would write the sandbox's fake "
                "credentials and configuration into it. Unset METRICS_DATABASE_URL to use the embedded server, "
                "or point it at a new, empty database and add --sandbox-database"
                + (f"; {alternative}" if alternative else "")
                + "."
            )
        conn.execute(
            "insert into ops.sandbox_database (claimed_by, claimed_how) values (%s, %s)",
            (command, how),
        )
        return how
