"""The scale-out figure: the nightly job on Celery workers against the same job in one process.

Both runs land the same sandbox days into two fresh databases on the same server; then every
table in schema `marts` of the one is compared with the other (row count and a digest of the
rows), because a distributed run is only worth its speed if it builds the same tables.

Where no broker answers on METRICS_CELERY_BROKER_URL's host and port, the figure is skipped
with a plain message and the rest of the benchmark goes on.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import timedelta
from importlib import metadata
from pathlib import Path

import psycopg
from psycopg import sql

from metrics_pipeline import warehouse
from metrics_pipeline.bench.databases import drop_database, fresh_database
from metrics_pipeline.operations.celery_settings import (
    QUEUE_VARIABLE,
    broker_unreachable_reason,
    broker_url,
    redacted_broker,
)

WORKERS = 2
# A week of the sandbox's ads range: every source and every mart, in minutes rather than an hour.
WINDOW_DAYS = 7
IN_PROCESS_DATABASE = "metrics_bench_in_process"
CELERY_DATABASE = "metrics_bench_celery"
IN_PROCESS_JOB = "daily_pipeline"
CELERY_JOB = "daily_pipeline_celery"
# Wall-clock instants two runs minutes apart cannot share: when fct_pnl_daily was built
# (`now()`), and when the landing first saw a variant's current unit cost (dim_products).
WALL_CLOCK_COLUMNS = frozenset({"as_of_at", "unit_cost_observed_at"})
WORKER_READY_SECONDS = 180
RUN_TIMEOUT_SECONDS = 1800

Log = Callable[[str], None]


# --- comparing two databases' marts ------------------------------------------------------------


@dataclass(frozen=True)
class TableFingerprint:
    rows: int
    digest: str


@dataclass(frozen=True)
class TableComparison:
    table: str
    rows_a: int | None  # None: the table is missing on that side
    rows_b: int | None
    equal: bool


def schema_fingerprints(
    conn: psycopg.Connection, schema: str, exclude_columns: frozenset[str] = WALL_CLOCK_COLUMNS
) -> dict[str, TableFingerprint]:
    """Row count and an order-independent md5 of every base table's rows in `schema`.

    Rows are rendered as Postgres row literals and sorted before hashing, so the physical order
    two builds happened to write rows in does not matter; `exclude_columns` are left out.
    """
    columns: dict[str, list[str]] = {}
    for table, column in conn.execute(
        "select c.table_name, c.column_name from information_schema.columns c "
        "join information_schema.tables t using (table_schema, table_name) "
        "where c.table_schema = %s and t.table_type = 'BASE TABLE' order by c.table_name, c.ordinal_position",
        (schema,),
    ):
        columns.setdefault(table, [])
        if column not in exclude_columns:
            columns[table].append(column)
    fingerprints = {}
    for table, names in columns.items():
        row = (
            sql.SQL("row({})::text").format(sql.SQL(", ").join(map(sql.Identifier, names))) if names else sql.SQL("''")
        )
        query = sql.SQL(
            "select count(*), md5(coalesce(string_agg(r, E'\\n' order by r collate \"C\"), '')) "
            "from (select {row} as r from {table}) rows"
        ).format(row=row, table=sql.Identifier(schema, table))
        rows, digest = conn.execute(query).fetchone()
        fingerprints[table] = TableFingerprint(rows, digest)
    return fingerprints


def compare_fingerprints(a: Mapping[str, TableFingerprint], b: Mapping[str, TableFingerprint]) -> list[TableComparison]:
    """One comparison per table on either side; a table on one side only is a difference."""
    comparisons = []
    for table in sorted(set(a) | set(b)):
        left, right = a.get(table), b.get(table)
        comparisons.append(
            TableComparison(
                table,
                left.rows if left else None,
                right.rows if right else None,
                left is not None and left == right,
            )
        )
    return comparisons


def compare_schemas(url_a: str, url_b: str, schema: str = "marts") -> list[TableComparison]:
    with psycopg.connect(url_a) as a, psycopg.connect(url_b) as b:
        return compare_fingerprints(schema_fingerprints(a, schema), schema_fingerprints(b, schema))


# --- the measurement ---------------------------------------------------------------------------


def skipped_figure(environ: Mapping[str, str] | None = None) -> dict | None:
    """The figure to report instead of measuring when no broker answers; None when one does."""
    url = broker_url(environ)
    reason = broker_unreachable_reason(url)
    if reason is None:
        return None
    return {
        "skipped": f"no message broker reachable at {redacted_broker(url)} (set METRICS_CELERY_BROKER_URL) "
        f"— scale-out figure skipped",
        "reason": reason,
    }


def measure_scale_out(server_url: str, log: Log) -> dict:
    """Run the nightly job in one process and on Celery workers over the same days; compare marts.

    A failure is reported as the figure (`failed`) rather than raised, so the rest of the
    benchmark's figures are still written.
    """
    skipped = skipped_figure()
    if skipped:
        log(skipped["skipped"])
        return skipped
    try:
        return _measure(server_url, log)
    except Exception as exc:  # noqa: BLE001 - see the docstring
        log(f"scale-out: FAILED: {exc}")
        return {"failed": str(exc).splitlines()[0] if str(exc) else type(exc).__name__}


def _measure(server_url: str, log: Log) -> dict:
    from metrics_pipeline.sandbox.google_ads_world import ADS_END
    from metrics_pipeline.sandbox.session import sandbox_session

    first, last = ADS_END - timedelta(days=WINDOW_DAYS - 1), ADS_END
    tags = {
        "dagster/asset_partition_range_start": first.isoformat(),
        "dagster/asset_partition_range_end": last.isoformat(),
    }
    work_dir = Path(tempfile.mkdtemp(prefix="metrics-scale-out-"))
    queue = f"metrics-scale-out-{secrets.token_hex(4)}"
    try:
        in_process_url = _fresh_database(server_url, IN_PROCESS_DATABASE)
        celery_url = _fresh_database(server_url, CELERY_DATABASE)
        log(f"scale-out: sandbox days {first} .. {last}; broker {redacted_broker(broker_url())}, queue {queue}")
        # A fresh sandbox for each run: its stand-ins answer one rate limit and one server error
        # per API the first time, and both runs must meet the same platforms to be compared.
        prefix = f"scale-out-{secrets.token_hex(4)}"
        with sandbox_session(work_dir / "world", exports_prefix=prefix):
            in_process_env = _run_environment(in_process_url, work_dir / "home_in_process")
            log(f"scale-out: {IN_PROCESS_JOB} in one process (in_process executor) ...")
            in_process_seconds = _execute_job(IN_PROCESS_JOB, tags, in_process_env, work_dir, in_process=True)
            log(f"scale-out: in one process {in_process_seconds:.1f} s")
        with sandbox_session(work_dir / "world", exports_prefix=prefix):
            celery_env = {**_run_environment(celery_url, work_dir / "home_celery"), QUEUE_VARIABLE: queue}
            started = time.perf_counter()
            with celery_workers(celery_env, queue, WORKERS, work_dir) as names:
                workers_ready_seconds = time.perf_counter() - started
                log(f"scale-out: {len(names)} workers ready in {workers_ready_seconds:.1f} s; {CELERY_JOB} ...")
                celery_seconds = _execute_job(CELERY_JOB, tags, celery_env, work_dir, in_process=False)
            log(f"scale-out: on {WORKERS} Celery workers {celery_seconds:.1f} s")
        comparisons = compare_schemas(in_process_url, celery_url)
    finally:
        delete_queue(queue)
        for name in (IN_PROCESS_DATABASE, CELERY_DATABASE):
            drop_database(server_url, name)
        shutil.rmtree(work_dir, ignore_errors=True)
    differing = [c.table for c in comparisons if not c.equal]
    return {
        "days": WINDOW_DAYS,
        "first_day": first.isoformat(),
        "last_day": last.isoformat(),
        "in_process_seconds": round(in_process_seconds, 1),
        "celery_seconds": round(celery_seconds, 1),
        "celery_workers": WORKERS,
        "worker_concurrency": 1,
        "workers_ready_seconds": round(workers_ready_seconds, 1),
        "tables_compared": len(comparisons),
        "tables_equal": len(comparisons) - len(differing),
        "differing_tables": differing,
        "excluded_columns": sorted(WALL_CLOCK_COLUMNS),
        "tables": [asdict(c) for c in comparisons],
        "versions": {name: metadata.version(name) for name in ("dagster-celery", "celery", "kombu")},
    }


def scale_out_markdown(figures: Mapping) -> list[str]:
    lines = ["## Scale-out: the nightly job on Celery workers vs one process", ""]
    if "skipped" in figures:
        return lines + [f"Skipped: {figures['skipped']}.", ""]
    if "failed" in figures:
        return lines + [f"Failed: {figures['failed']}", ""]
    differing = ", ".join(figures["differing_tables"]) or "none"
    return lines + [
        f"The `{IN_PROCESS_JOB}` job over {figures['days']} sandbox days ({figures['first_day']} .. "
        f"{figures['last_day']}) in one process, and `{CELERY_JOB}` on {figures['celery_workers']} Celery workers "
        f"(concurrency {figures['worker_concurrency']} each, RabbitMQ on loopback), each into a fresh database.",
        "",
        "| figure | value |",
        "|---|---|",
        f"| in one process (in_process executor) | {figures['in_process_seconds']:.1f} s |",
        f"| on {figures['celery_workers']} Celery workers | {figures['celery_seconds']:.1f} s "
        f"(workers ready after {figures['workers_ready_seconds']:.1f} s, not counted) |",
        f"| marts tables equal (row count and rows) | **{figures['tables_equal']} of {figures['tables_compared']}** |",
        f"| differing tables | {differing} |",
        "",
        "Rows are compared as sorted row literals, leaving out the wall-clock column(s) "
        + ", ".join(f"`{c}`" for c in figures["excluded_columns"])
        + ".",
        "",
    ]


# --- processes ---------------------------------------------------------------------------------


def _fresh_database(server_url: str, name: str) -> str:
    url = fresh_database(server_url, name)
    warehouse.ensure_dagster_schema(url)
    return url


def _run_environment(url: str, dagster_home: Path) -> dict[str, str]:
    """What a run process and its workers need to reach this database and its own Dagster instance."""
    dagster_home.mkdir(parents=True, exist_ok=True)
    shutil.copy(warehouse.PROJECT_ROOT / "dagster_home" / "dagster.yaml", dagster_home / "dagster.yaml")
    return {
        **os.environ,  # the sandbox's endpoints, config and exports root
        "METRICS_DATABASE_URL": url,
        "DAGSTER_HOME": str(dagster_home),
        "METRICS_DAGSTER_STORAGE_URL": warehouse.dagster_storage_url(url),
        **warehouse.dbt_environment(url),
    }


def _execute_job(job: str, tags: dict[str, str], env: dict[str, str], work_dir: Path, *, in_process: bool) -> float:
    """`dagster job execute` on the instance env names; the wall time of the whole command."""
    command = [
        _bin("dagster"),
        "job",
        "execute",
        "-m",
        "metrics_pipeline.definitions",
        "-j",
        job,
        "--tags",
        json.dumps(tags),
    ]
    if in_process:
        config = work_dir / "in_process.yaml"
        config.write_text("execution:\n  config:\n    in_process: {}\n", encoding="utf-8")
        command += ["-c", str(config)]
    log_path = work_dir / f"{job}.log"
    started = time.perf_counter()
    with log_path.open("wb") as output:
        code = subprocess.call(
            command,
            env=env,
            cwd=warehouse.PROJECT_ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
            timeout=RUN_TIMEOUT_SECONDS,
        )
    seconds = time.perf_counter() - started
    status = _last_run_status(env["METRICS_DATABASE_URL"])
    if code != 0 or status != "SUCCESS":
        tail = log_path.read_text(encoding="utf-8", errors="replace")[-3000:]
        raise RuntimeError(f"{job} did not succeed (exit {code}, run status {status}); end of its output:\n{tail}")
    return seconds


def _last_run_status(url: str) -> str | None:
    with psycopg.connect(url) as conn:
        row = conn.execute(
            f"select status from {warehouse.DAGSTER_SCHEMA}.runs order by create_timestamp desc limit 1"
        ).fetchone()
    return row[0] if row else None


@contextmanager
def celery_workers(
    env: dict[str, str],
    queue: str,
    count: int,
    work_dir: Path,
    preload: str = "metrics_pipeline.definitions",
) -> Iterator[list[str]]:
    """`count` Celery workers (concurrency 1 each) on `queue`, ready when this yields; always stopped.

    Each worker runs in a session of its own, so stopping it also stops its pool's child process.
    `preload` is imported before the pool forks, so each step skips loading the code location.
    """
    token = secrets.token_hex(3)
    names = [f"metrics-scale-out-{i + 1}-{token}@{os.uname().nodename}" for i in range(count)]
    processes: list[subprocess.Popen] = []
    try:
        for name in names:
            log_file = (work_dir / f"{name.split('@')[0]}.log").open("wb")
            processes.append(
                subprocess.Popen(
                    [
                        _bin("celery"),
                        "-A",
                        "metrics_pipeline.operations.celery_worker",
                        "worker",
                        "-Q",
                        queue,
                        "-c",
                        "1",
                        "-n",
                        name,
                        "--prefetch-multiplier=1",
                        "--without-gossip",
                        "--without-mingle",
                        "-I",
                        preload,
                        "--loglevel=INFO",
                    ],
                    env=env,
                    cwd=warehouse.PROJECT_ROOT,
                    stdout=log_file,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
            log_file.close()
        _wait_until_ready(names, processes, work_dir)
        yield names
    finally:
        _stop(processes)


def _wait_until_ready(names: list[str], processes: list[subprocess.Popen], work_dir: Path) -> None:
    from celery import Celery

    app = Celery(broker=broker_url())
    deadline = time.monotonic() + WORKER_READY_SECONDS
    waiting = set(names)
    while waiting:
        for name, process in zip(names, processes):
            if process.poll() is not None:
                tail = (work_dir / f"{name.split('@')[0]}.log").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"Celery worker {name} exited with {process.returncode}:\n{tail}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"Celery workers not ready after {WORKER_READY_SECONDS} s: {sorted(waiting)}")
        for reply in app.control.ping(destination=sorted(waiting), timeout=1.0) or []:
            waiting -= set(reply)
        if waiting:
            time.sleep(1)


def _stop(processes: list[subprocess.Popen]) -> None:
    """Warm shutdown (SIGTERM) of each worker's process group, then SIGKILL what is left."""
    for process in processes:
        if process.poll() is None:
            _signal_group(process, signal.SIGTERM)
    deadline = time.monotonic() + 30
    for process in processes:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            _signal_group(process, signal.SIGKILL)
            process.wait()


def _signal_group(process: subprocess.Popen, sig: signal.Signals) -> None:
    try:
        os.killpg(process.pid, sig)  # the worker's own session: it and its pool children
    except ProcessLookupError:
        pass


def delete_queue(queue: str) -> None:
    """Drop the run's queue from the broker (best effort): nothing stale is left for a later run."""
    if broker_unreachable_reason(broker_url()) is not None:
        return
    try:
        from kombu import Connection

        with Connection(broker_url(), connect_timeout=2) as conn:
            conn.default_channel.queue_delete(queue)
    except Exception:  # noqa: BLE001 - cleanup must not hide the measurement's own outcome
        pass


def _bin(name: str) -> str:
    """The virtualenv's console script, whether or not the venv is on PATH."""
    return str(Path(sys.executable).with_name(name))
