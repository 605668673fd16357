"""Killing a landing inside its COPY, and two landings of the same partition at once, each in a
process of its own against the sandbox servers and a real Postgres.

The design's bar: "killing a run at any point and running it again ends with the same tables,
row for row, as an uninterrupted run", and every partition lands in one transaction under an
advisory lock (landing/sql/lock_source_partition.sql, each API source's lock_*.sql).

How a process is stopped inside its COPY, deterministically and without test hooks in the
pipeline: the test puts a BEFORE INSERT row trigger on the landing table that, at the second
row the COPY sends, waits for a shared advisory lock the test holds (`copy_gate`). The test
sees the landing's backend waiting there in pg_stat_activity (its query is the COPY; its
process is known by PGAPPNAME), then SIGKILLs the process, opens the gate, and waits for
Postgres to notice the dead client and abort. By then the landing has deleted the old rows of
its unit and COPYed one new row, in its open transaction: a partial mix, if anything of it
were committed. Between the earlier landing and the killed one the platform changed its
numbers (a re-uploaded file, a restated day, new orders), so a half-landed unit would show.
"""

from __future__ import annotations

import csv
import io
import json
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import psycopg
import pytest

from metrics_pipeline import warehouse
from metrics_pipeline.sandbox.commerce_world import END as SHOPIFY_END
from metrics_pipeline.sandbox.google_ads_world import ADS_START
from metrics_pipeline.sandbox.meta_world import RESTATED_DAY, RESTATED_FROM
from metrics_pipeline.sandbox.session import SandboxSession, sandbox_session
from metrics_pipeline.warehouse.migrations import apply_migrations
from tests.conftest import _create_database, _drop_database, fetch_all
from tests.integration.landing_process import run_landing

pytestmark = pytest.mark.integration

WORKTREE = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GATE_KEY = (4242, 15)  # two-int advisory keys: no landing lock (one bigint key) can collide
WAIT_SECONDS = 90  # how long to wait for a process to reach a point (not a timing assertion)
# What says when and by which run a row was landed, not what it says.
RUN_STAMPS = frozenset({"ingestion_run_id", "extracted_at", "loaded_at", "updated_at"})
MEDIA_DAY = date(2026, 9, 6)
GOOGLE_DAYS = [ADS_START + timedelta(days=40), ADS_START + timedelta(days=41)]
ACME_CUSTOMER = 2222222221
META_DAYS = [RESTATED_DAY - timedelta(days=1), RESTATED_DAY]
NOW = datetime(2026, 11, 1, 17, 0, tzinfo=UTC)  # every day above is closed everywhere


# --------------------------------------------------------------------------- #
# Fixtures: the whole sandbox, and a second database for the never-killed landing
# --------------------------------------------------------------------------- #


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory, database_url) -> Iterator[SandboxSession]:
    with sandbox_session(tmp_path_factory.mktemp("sandbox"), exports_prefix=f"kill-{secrets.token_hex(4)}") as session:
        session.google_ads.click_view_today = NOW.date()
        yield session


@pytest.fixture(scope="module")
def reference_url(server_url) -> Iterator[str]:
    """A database that only ever sees uninterrupted landings."""
    _, name = _create_database("metrics_reference")
    url = warehouse.with_database(server_url, name)
    with psycopg.connect(url) as conn:
        apply_migrations(conn)
    try:
        yield url
    finally:
        _drop_database(server_url, name)


# --------------------------------------------------------------------------- #
# Helpers
# --------------------------------------------------------------------------- #


def table_rows(url: str, schema: str, *, without: frozenset[str] = frozenset()) -> dict[str, list[tuple]]:
    """Every row of every table of `schema`, in a stable order, without the `without` columns."""
    snapshot = {}
    tables = fetch_all(
        url,
        "select table_name from information_schema.tables where table_schema = %s and table_type = 'BASE TABLE'"
        " order by 1",
        (schema,),
    )
    for (table,) in tables:
        columns = [
            name
            for (name,) in fetch_all(
                url,
                "select column_name from information_schema.columns where table_schema = %s and table_name = %s"
                " order by ordinal_position",
                (schema, table),
            )
            if name not in without
        ]
        rows = fetch_all(url, f'select {", ".join(columns)} from {schema}."{table}"')
        snapshot[table] = sorted(rows, key=repr)
    return snapshot


