"""marts.fct_alert_events as BI logins see it: dbt builds it from ops.alert_events (and the
transitions), the marts' post-hook puts row-level security on it, and each login connects as
itself (a superuser or the owner would bypass the policy and prove nothing).

  event  workspace  client   rule            status now
  1      north      alpha    spend-cap       ACKNOWLEDGED by dana, then RESOLVED by auto
  2      north      bravo    spend-cap       TRIGGERED
  3      south      charlie  conv-drop       DISMISSED by lee
  4      north      (none)   workspace-spend TRIGGERED (a workspace-level rule)
"""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime

import psycopg
import pytest

from metrics_pipeline.config import load_config
from metrics_pipeline.config.mirror import sync_config_tables
from metrics_pipeline.operations.alert_lifecycle import transition
from metrics_pipeline.security.bi_access import LoginScope, add_login, remove_login
from tests.conftest import fetch_all, write_file
from tests.dbt_cli import run_dbt
from tests.integration.test_bi_access import login_url

pytestmark = pytest.mark.integration

CONFIG = """
workspaces:
  - slug: north
    name: North Agency
    clients:
      - {slug: alpha, name: Alpha Co, currency: USD, timezone: UTC}
      - {slug: bravo, name: Bravo Co, currency: EUR, timezone: UTC}
  - slug: south
    name: South Agency
    clients:
      - {slug: charlie, name: Charlie Co, currency: GBP, timezone: UTC}
"""
PASSWORD = "alert-mart-password"
AT = datetime(2026, 10, 9, 6, tzinfo=UTC)
EVENTS = [
    ("north", "alpha", "spend-cap", "account", "acc-a", "Alpha Meta"),
    ("north", "bravo", "spend-cap", "account", "acc-b", "Bravo Meta"),
    ("south", "charlie", "conv-drop", "account", "acc-c", "Charlie Google"),
    ("north", None, "workspace-spend", "workspace", "workspace:north", "north"),
]


@pytest.fixture(scope="module")
def built(database_url, tmp_path_factory):
    root = tmp_path_factory.mktemp("alert-mart")
    with psycopg.connect(database_url, autocommit=True) as conn:
        sync_config_tables(conn, load_config(write_file(root / "config.yaml", CONFIG)))
        ids = []
        for workspace, client, rule, level, entity, name in EVENTS:
            [(alert,)] = conn.execute(
                "insert into ops.alert_events (workspace_slug, client_slug, rule_id, rule_type, severity,"
                " scope_level, entity_id, entity_name, metric_date, current_value, baseline_value, threshold,"
                " currency, context, triggered_at, status, status_changed_at, status_changed_by)"
                " values (%s, %s, %s, 'spend_threshold', 'warning', %s, %s, %s, %s, 600, 100, 500, 'USD', '{}',"
                " %s, 'TRIGGERED', %s, 'evaluator') returning alert_event_id",
                (workspace, client, rule, level, entity, name, date(2026, 10, 8), AT, AT),
            ).fetchall()
            conn.execute(
                "insert into ops.alert_event_transitions (alert_event_id, to_status, changed_by, changed_at)"
                " values (%s, 'TRIGGERED', 'evaluator', %s)",
                (alert, AT),
            )
            ids.append(alert)
        transition(conn, ids[0], "ACKNOWLEDGED", "dana", "looking")
        conn.execute(  # what resolve_alert_events.sql does when the condition clears
            "update ops.alert_events set status = 'RESOLVED', status_changed_by = 'auto', resolved_by = 'auto',"
            " resolved_at = now(), status_note = 'condition cleared' where alert_event_id = %s",
            (ids[0],),
        )
        transition(conn, ids[2], "DISMISSED", "lee", "not ours")
    result = run_dbt(database_url, root / "dbt_target", "build", "--select", "+fct_alert_events")
    assert result.returncode == 0, result.stdout[-6000:]
    return database_url, ids


@pytest.fixture(scope="module")
def logins(built):
    url, _ = built
    suffix = secrets.token_hex(3)
    scopes = {
        "alpha": LoginScope(client_slug="alpha"),
        "charlie": LoginScope(client_slug="charlie"),
        "north": LoginScope(workspace_slug="north"),
        "analyst": LoginScope(all_rows=True),
    }
    names = {key: f"bi_alerts_{key}_{suffix}" for key in scopes}
    with psycopg.connect(url, autocommit=True) as conn:
        for key, scope in scopes.items():
            add_login(conn, names[key], PASSWORD, scope)
    try:
        yield names
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            for login in names.values():
                remove_login(conn, login)


def as_login(url: str, login: str, query: str) -> list[tuple]:
    with psycopg.connect(login_url(url, login, PASSWORD)) as conn:
        assert conn.execute("select current_user").fetchone() == (login,)
        return conn.execute(query).fetchall()


def test_the_mart_has_every_event_with_its_lifecycle(built):
    url, ids = built
    rows = fetch_all(
        url,
        "select alert_event_id, client_slug, status, is_open, status_changed_by, acknowledged_by, resolved_by,"
        " status_note, dismissed_by from marts.fct_alert_events order by alert_event_id",
    )
    assert rows == [
        (ids[0], "alpha", "RESOLVED", False, "auto", "dana", "auto", "condition cleared", None),
        (ids[1], "bravo", "TRIGGERED", True, "evaluator", None, None, None, None),
        (ids[2], "charlie", "DISMISSED", False, "lee", None, None, "not ours", "lee"),
        (ids[3], None, "TRIGGERED", True, "evaluator", None, None, None, None),
    ]
    [(rls, policy)] = fetch_all(
        url,
        "select c.relrowsecurity, exists (select 1 from pg_policy p where p.polrelid = c.oid"
        " and p.polname = 'bi_row_scope') from pg_class c where c.oid = 'marts.fct_alert_events'::regclass",
    )
    assert rls and policy


def test_each_login_sees_only_its_own_alerts(built, logins):
    url, ids = built
    query = "select alert_event_id from marts.fct_alert_events order by 1"
    assert as_login(url, logins["alpha"], query) == [(ids[0],)]
    assert as_login(url, logins["charlie"], query) == [(ids[2],)]
    # the workspace login also sees its workspace-level alert (no client)
    assert as_login(url, logins["north"], query) == [(ids[0],), (ids[1],), (ids[3],)]
    assert as_login(url, logins["analyst"], query) == [(i,) for i in ids]


def test_a_client_login_cannot_read_the_ops_tables_behind_the_mart(built, logins):
    url, _ = built
    with psycopg.connect(login_url(url, logins["alpha"], PASSWORD)) as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("select * from ops.alert_events")
