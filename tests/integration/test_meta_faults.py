"""Faults against the Meta sandbox: each passing one heals without help and without duplicates;
what cannot heal within the call budget fails its account loudly, as transient, and the
next run heals it; an expired token is permanent: never retried, logged with its reason.

Every assertion on tables compares full dumps (ordered by key, load stamps excluded)
with a landing of the same days on a server that misbehaved in no way.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime

import psycopg
import pytest

from metrics_pipeline.operations.failures import classify_failure
from metrics_pipeline.sandbox.meta_server import EXPIRED_ACCESS_TOKEN, Fault
from metrics_pipeline.sandbox.meta_world import ACME_ACCOUNT_ID, CITRUS_ACCOUNT_ID
from metrics_pipeline.sources.meta.load import sync_meta
from tests.conftest import fetch_all
from tests.integration.test_meta_sync import (  # noqa: F401
    RAW_TABLES,
    config,
    server,
    table_contents,
    world,
)

pytestmark = pytest.mark.integration

DAYS = [date(2026, 10, 5), date(2026, 10, 6), date(2026, 10, 7)]  # a week or less: synchronous insights
NOW = datetime(2026, 11, 2, 12, tzinfo=UTC)
TIMEOUT = 0.5  # seconds the client waits for an answer in these tests


@pytest.fixture
def clean(database_url, server, monkeypatch):  # noqa: F811 - the imported fixture
    """Empty tables and logs, no faults queued, a short client timeout."""
    monkeypatch.setenv("METRICS_HTTP_TIMEOUT", str(TIMEOUT))
    with psycopg.connect(database_url) as conn:
        conn.execute(f"truncate {', '.join(RAW_TABLES)}, ops.rejected_rows, ops.ingestion_logs, ops.connection_states")
    server.clear_faults()
    server.reset_requests()
    return server


@pytest.fixture
def reference(database_url, clean, config):  # noqa: F811
    """What the days look like landed from a server with no faults at all."""
    outcomes = sync_meta(database_url, config, DAYS, run_id="reference", now=NOW)
    assert {o.status for o in outcomes} == {"completed"}
    contents = table_contents(database_url)
    assert contents["raw_meta.ad_daily_insights"]
    requests = {route: clean.count(route) for route in ("account", "campaigns", "ads", "insights")}
    with psycopg.connect(database_url) as conn:
        conn.execute(f"truncate {', '.join(RAW_TABLES)}, ops.rejected_rows, ops.ingestion_logs, ops.connection_states")
    clean.reset_requests()
    return Reference(contents, requests)


@dataclass(frozen=True)
class Reference:
    tables: dict[str, list[tuple]]
    requests: dict[str, int]  # route -> requests a fault-free landing of DAYS makes


def log_rows(url: str, run_id: str) -> list[tuple]:
    return fetch_all(
        url,
        "select target, partition_key, status, message from ops.ingestion_logs"
        " where run_id = %s order by target, partition_key",
        (run_id,),
    )


def every_account_day(status: str) -> list[tuple]:
    return [
        (f"act_{account}", day.isoformat(), status)
        for account in sorted((ACME_ACCOUNT_ID, CITRUS_ACCOUNT_ID))
        for day in DAYS
    ]


@pytest.mark.parametrize(
    ("name", "faults"),
    [
        ("rate-limit burst", [Fault("rate_limit", "insights")] * 3 + [Fault("rate_limit", "campaigns")] * 2),
        (
            "server errors",
            [Fault("server_error", "ads"), Fault("server_error", "account"), Fault("server_error", "insights")],
        ),
        (
            "slow answers past the timeout",
            [Fault("slow", "account", seconds=TIMEOUT * 3), Fault("slow", "insights", seconds=TIMEOUT * 3)],
        ),
        ("connection dropped mid-answer", [Fault("dropped", "campaigns"), Fault("dropped", "insights")]),
    ],
)
def test_a_passing_fault_heals_within_the_run_and_lands_exactly_the_clean_rows(
    name,
    faults,
    database_url,
    clean,
    reference,
    config,  # noqa: F811
):
    clean.queue_fault(*faults)

    outcomes = sync_meta(database_url, config, DAYS, run_id="faulty", now=NOW)

    assert {o.status for o in outcomes} == {"completed"}, name
    assert clean.pending_faults == ()  # every fault was served
    assert clean.count(fault=faults[0].kind) == sum(1 for f in faults if f.kind == faults[0].kind)
    for route in {f.route for f in faults}:
        # Each faulty answer cost exactly one more request: it was retried, not given up on nor repeated.
        extra = sum(1 for f in faults if f.route == route)
        assert clean.count(route) == reference.requests[route] + extra, route
    assert table_contents(database_url) == reference.tables
    # One log row per account and day, completed: a healed retry is not a second attempt row.
    assert [(t, k, s) for t, k, s, _ in log_rows(database_url, "faulty")] == every_account_day("completed")


def test_a_fault_outlasting_the_call_budget_fails_its_account_as_transient_and_the_rerun_heals(
    database_url,
    clean,
    reference,
    config,  # noqa: F811
):
    # Six attempts per call: six rate limits in a row exhaust them for the first account asked.
    clean.queue_fault(*[Fault("rate_limit", "account")] * 6)

    outcomes = {o.account_id: o for o in sync_meta(database_url, config, DAYS, run_id="exhausted", now=NOW)}

    failed = [o for o in outcomes.values() if o.status == "failed"]
    assert len(failed) == 1 and failed[0].state == "error"
    assert "gave up after 6 attempts" in failed[0].message
    assert classify_failure(failed[0].message).kind == "transient"
    # Decided where it was caught, from the client's own retry policy, and logged with the attempt.
    assert (failed[0].cause.kind, failed[0].retryable) == ("transient", True)
    assert failed[0].cause.reason.startswith("retries exhausted: rate limited")
    logs = log_rows(database_url, "exhausted")
    assert {(t, s) for t, _, s, _ in logs if t == failed[0].target} == {(failed[0].target, "failed")}
    assert set(
        fetch_all(
            database_url,
            "select failure_kind from ops.ingestion_logs where run_id = 'exhausted' and target = %s",
            (failed[0].target,),
        )
    ) == {("transient",)}
    assert fetch_all(
        database_url, "select count(*) from raw_meta.ad_daily_insights where account_id = %s", (failed[0].account_id,)
    ) == [(0,)]  # nothing half-landed

    # What the retry sensor requests: the same days again, once the throttling has passed.
    sync_meta(database_url, config, DAYS, run_id="retry", now=NOW)

    assert table_contents(database_url) == reference.tables
    assert [(t, k, s) for t, k, s, _ in log_rows(database_url, "retry")] == every_account_day("completed")
    assert fetch_all(database_url, "select status from ops.connection_states order by account_id") == [("ok",), ("ok",)]


def test_an_expired_token_is_permanent_not_retried_and_logged_with_its_reason(
    database_url,
    clean,
    reference,
    config,
    monkeypatch,  # noqa: F811
):
    monkeypatch.setenv("HARBOR_META_ACCESS_TOKEN", EXPIRED_ACCESS_TOKEN)

    outcomes = {o.account_id: o for o in sync_meta(database_url, config, DAYS, run_id="expired", now=NOW)}

    failed = outcomes[CITRUS_ACCOUNT_ID]
    assert (failed.status, failed.state) == ("failed", "auth_error")
    assert clean.count(token="expired") == 1  # asked once, never again
    cause = classify_failure(failed.message)
    assert (cause.kind, cause.reason) == ("permanent", "expired or invalid credentials")
    assert failed.cause == cause and not failed.retryable  # the typed decision agrees with the text
    assert fetch_all(
        database_url,
        "select distinct failure_kind from ops.ingestion_logs where run_id = 'expired' and target = %s",
        (failed.target,),
    ) == [("permanent",)]
    logs = [row for row in log_rows(database_url, "expired") if row[0] == f"act_{CITRUS_ACCOUNT_ID}"]
    assert [(k, s) for _, k, s, _ in logs] == [(d.isoformat(), "failed") for d in DAYS]
    assert all("access token" in m and EXPIRED_ACCESS_TOKEN not in m for _, _, _, m in logs)
    # The other account landed exactly what a clean run lands for it.
    landed = table_contents(database_url)["raw_meta.ad_daily_insights"]
    assert landed == [row for row in reference.tables["raw_meta.ad_daily_insights"] if ACME_ACCOUNT_ID in row]


KILLED_LANDING = """
import sys
from datetime import date, datetime
from metrics_pipeline.config import load_config
from metrics_pipeline.sources.meta.load import sync_meta
days = [date.fromisoformat(d) for d in sys.argv[3].split(",")]
sync_meta(sys.argv[1], load_config(sys.argv[2]), days, run_id="killed", now=datetime.fromisoformat(sys.argv[4]))
"""


def test_a_landing_killed_mid_run_and_run_again_leaves_every_table_as_an_uninterrupted_run(
    database_url,
    clean,
    reference,
    config,  # noqa: F811
):
    # The second account's answers hang, so the process is killed after the first account
    # committed and while the second's attempt is open.
    clean.queue_fault(Fault("slow", "account", seconds=60, account_id=CITRUS_ACCOUNT_ID))
    environment = {**os.environ, "METRICS_HTTP_TIMEOUT": "120"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            KILLED_LANDING,
            database_url,
            str(config.source_path),
            ",".join(d.isoformat() for d in DAYS),
            NOW.isoformat(),
        ],
        env=environment,
    )
    try:
        deadline = time.monotonic() + 120
        while not fetch_all(
            database_url,
            "select 1 from ops.ingestion_logs where run_id = 'killed' and target = %s",
            (f"act_{CITRUS_ACCOUNT_ID}",),
        ):
            assert process.poll() is None, "the landing ended before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.05)
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    clean.clear_faults()

    # The kill left a trace: the first account completed, the second's attempts still `started`.
    killed = log_rows(database_url, "killed")
    assert {(t, s) for t, _, s, _ in killed} == {
        (f"act_{ACME_ACCOUNT_ID}", "completed"),
        (f"act_{CITRUS_ACCOUNT_ID}", "started"),
    }

    sync_meta(database_url, config, DAYS, run_id="after-kill", now=NOW)

    assert table_contents(database_url) == reference.tables
    assert [(t, k, s) for t, k, s, _ in log_rows(database_url, "after-kill")] == every_account_day("completed")


def test_too_much_data_splits_the_range_in_halves_instead_of_asking_again(
    database_url,
    clean,
    reference,
    config,  # noqa: F811
):
    # Meta's code 1 "Please reduce the amount of data you're asking for": the same request gets
    # the same answer, so it is asked for in halves (3 days -> 2 + 1 -> 1 + 1 + 1), never repeated.
    clean.max_insights_days = 1
    try:
        outcomes = sync_meta(database_url, config, DAYS, run_id="halved", now=NOW)
    finally:
        clean.max_insights_days = None

    assert {o.status for o in outcomes} == {"completed"}
    assert table_contents(database_url) == reference.tables
    refused = 2  # per account and level: the 3-day range, then its 2-day first half
    assert clean.count("insights", status=500) == refused * 2 * 2
    # then every day on its own, per account and level (a day's rows fit one page)
    assert clean.count("insights", status=200) == len(DAYS) * 2 * 2
    assert [(t, k, s) for t, k, s, _ in log_rows(database_url, "halved")] == every_account_day("completed")


def test_too_much_data_for_a_single_day_fails_the_account_without_retrying_it(
    database_url,
    clean,
    config,  # noqa: F811
):
    clean.max_insights_days = 0
    try:
        outcomes = sync_meta(database_url, config, DAYS[:1], run_id="too-much", now=NOW)
    finally:
        clean.max_insights_days = None

    assert [o.status for o in outcomes] == ["failed", "failed"]
    assert all("Please reduce the amount of data" in o.message for o in outcomes)
    # 1 day is refused once per account, then given up on: no retries of the same request.
    assert clean.count("insights", status=500) == 2
