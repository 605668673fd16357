"""Row-level security over every mart, as logins whose passwords the server really checks.

A PostgreSQL server of its own (tests/integration/scram_server.py: scram-sha-256 over TCP for
every login, trust only for the superuser over its Unix socket) holds a warehouse the real
nightly job built from the whole sandbox (every source: media partner, Google Ads, Meta,
Shopify, pixel, Amazon, affiliate) over two days, so the commerce, attribution, Amazon and
affiliate marts have rows of several clients in both workspaces:

  workspace  clients
  northstar  acme-outdoor, bloom-beauty
  harbor     citrus-kitchen

The marts are enumerated from the dbt manifest (every model whose schema is `marts`) and from
the database, so a new mart is checked without anyone listing it here. One build per test
session; the logins are created with the real `add_login`.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import dagster as dg
import psycopg
import pytest
import yaml
from psycopg import sql

from metrics_pipeline.lib.dbt_project import ensure_manifest
from metrics_pipeline.operations.alert_rules import evaluate_due_rules
from metrics_pipeline.sandbox.session import sandbox_session
from metrics_pipeline.security.bi_access import LoginScope, add_login
from metrics_pipeline.warehouse.migrations import apply_migrations
from tests.dbt_cli import run_dbt
from tests.integration.scram_server import ScramServer, create_database, scram_server

pytestmark = pytest.mark.integration

START, END = date(2026, 10, 25), date(2026, 10, 26)
DATABASE = "metrics"
PASSWORD = "scram-checked-password"
WORKSPACES = {"northstar": ("acme-outdoor", "bloom-beauty"), "harbor": ("citrus-kitchen",)}
# The marts issue 15 names: each must have rows for at least two clients.
NAMED_MARTS = {
    "commerce": ("fct_orders", "fct_shop_sales_daily", "dim_customers", "dim_products"),
    "attribution": ("fct_touchpoints", "fct_journeys", "fct_attribution_links", "fct_order_attribution"),
    "amazon": ("fct_amazon_keyword_daily",),
    "affiliate": ("fct_affiliate_daily",),
}


@pytest.fixture(scope="session")
def scram() -> Iterator[ScramServer]:
    with scram_server() as server:
        yield server


@pytest.fixture(scope="session")
def built(scram: ScramServer, tmp_path_factory) -> str:
    """The warehouse on the scram server, built by `daily_pipeline` from the whole sandbox."""
    from metrics_pipeline.definitions import defs

    url = create_database(scram, DATABASE)
    with psycopg.connect(url) as conn:
        apply_migrations(conn)
    root = tmp_path_factory.mktemp("scram-sandbox")
    prefix = f"scram-{secrets.token_hex(4)}"
    with sandbox_session(root, exports_prefix=prefix) as session:
        second_affiliate_client(session, prefix, tmp_path_factory.mktemp("affiliate-extra"))
        account_alert_rules(session)
        # restored with the rest of the environment when the session ends
        os.environ["METRICS_DATABASE_URL"] = url
        result = defs.resolve_job_def("daily_pipeline").execute_in_process(
            instance=dg.DagsterInstance.ephemeral(),
            tags={
                "dagster/asset_partition_range_start": START.isoformat(),
                "dagster/asset_partition_range_end": END.isoformat(),
            },
            raise_on_error=False,
        )
    failed = [e.step_key for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_FAILURE]
    assert result.success, failed
    # What the evaluate_alert_rules sensor does after the run, then the alert mart rebuilt with
    # its events (the nightly build ran before them): fct_alert_events has rows of every client.
    with psycopg.connect(url, autocommit=True) as conn:
        assert evaluate_due_rules(conn, datetime.now(UTC)).raised
    alerts = run_dbt(url, root / "dbt_alerts", "build", "--select", "fct_alert_events")
    assert alerts.returncode == 0, alerts.stdout[-4000:]
    return url


def account_alert_rules(session) -> None:
    """An account-level rule in each workspace that every account with spend breaks, so the alert
    mart has events of several clients in both workspaces (the sandbox's own rules are
    workspace-level: no client)."""
    config = yaml.safe_load(session.world.config_path.read_text(encoding="utf-8"))
    for workspace in config["workspaces"]:
        workspace.setdefault("alert_rules", []).append(
            {"id": "any-account-spend", "type": "spend_threshold", "scope": {"level": "account"}, "threshold": 0}
        )
    session.world.config_path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")


def second_affiliate_client(session, prefix: str, scratch: Path) -> None:
    """The sandbox's affiliate network reports for one client (acme-outdoor); give citrus-kitchen
    (the other workspace) tracking ids of its own and a click and a sale in the network's day file,
    so the affiliate mart has two clients' rows like every other mart."""
    config = yaml.safe_load(session.world.config_path.read_text(encoding="utf-8"))
    [citrus] = [c for w in config["workspaces"] for c in w["clients"] if c["slug"] == "citrus-kitchen"]
    # in its workspace's reporting currency (EUR): the sandbox has rates into USD only
    citrus["affiliate"] = {"tracking_id_prefixes": ["citrus-"], "currency": "EUR"}
    session.world.config_path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    relative = Path("affiliate") / END.isoformat() / "events.csv"
    events = (session.world.exports_dir / relative).read_text(encoding="utf-8")
    assert events.startswith("event_id,event_type,occurred_at,tracking_id,product_id,revenue,source\n")
    events += (
        "C202610260001,click,2026-10-26T09:00:00Z,citrus-newsletter,KNOTS101,0,email\n"
        "C202610260002,conversion,2026-10-26T09:30:00Z,citrus-newsletter,KNOTS101,17.50,email\n"
    )
    (scratch / relative).parent.mkdir(parents=True)
    (scratch / relative).write_text(events, encoding="utf-8")
    session.s3.upload_tree(scratch, prefix=prefix)  # replaces the day's file in the exports bucket


