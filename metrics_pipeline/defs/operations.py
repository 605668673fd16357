"""Self-healing and reporting: the retry sensor over failed runs, and the ingestion status asset.

Three layers of retry, each for what the one below cannot heal:

1. per API call (`metrics_pipeline.operations.call_retry`): backoff with jitter inside the connector;
2. per step (`API_RETRY_POLICY` on the API landing assets): the step again, in the same run;
3. per run (`retry_failed_runs` below): a failed run of a partitioned job, whose cause is
   transient, is requested again for exactly its partitions after a growing delay.

Dagster's own run retries (dagster_home/dagster.yaml) cover a run whose process died
(`retry_on_asset_or_op_failure: false`), so the two never retry the same failure twice.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

import dagster as dg
import psycopg

from metrics_pipeline.defs.pipeline import daily_pipeline_job
from metrics_pipeline.defs.sources import FILE_SOURCE_JOBS
from metrics_pipeline.landing.ingestion import SQL_DIR, read_sql, stored_text
from metrics_pipeline.lib.partitions import daily_partitions
from metrics_pipeline.lib.resources import WarehouseResource
from metrics_pipeline.lib.source_assets import FAILURE_KIND_METADATA
from metrics_pipeline.operations.failures import PERMANENT, TRANSIENT, FailureCause, classify_failure
from metrics_pipeline.operations.run_retries import (
    RetryCursor,
    decide_retry,
    delay_scale,
    partition_keys_of,
    partition_tags_of,
)
from metrics_pipeline.sources.registry import main_tables

RETRIED_JOBS = (daily_pipeline_job, *FILE_SOURCE_JOBS.values())
RUN_LOG_SOURCE = "pipeline_run"  # ops.ingestion_logs rows the sensor writes about whole runs
STATUS_KEY = dg.AssetKey(["ops", "ingestion_status"])
# On its very first evaluation the sensor looks back this far, not at the instance's whole history:
# switching it on must not retry failures from last month.
FIRST_LOOK_BACK_SECONDS = 24 * 3600


def failure_text(instance: dg.DagsterInstance, run_id: str) -> str | None:
    """Every step failure of the run, each as `step: <its exception chain>`, innermost cause
    first (what the user's code raised); None when no step failed (the process died, say)."""
    texts = []
    for record in instance.all_logs(run_id, of_type=dg.DagsterEventType.STEP_FAILURE):
        event = record.dagster_event
        error = event.step_failure_data.error if event and event.step_failure_data else None
        chain = []
        while error is not None:
            chain.append(" ".join(error.message.split()))
            error = error.cause or error.context
        texts.append(f"{event.step_key if event else 'step'}: " + " <- ".join(reversed(chain)))
    return "\n".join(texts) or None


def recorded_failure_kinds(instance: dg.DagsterInstance, url: str, run_id: str) -> set[str]:
    """The failure kinds the run itself recorded: on its steps' dg.Failure metadata, and on its
    failed attempts in ops.ingestion_logs (set where each error was caught)."""
    kinds = set()
    for record in instance.all_logs(run_id, of_type=dg.DagsterEventType.STEP_FAILURE):
        event = record.dagster_event
        user_failure = event.step_failure_data.user_failure_data if event and event.step_failure_data else None
        entry = user_failure.metadata.get(FAILURE_KIND_METADATA) if user_failure else None
        if entry is not None:
            kinds.add(entry.value)
    with psycopg.connect(url) as conn:
        kinds.update(kind for (kind,) in conn.execute(read_sql(SQL_DIR, "failure_kinds_of_run"), {"run_id": run_id}))
    return kinds


def run_failure_cause(kinds: set[str], text: str) -> FailureCause:
    """A transient kind anywhere makes the run worth retrying (what is permanent fails again,
    within the retry budget); a permanent one, that nothing will heal it. Only a run that
    recorded no kind (a step failed outside any landing: a bug, dbt) is judged by its text."""
    said = classify_failure(text)  # the words only name the reason when they agree with the record
    for kind in (TRANSIENT, PERMANENT):
        if kind in kinds:
            return FailureCause(kind, said.reason if said.kind == kind else f"recorded as {kind}")
    return said


def _log_run_failure(
    url: str, *, job_name: str, run_id: str, partition_keys: list[str], message: str, failure_kind: str
) -> None:
    """One ops.ingestion_logs row per partition of the failed run, saying why it is not retried."""
    with psycopg.connect(url) as conn, conn.transaction():
        for key in partition_keys:
            conn.execute(
                read_sql(SQL_DIR, "log_run_failure"),
                {
                    "source": RUN_LOG_SOURCE,
                    "partition_key": key,
                    "target": job_name,
                    "run_id": run_id,
                    "message": stored_text(message),  # built from the steps' exceptions
                    "failure_kind": failure_kind,
                },
            )


@dg.sensor(
    name="retry_failed_runs",
    jobs=list(RETRIED_JOBS),
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Re-requests the partitions of runs that failed for a transient cause, after a growing "
    "delay and within a retry budget; logs permanent causes to ops.ingestion_logs.",
)
def retry_failed_runs(context: dg.SensorEvaluationContext, warehouse: WarehouseResource):
    now = time.time()
    cursor = RetryCursor.from_json(context.cursor) if context.cursor else RetryCursor(now - FIRST_LOOK_BACK_SECONDS)
    retried_jobs = {job.name for job in RETRIED_JOBS}
    records = context.instance.get_run_records(
        filters=dg.RunsFilter(
            statuses=[dg.DagsterRunStatus.FAILURE],
            updated_after=datetime.fromtimestamp(cursor.seen_until, tz=UTC),
        ),
        order_by="update_timestamp",
        ascending=True,
    )
    pending = list(cursor.pending)
    queued = {p.failed_run_id for p in pending}
    seen_until = cursor.seen_until
    for record in records:
        run = record.dagster_run
        seen_until = max(seen_until, record.update_timestamp.timestamp())
        if run.job_name not in retried_jobs or run.run_id in queued:
            continue
        text = failure_text(context.instance, run.run_id)
        if text is None:
            context.log.info(f"run {run.run_id} failed outside its steps: Dagster's run retries cover it")
            continue
        cause = run_failure_cause(recorded_failure_kinds(context.instance, warehouse.url(), run.run_id), text)
        decision = decide_retry(
            job_name=run.job_name, run_id=run.run_id, tags=run.tags, cause=cause, now=now, scale=delay_scale()
        )
        context.log.info(f"run {run.run_id} ({run.job_name}): {decision.note}")
        if decision.retry is not None:
            pending.append(decision.retry)
            continue
        partition_tags = partition_tags_of(run.tags)
        if partition_tags is not None:
            keys = partition_keys_of(partition_tags, daily_partitions.get_partition_keys())
            _log_run_failure(
                warehouse.url(),
                job_name=run.job_name,
                run_id=run.run_id,
                partition_keys=keys,
                message=f"{decision.note}: {text[:2000]}",
                failure_kind=cause.kind,
            )
    due = [p for p in pending if p.due_at <= now]
    for retry in due:
        partition_key = retry.partition_tags.get("dagster/partition")
        tags = retry.tags()
        if partition_key is not None:
            tags.pop("dagster/partition")
        yield dg.RunRequest(run_key=retry.run_key(), job_name=retry.job_name, partition_key=partition_key, tags=tags)
    context.update_cursor(
        RetryCursor(seen_until=seen_until, pending=tuple(p for p in pending if p not in due)).to_json()
    )


@dg.asset(
    key=STATUS_KEY,
    group_name="operations",
    # After every landing, so each run that lands anything refreshes it.
    deps=[list(key) for key in main_tables()],
    kinds={"postgres"},
    description="The latest ingestion state per source, target (account or file) and partition, "
    "from ops.ingestion_logs: what `metrics-pipeline status` prints.",
)
def ingestion_status(warehouse: WarehouseResource) -> dg.MaterializeResult:
    with psycopg.connect(warehouse.url()) as conn:
        rows = conn.execute(read_sql(SQL_DIR, "latest_ingestion_attempts"), {"source": None}).fetchall()
    tally: dict[str, int] = {}
    for row in rows:
        tally[row[3]] = tally.get(row[3], 0) + 1
    problems = [r for r in rows if r[3] in ("failed", "partial", "started")]
    table = "\n".join(
        ["| source | partition | target | status | message |", "|---|---|---|---|---|"]
        + [f"| {r[0]} | {r[1]} | {r[2]} | {r[3]} | {(r[7] or '').replace('|', '/')[:200]} |" for r in problems[:50]]
    )
    return dg.MaterializeResult(
        metadata={
            **{f"latest_{status}": count for status, count in sorted(tally.items())},
            "not_completed": dg.MetadataValue.md(table if problems else "every latest attempt completed"),
        }
    )
