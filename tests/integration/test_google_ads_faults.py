"""Faults against the Google Ads sandbox (gRPC): quota bursts, server errors, a stream cut
mid-way, a deadline passed. Each heals within the run; the tables are row for row those of
a landing from a server that never misbehaved, and each (customer, day) has one log row."""

from __future__ import annotations

from datetime import date

import psycopg
import pytest

from metrics_pipeline.sandbox.google_ads_server import Fault
from tests.conftest import fetch_all
from tests.integration.test_google_ads_landing import CLIENTS, TABLES, run_sync, sandbox  # noqa: F401

pytestmark = pytest.mark.integration

DAYS = [date(2026, 10, 12), date(2026, 10, 13)]
LOAD_STAMPS = ("ingestion_run_id", "extracted_at", "loaded_at")


def table_dump(url: str) -> dict[str, list[tuple]]:
    dump = {}
    with psycopg.connect(url) as conn:
        for table in TABLES:
            columns = [
                name
                for (name,) in conn.execute(
                    "select column_name from information_schema.columns where table_schema = 'raw_google_ads'"
                    " and table_name = %s order by ordinal_position",
                    (table,),
                )
                if name not in LOAD_STAMPS
            ]
            listed = ", ".join(columns)
            dump[table] = conn.execute(f"select {listed} from raw_google_ads.{table} order by {listed}").fetchall()
    return dump


def truncate_landing(url: str) -> None:
    tables = [f"raw_google_ads.{t}" for t in TABLES] + [
        "ops.rejected_rows",
        "ops.ingestion_logs",
        "ops.connection_states",
    ]
    with psycopg.connect(url) as conn:
        conn.execute(f"truncate {', '.join(tables)}")


@pytest.fixture
def empty(database_url, sandbox):  # noqa: F811
    truncate_landing(database_url)
    sandbox.server.clear_faults()
    return sandbox


@pytest.fixture
def reference(database_url, empty):
    run = run_sync(empty, database_url, DAYS, run_id="reference")
    assert {o.status for o in run.outcomes} == {"completed"}
    dump = table_dump(database_url)
    assert dump["ad_daily_metrics"]
    truncate_landing(database_url)
    return dump


@pytest.mark.parametrize(
    ("name", "faults"),
    [
        ("quota burst", [Fault("RESOURCE_EXHAUSTED", retry_delay_seconds=0.05)] * 3),
        ("server errors", [Fault("INTERNAL", resource="campaign"), Fault("UNAVAILABLE", resource="ad_group")]),
        ("stream cut mid-way", [Fault("UNAVAILABLE", resource="ad_group_ad", with_metrics=True, after_batches=1)] * 2),
        (
            "deadline passed",
            [Fault("DEADLINE_EXCEEDED", resource="ad_group_criterion"), Fault("DEADLINE_EXCEEDED", with_metrics=True)],
        ),
    ],
)
def test_a_passing_fault_heals_and_lands_exactly_the_clean_rows(name, faults, database_url, empty, reference):
    empty.server.queue_fault(*faults)

    run = run_sync(empty, database_url, DAYS, run_id="faulty")

    assert {o.status for o in run.outcomes} == {"completed"}, name
    assert empty.server.pending_faults == ()
    assert sum(n for call, n in run.calls.items() if call.startswith("fault/")) == len(faults)
    assert table_dump(database_url) == reference
    logs = fetch_all(
        database_url,
        "select target, partition_key, status from ops.ingestion_logs where run_id = 'faulty' order by 1, 2",
    )
    assert logs == [(f"customers/{c}", d.isoformat(), "completed") for c in sorted(CLIENTS) for d in DAYS]