@pytest.fixture(scope="session")
def logins(built: str) -> dict[str, str]:
    """A login per client and per workspace, and an all-rows analyst (a server of our own: no
    other test shares its roles)."""
    scopes = {
        **{client: LoginScope(client_slug=client) for clients in WORKSPACES.values() for client in clients},
        **{workspace: LoginScope(workspace_slug=workspace) for workspace in WORKSPACES},
        "analyst": LoginScope(all_rows=True),
    }
    names = {key: "bi_" + key.replace("-", "_") for key in scopes}
    with psycopg.connect(built, autocommit=True) as conn:
        for key, scope in scopes.items():
            add_login(conn, names[key], PASSWORD, scope)
    return names


def superuser_rows(url: str, query: str | sql.Composable, params: object = None) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(query, params).fetchall()


def as_login(scram: ScramServer, login: str, query: str | sql.Composable, password: str = PASSWORD) -> list[tuple]:
    """Over TCP with the password: the server checks it (scram-sha-256) before anything runs."""
    with psycopg.connect(scram.login_url(DATABASE, login, password)) as conn:
        assert conn.execute("select current_user, session_user").fetchone() == (login, login)
        assert str(conn.execute("select inet_client_addr()").fetchone()[0]) == "127.0.0.1"  # TCP, not the socket
        return conn.execute(query).fetchall()


