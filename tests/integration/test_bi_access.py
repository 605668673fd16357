"""BI access as the logins themselves: role boundaries and row-level security on the marts.

Three clients in two workspaces land media-partner files (hand-made) and dbt builds every
mart; `metrics-pipeline bi add-login` creates a login per client, one for a workspace and
an all-rows analytics login. Every check connects AS that login over TCP with its own
password: a superuser or the tables' owner would bypass row-level security and prove nothing.

  client   workspace  day         impressions  CPM    spend
  alpha    north      2026-09-01  1,000        10.00  10.00
  alpha    north      2026-09-02  3,000        10.00  30.00
  bravo    north      2026-09-01  2,000        20.00  40.00
  charlie  south      2026-09-01  5,000         4.00  20.00
so alpha's spend is 40.00, bravo's 40.00, charlie's 20.00; north's 80.00; everyone's 100.00.
"""

from __future__ import annotations

import io
import secrets
from datetime import date
from decimal import Decimal

import psycopg
import pytest
from psycopg import errors, sql

from metrics_pipeline import warehouse
from metrics_pipeline.cli.main import main
from metrics_pipeline.security.bi_access import LoginScope
from metrics_pipeline.sources.media_partner.parse import EXPECTED_COLUMNS
from tests.conftest import fetch_all, write_file
from tests.integration.conftest import run_pipeline

pytestmark = pytest.mark.integration

CONFIG = """
workspaces:
  - slug: north
    name: North Agency
    clients:
      - slug: alpha
        name: Alpha Co
        currency: USD
        timezone: UTC
        media_partner: {cpm_rates: [{effective_from: 2026-08-01, cpm: "10.00"}]}
      - slug: bravo
        name: Bravo Co
        currency: EUR
        timezone: UTC
        media_partner: {cpm_rates: [{effective_from: 2026-08-01, cpm: "20.00"}]}
  - slug: south
    name: South Agency
    clients:
      - slug: charlie
        name: Charlie Co
        currency: GBP
        timezone: UTC
        media_partner: {cpm_rates: [{effective_from: 2026-08-01, cpm: "4.00"}]}
"""
FILES = {
    ("alpha", "2026-09-01"): ["2026-09-01,Alpha Camp,S1,P1,Alpha Ad,1000,10,1%,1,25.00"],
    ("alpha", "2026-09-02"): ["2026-09-02,Alpha Camp,S1,P1,Alpha Ad,3000,30,1%,2,75.00"],
    ("bravo", "2026-09-01"): ["2026-09-01,Bravo Camp,S1,P1,Bravo Ad,2000,20,1%,1,10.00"],
    ("charlie", "2026-09-01"): ["2026-09-01,Charlie Camp,S1,P1,Charlie Ad,5000,50,1%,5,500.00"],
}
PASSWORD = "correct-horse-battery"
FORBIDDEN_SCHEMAS = (
    "raw_media_partner",
    "raw_google_ads",
    "raw_meta",
    "raw_tiktok_ads",
    "raw_shopify",
    "raw_pixel",
    "ops",
    "config",
    "staging",
    "intermediate",
    "credentials",
    "bi_access",
    "dagster",
)


@pytest.fixture(scope="module")
def built(tmp_path_factory, database_url):
    root = tmp_path_factory.mktemp("bi")
    config_path = write_file(root / "config.yaml", CONFIG)
    for (client, day), rows in FILES.items():
        write_file(
            root / "exports" / "media_partner" / client / f"{day}.csv",
            ",".join(EXPECTED_COLUMNS) + "\n" + "\n".join(rows) + "\n",
        )
    mp = pytest.MonkeyPatch()
    mp.setenv("METRICS_CONFIG", str(config_path))
    mp.setenv("METRICS_EXPORTS_URI", str(root / "exports"))
    try:
        result = run_pipeline(date(2026, 9, 1), date(2026, 9, 2))
    finally:
        mp.undo()
    assert result.success
    warehouse.ensure_dagster_schema(database_url)  # where a real deployment keeps Dagster's runs
    return database_url


