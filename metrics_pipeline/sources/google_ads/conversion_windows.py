"""How far back each Google connection's conversions can still move, as its accounts last said.

Every sync lands each account's conversion window (the longest click-through lookback window
of its enabled conversion actions) on raw_google_ads.customers; the nightly schedule reads
them back here to size the restatement window, without calling Google. No SDK import, so the
schedule loads without it.
"""

from __future__ import annotations

from pathlib import Path

import psycopg

from metrics_pipeline.landing.ingestion import read_sql

SQL_DIR = Path(__file__).parent / "sql"


def landed_conversion_windows(url: str) -> dict[str, int]:
    """Per connection id, the longest landed conversion window of its accounts."""
    with psycopg.connect(url) as conn:
        rows = conn.execute(read_sql(SQL_DIR, "landed_conversion_windows")).fetchall()
    return {connection_id: days for connection_id, days in rows}