def manifest_marts() -> set[str]:
    """Every enabled model dbt builds in the marts schema, as the manifest lists it."""
    manifest = json.loads(ensure_manifest().read_text())
    return {
        node.get("alias") or node["name"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model"
        and node["schema"] == "marts"
        and node["config"].get("enabled", True)
        and node["config"].get("materialized") != "ephemeral"
    }


def database_marts(conn: psycopg.Connection) -> dict[str, tuple[bool, bool, set[str]]]:
    """Every relation in the marts schema: (row security on, bi_row_scope policy, slug columns)."""
    rows = conn.execute(
        "select c.relname, c.relkind, c.relrowsecurity, "
        "       exists (select 1 from pg_policy p where p.polrelid = c.oid and p.polname = 'bi_row_scope'), "
        "       coalesce(c.reloptions, '{}')::text[], "
        "       array(select a.attname::text from pg_attribute a where a.attrelid = c.oid and not a.attisdropped "
        "             and a.attname in ('client_slug', 'workspace_slug')) "
        "from pg_class c join pg_namespace n on n.oid = c.relnamespace "
        "where n.nspname = 'marts' and c.relkind in ('r', 'v', 'm', 'p', 'f') order by 1"
    ).fetchall()
    marts = {}
    for name, kind, row_security, policy, options, slugs in rows:
        if kind == "v":
            # A view is filtered by its tables' policies only when it reads as its reader.
            row_security = "security_invoker=true" in options
        marts[name] = (kind in ("r", "p", "v") and row_security, policy, set(slugs))
    return marts


def unprotected_marts(conn: psycopg.Connection) -> list[str]:
    """Marts a login could read past: no row-level security, no policy, or nothing to scope by."""
    return [
        name
        for name, (row_security, policy, slugs) in database_marts(conn).items()
        if not (row_security and policy and slugs)
    ]


def test_the_marts_in_the_database_are_the_marts_dbt_builds(built):
    with psycopg.connect(built) as conn:
        in_database = set(database_marts(conn))
    assert in_database == manifest_marts()
    for area, marts in NAMED_MARTS.items():
        assert set(marts) <= in_database, area


def test_every_mart_has_rows_of_two_clients_or_both_workspaces(built):
    """Else a login seeing nothing of another client would prove nothing for that mart."""
    with psycopg.connect(built) as conn:
        marts = database_marts(conn)
    empty = []
    for name, (_, _, slugs) in marts.items():
        column = "client_slug" if "client_slug" in slugs else "workspace_slug"
        [(distinct,)] = superuser_rows(
            built,
            sql.SQL("select count(distinct {}) from marts.{}").format(sql.Identifier(column), sql.Identifier(name)),
        )
        if distinct < 2:
            empty.append((name, column, distinct))
    assert empty == []


def test_every_mart_has_row_level_security_and_the_policy(built):
    with psycopg.connect(built) as conn:
        assert unprotected_marts(conn) == []


def test_a_mart_without_a_policy_fails_the_check(built):
    """The check above is not vacuous: a mart dbt did not protect (or someone made by hand) is named."""
    with psycopg.connect(built) as conn:
        conn.execute("create table marts.zz_unprotected (client_slug text, workspace_slug text, spend numeric)")
        conn.execute("create table marts.zz_no_policy (client_slug text)")
        conn.execute("alter table marts.zz_no_policy enable row level security")
        assert unprotected_marts(conn) == ["zz_no_policy", "zz_unprotected"]
        conn.rollback()


def _visible(scram: ScramServer, login: str, mart: str, column: str) -> tuple[int, set[str]]:
    [(count, slugs)] = as_login(
        scram,
        login,
        sql.SQL("select count(*), coalesce(array_agg(distinct {}), '{{}}') from marts.{}").format(
            sql.Identifier(column), sql.Identifier(mart)
        ),
    )
    return count, set(slugs)


def test_a_client_login_sees_its_own_rows_and_no_one_elses_in_every_mart(scram, built, logins):
    with psycopg.connect(built) as conn:
        marts = database_marts(conn)
    seen_by_someone = set()
    for clients in WORKSPACES.values():
        for client in clients:
            for mart, (_, _, slugs) in marts.items():
                if "client_slug" not in slugs:
                    # scoped by workspace only: a client login is not given its workspace's rows
                    assert _visible(scram, logins[client], mart, "workspace_slug") == (0, set()), (client, mart)
                    continue
                count, visible = _visible(scram, logins[client], mart, "client_slug")
                [(expected,)] = superuser_rows(
                    built,
                    sql.SQL("select count(*) from marts.{} where client_slug = %s").format(sql.Identifier(mart)),
                    (client,),
                )
                assert visible <= {client}, (client, mart, visible)
                assert count == expected, (client, mart)
                if count:
                    seen_by_someone.add(mart)
    # Every mart with a client column showed rows to at least two client logins' worth of data
    # (the previous test); here: none of them was empty for every client login.
    assert seen_by_someone == {m for m, (_, _, slugs) in marts.items() if "client_slug" in slugs}


def test_a_workspace_login_sees_its_workspace_and_nothing_of_the_other_in_every_mart(scram, built, logins):
    with psycopg.connect(built) as conn:
        marts = database_marts(conn)
    for mart in marts:
        seen = 0
        for workspace in WORKSPACES:
            count, visible = _visible(scram, logins[workspace], mart, "workspace_slug")
            [(expected,)] = superuser_rows(
                built,
                sql.SQL("select count(*) from marts.{} where workspace_slug = %s").format(sql.Identifier(mart)),
                (workspace,),
            )
            assert visible <= {workspace}, (workspace, mart, visible)
            assert count == expected, (workspace, mart)
            seen += count
        # The two workspace logins together see every row, and there are rows to see.
        [(total,)] = superuser_rows(built, sql.SQL("select count(*) from marts.{}").format(sql.Identifier(mart)))
        assert seen == total > 0, mart


def test_the_analyst_sees_every_row_of_every_mart(scram, built, logins):
    with psycopg.connect(built) as conn:
        marts = database_marts(conn)
    for mart in marts:
        query = sql.SQL("select count(*) from marts.{}").format(sql.Identifier(mart))
        assert as_login(scram, logins["analyst"], query) == superuser_rows(built, query), mart


def test_a_wrong_or_missing_password_is_refused_by_the_server(scram, built, logins):
    for login in (logins["acme-outdoor"], logins["analyst"]):
        with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
            psycopg.connect(scram.login_url(DATABASE, login, PASSWORD + "x")).close()
        with pytest.raises(psycopg.OperationalError, match="no password supplied"):
            psycopg.connect(scram.login_url(DATABASE, login, None)).close()
    # and the superuser, trusted on the socket, is not let in over TCP at all
    with pytest.raises(psycopg.OperationalError, match="pg_hba.conf rejects"):
        psycopg.connect(scram.login_url(DATABASE, "postgres", None)).close()
    # The server stored add_login's verifier: the plain password never reached it.
    [(verifier,)] = superuser_rows(
        built, "select rolpassword from pg_authid where rolname = %s", (logins["acme-outdoor"],)
    )
    assert verifier.startswith("SCRAM-SHA-256$4096:") and PASSWORD not in verifier
