"""`metrics-pipeline`: demo, migrate, run a date range, status, the Dagster UI, credentials and BI logins."""

from __future__ import annotations

import argparse
import contextlib
import io
import logging
import os
import re
import subprocess
import sys
import warnings
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path

from metrics_pipeline import warehouse
from metrics_pipeline.config import ConfigError, load_config
from metrics_pipeline.exports import ExportsError
from metrics_pipeline.ingestion import SQL_DIR, read_sql
from metrics_pipeline.migrations import MigrationError, apply_migrations
from metrics_pipeline.warehouse import PROJECT_ROOT

JOB_NAME = "daily_pipeline"
INTRADAY_JOB_NAME = "intraday_snapshots"
DBT_STEP = "metrics_dbt_models"
SANDBOX_DIR = PROJECT_ROOT / ".sandbox"
MART_TABLES = (
    "dim_ad_entities", "fct_ad_entity_daily", "fct_pnl_daily", "fct_media_partner_daily",
    "fct_amazon_keyword_daily", "fct_sales_daily", "fct_affiliate_daily",
    "weekly_summaries", "monthly_summaries",
)


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
    from metrics_pipeline.partitions import daily_partitions, range_tags

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

    job = defs.resolve_job_def(job_name).with_logger_defs({"progress": _progress_logger()})
    with contextlib.redirect_stdout(_QuietDbtOutput(sys.stdout)):
        result = job.execute_in_process(
            instance=dg.DagsterInstance.get(),
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


class _QuietDbtOutput(io.TextIOBase):
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


def _progress_logger():
    import dagster as dg

    return dg.logger(description="The CLI's compact progress view.")(_progress_logger_factory)


def print_run_report(url: str, run_id: str) -> None:
    """What this run landed, per source and status, and every file or account that failed."""
    with warehouse.connect(url) as conn:
        by_status = conn.execute(
            "select source, status, count(*), sum(records_loaded), sum(records_rejected) "
            "from ops.ingestion_logs where run_id = %s group by source, status order by source, status",
            (run_id,),
        ).fetchall()
        problems = conn.execute(
            "select target, status, message from ops.ingestion_logs "
            "where run_id = %s and status in ('failed', 'partial') order by partition_key, target",
            (run_id,),
        ).fetchall()
    print("\nlanding (this run)")
    _print_table(["source", "status", "attempts", "rows landed", "rows quarantined"], by_status)
    for target, status, message in problems:
        detail = message if message.startswith(target) else f"{target}: {message}"
        print(f"  {status.upper()} {detail}")


def print_marts_report(url: str) -> None:
    """Row counts of the marts, the monthly client summaries and the P&L per ad account."""
    with warehouse.connect(url) as conn:
        counts = [
            (table, conn.execute(f"select count(*) from marts.{table}").fetchone()[0])
            for table in MART_TABLES
            if _table_exists(conn, "marts", table)
        ]
        headline = (
            conn.execute(read_sql(SQL_DIR, "monthly_headline")).fetchall()
            if _table_exists(conn, "marts", "monthly_summaries")
            else []
        )
    if counts:
        print("\nmarts")
        _print_table(["table", "rows"], counts)
    if headline:
        print("\nmonthly media-partner summaries (spend and revenue in each client's currency)")
        _print_table(
            ["month", "client", "cur", "spend", "revenue", "ROAS", "top campaign by spend"],
            headline,
        )
    print_amazon_and_affiliate_report(url)
    print_pnl_report(url)


def print_amazon_and_affiliate_report(url: str) -> None:
    with warehouse.connect(url) as conn:
        keywords = sales = affiliate = []
        if _table_exists(conn, "marts", "fct_amazon_keyword_daily"):
            keywords = conn.execute(read_sql(SQL_DIR, "amazon_keywords_top")).fetchall()
        if _column_exists(conn, "marts", "fct_sales_daily", "asin"):
            sales = conn.execute(read_sql(SQL_DIR, "amazon_sales_by_channel")).fetchall()
        if _table_exists(conn, "marts", "fct_affiliate_daily"):
            affiliate = conn.execute(read_sql(SQL_DIR, "affiliate_by_campaign")).fetchall()
    if keywords:
        print("\nAmazon keywords, top 8 by spend (the winning export format per keyword and day)")
        _print_table(["brand", "campaign > keyword (match)", "cur", "spend", "sales", "ACOS", "ROAS", "conv. rate"], keywords)
    if sales:
        print("\nAmazon sales: total, ad-attributed and organic (never below 0)")
        _print_table(["brand", "cur", "SKUs", "total", "ad", "organic", "units", "organic units"], sales)
    if affiliate:
        print("\naffiliate campaigns (tracking ids)")
        _print_table(
            ["client", "tracking id", "cur", "clicks", "conv.", "refunds", "rebills", "gross", "net", "EPC", "refund rate"],
            affiliate,
        )


def _column_exists(conn, schema: str, table: str, column: str) -> bool:
    return conn.execute(
        "select exists (select 1 from information_schema.columns "
        "where table_schema = %s and table_name = %s and column_name = %s)",
        (schema, table, column),
    ).fetchone()[0]


def _table_exists(conn, schema: str, table: str) -> bool:
    return conn.execute("select to_regclass(%s) is not null", (f"{schema}.{table}",)).fetchone()[0]


def _print_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    cells = [[("" if v is None else str(v)) for v in row] for row in rows]
    widths = [max([len(h), *(len(r[i]) for r in cells)]) for i, h in enumerate(headers)]
    print("  " + "  ".join(h.ljust(w) for h, w in zip(headers, widths)))
    print("  " + "  ".join("-" * w for w in widths))
    for row in cells:
        print("  " + "  ".join(v.ljust(w) for v, w in zip(row, widths)))


def cmd_migrate(args: argparse.Namespace) -> int:
    url = prepare_environment()
    print(f"warehouse {warehouse.redact(url)} is up to date")
    if os.environ.get("METRICS_CONFIG"):
        from metrics_pipeline.config_tables import sync_config_tables

        with warehouse.connect(url) as conn:
            tables = sync_config_tables(conn, load_config())
        print(f"config tables synced: {tables.row_counts()}")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    prepare_environment()
    ok = run_range(args.start, args.end, full_refresh=args.full_refresh)
    print_marts_report(warehouse.database_url())
    return 0 if ok else 1


def cmd_intraday(args: argparse.Namespace) -> int:
    prepare_environment()
    ok = run_intraday()
    print_pnl_report(warehouse.database_url())
    return 0 if ok else 1


def cmd_status(args: argparse.Namespace) -> int:
    url = prepare_environment()
    with warehouse.connect(url) as conn:
        rows = conn.execute(read_sql(SQL_DIR, "latest_ingestion_attempts"), {"source": args.source}).fetchall()
    shown = rows[: args.limit]
    _print_table(
        ["source", "partition", "target", "status", "processed", "loaded", "rejected", "finished", "message"],
        [
            (
                r[0], r[1], r[2], r[3], r[4], r[5], r[6],
                r[10].strftime("%Y-%m-%d %H:%M:%S") if r[10] else "-",
                (r[7] or "").removeprefix(f"{r[2]}: ")[:160],
            )
            for r in shown
        ],
    )
    tally: dict[str, int] = {}
    for row in rows:
        tally[row[3]] = tally.get(row[3], 0) + 1
    summary = ", ".join(f"{n} {status}" for status, n in sorted(tally.items())) or "no attempts yet"
    more = f" (showing {len(shown)}; --limit for more)" if len(rows) > len(shown) else ""
    print(f"\nlatest attempt per source, partition and file: {summary}{more}")
    with warehouse.connect(url) as conn:
        alerts = conn.execute(read_sql(SQL_DIR, "latest_alert_events"), {"limit": 10}).fetchall()
    if alerts:
        print("\nlatest alerts (ops.alert_events)")
        _print_table(
            ["triggered", "severity", "workspace", "rule", "entity", "day", "value", "baseline", "threshold", "cur"],
            [(a[0].strftime("%Y-%m-%d %H:%M"), *a[1:]) for a in alerts],
        )
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from metrics_pipeline.defs.pipeline import nightly_range, restatement_window_days
    from metrics_pipeline.sandbox.google_ads_world import ADS_END, ADS_START
    from metrics_pipeline.sandbox.meta_world import RESTATED_DAY, RESTATED_FROM
    from metrics_pipeline.sandbox.session import sandbox_session

    url = prepare_environment()
    with sandbox_session(SANDBOX_DIR / "world") as sandbox:
        world = sandbox.world
        print(sandbox.describe())
        moved = sandbox.use_credential_store(url)
        print(f"{len(moved)} sandbox credentials encrypted into credentials.connection_credentials "
              "(`metrics-pipeline credentials list`)")
        print(
            "broken on purpose: a malformed row in "
            f"{world.malformed_row.relative_key} (row {world.malformed_row.row_number}), a wrong header in "
            f"{world.wrong_header_file.relative_key}, a bad pixel line and a duplicate event, an Amazon row with "
            "negative clicks and a keyword-day exported in two formats, malformed affiliate rows, one rate limit "
            f"and one server error per API, Meta restating {RESTATED_DAY} a week later, a Shopify refund and "
            "a product cost change"
        )
        first_pass_end = RESTATED_FROM - timedelta(days=1)
        sandbox.set_platform_clock(first_pass_end)
        print(f"\n== 1. history as the platforms reported it by {first_pass_end}")
        ok = run_range(ADS_START, first_pass_end)
        sandbox.set_platform_clock(date.today())
        start, end = nightly_range(ADS_END, restatement_window_days(), ADS_START)
        print(f"\n== 2. the nightly run on {end + timedelta(days=1)}: re-land the restatement window {start} .. {end}")
        ok = run_range(start, end) and ok
        print("\n== 3. an intraday capture of today")
        ok = run_intraday() and ok
        print_marts_report(warehouse.database_url())
    print("\nnext: `make dev` opens the Dagster UI on this instance; `metrics-pipeline status` lists every attempt")
    return 0 if ok else 1


def print_pnl_report(url: str) -> None:
    with warehouse.connect(url) as conn:
        if not _table_exists(conn, "marts", "fct_pnl_daily"):
            return
        accounts = conn.execute(read_sql(SQL_DIR, "pnl_by_account")).fetchall()
        drift = conn.execute(read_sql(SQL_DIR, "pnl_restatements")).fetchall()
        campaigns = (
            conn.execute(read_sql(SQL_DIR, "pnl_profit_by_campaign")).fetchall()
            if _column_exists(conn, "marts", "fct_pnl_daily", "poas")
            else []
        )
        today = conn.execute(read_sql(SQL_DIR, "pnl_snapshot_by_account")).fetchall()
    print("\nP&L, closed days, per ad account (account currency; reporting currency after the slash)")
    _print_table(["platform", "account", "client", "cur", "days", "spend", "revenue", "ROAS", "spend (rep.)"], accounts)
    if campaigns:
        print("\nprofit per campaign, closed days (attributed with each workspace's P&L model; top 12 by spend)")
        _print_table(
            ["platform", "campaign", "cur", "spend", "attributed rev.", "COGS", "gross profit", "ROAS", "POAS"],
            campaigns,
        )
    if today:
        print("\nP&L snapshot: today so far, per ad account (latest intraday capture)")
        _print_table(["platform", "account", "day", "cur", "spend", "revenue", "captured"], today)
    if drift:
        print("\nrestated days: what the EOD P&L first said, and what it says now")
        _print_table(["platform", "account", "day", "first spend", "spend now", "drift"], drift)


def cmd_dev(args: argparse.Namespace) -> int:
    from contextlib import nullcontext

    from metrics_pipeline.sandbox.session import sandbox_session

    url = prepare_environment()
    use_sandbox = not os.environ.get("METRICS_EXPORTS_URI")
    with sandbox_session(SANDBOX_DIR / "world") if use_sandbox else nullcontext() as sandbox:
        if sandbox is not None:
            print(sandbox.describe())
            sandbox.use_credential_store(url)
        command = [str(Path(sys.executable).with_name("dagster")), "dev", "-w", str(PROJECT_ROOT / "workspace.yaml"),
                   "-h", args.host, "-p", str(args.port)]
        print(f"Dagster UI on http://{args.host}:{args.port} (Ctrl-C stops it)", flush=True)
        try:
            return subprocess.call(command, cwd=PROJECT_ROOT)
        except KeyboardInterrupt:
            return 0


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date YYYY-MM-DD: {text!r}") from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="metrics-pipeline", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("demo", help="build the sandbox and run the whole pipeline over it").set_defaults(
        handler=cmd_demo
    )
    commands.add_parser("migrate", help="apply staging_sql migrations, sync config tables").set_defaults(
        handler=cmd_migrate
    )
    run = commands.add_parser("run", help="land and model a date range (one run)")
    yesterday = date.today() - timedelta(days=1)
    run.add_argument("--start", type=_day, required=True, help="first day, YYYY-MM-DD")
    run.add_argument("--end", type=_day, default=yesterday, help="last day, YYYY-MM-DD (default yesterday)")
    run.add_argument(
        "--full-refresh",
        action="store_true",
        help="rebuild the incremental marts over all history, not only these days (after a config or model change)",
    )
    run.set_defaults(handler=cmd_run)
    commands.add_parser("intraday", help="capture today's ad metrics and refresh the P&L snapshot").set_defaults(
        handler=cmd_intraday
    )
    status = commands.add_parser("status", help="last ingestion attempt per source, partition and file")
    status.add_argument("--source", help="only this source, e.g. media_partner")
    status.add_argument("--limit", type=int, default=40)
    status.set_defaults(handler=cmd_status)
    dev = commands.add_parser("dev", help="the Dagster UI on the project's instance (sandbox unless configured)")
    dev.add_argument("--host", default="127.0.0.1")
    dev.add_argument("--port", type=int, default=3000)
    dev.set_defaults(handler=cmd_dev)
    from metrics_pipeline.security_cli import register as register_security_commands

    register_security_commands(commands)  # credentials ..., bi ...
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    # Noise for a terminal user: pgserver on a headless box, and Dagster's beta notice.
    warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
    warnings.filterwarnings("ignore", message="Parameter `backfill_policy`")
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except (CliError, ConfigError, ExportsError, MigrationError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