def _cli_add_login(login: str, scope: list[str], password: str = PASSWORD) -> tuple[int, str]:
    """`metrics-pipeline bi add-login` with the password on stdin, as a script would give it."""
    import contextlib
    import os
    import sys

    saved_env, saved_stdin = dict(os.environ), sys.stdin
    out = io.StringIO()
    try:
        sys.stdin = io.StringIO(password + "\n")
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            code = main(["bi", "add-login", login, *scope])
    finally:
        sys.stdin = saved_stdin
        os.environ.clear()
        os.environ.update(saved_env)
    return code, out.getvalue()


@pytest.fixture(scope="module")
def logins(built):
    """Unique names (roles are server-wide and other test modules run beside this one)."""
    suffix = secrets.token_hex(3)
    names = {
        "alpha": (f"bi_alpha_{suffix}", ["--client", "alpha"]),
        "bravo": (f"bi_bravo_{suffix}", ["--client", "bravo"]),
        "north": (f"bi_north_{suffix}", ["--workspace", "north"]),
        "analyst": (f"bi_analyst_{suffix}", ["--all-rows"]),
    }
    created = []
    try:
        for login, scope in names.values():
            code, output = _cli_add_login(login, scope)
            assert code == 0, output
            assert PASSWORD not in output
            created.append(login)
        yield {key: login for key, (login, _) in names.items()}
    finally:
        from metrics_pipeline.security.bi_access import remove_login

        with psycopg.connect(built, autocommit=True) as conn:
            for login in created:
                remove_login(conn, login)


def login_url(database_url: str, login: str, password: str = PASSWORD) -> str:
    """The same server and database as the login itself: over TCP when the warehouse is reached
    over TCP, through the socket directory when it is (the embedded server has no TCP port)."""
    params = warehouse.connection_params(database_url)
    return psycopg.conninfo.make_conninfo(
        host=params.get("host") or "127.0.0.1",
        port=params.get("port") or "5432",
        dbname=params["dbname"],
        user=login,
        password=password,
    )


def as_login(database_url: str, login: str, query: str, params: object = None) -> list[tuple]:
    with psycopg.connect(login_url(database_url, login)) as conn:
        assert conn.execute("select current_user, session_user").fetchone() == (login, login)
        return conn.execute(query, params).fetchall()


def denied(database_url: str, login: str, statement: str) -> bool:
    with psycopg.connect(login_url(database_url, login)) as conn:
        try:
            conn.execute(statement)
        except errors.InsufficientPrivilege:
            return True
        return False


def mart_tables(url: str) -> list[str]:
    return [
        name
        for (name,) in fetch_all(
            url, "select table_name from information_schema.tables where table_schema = 'marts' order by 1"
        )
    ]


def test_every_mart_is_a_table_with_row_level_security_and_the_policy(built):
    tables = fetch_all(
        built,
        "select c.relname, c.relkind, c.relrowsecurity, "
        "       exists (select 1 from pg_policy p where p.polrelid = c.oid and p.polname = 'bi_row_scope') "
        "from pg_class c join pg_namespace n on n.oid = c.relnamespace "
        "where n.nspname = 'marts' and c.relkind in ('r', 'v', 'm', 'p') order by 1",
    )
    assert {name for name, *_ in tables} >= {
        "dim_ad_entities",
        "dim_ad_entity_ancestors",
        "fct_ad_entity_daily",
        "fct_media_partner_daily",
        "fct_pnl_daily",
        "fct_orders",
        "weekly_summaries",
        "monthly_summaries",
        "fct_attribution_links",
    }
    # No views, so no view owned by the build's superuser can read past a policy.
    assert [
        (name, kind, rls, policy) for name, kind, rls, policy in tables if (kind, rls, policy) != ("r", True, True)
    ] == []


def test_a_client_login_sees_only_its_rows_in_every_mart(built, logins):
    alpha = logins["alpha"]
    for table in mart_tables(built):
        mine = as_login(built, alpha, f"select distinct workspace_slug, client_slug from marts.{table}")
        assert set(mine) <= {("north", "alpha")}, table
        [(expected,)] = fetch_all(built, f"select count(*) from marts.{table} where client_slug = 'alpha'")
        [(counted,)] = as_login(built, alpha, f"select count(*) from marts.{table}")
        assert counted == expected, table
    # The media-partner marts do have alpha rows (two days, one creative, five levels of entity).
    [(rows,)] = as_login(built, alpha, "select count(*) from marts.fct_media_partner_daily")
    assert rows == 2


