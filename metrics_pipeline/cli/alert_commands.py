"""`metrics-pipeline alerts list|show|ack|resolve|dismiss`: the alert events' lifecycle from a terminal."""

from __future__ import annotations

import argparse
import getpass

from metrics_pipeline import warehouse
from metrics_pipeline.cli.reports import SQL_DIR, print_table
from metrics_pipeline.cli.runner import CliError, prepare_environment
from metrics_pipeline.landing.ingestion import read_sql
from metrics_pipeline.operations.alert_lifecycle import (
    ACTIONS,
    OPEN_STATUSES,
    STATUSES,
    TransitionError,
    history,
    transition,
)


def _statuses(text: str) -> tuple[str, ...]:
    if text == "open":
        return OPEN_STATUSES
    if text == "all":
        return STATUSES
    wanted = tuple(s.strip().upper() for s in text.split(","))
    unknown = [s for s in wanted if s not in STATUSES]
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown status {', '.join(unknown)}: open, all or {', '.join(STATUSES)}")
    return wanted


def cmd_alerts_list(args: argparse.Namespace) -> int:
    url = prepare_environment()
    with warehouse.connect(url) as conn:
        rows = conn.execute(
            read_sql(SQL_DIR, "list_alert_events"),
            {"statuses": list(args.status), "workspace": args.workspace, "limit": args.limit},
        ).fetchall()
    if not rows:
        print(f"no alerts with status {', '.join(args.status)}")
        return 0
    print_table(
        [
            "id",
            "status",
            "severity",
            "workspace",
            "rule",
            "entity",
            "day",
            "value",
            "baseline",
            "threshold",
            "cur",
            "by",
            "since",
            "notified",
        ],
        [(*r[:12], r[12].strftime("%Y-%m-%d %H:%M"), r[13] or "") for r in rows],
    )
    return 0


def cmd_alerts_show(args: argparse.Namespace) -> int:
    url = prepare_environment()
    with warehouse.connect(url) as conn:
        event = conn.execute(
            "select status, workspace_slug, rule_id, entity_name, metric_date from ops.alert_events"
            " where alert_event_id = %s",
            (args.alert_event_id,),
        ).fetchone()
        if event is None:
            raise CliError(f"no alert with id {args.alert_event_id} (`metrics-pipeline alerts list` shows them)")
        changes = history(conn, args.alert_event_id)
    print(f"alert {args.alert_event_id}: {event[1]}/{event[2]} on {event[3]} for {event[4]}, now {event[0]}")
    print_table(
        ["from", "to", "by", "at", "note"],
        [(f or "-", t, by, at.strftime("%Y-%m-%d %H:%M:%S"), note or "") for f, t, by, note, at in changes],
    )
    return 0


def cmd_alerts_transition(args: argparse.Namespace) -> int:
    url = prepare_environment()
    with warehouse.connect(url) as conn:
        try:
            done = transition(conn, args.alert_event_id, ACTIONS[args.action], args.by, args.note)
        except TransitionError as exc:
            raise CliError(str(exc)) from None
    print(f"alert {done.alert_event_id}: {done.from_status} -> {done.to_status} by {done.changed_by}")
    return 0


def _default_actor() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name (a container without a passwd entry): --by is then required
        return ""


def register(commands: argparse._SubParsersAction) -> None:
    alerts = commands.add_parser("alerts", help="list alert events; acknowledge, resolve or dismiss one")
    sub = alerts.add_subparsers(dest="alerts_command", required=True)
    listing = sub.add_parser("list", help="alert events, newest first (default: the open ones)")
    listing.add_argument(
        "--status", type=_statuses, default=OPEN_STATUSES, help="open (default), all, or statuses, e.g. RESOLVED"
    )
    listing.add_argument("--workspace", help="only this workspace")
    listing.add_argument("--limit", type=int, default=50)
    listing.set_defaults(handler=cmd_alerts_list)
    show = sub.add_parser("show", help="one alert event's history: who changed it when")
    show.add_argument("alert_event_id", type=int)
    show.set_defaults(handler=cmd_alerts_show)
    helps = {
        "ack": "acknowledge: someone is on it",
        "resolve": "resolve: fixed",
        "dismiss": "dismiss: not worth acting on",
    }
    for action, text in helps.items():
        command = sub.add_parser(action, help=text)
        command.add_argument("alert_event_id", type=int)
        command.add_argument("--by", default=_default_actor(), help="who (default: your login name)")
        command.add_argument("--note", help="why, what was done")
        command.set_defaults(handler=cmd_alerts_transition, action=action)
