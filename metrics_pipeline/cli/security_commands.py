"""`metrics-pipeline credentials ...` and `metrics-pipeline bi ...`: secrets and BI logins.

Values (tokens, passwords) are read with getpass from a terminal, or as the first line of
stdin when it is not one (`... < file`, a secret manager's pipe); they are never echoed,
printed or put in an argument (where `ps` and shell history would see them).
"""

from __future__ import annotations

import argparse
import getpass
import sys
from datetime import datetime
from typing import TextIO

from metrics_pipeline import warehouse
from metrics_pipeline.cli.reports import print_table
from metrics_pipeline.cli.runner import prepare_environment
from metrics_pipeline.config import ConfigError, load_config
from metrics_pipeline.security.bi_access import (
    BiAccessError,
    LoginScope,
    SessionLimits,
    add_login,
    list_logins,
    remove_login,
)
from metrics_pipeline.security.credentials import (
    allowed_names,
    delete_credential,
    generate_key_entry,
    key_ring_from_environ,
    list_credentials,
    put_credential,
    rotate_key,
    set_status,
)


def read_secret(prompt: str, stdin: TextIO | None = None) -> str:
    stdin = sys.stdin if stdin is None else stdin
    if stdin.isatty():
        return getpass.getpass(prompt)
    return stdin.readline().rstrip("\r\n")


def _checked_connection(connection_id: str, name: str | None) -> None:
    """The connection must be configured and the name one its provider uses."""
    config = load_config()
    connection = next((c for c in config.connections if c.id == connection_id), None)
    if connection is None:
        known = ", ".join(sorted(c.id for c in config.connections)) or "none"
        raise ConfigError(config.source_path, [f"no connection {connection_id!r} (configured: {known})"])
    if name is not None and name not in allowed_names(connection.provider):
        raise ConfigError(
            config.source_path,
            [
                f"connection {connection_id} ({connection.provider}) has no credential {name!r}; "
                f"one of {', '.join(allowed_names(connection.provider))}"
            ],
        )


def cmd_credentials_set(args: argparse.Namespace) -> int:
    url = prepare_environment()
    _checked_connection(args.connection, args.name)
    ring = key_ring_from_environ()
    value = read_secret(f"{args.name} for {args.connection} (not echoed): ")
    with warehouse.connect(url) as conn:
        put_credential(conn, ring, args.connection, args.name, value, expires_at=args.expires_at)
    print(f"stored {args.name} of {args.connection}, encrypted with key {ring.current_id}")
    return 0


def cmd_credentials_list(args: argparse.Namespace) -> int:
    url = prepare_environment()
    with warehouse.connect(url) as conn:
        rows = list_credentials(conn)
    print_table(
        ["connection", "credential", "status", "key", "expires", "updated", "last error"],
        [
            (
                r.connection_id,
                r.credential_name,
                r.status,
                r.key_id,
                r.expires_at.strftime("%Y-%m-%d %H:%M") if r.expires_at else "-",
                r.updated_at.strftime("%Y-%m-%d %H:%M"),
                (r.last_error or "")[:120],
            )
            for r in rows
        ],
    )
    return 0


def cmd_credentials_status(args: argparse.Namespace) -> int:
    url = prepare_environment()
    with warehouse.connect(url) as conn:
        changed = set_status(
            conn,
            args.connection,
            args.name,
            args.status,
            error=f"marked {args.status} by an operator" if args.status != "active" else None,
        )
    if not changed:
        raise ConfigError(args.connection, [f"no stored credential {args.name or ''} for this connection".strip()])
    print(f"{changed} credential(s) of {args.connection} now {args.status}")
    return 0


def cmd_credentials_delete(args: argparse.Namespace) -> int:
    url = prepare_environment()
    with warehouse.connect(url) as conn:
        deleted = delete_credential(conn, args.connection, args.name)
    print(f"{'deleted' if deleted else 'no stored'} {args.name} of {args.connection}")
    return 0


def cmd_credentials_rotate_key(args: argparse.Namespace) -> int:
    url = prepare_environment()
    ring = key_ring_from_environ()
    with warehouse.connect(url) as conn:
        count, problems = rotate_key(conn, ring)
    if problems:
        print("nothing re-encrypted:\n" + "\n".join(f"  {p}" for p in problems), file=sys.stderr)
        return 1
    print(
        f"re-encrypted {count} credential(s) with key {ring.current_id}; older keys may now be removed "
        "from METRICS_CREDENTIALS_KEYS"
    )
    return 0


def cmd_credentials_generate_key(args: argparse.Namespace) -> int:
    print(generate_key_entry(args.id))
    return 0