def test_aggregates_filters_and_joins_cannot_reach_other_clients(built, logins):
    alpha = logins["alpha"]
    assert as_login(built, alpha, "select sum(spend) from marts.fct_media_partner_daily") == [(Decimal("40.00"),)]
    assert as_login(
        built, alpha, "select count(*) from marts.fct_media_partner_daily where client_slug in ('bravo', 'charlie')"
    ) == [(0,)]
    assert as_login(
        built, alpha, "select max(spend), min(client_slug), max(client_slug) from marts.monthly_summaries"
    ) == [(Decimal("40.00"), "alpha", "alpha")]
    # Joins between marts and to the dimensions: every side is filtered.
    joined = as_login(
        built,
        alpha,
        "select distinct e.client_slug, a.client_slug, d.client_slug "
        "from marts.fct_ad_entity_daily d "
        "join marts.dim_ad_entity_ancestors a on a.entity_id = d.entity_id "
        "join marts.dim_ad_entities e on e.entity_id = a.ancestor_entity_id",
    )
    assert joined == [("alpha", "alpha", "alpha")]
    # A cross join of every mart pair's client columns finds no one else either.
    [(others,)] = as_login(
        built,
        alpha,
        "select count(*) from marts.dim_ad_entities e "
        "left join marts.weekly_summaries w on true "
        "left join marts.fct_pnl_daily p on true "
        "where e.client_slug <> 'alpha' or w.client_slug <> 'alpha' "
        "   or p.client_slug <> 'alpha'",
    )
    assert others == 0
    # Planner statistics of the marts are not shown to a login under row-level security.
    with psycopg.connect(built, autocommit=True) as conn:
        conn.execute("analyze marts.fct_media_partner_daily")
    assert as_login(built, alpha, "select count(*) from pg_stats where schemaname = 'marts'") == [(0,)]


def test_another_client_sees_its_own_spend_the_workspace_both_and_the_analyst_all(built, logins):
    query = "select client_slug, sum(spend) from marts.fct_media_partner_daily group by 1 order by 1"
    assert as_login(built, logins["bravo"], query) == [("bravo", Decimal("40.00"))]
    assert as_login(built, logins["north"], query) == [("alpha", Decimal("40.00")), ("bravo", Decimal("40.00"))]
    assert as_login(built, logins["analyst"], query) == [
        ("alpha", Decimal("40.00")),
        ("bravo", Decimal("40.00")),
        ("charlie", Decimal("20.00")),
    ]


def test_set_role_and_the_policy_functions_do_not_widen_a_login(built, logins):
    alpha, bravo = logins["alpha"], logins["bravo"]
    for role in ("metrics_analytics_reader", bravo, "postgres"):
        assert denied(built, alpha, f'set role "{role}"'), role
    with psycopg.connect(login_url(built, alpha)) as conn:
        conn.execute("set role metrics_bi_reader")  # its own group: allowed, and it is scoped to nothing
        assert conn.execute("select count(*) from marts.fct_media_partner_daily").fetchone() == (0,)
    # The policies' functions cannot be called directly (to probe another login's scope).
    assert denied(built, alpha, f"select bi_access.visible_client_slugs('{bravo}')")
    assert denied(built, alpha, "select bi_access.sees_all_rows('metrics_analytics_reader')")
    # The policies are public knowledge; reading them shows an expression, not rows.
    [(policies,)] = as_login(built, alpha, "select count(*) from pg_policies where schemaname = 'marts'")
    assert policies == len(mart_tables(built))
    assert as_login(built, alpha, "select count(*) from marts.fct_media_partner_daily") == [(2,)]


def test_an_administrator_can_see_what_a_login_sees_with_set_role(built, logins):
    with psycopg.connect(built) as conn:
        conn.execute(sql.SQL("set role {}").format(sql.Identifier(logins["bravo"])))
        assert conn.execute("select distinct client_slug from marts.fct_media_partner_daily").fetchall() == [("bravo",)]