def wait_for(what: str, probe: Callable[[], object], processes: tuple[subprocess.Popen, ...] = ()) -> object:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if value := probe():
            return value
        for process in processes:
            if process.poll() is not None:
                out, err = process.communicate()
                pytest.fail(f"the landing process ended ({process.returncode}) before {what}:\n{out}\n{err[-3000:]}")
        time.sleep(0.05)
    pytest.fail(f"gave up waiting for {what}")


@dataclass
class Gate:
    url: str
    holder: psycopg.Connection
    is_open: bool = field(default=False)

    def open(self) -> None:
        if not self.is_open:
            self.holder.execute("select pg_advisory_unlock(%s, %s)", GATE_KEY)
            self.is_open = True

    def blocked_copy(self, app: str) -> tuple[int, str] | None:
        """The backend of process `app` waiting at the gate inside its COPY, if it is there."""
        rows = fetch_all(
            self.url,
            "select pid, query from pg_stat_activity where datname = current_database() and application_name = %s"
            " and wait_event_type = 'Lock' and wait_event = 'advisory' and query ilike 'copy %%'",
            (app,),
        )
        return rows[0] if rows else None


@contextmanager
def copy_gate(url: str, table: str, *, at_row: int = 2) -> Iterator[Gate]:
    """The `at_row`-th row inserted into `table` from now on waits until the gate opens."""
    holder = psycopg.connect(url, autocommit=True)
    holder.execute("select pg_advisory_lock(%s, %s)", GATE_KEY)
    with psycopg.connect(url, autocommit=True) as ddl:
        ddl.execute("drop sequence if exists public.test_gate_rows")
        ddl.execute("create sequence public.test_gate_rows")
        ddl.execute(
            f"""
            create or replace function public.test_copy_gate() returns trigger language plpgsql as $$
            begin
                if nextval('public.test_gate_rows') = {int(at_row)} then
                    perform pg_advisory_xact_lock_shared({GATE_KEY[0]}, {GATE_KEY[1]});
                end if;
                return new;
            end $$"""
        )
        ddl.execute(
            f"create trigger test_copy_gate before insert on {table} for each row execute function public.test_copy_gate()"
        )
    gate = Gate(url, holder)
    try:
        yield gate
    finally:
        gate.open()
        holder.close()
        with psycopg.connect(url, autocommit=True) as ddl:
            ddl.execute(f"drop trigger if exists test_copy_gate on {table}")


