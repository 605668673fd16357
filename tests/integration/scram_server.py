"""A PostgreSQL server of its own that really checks passwords, for the BI access tests.

The warehouse the other tests use (the server METRICS_DATABASE_URL names, or pgserver's
embedded one) may trust every connection: a login's password is then never checked, and a
test "as the login" proves the role's privileges but not that a wrong password is refused.
This server is initialised from pgserver's bundled initdb / pg_ctl in a directory of its own:

- TCP on 127.0.0.1 only, every role through scram-sha-256 (password_encryption too);
- the superuser only over the Unix socket in that directory, by trust (what the pipeline, dbt
  and the migrations use), and never over TCP;
- no other role over the socket, so a login can only come in with its password.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg.conninfo import make_conninfo

SUPERUSER = "postgres"
# pgserver runs its server as this system user when started by root (initdb refuses root).
SYSTEM_USER = "pgserver"

PG_HBA = f"""\
# TYPE  DATABASE  USER         ADDRESS        METHOD
local   all       {SUPERUSER}                 trust
local   all       all                         reject
host    all       {SUPERUSER}  127.0.0.1/32   reject
host    all       all          127.0.0.1/32   scram-sha-256
"""


@dataclass(frozen=True)
class ScramServer:
    socket_dir: Path
    port: int

    def superuser_url(self, dbname: str = "postgres") -> str:
        """Over the Unix socket, as the superuser (trusted there only)."""
        return make_conninfo(host=str(self.socket_dir), port=str(self.port), dbname=dbname, user=SUPERUSER)

    def login_url(self, dbname: str, login: str, password: str | None) -> str:
        """Over TCP, as a login, with the password the server checks."""
        params = {"host": "127.0.0.1", "port": str(self.port), "dbname": dbname, "user": login}
        if password is not None:
            params["password"] = password
        return make_conninfo(**params)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _as_system_user() -> dict:
    """subprocess arguments running PostgreSQL's tools as a non-root user when we are root."""
    if os.geteuid() != 0:
        return {}
    from pgserver._commands import POSTGRES_BIN_PATH
    from pgserver.utils import ensure_folder_permissions, ensure_prefix_permissions, ensure_user_exists

    # What pgserver itself does before it starts a server as root.
    ensure_user_exists(SYSTEM_USER)
    ensure_prefix_permissions(POSTGRES_BIN_PATH)
    ensure_folder_permissions(POSTGRES_BIN_PATH, 0o055)
    ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "lib", 0o044)
    return {"user": SYSTEM_USER}


@contextmanager
def scram_server() -> Iterator[ScramServer]:
    from pgserver._commands import POSTGRES_BIN_PATH

    run_as = _as_system_user()
    # A short path: a Unix socket's path is limited to about 100 characters.
    root = Path(tempfile.mkdtemp(prefix="pgscram-", dir="/tmp"))
    root.chmod(0o755)
    data = root / "data"
    port = _free_port()
    if run_as:
        shutil.chown(root, user=SYSTEM_USER, group=SYSTEM_USER)

    def tool(name: str, *args: str, timeout: int = 120) -> None:
        completed = subprocess.run(
            [str(POSTGRES_BIN_PATH / name), *args], capture_output=True, text=True, timeout=timeout, **run_as
        )
        if completed.returncode != 0:
            log = root / "server.log"
            raise RuntimeError(
                f"{name} failed: {completed.stderr}{completed.stdout}"
                + (log.read_text(errors="replace")[-3000:] if log.exists() else "")
            )

    tool(
        "initdb",
        "-D",
        str(data),
        "-U",
        SUPERUSER,
        "--encoding=utf8",
        "--auth-local=trust",
        "--auth-host=scram-sha-256",
        "--no-sync",
    )
    (data / "pg_hba.conf").write_text(PG_HBA, encoding="utf-8")
    with (data / "postgresql.conf").open("a", encoding="utf-8") as conf:
        conf.write(
            "\n# tests/integration/scram_server.py\n"
            "listen_addresses = '127.0.0.1'\n"
            f"port = {port}\n"
            f"unix_socket_directories = '{root}'\n"
            "password_encryption = 'scram-sha-256'\n"
            # a throw-away server: durability buys nothing here
            "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
        )
    tool("pg_ctl", "-D", str(data), "-l", str(root / "server.log"), "-w", "-t", "60", "start")
    server = ScramServer(root, port)
    try:
        yield server
    finally:
        try:
            tool("pg_ctl", "-D", str(data), "-m", "immediate", "-w", "stop", timeout=60)
        finally:
            shutil.rmtree(root, ignore_errors=True)


def create_database(server: ScramServer, name: str) -> str:
    with psycopg.connect(server.superuser_url(), autocommit=True) as conn:
        conn.execute(f'create database "{name}"')
    return server.superuser_url(name)
