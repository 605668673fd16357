"""`ops.connection_states`: what the pipeline last learned about each synced account."""

from __future__ import annotations

import psycopg

from metrics_pipeline.landing.ingestion import SQL_DIR, read_sql, stored_text
from metrics_pipeline.security.credentials import record_auth_outcome


def record_account_state(
    conn: psycopg.Connection,
    *,
    connection_id: str,
    account_id: str,
    status: str,
    error: str | None = None,
    warning: str | None = None,
) -> None:
    """status: ok | auth_error | error; `warning`: what an `ok` sync could not do (kept while it fails).
    Call inside the caller's transaction (or autocommit)."""
    error, warning = stored_text(error), stored_text(warning)
    conn.execute(
        read_sql(SQL_DIR, "upsert_connection_state"),
        {
            "connection_id": connection_id,
            "account_id": account_id,
            "status": status,
            "error": error,
            "warning": warning,
        },
    )
    # The stored credentials follow: an auth failure is theirs to show (the message is redacted).
    if status in ("ok", "auth_error"):
        record_auth_outcome(conn, connection_id, ok=status == "ok", error=error)
