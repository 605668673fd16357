"""BI logins: one PostgreSQL LOGIN role per client (or workspace, or all-rows analyst).

A login is a member of `metrics_bi_reader` (scoped: row-level security shows it only the
clients / workspaces listed for it in `bi_access.login_scopes`) or of
`metrics_analytics_reader` (every row, still read-only and still only the marts). The roles,
the schema and the policies' functions come from staging_sql/0013; dbt applies the policies.

The password is turned into a SCRAM-SHA-256 verifier here, so the plain password never
reaches the server (nor its statement log).

Roles are server-wide, but access is per database (staging_sql/0024): a login may connect only
to the databases it was added to (CONNECT is revoked from PUBLIC), its scopes (all rows
included) live in each database's bi_access.login_scopes, and its session limits are set per
database. Removing a login from one database leaves its access to the others.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

import psycopg
from psycopg import sql

BI_READER_ROLE = "metrics_bi_reader"
ANALYTICS_READER_ROLE = "metrics_analytics_reader"
_LOGIN_NAME = re.compile(r"^[a-z][a-z0-9_]{2,62}$")
_RESERVED_PREFIXES = ("pg_", "metrics_bi_reader", "metrics_analytics_reader")
SCRAM_ITERATIONS = 4096  # PostgreSQL's own default (scram_iterations)
MIN_PASSWORD_LENGTH = 12
_DURATION = re.compile(r"^(0|[1-9][0-9]*)(ms|s|min|h)?$")


class BiAccessError(RuntimeError):
    pass


@dataclass(frozen=True)
class LoginScope:
    """What a login may see: exactly one of client / workspace / all rows."""

    client_slug: str | None = None
    workspace_slug: str | None = None
    all_rows: bool = False

    def __post_init__(self) -> None:
        if sum((self.client_slug is not None, self.workspace_slug is not None, self.all_rows)) != 1:
            raise BiAccessError("a login is for one client, one workspace, or all rows (analytics)")

    def describe(self) -> str:
        if self.all_rows:
            return "all rows (analytics)"
        return f"client {self.client_slug}" if self.client_slug else f"workspace {self.workspace_slug}"


@dataclass(frozen=True)
class SessionLimits:
    """What a BI session may hold on the server, so a dashboard cannot stall the nightly build.

    A query running longer than statement_timeout is cancelled; a session left idle inside a
    transaction (a SQL client's forgotten BEGIN, holding its locks) is closed after
    idle_in_transaction_session_timeout; a login opens at most connection_limit sessions.
    The timeouts are set for the login in this database (`alter role ... in database ...`),
    the connection limit for the login (PostgreSQL has no per-database one). "0" means none.
    """

    statement_timeout: str = "5min"
    idle_in_transaction_session_timeout: str = "1min"
    connection_limit: int = 10

    def __post_init__(self) -> None:
        for name in ("statement_timeout", "idle_in_transaction_session_timeout"):
            if not _DURATION.match(getattr(self, name)):
                raise BiAccessError(
                    f"{name}: a duration such as 30s, 5min or 1h (0 for none), got {getattr(self, name)!r}"
                )
        if self.connection_limit < 1:
            raise BiAccessError(f"connection limit: at least 1, got {self.connection_limit}")

    def role_settings(self) -> dict[str, str]:
        return {
            "statement_timeout": self.statement_timeout,
            "idle_in_transaction_session_timeout": self.idle_in_transaction_session_timeout,
        }


@dataclass(frozen=True)
class RemovedLogin:
    existed: bool
    dropped: bool  # the role itself; False while another database still lets it connect
    other_databases: tuple[str, ...] = ()

    def describe(self, login: str) -> str:
        if not self.existed:
            return f"no login {login}"
        if self.dropped:
            return f"dropped login {login}"
        return (
            f"removed login {login} from this database; it keeps its access to "
            f"{', '.join(self.other_databases)} (run remove-login there to drop it)"
        )


def validate_login_name(name: str) -> str:
    if not _LOGIN_NAME.match(name) or name.startswith(_RESERVED_PREFIXES):
        raise BiAccessError(
            f"login name {name!r}: 3-63 characters, lower-case letters, digits and _, starting with a letter "
            "(not pg_ or a metrics_*_reader role)"
        )
    return name


def validate_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise BiAccessError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    if not password.isascii() or not password.isprintable():
        # PostgreSQL's client normalizes non-ASCII passwords (SASLprep) before hashing; printable
        # ASCII is the same on both sides, so the verifier computed here always matches.
        raise BiAccessError("the password must be printable ASCII")
    return password


def scram_sha256_verifier(password: str, *, salt: bytes | None = None, iterations: int = SCRAM_ITERATIONS) -> str:
    """The verifier PostgreSQL stores for a SCRAM-SHA-256 password (RFC 5802 / 7677)."""
    salt = secrets.token_bytes(16) if salt is None else salt
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    stored_key = hashlib.sha256(client_key).digest()
    server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()

    def b64(raw: bytes) -> str:
        return base64.b64encode(raw).decode()

    return f"SCRAM-SHA-256${iterations}:{b64(salt)}${b64(stored_key)}:{b64(server_key)}"


def _role_exists(conn: psycopg.Connection, name: str) -> bool:
    return conn.execute("select 1 from pg_roles where rolname = %s", (name,)).fetchone() is not None


def _is_bi_login(conn: psycopg.Connection, name: str) -> bool:
    return conn.execute(
        "select pg_has_role(%(n)s, %(bi)s, 'MEMBER') or pg_has_role(%(n)s, %(an)s, 'MEMBER') "
        "from pg_roles where rolname = %(n)s and rolcanlogin and not rolsuper",
        {"n": name, "bi": BI_READER_ROLE, "an": ANALYTICS_READER_ROLE},
    ).fetchone() not in (None, (False,))


def add_login(
    conn: psycopg.Connection,
    login: str,
    password: str,
    scope: LoginScope,
    limits: SessionLimits | None = None,
) -> str:
    """Create the login (or reset the password of an existing BI login), let it connect to this
    database with its session limits, and grant its scope here.

    Runs in one transaction; returns a one-line summary. Scopes add up: calling again with
    another client gives the same login that client too.
    """
    limits = limits or SessionLimits()
    validate_login_name(login)
    validate_password(password)
    with conn.transaction():
        if (
            scope.client_slug
            and not conn.execute("select 1 from config.clients where client_slug = %s", (scope.client_slug,)).fetchone()
        ):
            raise BiAccessError(
                f"no client {scope.client_slug!r} in config.clients (run `metrics-pipeline migrate` "
                "with METRICS_CONFIG set to sync the configuration)"
            )
        if (
            scope.workspace_slug
            and not conn.execute(
                "select 1 from config.workspaces where workspace_slug = %s", (scope.workspace_slug,)
            ).fetchone()
        ):
            raise BiAccessError(f"no workspace {scope.workspace_slug!r} in config.workspaces")
        group = ANALYTICS_READER_ROLE if scope.all_rows else BI_READER_ROLE
        verifier = sql.Literal(scram_sha256_verifier(password))
        if _role_exists(conn, login):
            if not _is_bi_login(conn, login):
                raise BiAccessError(f"a role named {login} exists and is not a BI login; choose another name")
            conn.execute(sql.SQL("alter role {} with login password {}").format(sql.Identifier(login), verifier))
            conn.execute(sql.SQL("grant {} to {}").format(sql.Identifier(group), sql.Identifier(login)))
            action = "updated"
        else:
            conn.execute(
                sql.SQL(
                    "create role {} with login nosuperuser nocreatedb nocreaterole noreplication nobypassrls "
                    "inherit password {} in role {}"
                ).format(sql.Identifier(login), verifier, sql.Identifier(group))
            )
            action = "created"
        database = sql.Identifier(_current_database(conn))
        conn.execute(sql.SQL("grant connect on database {} to {}").format(database, sql.Identifier(login)))
        for name, value in limits.role_settings().items():
            conn.execute(
                sql.SQL("alter role {} in database {} set {} = {}").format(
                    sql.Identifier(login), database, sql.Identifier(name), sql.Literal(value)
                )
            )
        conn.execute(
            sql.SQL("alter role {} connection limit {}").format(
                sql.Identifier(login), sql.Literal(limits.connection_limit)
            )
        )
        if scope.all_rows:
            kind, slug = "all_rows", "*"
        else:
            kind, slug = ("client", scope.client_slug) if scope.client_slug else ("workspace", scope.workspace_slug)
        conn.execute(
            "insert into bi_access.login_scopes (login_name, scope_kind, scope_slug) values (%s, %s, %s) "
            "on conflict do nothing",
            (login, kind, slug),
        )
    return f"{action} login {login}: {scope.describe()}"


def _current_database(conn: psycopg.Connection) -> str:
    return conn.execute("select current_database()").fetchone()[0]


def _other_databases_it_connects_to(conn: psycopg.Connection, login: str) -> tuple[str, ...]:
    """Databases other than this one where the login was granted CONNECT (by add-login there)."""
    return tuple(
        name
        for (name,) in conn.execute(
            "select d.datname from pg_database d cross join lateral aclexplode(d.datacl) a "
            "where a.grantee = (select oid from pg_roles where rolname = %s) and a.privilege_type = 'CONNECT' "
            "  and d.datname <> current_database() order by 1",
            (login,),
        )
    )


def remove_login(conn: psycopg.Connection, login: str) -> RemovedLogin:
    """Take the login's access to this database away: its scopes, CONNECT and session settings
    here. The role itself is dropped when no other database lets it connect."""
    validate_login_name(login)
    with conn.transaction():
        conn.execute("delete from bi_access.login_scopes where login_name = %s", (login,))
        if not _role_exists(conn, login):
            return RemovedLogin(existed=False, dropped=False)
        if not _is_bi_login(conn, login):
            raise BiAccessError(f"{login} is not a BI login; not dropping it")
        role, database = sql.Identifier(login), sql.Identifier(_current_database(conn))
        conn.execute(sql.SQL("revoke connect on database {} from {}").format(database, role))
        conn.execute(sql.SQL("alter role {} in database {} reset all").format(role, database))
        others = _other_databases_it_connects_to(conn, login)
        if others:
            return RemovedLogin(existed=True, dropped=False, other_databases=others)
        conn.execute(sql.SQL("drop role {}").format(role))
    return RemovedLogin(existed=True, dropped=True)


def list_logins(conn: psycopg.Connection) -> list[tuple[str, str, str, str]]:
    """(login, role, what it sees here, its session limits here) for every BI login of the server."""
    return conn.execute(
        """
        select r.rolname,
               string_agg(distinct g.rolname, ', '),
               case when not has_database_privilege(r.oid, current_database(), 'CONNECT')
                    then 'no access to this database'
                    else coalesce(
                        (select string_agg(case s.scope_kind when 'all_rows' then 'all rows'
                                           else s.scope_kind || ' ' || s.scope_slug end,
                                           ', ' order by s.scope_kind, s.scope_slug)
                         from bi_access.login_scopes s where s.login_name = r.rolname),
                        'nothing')
               end,
               concat_ws(', ',
                   (select string_agg(c, ', ') from pg_db_role_setting st
                    cross join lateral unnest(st.setconfig) c
                    join pg_database d on d.oid = st.setdatabase and d.datname = current_database()
                    where st.setrole = r.oid),
                   'connection limit ' || case when r.rolconnlimit < 0 then 'none' else r.rolconnlimit::text end)
        from pg_roles r
        join pg_auth_members m on m.member = r.oid
        join pg_roles g on g.oid = m.roleid and g.rolname in (%(bi)s, %(an)s)
        where r.rolcanlogin
        group by r.oid, r.rolname, r.rolconnlimit
        order by 1
        """,
        {"bi": BI_READER_ROLE, "an": ANALYTICS_READER_ROLE},
    ).fetchall()