def cmd_bi_add_login(args: argparse.Namespace) -> int:
    scope = LoginScope(client_slug=args.client, workspace_slug=args.workspace, all_rows=args.all_rows)
    limits = SessionLimits(
        statement_timeout=args.statement_timeout,
        idle_in_transaction_session_timeout=args.idle_in_transaction_timeout,
        connection_limit=args.connection_limit,
    )
    url = prepare_environment()
    password = read_secret(f"password for {args.login} (not echoed): ")
    with warehouse.connect(url) as conn:
        print(add_login(conn, args.login, password, scope, limits))
    return 0


def cmd_bi_remove_login(args: argparse.Namespace) -> int:
    url = prepare_environment()
    with warehouse.connect(url) as conn:
        removed = remove_login(conn, args.login)
    print(removed.describe(args.login))
    return 0


def cmd_bi_list_logins(args: argparse.Namespace) -> int:
    url = prepare_environment()
    with warehouse.connect(url) as conn:
        print_table(["login", "role", "sees here", "session limits here"], list_logins(conn))
    return 0


def _timestamp(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a timestamp: {text!r}") from None
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError("give a time zone, e.g. 2027-01-31T00:00:00+00:00")
    return moment


def _guarded(handler):
    def run(args: argparse.Namespace) -> int:
        try:
            return handler(args)
        except BiAccessError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2

    return run


def register(commands: argparse._SubParsersAction) -> None:
    credentials = commands.add_parser("credentials", help="platform credentials, encrypted in the warehouse")
    sub = credentials.add_subparsers(dest="credentials_command", required=True)
    put = sub.add_parser("set", help="add or replace a value (read from the terminal or stdin, never echoed)")
    put.add_argument("connection", help="a connection id of METRICS_CONFIG")
    put.add_argument("name", help="access_token, refresh_token, developer_token, client_id, client_secret, ...")
    put.add_argument("--expires-at", type=_timestamp, help="when the platform expires it (ISO 8601 with zone)")
    put.set_defaults(handler=cmd_credentials_set)
    sub.add_parser("list", help="status, key and dates of every stored credential (never values)").set_defaults(
        handler=cmd_credentials_list
    )
    status = sub.add_parser("mark", help="mark a connection's credential(s) revoked, expired, error or active")
    status.add_argument("connection")
    status.add_argument("status", choices=["active", "expired", "revoked", "error"])
    status.add_argument("--name", help="only this credential (default: all of the connection's)")
    status.set_defaults(handler=cmd_credentials_status)
    delete = sub.add_parser("delete", help="forget a stored value (the environment variable applies again)")
    delete.add_argument("connection")
    delete.add_argument("name")
    delete.set_defaults(handler=cmd_credentials_delete)
    sub.add_parser(
        "rotate-key", help="re-encrypt every credential with the first key of METRICS_CREDENTIALS_KEYS"
    ).set_defaults(handler=cmd_credentials_rotate_key)
    generate = sub.add_parser("generate-key", help="print a new id:key entry for METRICS_CREDENTIALS_KEYS")
    generate.add_argument("--id", help="the key's id (default: k<UTC timestamp>)")
    generate.set_defaults(handler=cmd_credentials_generate_key)

    bi = commands.add_parser("bi", help="logins for BI tools (read-only, row-level security)")
    bi_sub = bi.add_subparsers(dest="bi_command", required=True)
    add = bi_sub.add_parser("add-login", help="create a login (password from the terminal or stdin) and its scope")
    add.add_argument("login")
    which = add.add_mutually_exclusive_group(required=True)
    which.add_argument("--client", help="sees only this client's rows")
    which.add_argument("--workspace", help="sees every client of this workspace (agency staff)")
    which.add_argument("--all-rows", action="store_true", help="analytics: every row of every mart")
    defaults = SessionLimits()
    add.add_argument(
        "--statement-timeout",
        default=defaults.statement_timeout,
        help=f"cancel a query of this login after this long (default {defaults.statement_timeout}; 0: never)",
    )
    add.add_argument(
        "--idle-in-transaction-timeout",
        default=defaults.idle_in_transaction_session_timeout,
        help="close a session left idle inside a transaction, and its locks, after this long "
        f"(default {defaults.idle_in_transaction_session_timeout}; 0: never)",
    )
    add.add_argument(
        "--connection-limit",
        type=int,
        default=defaults.connection_limit,
        help=f"sessions the login may open at once (default {defaults.connection_limit})",
    )
    add.set_defaults(handler=_guarded(cmd_bi_add_login))
    remove = bi_sub.add_parser(
        "remove-login", help="take a BI login's access to this database away (the role goes with its last database)"
    )
    remove.add_argument("login")
    remove.set_defaults(handler=_guarded(cmd_bi_remove_login))
    bi_sub.add_parser("list-logins", help="BI logins and what they see in this database").set_defaults(
        handler=_guarded(cmd_bi_list_logins)
    )