@pytest.mark.parametrize("schema", FORBIDDEN_SCHEMAS)
def test_logins_cannot_read_anything_outside_the_marts(built, logins, schema):
    tables = fetch_all(built, "select table_name from information_schema.tables where table_schema = %s", (schema,))
    for key in ("alpha", "analyst"):
        assert denied(built, logins[key], f"select 1 from {schema}.no_such_table_anyway"), (key, schema)
        for (table,) in tables[:5]:
            assert denied(built, logins[key], f'select count(*) from "{schema}"."{table}"'), (key, schema, table)


def test_logins_cannot_write_or_create_anything(built, logins):
    for key in ("alpha", "analyst"):
        login = logins[key]
        for statement in (
            "insert into marts.fct_media_partner_daily (client_slug) values ('x')",
            "update marts.fct_media_partner_daily set spend = 0",
            "delete from marts.fct_media_partner_daily",
            "truncate marts.fct_media_partner_daily",
            "create table marts.mine (x int)",
            "create table public.mine (x int)",
            "create temporary table mine (x int)",
            "create function pg_temp.leak(text) returns boolean language sql as 'select true'",
            "create schema mine",
            "alter table marts.fct_media_partner_daily disable row level security",
            "drop policy bi_row_scope on marts.fct_media_partner_daily",
            "insert into bi_access.login_scopes values (current_user, 'client', 'charlie')",
        ):
            assert denied(built, login, statement), (key, statement)


def test_the_login_command_refuses_bad_input_and_never_prints_the_password(built, logins):
    code, output = _cli_add_login(f"bi_short_{secrets.token_hex(3)}", ["--client", "alpha"], password="short")
    assert code == 2 and "at least" in output and "short\n" not in output
    code, output = _cli_add_login(f"bi_nobody_{secrets.token_hex(3)}", ["--client", "no-such-client"])
    assert code == 2 and "no-such-client" in output and PASSWORD not in output
    code, output = _cli_add_login("postgres", ["--client", "alpha"])
    assert code == 2 and "not a BI login" in output
    # The server stored our SCRAM verifier as given: the plain password never reached it.
    [(verifier,)] = fetch_all(built, "select rolpassword from pg_authid where rolname = %s", (logins["alpha"],))
    assert verifier.startswith("SCRAM-SHA-256$4096:") and PASSWORD not in verifier


