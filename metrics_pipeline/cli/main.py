"""`metrics-pipeline`: demo, migrate, run a date range, status, the Dagster UI, credentials and BI logins."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import warnings
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path

from metrics_pipeline import warehouse
from metrics_pipeline.cli import alert_commands, retention_commands, security_commands
from metrics_pipeline.cli.demo import cmd_demo
from metrics_pipeline.cli.reports import print_marts_report, print_pnl_report, print_status
from metrics_pipeline.cli.runner import SANDBOX_DIR, CliError, prepare_environment, run_intraday, run_range
from metrics_pipeline.config import ConfigError, load_config
from metrics_pipeline.landing.exports import ExportsError
from metrics_pipeline.sources.registry import SOURCE_NAMES
from metrics_pipeline.warehouse import PROJECT_ROOT
from metrics_pipeline.warehouse.migrations import MigrationError


def cmd_migrate(args: argparse.Namespace) -> int:
    url = prepare_environment()
    print(f"warehouse {warehouse.redact(url)} is up to date")
    if os.environ.get("METRICS_CONFIG"):
        from metrics_pipeline.config.mirror import sync_config_tables

        with warehouse.connect(url) as conn:
            tables = sync_config_tables(conn, load_config())
        print(f"config tables synced: {tables.row_counts()}")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    url = prepare_environment()
    if args.full_refresh:
        _warn_archived_months(url)
    ok = run_range(args.start, args.end, full_refresh=args.full_refresh)
    print_marts_report(warehouse.database_url())
    return 0 if ok else 1


def _warn_archived_months(url: str) -> None:
    from metrics_pipeline.retention.archive import archived_months, full_refresh_warning

    with warehouse.connect(url) as conn:
        warning = full_refresh_warning(archived_months(conn))
    if warning:
        print(f"warning: {warning}", file=sys.stderr)


def cmd_intraday(args: argparse.Namespace) -> int:
    prepare_environment()
    ok = run_intraday()
    print_pnl_report(warehouse.database_url())
    return 0 if ok else 1


def cmd_status(args: argparse.Namespace) -> int:
    print_status(prepare_environment(), args.source, args.limit)
    return 0


def cmd_dev(args: argparse.Namespace) -> int:
    from contextlib import nullcontext

    from metrics_pipeline.cli.sandbox_database import ensure_sandbox_database, uses_embedded_server
    from metrics_pipeline.sandbox.session import sandbox_session

    embedded = uses_embedded_server()
    url = prepare_environment()
    use_sandbox = not os.environ.get("METRICS_EXPORTS_URI")
    if use_sandbox:
        ensure_sandbox_database(
            url,
            command="dev",
            embedded=embedded,
            claim=args.sandbox_database,
            alternative="or set METRICS_EXPORTS_URI and METRICS_CONFIG to open the UI on your own data",
        )
    with sandbox_session(SANDBOX_DIR / "world") if use_sandbox else nullcontext() as sandbox:
        if sandbox is not None:
            print(sandbox.describe())
            sandbox.use_credential_store(url)
        command = [
            str(Path(sys.executable).with_name("dagster")),
            "dev",
            "-w",
            str(PROJECT_ROOT / "workspace.yaml"),
            "-h",
            args.host,
            "-p",
            str(args.port),
        ]
        print(f"Dagster UI on http://{args.host}:{args.port} (Ctrl-C stops it)", flush=True)
        try:
            return subprocess.call(command, cwd=PROJECT_ROOT)
        except KeyboardInterrupt:
            return 0


SANDBOX_DATABASE_HELP = (
    "make the empty database of METRICS_DATABASE_URL a sandbox one (the sandbox's fake credentials and "
    "config go into it); without it only the embedded server or a database already marked is used"
)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date YYYY-MM-DD: {text!r}") from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="metrics-pipeline", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="build the sandbox and run the whole pipeline over it")
    demo.add_argument("--sandbox-database", action="store_true", help=SANDBOX_DATABASE_HELP)
    demo.set_defaults(handler=cmd_demo)
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
    status.add_argument("--source", help=f"only this source: {', '.join(SOURCE_NAMES)} (or pipeline_run)")
    status.add_argument("--limit", type=int, default=40)
    status.set_defaults(handler=cmd_status)
    dev = commands.add_parser("dev", help="the Dagster UI on the project's instance (sandbox unless configured)")
    dev.add_argument("--host", default="127.0.0.1")
    dev.add_argument("--port", type=int, default=3000)
    dev.add_argument("--sandbox-database", action="store_true", help=SANDBOX_DATABASE_HELP)
    dev.set_defaults(handler=cmd_dev)
    security_commands.register(commands)  # credentials ..., bi ...
    retention_commands.register(commands)  # retention archive|restore
    alert_commands.register(commands)  # alerts list|show|ack|resolve|dismiss
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
