"""Running the pipeline's jobs in-process from a terminal, with a compact progress view."""

from __future__ import annotations

import contextlib
import io
import logging
import os
import re
import sys
from datetime import date

from metrics_pipeline import warehouse
from metrics_pipeline.cli.reports import print_run_report
from metrics_pipeline.config import load_config
from metrics_pipeline.warehouse import PROJECT_ROOT
from metrics_pipeline.warehouse.migrations import apply_migrations

JOB_NAME = "daily_pipeline"
INTRADAY_JOB_NAME = "intraday_snapshots"
DBT_STEP = "metrics_dbt_models"
SANDBOX_DIR = PROJECT_ROOT / ".sandbox"


class CliError(RuntimeError):
    pass


def prepare_environment() -> str:
    """Resolve and migrate the warehouse; point dbt, Dagster and child processes at it."""
    url = warehouse.database_url()
    os.environ["METRICS_DATABASE_URL"] = url  # children reuse it instead of resolving again
    os.environ["DAGSTER_HOME"] = os.environ.get("METRICS_DAGSTER_HOME", str(PROJECT_ROOT / "dagster_home"))
    warehouse.ensure_dagster_schema(url)
    os.environ["METRICS_DAGSTER_STORAGE_URL"] = warehouse.dagster_storage_url(url)
    os.environ.update(warehouse.dbt_environment(url))
    with warehouse.connect(url) as conn:
        applied = apply_migrations(conn)
    for name in applied:
        print(f"applied migration {name}")
    return url


def run_range(start: date, end: date, full_refresh: bool = False) -> bool:
    """Materialize the daily pipeline over [start, end] as one run on the persistent instance.

    The day-keyed marts replace only [start, end]; `full_refresh` rebuilds them over all history.
    """
    from metrics_pipeline.lib.partitions import daily_partitions, range_tags

    keys = daily_partitions.get_partition_keys()
    if start.isoformat() not in keys or end.isoformat() not in keys or start > end:
        raise CliError(
            f"--start/--end must be closed days between {keys[0]} and {keys[-1]} with start <= end "
            f"(got {start} .. {end}); set METRICS_PARTITIONS_START for earlier history"
        )
    for variable in ("METRICS_CONFIG", "METRICS_EXPORTS_URI"):
        if not os.environ.get(variable):
            raise CliError(f"{variable} is not set (try `metrics-pipeline demo` for the sandbox)")
    load_config()  # fail before the run starts, with every problem listed
    marts = "every day of the marts" if full_refresh else "those days of the marts"
    print(f"running {JOB_NAME} for {start} .. {end} ({(end - start).days + 1} days), rebuilding {marts}", flush=True)
    run_config = {"ops": {DBT_STEP: {"config": {"full_refresh": True}}}} if full_refresh else {}
    return _execute(JOB_NAME, range_tags(start.isoformat(), end.isoformat()), run_config)


def run_intraday() -> bool:
    print(f"running {INTRADAY_JOB_NAME}: today's cumulative ad metrics", flush=True)
    return _execute(INTRADAY_JOB_NAME, {})


def _execute(job_name: str, tags: dict[str, str], run_config: dict | None = None) -> bool:
    import dagster as dg

    from metrics_pipeline.definitions import defs

    job = defs.resolve_job_def(job_name).with_logger_defs({"progress": progress_logger()})
    with dg.DagsterInstance.get() as instance, contextlib.redirect_stdout(QuietDbtOutput(sys.stdout)):
        hold_storage_connections(instance)
        result = job.execute_in_process(
            instance=instance,
            tags=tags,
            run_config={**(run_config or {}), "loggers": {"progress": {}}},
            raise_on_error=False,
        )
    print_run_report(warehouse.database_url(), result.run_id)
    if not result.success:
        failure = next((e for e in result.all_events if e.is_step_failure), None)
        detail = failure.step_failure_data.error.message.strip() if failure else "see the Dagster UI"
        print(f"\nrun {result.run_id} FAILED: {detail}")
    return result.success


def hold_storage_connections(instance) -> None:
    """Keep the instance's Postgres connections open for the run instead of opening one per event.

    Dagster's Postgres storages open a new connection for every event they write (NullPool), and
    a ranged run writes tens of thousands: a planned materialization per partition of every
    landing table (about 160 a day), then each step's outputs, materializations and checks. In
    test_cli_end_to_end's history (the demo's first pass and nightly run) that was about 2 of its
    6.5 minutes on a quiet 2-core machine, and more under load. The pooled engines are the ones
    `dagster-webserver` uses (`optimize_for_webserver`); statement timeout 0 is Postgres's "none",
    as before."""
    instance.optimize_for_webserver(statement_timeout=0, pool_recycle=3600, max_overflow=8)


class QuietDbtOutput(io.TextIOBase):
    """dagster-dbt echoes every dbt event to stdout (the UI keeps it as compute logs). In a
    terminal, keep what matters: tables built, anything not PASS/OK, and dbt's summary."""

    _CHATTER = re.compile(
        r"^\d+ of \d+ (START|PASS|OK created sql view)"
        r"|not included in Dagster's asset check selection"
        r"|^\s*$"
    )

    def __init__(self, target):
        self._target = target
        self._pending = ""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self._pending += text
        *lines, self._pending = self._pending.split("\n")
        for line in lines:
            if not self._CHATTER.search(line):
                self._target.write(line + "\n")
        return len(text)

    def flush(self) -> None:
        self._target.flush()


class _ProgressFormatter(logging.Formatter):
    """`step: message` for what the pipeline's own code says; engine events only on error."""

    def format(self, record: logging.LogRecord) -> str:
        meta = getattr(record, "dagster_meta", None) or {}
        step = meta.get("step_key") or "run"
        if meta.get("dagster_event") is not None:
            return f"{step}: {record.getMessage()}"
        return f"{step}: {meta.get('orig_message', record.getMessage())}"


class _UserMessagesAndErrors(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        meta = getattr(record, "dagster_meta", None) or {}
        return meta.get("dagster_event") is None or record.levelno >= logging.ERROR


def _progress_logger_factory(init_context) -> logging.Logger:
    logger = logging.getLogger("metrics_pipeline.cli.progress")
    logger.propagate = False
    logger.setLevel(logging.INFO)
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(_ProgressFormatter())
        handler.addFilter(_UserMessagesAndErrors())
        logger.addHandler(handler)
    return logger


def progress_logger():
    import dagster as dg

    return dg.logger(description="The CLI's compact progress view.")(_progress_logger_factory)
