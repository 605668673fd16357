"""The nightly job end to end, on top of agency-scale history, with wall time per stage.

In a database of its own: the sandbox's config (rates reaching back to the history's first
day), synthetic history (bench/history.py) ending the day before the sandbox's own data
starts, the marts built over it once (the state the previous night left), then the real
`daily_pipeline` job, in process, over the restatement window ending on the sandbox's last
day: every connector against the sandbox's servers, then dbt. Stage times come from the
run's own Dagster event log (STEP_START to STEP_SUCCESS/STEP_FAILURE per step).

In process means one step at a time (the deployed job allows two at once), so the total is
the sum of the stages; the per-stage figures are what to read.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict
from pathlib import Path

import psycopg

from metrics_pipeline import warehouse
from metrics_pipeline.bench import history
from metrics_pipeline.bench.databases import drop_database, fresh_database
from metrics_pipeline.bench.transform import (
    HISTORY_END,
    dbt_env,
    mart_rows,
    run_dbt,
    seed_timed,
)

NIGHTLY_DATABASE = "metrics_bench_nightly_{size}"  # per size: two sizes may run side by side
HISTORY_DAYS = {"small": 90, "default": 365, "large": 730}
STEP_END_EVENTS = ("STEP_SUCCESS", "STEP_FAILURE")

Log = Callable[[str], None]


def step_durations(events: Iterable[tuple[str, str, float]]) -> dict[str, float]:
    """Seconds per step from (step_key, event type, timestamp) records: first STEP_START to
    the last STEP_SUCCESS / STEP_FAILURE (a retried step counts its retries), in start order."""
    started: dict[str, float] = {}
    ended: dict[str, float] = {}
    for step_key, event_type, timestamp in events:
        if event_type == "STEP_START":
            started.setdefault(step_key, timestamp)
        elif event_type in STEP_END_EVENTS:
            ended[step_key] = max(timestamp, ended.get(step_key, timestamp))
    return {
        step: round(ended[step] - started[step], 2)
        for step in sorted(started, key=started.__getitem__)
        if step in ended
    }


def stage_of(step_key: str) -> str:
    """The stage a step belongs to: `config`, `landing` (one step per source), `dbt`, or the
    `checks` around them (landing table checks before dbt, freshness and drift after)."""
    if "dbt" in step_key:
        return "dbt"
    if "config" in step_key:
        return "config"
    if step_key.endswith("_checks") or step_key.startswith(("marts__", "ops__")):
        return "checks"
    return "landing"


def stage_totals(durations: dict[str, float]) -> dict[str, float]:
    totals: dict[str, float] = {}
    for step, seconds in durations.items():
        totals[stage_of(step)] = round(totals.get(stage_of(step), 0.0) + seconds, 2)
    return totals


def _step_events(instance, run_id: str) -> list[tuple[str, str, float]]:
    records = []
    for entry in instance.all_logs(run_id):
        event = entry.dagster_event
        if event is not None and event.step_key:
            records.append((event.step_key, event.event_type_value, entry.timestamp))
    return records


def _landed_this_run(url: str, run_id: str) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "select source, coalesce(sum(records_loaded), 0) from ops.ingestion_logs where run_id = %s "
            "group by source order by source",
            (run_id,),
        ).fetchall()
    return {source: int(loaded) for source, loaded in rows}


def measure_nightly(server_url: str, size: str, log: Log, work_dir: Path | None = None) -> dict:
    import dagster as dg

    from metrics_pipeline.config import load_config
    from metrics_pipeline.config.mirror import sync_config_tables
    from metrics_pipeline.sandbox.google_ads_world import ADS_END, ADS_START
    from metrics_pipeline.sandbox.session import sandbox_session

    if work_dir is None:
        work_dir = Path(tempfile.mkdtemp(prefix="metrics-bench-nightly-"))
    volume = history.VOLUMES[size]
    first, last = history.day_range(HISTORY_END, HISTORY_DAYS[size])
    database = NIGHTLY_DATABASE.format(size=size)
    url = fresh_database(server_url, database)
    dbt_log = work_dir / "nightly_dbt.log"
    try:
        with sandbox_session(work_dir / "world") as sandbox:  # restores os.environ on exit
            config_path = history.write_bench_config(sandbox.world.config_path, first, work_dir / "bench_config.yaml")
            os.environ["METRICS_CONFIG"] = str(config_path)
            os.environ["METRICS_DATABASE_URL"] = url
            os.environ.update(warehouse.dbt_environment(url))
            with psycopg.connect(url) as conn:
                sync_config_tables(conn, load_config(config_path))

            log(f"nightly: {HISTORY_DAYS[size]} days of history")
            seeded = seed_timed(url, volume, first, last, log)
            log("nightly: the marts over the history (what the previous night left)")
            env = dbt_env(url)
            run_dbt(["parse"], env, dbt_log)
            previous_build = run_dbt(["run", "--full-refresh"], env, dbt_log)
            log(f"  full dbt run: {previous_build:.1f} s")

            from metrics_pipeline.definitions import defs
            from metrics_pipeline.lib.partitions import nightly_range, range_tags, restatement_window_days

            window = nightly_range(ADS_END, restatement_window_days(), ADS_START)
            log(f"nightly: daily_pipeline over {window[0]} .. {window[1]} against the sandbox")
            instance = dg.DagsterInstance.ephemeral()
            started = time.perf_counter()
            # the run's own chatter (Dagster's console log, dbt's echo) goes to a file, not the report
            with (
                (work_dir / "nightly_run.log").open("w", encoding="utf-8") as out,
                contextlib.redirect_stdout(out),
                contextlib.redirect_stderr(out),
            ):
                result = defs.resolve_job_def("daily_pipeline").execute_in_process(
                    instance=instance,
                    tags=range_tags(window[0].isoformat(), window[1].isoformat()),
                    raise_on_error=False,
                )
            wall = time.perf_counter() - started
            durations = step_durations(_step_events(instance, result.run_id))
            failure = next((e for e in result.all_events if e.is_step_failure), None)
            log(f"  run {'succeeded' if result.success else 'FAILED'} in {wall:.1f} s")
            landed = _landed_this_run(url, result.run_id)
            rows = mart_rows(url)
    finally:
        drop_database(server_url, database)
    return {
        "size": size,
        "volume": asdict(volume),
        "history": seeded,
        "previous_full_dbt_run_seconds": round(previous_build, 2),
        "window": {
            "first_day": window[0].isoformat(),
            "last_day": window[1].isoformat(),
            "days": (window[1] - window[0]).days + 1,
        },
        "success": result.success,
        "failure": failure.step_failure_data.error.message.strip()[:500] if failure else None,
        "wall_seconds": round(wall, 2),
        "steps": durations,
        "stages": stage_totals(durations),
        "landed_rows_this_run": landed,
        "mart_rows": rows,
    }


def render_nightly_markdown(figures: dict) -> list[str]:
    seeded, window = figures["history"], figures["window"]
    rows = seeded["rows"]
    lines = [
        "## End to end: the nightly `daily_pipeline` job on agency-scale history",
        "",
        f"History: {seeded['first_day']} .. {seeded['last_day']}: {seeded['ad_metric_rows']:,} ad-metric rows, "
        f"{rows.get('raw_shopify.orders', 0):,} orders, {rows.get('raw_pixel.events', 0):,} pixel events "
        f"(seeded in {seeded['seconds']:.0f} s, {seeded['rows_per_second']:,} rows/s; the marts built over it "
        f"once: {figures['previous_full_dbt_run_seconds']:.0f} s). The run: every source for "
        f"{window['first_day']} .. {window['last_day']} ({window['days']} days) against the sandbox's "
        f"servers, then dbt, in process (one step at a time). "
        f"Run {'succeeded' if figures['success'] else 'FAILED: ' + str(figures['failure'])}.",
        "",
        "| step | stage | wall time |",
        "|---|---|---|",
    ]
    for step, seconds in figures["steps"].items():
        lines.append(f"| `{step}` | {stage_of(step)} | {seconds:.1f} s |")
    for stage, seconds in figures["stages"].items():
        lines.append(f"| all {stage} steps | {stage} | {seconds:.1f} s |")
    lines += [f"| **the run** | | **{figures['wall_seconds']:.1f} s** |", ""]
    if figures["landed_rows_this_run"]:
        lines.append(
            "Landed by the run: "
            + ", ".join(f"{source} {count:,}" for source, count in figures["landed_rows_this_run"].items())
            + "."
        )
        lines.append("")
    return lines
