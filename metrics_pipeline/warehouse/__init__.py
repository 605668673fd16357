"""The one place that decides which PostgreSQL the pipeline talks to.

`METRICS_DATABASE_URL` wins when set. Otherwise an embedded PostgreSQL from the
`pgserver` wheel is started on demand under `.pgdata/` in the project (or
`METRICS_PGDATA`) and left running, so the next command, the Dagster UI and dbt
all reuse the same server. Loaders, dbt (through `METRICS_PG_*` variables read by
`dbt_project/profiles.yml`) and the Dagster instance (schema `dagster`) all get
their connection from here.
"""

from __future__ import annotations

import functools
import os
import re
from pathlib import Path
from urllib.parse import quote, urlencode

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

PROJECT_ROOT = Path(__file__).resolve().parents[2]
EMBEDDED_DATABASE = "metrics"
DAGSTER_SCHEMA = "dagster"


def embedded_pgdata() -> Path:
    return Path(os.environ.get("METRICS_PGDATA", PROJECT_ROOT / ".pgdata")).resolve()


def database_url() -> str:
    """The warehouse URL: the configured one, else the embedded server's (started if needed)."""
    configured = os.environ.get("METRICS_DATABASE_URL", "").strip()
    if configured:
        return configured
    return _embedded_database_url(str(embedded_pgdata()))


@functools.cache
def _embedded_database_url(pgdata: str) -> str:
    import pgserver  # imported lazily: only the embedded path needs it

    # cleanup_mode=None keeps the postmaster running after this process exits, so the
    # UI, the CLI and dbt share one server instead of each starting their own.
    server = pgserver.get_server(pgdata, cleanup_mode=None)
    admin_url = server.get_uri()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("select 1 from pg_database where datname = %s", (EMBEDDED_DATABASE,)).fetchone()
        if not exists:
            conn.execute(f'create database "{EMBEDDED_DATABASE}"')
    return server.get_uri(EMBEDDED_DATABASE)


def connect(url: str | None = None, **kwargs) -> psycopg.Connection:
    return psycopg.connect(url or database_url(), **kwargs)


def connection_params(url: str) -> dict[str, str]:
    """libpq keyword parameters of a URL (host may be a Unix-socket directory)."""
    return {key: str(value) for key, value in conninfo_to_dict(url).items() if value is not None}


def with_database(url: str, dbname: str) -> str:
    """The same server and credentials, another database (as a libpq key=value string)."""
    params = connection_params(url)
    params["dbname"] = dbname
    return make_conninfo(**params)


def dbt_environment(url: str) -> dict[str, str]:
    """Environment variables `dbt_project/profiles.yml` reads to reach the warehouse."""
    params = connection_params(url)
    return {
        "METRICS_PG_HOST": params.get("host", "127.0.0.1"),
        "METRICS_PG_PORT": params.get("port", "5432"),
        "METRICS_PG_USER": params.get("user", os.environ.get("USER", "postgres")),
        "METRICS_PG_PASSWORD": params.get("password", ""),
        "METRICS_PG_DBNAME": params.get("dbname", "postgres"),
        # libpq passes these to every dbt session (see DECISIONLOG, 2026-11-22 incremental marts):
        # JIT compiled the marts' wide queries for seconds each (9 s of a 10 s fct_orders build on
        # PostgreSQL 15).
        "PGOPTIONS": _with_dbt_session_settings(os.environ.get("PGOPTIONS", "")),
    }


DBT_PLANNER_SETTINGS = {"jit": "off"}
# A table mart rebuilt whole swaps the new table in, which needs an ACCESS EXCLUSIVE lock that
# waits for every BI query on the old one (and holds up every BI query after it). Waiting
# longer than this fails the model with "canceling statement due to lock timeout", a transient
# failure the retry sensor retries, instead of stalling the night behind a dashboard.
# BI sessions are bounded too (bi add-login: statement and idle-in-transaction timeouts).
DBT_LOCK_TIMEOUT_DEFAULT = "1min"


def dbt_session_settings() -> dict[str, str]:
    lock_timeout = os.environ.get("METRICS_DBT_LOCK_TIMEOUT", "").strip() or DBT_LOCK_TIMEOUT_DEFAULT
    if not re.fullmatch(r"(0|[1-9][0-9]*)(ms|s|min|h)?", lock_timeout):
        raise ValueError(f"METRICS_DBT_LOCK_TIMEOUT: a duration such as 30s or 2min, got {lock_timeout!r}")
    return {**DBT_PLANNER_SETTINGS, "lock_timeout": lock_timeout}


def _with_dbt_session_settings(options: str) -> str:
    """The user's PGOPTIONS plus ours, theirs winning for any setting they name."""
    ours = [f"-c {name}={value}" for name, value in dbt_session_settings().items() if f"{name}=" not in options]
    return " ".join([options, *ours]).strip()


def dagster_storage_url(url: str) -> str:
    """A SQLAlchemy URL for dagster-postgres: the warehouse database, schema `dagster`.

    SQLAlchemy 2.1 maps plain `postgresql://` to psycopg 3, whose server-side
    parameters break Dagster's `NOTIFY`; dagster-postgres is written for psycopg2.
    """
    params = connection_params(url)
    user = quote(params.get("user", "postgres"), safe="")
    password = params.get("password")
    credentials = f"{user}:{quote(password, safe='')}" if password else user
    query: dict[str, str] = {"options": f"-csearch_path={DAGSTER_SCHEMA}"}
    host = params.get("host", "127.0.0.1")
    if host.startswith("/"):
        # A socket directory cannot sit in the authority part of a URL.
        query["host"] = host
        authority = credentials + "@"
    else:
        authority = f"{credentials}@{host}:{params.get('port', '5432')}"
    for passthrough in ("sslmode", "sslrootcert", "sslcert", "sslkey"):
        if passthrough in params:
            query[passthrough] = params[passthrough]
    if host.startswith("/") and "port" in params:
        query["port"] = params["port"]
    dbname = quote(params.get("dbname", "postgres"), safe="")
    return f"postgresql+psycopg2://{authority}/{dbname}?{urlencode(query)}"


def ensure_dagster_schema(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"create schema if not exists {DAGSTER_SCHEMA}")


def redact(url: str) -> str:
    """The URL with its password removed, for messages."""
    params = connection_params(url)
    if "password" in params:
        params["password"] = "***"
    return make_conninfo(**params)
