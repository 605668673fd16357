"""`metrics-pipeline retention archive|restore`: move old raw rows to Parquet and back."""

from __future__ import annotations

import argparse
import os
from datetime import UTC, date, datetime

from metrics_pipeline.cli.runner import CliError, prepare_environment


def _settings():
    from metrics_pipeline.config import RetentionSettings, load_config

    # without a config file, or without its retention section, the documented defaults apply
    if os.environ.get("METRICS_CONFIG", "").strip():
        return load_config().retention or RetentionSettings()
    return RetentionSettings()


def cmd_retention_archive(args: argparse.Namespace) -> int:
    from metrics_pipeline.landing.exports import open_exports_store
    from metrics_pipeline.retention.archive import archive

    url = prepare_environment()
    today = args.today or datetime.now(UTC).date()
    results = archive(url, open_exports_store(), _settings(), today, dry_run=args.dry_run, progress=print)
    verb = "would archive" if args.dry_run else "archived"
    print(f"{verb} {sum(r.rows for r in results)} rows in {len(results)} table-month(s)")
    return 0


def cmd_retention_restore(args: argparse.Namespace) -> int:
    from metrics_pipeline.landing.exports import open_exports_store
    from metrics_pipeline.retention.archive import restore
    from metrics_pipeline.retention.plan import retained_table

    try:
        table = retained_table(args.table)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    if args.from_month > args.to_month:
        raise CliError("--from must not be after --to")
    url = prepare_environment()
    results = restore(url, open_exports_store(), table, args.from_month, args.to_month, progress=print)
    print(f"restored {sum(r.rows for r in results)} rows in {len(results)} month(s)")
    return 0


def _month(text: str) -> date:
    from metrics_pipeline.retention.plan import parse_month

    try:
        return parse_month(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date YYYY-MM-DD: {text!r}") from None


def register(commands: argparse._SubParsersAction) -> None:
    retention = commands.add_parser("retention", help="archive old raw rows to Parquet in the exports store, restore")
    sub = retention.add_subparsers(dest="retention_command", required=True)
    archive = sub.add_parser("archive", help="move whole months older than the retention to archive/, then delete")
    archive.add_argument("--today", type=_day, help="the day the retention counts back from (default: UTC today)")
    archive.add_argument("--dry-run", action="store_true", help="print what would move, move nothing")
    archive.set_defaults(handler=cmd_retention_archive)
    restore = sub.add_parser("restore", help="put archived months of one table back (replacing those months)")
    restore.add_argument("--table", required=True, help="<schema>.<table>, e.g. raw_meta.ad_daily_insights")
    restore.add_argument("--from", dest="from_month", type=_month, required=True, help="first month, YYYY-MM")
    restore.add_argument("--to", dest="to_month", type=_month, required=True, help="last month, YYYY-MM")
    restore.set_defaults(handler=cmd_retention_restore)