def _dbt_run_extra_marts(tmp_path, database_url, models: dict[str, str], *select: str):
    """`dbt run` of extra models added to a copy of the project's marts folder: what a later
    source's new mart goes through, with no per-model configuration."""
    import os
    import shutil
    import subprocess

    from metrics_pipeline.lib.dbt_project import DBT_PROJECT_DIR, dbt_executable

    project = tmp_path / "dbt_project"
    shutil.copytree(DBT_PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "logs"))
    for name, body in models.items():
        write_file(project / "models" / "marts" / "extra" / f"{name}.sql", body)
    env = {**os.environ, **warehouse.dbt_environment(database_url), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    return subprocess.run(
        [
            dbt_executable(),
            "run",
            "--project-dir",
            str(project),
            "--profiles-dir",
            str(project),
            "--target-path",
            str(tmp_path / "target"),
            "--select",
            *select,
        ],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_a_new_mart_gets_the_policy_a_view_reads_as_its_reader_and_a_mart_without_scope_fails(built, logins, tmp_path):
    models = {
        "fct_new_source_daily": "select client_slug, workspace_slug, spend from {{ ref('fct_media_partner_daily') }}",
        "alpha_spend_view": "{{ config(materialized='view') }}\n"
        "select client_slug, spend from {{ ref('fct_media_partner_daily') }}",
        "ops_overview": "{{ config(meta={'bi_access': 'analytics_only'}) }}\nselect 1 as runs",
        "unscoped": "select 1 as anything",
    }
    completed = _dbt_run_extra_marts(
        tmp_path, built, models, "fct_new_source_daily", "alpha_spend_view", "ops_overview"
    )
    assert completed.returncode == 0, completed.stdout[-3000:]
    alpha, analyst = logins["alpha"], logins["analyst"]
    query = "select client_slug, sum(spend) from marts.{} group by 1 order by 1"
    for relation in ("fct_new_source_daily", "alpha_spend_view"):
        assert as_login(built, alpha, query.format(relation)) == [("alpha", Decimal("40.00"))], relation
        assert len(as_login(built, analyst, query.format(relation))) == 3, relation
    [(options,)] = fetch_all(built, "select reloptions from pg_class where oid = 'marts.alpha_spend_view'::regclass")
    assert "security_invoker=true" in options
    assert denied(built, alpha, "select * from marts.ops_overview")
    assert as_login(built, analyst, "select runs from marts.ops_overview") == [(1,)]

    failed = _dbt_run_extra_marts(tmp_path / "again", built, models, "unscoped")
    assert failed.returncode != 0
    assert "unscoped (table in marts) has neither client_slug nor workspace_slug" in failed.stdout
    with psycopg.connect(built, autocommit=True) as conn:
        for relation in (
            "view marts.alpha_spend_view",
            "table marts.fct_new_source_daily",
            "table marts.ops_overview",
            "table if exists marts.unscoped",
        ):
            conn.execute(f"drop {relation}")


# --- One server, several warehouses: access is per database -------------------------------------


@pytest.fixture(scope="module")
def second_warehouse(built, server_url):
    """Another migrated warehouse database on the same server (another agency, or staging)."""
    from tests.conftest import _create_database, _drop_database

    _, name = _create_database("metrics_test_b")
    url = warehouse.with_database(server_url, name)
    with psycopg.connect(url) as conn:
        from metrics_pipeline.warehouse.migrations import apply_migrations

        apply_migrations(conn)
    try:
        yield url
    finally:
        _drop_database(server_url, name)


def _can_connect(url: str, login: str) -> bool:
    try:
        with psycopg.connect(login_url(url, login)) as conn:
            conn.execute("select 1")
    except psycopg.OperationalError as exc:
        assert "permission denied for database" in str(exc), exc
        return False
    return True


def test_an_all_rows_login_of_another_warehouse_cannot_read_this_one(built, second_warehouse):
    from metrics_pipeline.security.bi_access import add_login, remove_login

    analyst = f"bi_other_analyst_{secrets.token_hex(3)}"
    with psycopg.connect(second_warehouse, autocommit=True) as conn:
        add_login(conn, analyst, PASSWORD, LoginScope(all_rows=True))
    try:
        assert _can_connect(second_warehouse, analyst)
        assert not _can_connect(built, analyst)
        # Made a client login here too, it is a client login here: not all rows.
        with psycopg.connect(built, autocommit=True) as conn:
            add_login(conn, analyst, PASSWORD, LoginScope(client_slug="charlie"))
        query = "select distinct client_slug from marts.fct_media_partner_daily"
        assert as_login(built, analyst, query) == [("charlie",)]
        assert as_login(
            built, analyst, "select count(*) from marts.dim_ad_entities where client_slug <> 'charlie'"
        ) == [(0,)]
    finally:
        with psycopg.connect(second_warehouse, autocommit=True) as conn:
            remove_login(conn, analyst)
        with psycopg.connect(built, autocommit=True) as conn:
            remove_login(conn, analyst)


def test_removing_a_login_from_one_warehouse_leaves_its_access_to_the_other(built, second_warehouse):
    from metrics_pipeline.security.bi_access import add_login, remove_login

    login = f"bi_two_dbs_{secrets.token_hex(3)}"
    with psycopg.connect(built, autocommit=True) as conn:
        add_login(conn, login, PASSWORD, LoginScope(client_slug="alpha"))
    with psycopg.connect(second_warehouse, autocommit=True) as conn:
        add_login(conn, login, PASSWORD, LoginScope(all_rows=True))
    try:
        with psycopg.connect(second_warehouse, autocommit=True) as conn:
            removed = remove_login(conn, login)
        assert (removed.existed, removed.dropped, removed.other_databases) == (
            True,
            False,
            (warehouse.connection_params(built)["dbname"],),
        )
        assert not _can_connect(second_warehouse, login)
        assert as_login(built, login, "select sum(spend) from marts.fct_media_partner_daily") == [(Decimal("40.00"),)]
        [(scopes,)] = fetch_all(
            second_warehouse, "select count(*) from bi_access.login_scopes where login_name = %s", (login,)
        )
        assert scopes == 0
    finally:
        with psycopg.connect(built, autocommit=True) as conn:
            last = remove_login(conn, login)
    assert last.dropped
    assert fetch_all(built, "select 1 from pg_roles where rolname = %s", (login,)) == []


def test_the_warehouse_is_closed_to_public_and_open_to_its_logins(built, logins):
    [(acl,)] = fetch_all(built, "select datacl::text[] from pg_database where datname = current_database()")
    assert not [entry for entry in acl if entry.startswith("=") and "c" in entry.split("/")[0]], acl
    for login in logins.values():
        assert _can_connect(built, login)


# --- A BI session cannot stall the nightly build ------------------------------------------------


def test_a_login_has_session_limits_in_this_database(built, logins):
    settings = fetch_all(
        built,
        "select r.rolname, s.setconfig, r.rolconnlimit from pg_db_role_setting s "
        "join pg_roles r on r.oid = s.setrole join pg_database d on d.oid = s.setdatabase "
        "where d.datname = current_database() and r.rolname = any(%s) order by 1",
        (list(logins.values()),),
    )
    assert [(name, sorted(config), limit) for name, config, limit in settings] == [
        (login, ["idle_in_transaction_session_timeout=1min", "statement_timeout=5min"], 10)
        for login in sorted(logins.values())
    ]
    with psycopg.connect(login_url(built, logins["alpha"])) as conn:
        assert conn.execute("show statement_timeout").fetchone() == ("5min",)
        assert conn.execute("show idle_in_transaction_session_timeout").fetchone() == ("1min",)


def test_session_limits_are_configurable_and_checked(built):
    login = f"bi_limits_{secrets.token_hex(3)}"
    code, output = _cli_add_login(
        login,
        [
            "--client",
            "alpha",
            "--statement-timeout",
            "90s",
            "--idle-in-transaction-timeout",
            "0",
            "--connection-limit",
            "3",
        ],
    )
    try:
        assert code == 0, output
        with psycopg.connect(login_url(built, login)) as conn:
            assert conn.execute("show statement_timeout").fetchone() == ("90s",)
            assert conn.execute("show idle_in_transaction_session_timeout").fetchone() == ("0",)
        assert fetch_all(built, "select rolconnlimit from pg_roles where rolname = %s", (login,)) == [(3,)]
        code, output = _cli_add_login(login, ["--client", "alpha", "--statement-timeout", "forever"])
        assert code == 2 and "statement_timeout" in output
    finally:
        with psycopg.connect(built, autocommit=True) as conn:
            from metrics_pipeline.security.bi_access import remove_login

            remove_login(conn, login)


def _dbt_run(database_url: str, tmp_path, *select: str, window: tuple[str, str] | None, **extra_env: str):
    """`dbt run` of the project's own models, as the Dagster job runs them (a window: incremental)."""
    import os
    import subprocess

    from metrics_pipeline.lib.dbt_project import DBT_PROJECT_DIR, WINDOW_ENV_END, WINDOW_ENV_START, dbt_executable

    env = {**os.environ, **extra_env}
    env = {**env, **warehouse.dbt_environment(database_url), "DBT_LOG_PATH": str(tmp_path)}
    env.pop(WINDOW_ENV_START, None), env.pop(WINDOW_ENV_END, None)
    if window:
        env[WINDOW_ENV_START], env[WINDOW_ENV_END] = window
    return subprocess.run(
        [
            dbt_executable(),
            "run",
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
            "--target-path",
            str(tmp_path / "target"),
            "--select",
            *select,
        ],
        cwd=DBT_PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        # only a guard against hanging forever (what the old post-hook did behind a BI lock)
        timeout=900,
    )


POLICY_STATE = (
    "select c.oid, p.oid, c.relrowsecurity, c.relacl::text from pg_class c "
    "join pg_policy p on p.polrelid = c.oid and p.polname = 'bi_row_scope' where c.oid = %s::regclass"
)


def test_an_incremental_build_keeps_the_policy_and_grants_as_they_are(built, logins, tmp_path):
    before = fetch_all(built, POLICY_STATE, ("marts.fct_media_partner_daily",))
    completed = _dbt_run(built, tmp_path, "fct_media_partner_daily", window=("2026-09-01", "2026-09-02"))
    assert completed.returncode == 0, completed.stdout[-3000:]
    assert fetch_all(built, POLICY_STATE, ("marts.fct_media_partner_daily",)) == before
    assert as_login(built, logins["alpha"], "select sum(spend) from marts.fct_media_partner_daily") == [
        (Decimal("40.00"),)
    ]


def _login_holding_a_read_lock(url: str, table: str):
    """A BI session that read `table` inside a transaction and went idle, keeping its lock
    (a SQL client's BEGIN left open), with a long idle timeout so it outlives the build."""
    from metrics_pipeline.security.bi_access import SessionLimits, add_login

    login = f"bi_holder_{secrets.token_hex(3)}"
    with psycopg.connect(url, autocommit=True) as conn:
        add_login(
            conn,
            login,
            PASSWORD,
            LoginScope(client_slug="alpha"),
            SessionLimits(idle_in_transaction_session_timeout="30min"),
        )
    session = psycopg.connect(login_url(url, login))
    session.execute(f"select count(*) from {table}")
    [(lock,)] = fetch_all(
        url,
        "select mode from pg_locks where pid = %s and relation = %s::regclass",
        (session.info.backend_pid, table),
    )
    assert lock == "AccessShareLock"
    return login, session


def test_a_bi_session_holding_a_lock_does_not_block_an_incremental_build(built, tmp_path, monkeypatch):
    from metrics_pipeline.security.bi_access import remove_login

    login, session = _login_holding_a_read_lock(built, "marts.fct_media_partner_daily")
    try:
        # lock_timeout makes the old post-hook (DROP / CREATE POLICY, ACCESS EXCLUSIVE) fail
        # instead of waiting forever; the build itself only deletes and inserts rows.
        # (set through PGOPTIONS, which dbt's sessions have always honoured).
        monkeypatch.setenv("PGOPTIONS", "-c lock_timeout=5s")
        completed = _dbt_run(built, tmp_path, "fct_media_partner_daily", window=("2026-09-01", "2026-09-02"))
        assert completed.returncode == 0, completed.stdout[-3000:]
        # The BI session was never interrupted: same transaction, still reading.
        assert session.info.transaction_status == psycopg.pq.TransactionStatus.INTRANS
        assert session.execute("select sum(spend) from marts.fct_media_partner_daily").fetchone() == (Decimal("40.00"),)
    finally:
        session.close()
        with psycopg.connect(built, autocommit=True) as conn:
            remove_login(conn, login)


def test_a_whole_rebuild_behind_a_bi_lock_fails_fast_instead_of_waiting(built, tmp_path):
    from metrics_pipeline.operations.failures import TRANSIENT, classify_failure
    from metrics_pipeline.security.bi_access import remove_login

    summary = "select client_slug, sum(spend), count(*) from marts.monthly_summaries group by 1 order by 1"
    before = fetch_all(built, summary)
    login, session = _login_holding_a_read_lock(built, "marts.monthly_summaries")
    try:
        completed = _dbt_run(built, tmp_path, "monthly_summaries", window=None, METRICS_DBT_LOCK_TIMEOUT="2s")
        assert completed.returncode != 0
        assert "canceling statement due to lock timeout" in completed.stdout
        # which the retry sensor retries
        assert classify_failure("canceling statement due to lock timeout").kind == TRANSIENT
        assert session.execute(summary).fetchall() == [row for row in before if row[0] == "alpha"]
    finally:
        session.close()
        with psycopg.connect(built, autocommit=True) as conn:
            remove_login(conn, login)
    # the failed build changed nothing
    assert fetch_all(built, summary) == before
