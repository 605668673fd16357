"""Alert rules evaluated over hand-made marts rows; every expected figure computed by hand below."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import psycopg
import pytest
import yaml

from metrics_pipeline.config import load_config
from metrics_pipeline.operations.alert_rules import evaluate_due_rules, sync_alert_rules
from tests.conftest import fetch_all

pytestmark = pytest.mark.integration

DAY = date(2026, 10, 8)  # the latest closed day: what is evaluated
BASELINE = [date(2026, 10, 1) + timedelta(days=n) for n in range(7)]  # 1st..7th
NOW = datetime(2026, 10, 9, 6, tzinfo=UTC)

# acc-1 (Meta account 1234, USD): every baseline day spend 100, conversions 10, revenue 300, and
# clicks 40, 60, 40, 60, 40, 60, 50 (mean 50; deviations ±10 six times and 0: σ_pop = √(600/7) ≈ 9.258).
# The 8th: spend 600, clicks 90, conversions 4, revenue 600.
ACC_1_CLICKS = [40, 60, 40, 60, 40, 60, 50]
# acc-2 (account 9999, USD): spend 100, clicks 50, conversions 10, revenue 300 every day, the 8th too.
# Campaign cmp-1 "Fall Sale" (in acc-1): rows only on the 5th-7th with 7 conversions, then 1 on the 8th.
RULES = [
    # 600 > 500: raised, baseline = mean spend 100.
    {
        "id": "spend-cap",
        "type": "spend_threshold",
        "severity": "critical",
        "scope": {"level": "account", "account": "act_1234"},
        "threshold": 500,
        "evaluation_interval": "1h",
    },
    # acc-1: 4 < 10 × (1 − 0.5) = 5: raised. acc-2: 10 is not below 5.
    {"id": "conv-drop", "type": "conversion_drop", "scope": {"level": "account"}, "threshold": 0.5},
    # CPA 600 / 4 = 150 > baseline 700 / 70 = 10 × (1 + 1) = 20: raised (acc-1 only: acc-2's CPA stays 10).
    {"id": "cpa-spike", "type": "cpa_spike", "scope": {"level": "account"}, "threshold": 1},
    # ROAS 600 / 600 = 1 < baseline 2100 / 700 = 3 × 0.5 = 1.5: raised.
    {"id": "roas-drop", "type": "roas_drop", "scope": {"level": "account", "account": "1234"}, "threshold": 0.5},
    # |90 − 50| = 40 > 3σ ≈ 27.77: raised; > 5σ ≈ 46.29 is not.
    {"id": "clicks-3sd", "type": "click_anomaly", "scope": {"level": "account", "account": "1234"}, "threshold": 3},
    {"id": "clicks-5sd", "type": "click_anomaly", "scope": {"level": "account", "account": "1234"}, "threshold": 5},
    # Workspace, reporting currency EUR at 0.5: (600 + 100) × 0.5 = 350 > 300: raised; baseline (100 + 100) × 0.5.
    {"id": "workspace-spend", "type": "spend_threshold", "threshold": 300},
    # Campaign: baseline 1st-7th, no rows on the 1st-4th (zero): mean 21 / 7 = 3; 1 < 3 × 0.5 = 1.5: raised.
    {
        "id": "campaign-conv",
        "type": "conversion_drop",
        "scope": {"level": "campaign", "campaign": "Fall Sale"},
        "threshold": 0.5,
    },
]


@pytest.fixture
def marts(database_url, tmp_path):
    with psycopg.connect(database_url) as conn:
        conn.execute("drop schema if exists marts cascade")
        conn.execute("create schema marts")
        conn.execute(
            "create table marts.dim_ad_entities (entity_id text, entity_name text, platform_account_id text,"
            " platform_entity_id text)"
        )
        conn.execute(
            "create table marts.fct_pnl_daily (workspace_slug text, kind text, level text, entity_id text,"
            " account_entity_id text, client_slug text, currency text, metric_date date, spend numeric,"
            " clicks bigint, conversions numeric, platform_revenue numeric, reporting_currency text,"
            " spend_reporting numeric, platform_revenue_reporting numeric)"
        )
        conn.execute(
            "insert into marts.dim_ad_entities values ('acc-1', 'Acme Meta', '1234', '1234'),"
            " ('acc-2', 'Acme Two', '9999', '9999'), ('cmp-1', 'Fall Sale', '1234', '555')"
        )
        rows = []

        def row(level, entity, account, day, spend, clicks, conversions, revenue, kind="eod"):
            rows.append(
                (
                    "northstar",
                    kind,
                    level,
                    entity,
                    account,
                    "acme",
                    "USD",
                    day,
                    spend,
                    clicks,
                    conversions,
                    revenue,
                    "EUR",
                    Decimal(spend) * Decimal("0.5"),
                    Decimal(revenue) * Decimal("0.5"),
                )
            )

        for day, clicks in zip(BASELINE, ACC_1_CLICKS):
            row("account", "acc-1", "acc-1", day, 100, clicks, 10, 300)
        row("account", "acc-1", "acc-1", DAY, 600, 90, 4, 600)
        row("account", "acc-1", "acc-1", DAY + timedelta(days=1), 9999, 9999, 0, 0, kind="snapshot")  # today: ignored
        for day in [*BASELINE, DAY]:
            row("account", "acc-2", "acc-2", day, 100, 50, 10, 300)
        for day in BASELINE[4:]:
            row("campaign", "cmp-1", "acc-1", day, 20, 10, 7, 60)
        row("campaign", "cmp-1", "acc-1", DAY, 20, 10, 1, 60)
        conn.cursor().executemany(
            "insert into marts.fct_pnl_daily values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)", rows
        )
        conn.execute("truncate ops.alert_events, ops.alert_rule_evaluations cascade")
        path = tmp_path / "config.yaml"
        path.write_text(
            yaml.safe_dump(
                {
                    "workspaces": [
                        {
                            "slug": "northstar",
                            "name": "Northstar",
                            "reporting_currency": "EUR",
                            "clients": [{"slug": "acme", "name": "Acme", "currency": "USD"}],
                            "alert_rules": RULES,
                        }
                    ]
                }
            ),
            encoding="utf-8",
        )
        sync_alert_rules(conn, load_config(path))
    yield database_url
    with psycopg.connect(database_url) as conn:
        conn.execute("drop schema marts cascade")


def events(url):
    return fetch_all(
        url,
        "select rule_id, entity_id, metric_date, current_value, baseline_value, threshold, severity,"
        " currency, client_slug from ops.alert_events order by rule_id, entity_id",
    )


def test_each_rule_type_raises_exactly_what_the_hand_computation_says(marts):
    with psycopg.connect(marts) as conn:
        evaluation = evaluate_due_rules(conn, NOW)

    assert len(evaluation.evaluated) == len(RULES)
    got = {
        (rule, entity): (day, current, baseline, threshold, severity, currency, client)
        for rule, entity, day, current, baseline, threshold, severity, currency, client in events(marts)
    }
    assert set(got) == {
        ("spend-cap", "acc-1"),
        ("conv-drop", "acc-1"),
        ("cpa-spike", "acc-1"),
        ("roas-drop", "acc-1"),
        ("clicks-3sd", "acc-1"),
        ("workspace-spend", "workspace:northstar"),
        ("campaign-conv", "cmp-1"),
    }
    assert got["spend-cap", "acc-1"] == (DAY, 600, 100, 500, "critical", "USD", "acme")
    assert got["conv-drop", "acc-1"][:4] == (DAY, 4, 10, Decimal("0.5"))
    assert got["cpa-spike", "acc-1"][:3] == (DAY, 150, 10) and got["cpa-spike", "acc-1"][5] == "USD"
    assert got["roas-drop", "acc-1"][:3] == (DAY, 1, 3) and got["roas-drop", "acc-1"][5] is None
    assert got["clicks-3sd", "acc-1"][:3] == (DAY, 90, 50)
    assert got["workspace-spend", "workspace:northstar"][:3] == (DAY, 350, 100)
    assert got["workspace-spend", "workspace:northstar"][5:] == ("EUR", None)
    assert got["campaign-conv", "cmp-1"][:3] == (DAY, 1, 3)
    [(context,)] = fetch_all(marts, "select context from ops.alert_events where rule_id = 'clicks-3sd'")
    assert context["baseline_window"]["from"] == "2026-10-01" and context["baseline_window"]["to"] == "2026-10-07"
    assert abs(Decimal(str(context["baseline_window"]["stddev_clicks"])) - Decimal("9.2582")) < Decimal("0.0001")
    assert context["day"] == {"spend": 600, "clicks": 90, "conversions": 4, "platform_revenue": 600}


def test_an_event_is_raised_once_and_rules_wait_for_their_interval(marts):
    with psycopg.connect(marts) as conn:
        first = evaluate_due_rules(conn, NOW)
        soon = evaluate_due_rules(conn, NOW + timedelta(minutes=59))
        later = evaluate_due_rules(conn, NOW + timedelta(hours=1))
        next_day = evaluate_due_rules(conn, NOW + timedelta(days=1))

    assert len(first.raised) == 7
    assert soon.evaluated == []  # every interval is at least an hour
    assert later.evaluated == ["northstar/spend-cap"]  # the hourly rule only
    assert later.raised == [] and next_day.raised == []  # same rule, entity and day: not raised again
    assert len(next_day.evaluated) == len(RULES)
    assert len(events(marts)) == 7
    [(triggered_at,)] = fetch_all(marts, "select distinct triggered_at from ops.alert_events")
    assert triggered_at == NOW


def test_the_sensor_evaluates_after_a_successful_run(marts):
    import dagster as dg

    from metrics_pipeline.defs.alerting import evaluate_alert_rules
    from metrics_pipeline.lib.resources import WarehouseResource

    @dg.op
    def marts_built():
        return None

    @dg.job(name="daily_pipeline")
    def stand_in():
        marts_built()

    with dg.instance_for_test() as instance:
        result = stand_in.execute_in_process(instance=instance)
        context = dg.build_run_status_sensor_context(
            sensor_name="evaluate_alert_rules",
            dagster_instance=instance,
            dagster_run=result.dagster_run,
            dagster_event=result.get_run_success_event(),
            resources={"warehouse": WarehouseResource()},
        )
        evaluate_alert_rules(context)

    # Evaluated at the wall clock's now: the same seven events as the hand computation above.
    assert {(rule, entity) for rule, entity, *_ in events(marts)} == {
        ("spend-cap", "acc-1"),
        ("conv-drop", "acc-1"),
        ("cpa-spike", "acc-1"),
        ("roas-drop", "acc-1"),
        ("clicks-3sd", "acc-1"),
        ("workspace-spend", "workspace:northstar"),
        ("campaign-conv", "cmp-1"),
    }


def test_status_lists_the_latest_alerts(marts, restore_environ, capsys):
    from metrics_pipeline.cli.main import main

    with psycopg.connect(marts) as conn:
        evaluate_due_rules(conn, NOW)

    assert main(["status"]) == 0

    out = capsys.readouterr().out.split("latest alerts (ops.alert_events)")[1]
    [line] = [line for line in out.splitlines() if "spend-cap" in line]
    assert line.split()[:9] == [
        "2026-10-09",
        "06:00",
        "critical",
        "northstar",
        "spend-cap",
        "Acme",
        "Meta",
        "2026-10-08",
        "600.0000",
    ]
    assert len([line for line in out.splitlines() if "northstar" in line]) == 7