def start_landing(job: dict, app: str) -> subprocess.Popen:
    env = {**os.environ, "PGAPPNAME": app, "PYTHONPATH": WORKTREE}
    return subprocess.Popen(
        [sys.executable, "-m", "tests.integration.landing_process", json.dumps(job)],
        cwd=WORKTREE,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def backends_of(url: str, app: str) -> list[tuple]:
    return fetch_all(
        url,
        "select pid, state, query from pg_stat_activity where datname = current_database() and application_name = %s",
        (app,),
    )


def advisory_locks(url: str) -> list[tuple]:
    return fetch_all(
        url,
        "select pid, classid, objid, objsubid, granted from pg_locks where locktype = 'advisory'"
        " and database = (select oid from pg_database where datname = current_database())",
    )


# --------------------------------------------------------------------------- #
# What each source's earlier and later landings are
# --------------------------------------------------------------------------- #


@dataclass(frozen=True)
class Scenario:
    source: str
    schema: str
    gated_table: str  # where the killed landing is stopped inside its COPY
    days: list[date]
    earlier: Callable[[SandboxSession], None]  # the platform before the first landing
    later: Callable[[SandboxSession], None]  # what changed before the killed landing

    def job(self, session: SandboxSession, url: str, run_id: str) -> dict:
        return {
            "source": self.source,
            "url": url,
            "config": str(session.world.config_path),
            "exports_uri": session.exports_uri,
            "days": [day.isoformat() for day in self.days],
            "now": NOW.isoformat(),
            "run_id": run_id,
        }


def _reupload_with_more_impressions(session: SandboxSession) -> None:
    """The partner re-sends the day's file of the first client with every row's impressions changed."""
    key = f"media_partner/{session.world.client_slugs[0]}/{MEDIA_DAY.isoformat()}.csv"
    rows = list(csv.reader(io.StringIO((session.world.exports_dir / key).read_text(encoding="utf-8"))))
    column = rows[0].index("impressions")
    for row in rows[1:]:
        row[column] = str(int(row[column]) + 1000)
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows(rows)
    bucket, prefix = session.exports_uri.removeprefix("s3://").split("/", 1)
    session.s3.client().put_object(Bucket=bucket, Key=f"{prefix}/{key}", Body=text.getvalue().encode("utf-8"))


def _nothing(session: SandboxSession) -> None:
    pass


SCENARIOS = {
    "media_partner": Scenario(
        "media_partner",
        "raw_media_partner",
        "raw_media_partner.daily_exports",
        [MEDIA_DAY],
        _nothing,
        _reupload_with_more_impressions,
    ),
    "google_ads": Scenario(
        "google_ads",
        "raw_google_ads",
        "raw_google_ads.ad_daily_metrics",
        GOOGLE_DAYS,
        _nothing,
        lambda session: [session.google_ads.restate(ACME_CUSTOMER, day) for day in GOOGLE_DAYS],
    ),
    "meta": Scenario(
        "meta",
        "raw_meta",
        "raw_meta.ad_daily_insights",
        META_DAYS,
        lambda session: setattr(session.meta, "as_of", RESTATED_FROM - timedelta(days=1)),
        lambda session: setattr(session.meta, "as_of", RESTATED_FROM + timedelta(days=3)),
    ),
    "shopify": Scenario(
        "shopify",
        "raw_shopify",
        "raw_shopify.orders",
        [],
        lambda session: setattr(session.shopify, "as_of", SHOPIFY_END - timedelta(days=20)),
        lambda session: setattr(session.shopify, "as_of", SHOPIFY_END),
    ),
}


def truncate(url: str, schema: str) -> None:
    tables = [
        f'{schema}."{t}"'
        for (t,) in fetch_all(
            url,
            "select table_name from information_schema.tables where table_schema = %s and table_type = 'BASE TABLE'",
            (schema,),
        )
    ]
    with psycopg.connect(url) as conn:
        conn.execute(f"truncate {', '.join(tables)}, ops.rejected_rows, ops.ingestion_logs, ops.connection_states")


# --------------------------------------------------------------------------- #
# 1. SIGKILL inside COPY, over rows an earlier landing left
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize("source", list(SCENARIOS))
def test_a_landing_killed_inside_its_copy_leaves_the_old_rows_and_a_rerun_equals_an_uninterrupted_landing(
    sandbox, database_url, reference_url, source
):
    scenario = SCENARIOS[source]
    for url in (database_url, reference_url):
        truncate(url, scenario.schema)
    scenario.earlier(sandbox)
    for url in (database_url, reference_url):
        run_landing(scenario.job(sandbox, url, "earlier"))
    before = table_rows(database_url, scenario.schema, without=RUN_STAMPS)
    assert before[scenario.gated_table.split(".")[1]], "the earlier landing must have left rows to keep"
    scenario.later(sandbox)

    app = f"kill-{source}-{secrets.token_hex(3)}"
    with copy_gate(database_url, scenario.gated_table) as gate:
        process = start_landing(scenario.job(sandbox, database_url, "killed"), app)
        pid, query = wait_for(f"{source} to reach its COPY", lambda: gate.blocked_copy(app), (process,))
        quoted = ".".join(f'"{part}"' for part in scenario.gated_table.split("."))
        assert query.lower().startswith(f"copy {quoted} ("), query
        # Inside its transaction the old rows of the unit are gone and a new one is in.
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        gate.open()
        wait_for("Postgres to end the killed landing's backend", lambda: not backends_of(database_url, app))

    # Postgres rolled the transaction back: no lock outlives it, nothing of it is visible.
    assert advisory_locks(database_url) == []
    assert fetch_all(database_url, "select count(*) from pg_locks where pid = %s", (pid,)) == [(0,)]
    assert table_rows(database_url, scenario.schema, without=RUN_STAMPS) == before
    # The killed unit's attempts say it never finished (Google's MCC row, landed first in a
    # transaction of its own, writes no attempt).
    assert fetch_all(database_url, "select distinct status from ops.ingestion_logs where run_id = 'killed'") == [
        ("started",)
    ]

    run_landing(scenario.job(sandbox, database_url, "later"))
    run_landing(scenario.job(sandbox, reference_url, "later"))
    with_run_ids = RUN_STAMPS - {"ingestion_run_id"}
    rerun = table_rows(database_url, scenario.schema, without=with_run_ids)
    assert rerun == table_rows(reference_url, scenario.schema, without=with_run_ids)
    assert table_rows(database_url, scenario.schema, without=RUN_STAMPS) != before, "nothing changed: no test"


# --------------------------------------------------------------------------- #
# 2. Two landings of the same partition at once
# --------------------------------------------------------------------------- #


def waiting_for_landing_lock(url: str, app: str) -> bool:
    """The backend of process `app` waits for an advisory lock its landing asked for."""
    return bool(
        fetch_all(
            url,
            "select 1 from pg_stat_activity a join pg_locks l on l.pid = a.pid"
            " where a.datname = current_database() and a.application_name = %s and l.locktype = 'advisory'"
            " and not l.granted and a.query ilike '%%pg_advisory_xact_lock(hashtext(%%'",
            (app,),
        )
    )


@pytest.mark.parametrize("source", ["media_partner", "google_ads"])
def test_two_landings_of_the_same_partition_at_once_end_as_one(sandbox, database_url, reference_url, source):
    scenario = SCENARIOS[source]
    for url in (database_url, reference_url):
        truncate(url, scenario.schema)
    run_landing(scenario.job(sandbox, reference_url, "once"))

    first_app, second_app = (f"{name}-{source}-{secrets.token_hex(3)}" for name in ("first", "second"))
    with copy_gate(database_url, scenario.gated_table) as gate:
        first = start_landing(scenario.job(sandbox, database_url, "first"), first_app)
        wait_for("the first landing to hold its lock inside its COPY", lambda: gate.blocked_copy(first_app), (first,))
        second = start_landing(scenario.job(sandbox, database_url, "second"), second_app)
        wait_for(
            "the second landing to wait for the partition lock",
            lambda: waiting_for_landing_lock(database_url, second_app),
            (first, second),
        )
        gate.open()
        for process in (first, second):
            out, err = process.communicate(timeout=WAIT_SECONDS)
            assert process.returncode == 0, err[-3000:]

    assert table_rows(database_url, scenario.schema, without=RUN_STAMPS) == table_rows(
        reference_url, scenario.schema, without=RUN_STAMPS
    )
    # Both completed; the second started while the first held the lock and finished after it.
    logs = fetch_all(
        database_url,
        "select f.target, f.partition_key, f.status, s.status, s.started_at < f.finished_at,"
        " s.finished_at > f.finished_at, f.records_loaded = s.records_loaded"
        " from ops.ingestion_logs f join ops.ingestion_logs s using (source, partition_key, target)"
        " where f.run_id = 'first' and s.run_id = 'second' order by 1, 2",
    )
    assert logs and {(row[2], row[3], row[4], row[6]) for row in logs} == {("completed", "completed", True, True)}
    # Where the second waited (the gated target) it finished after the first. Google locks per
    # customer, so for the other customers either process may have gone first.
    assert any(row[5] for row in logs)
    if source == "media_partner":  # one lock for the whole partition: strictly one after the other
        assert all(row[5] for row in logs)
