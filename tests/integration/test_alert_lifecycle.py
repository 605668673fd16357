"""Alert lifecycle on a real Postgres: automatic resolve when a rule's condition clears, and the
`alerts` CLI's transitions (with their history), over the hand-made marts of test_alert_rules.

The first evaluation (NOW, day DAY) raises the seven events test_alert_rules computes. Then acc-1
gets an ordinary day DAY + 1 (spend 100, clicks 50, conversions 10, revenue 300) and the rules
are evaluated a day later:
  spend-cap     acc-1  100 is not above 500                        -> RESOLVED by auto
  conv-drop     acc-1  10 is not below (6 × 10 + 4) / 7 × 0.5      -> RESOLVED by auto (was ACKNOWLEDGED)
  roas-drop     acc-1  3 is not below the baseline × 0.5           -> stays DISMISSED (final)
  campaign-conv cmp-1  no new day: DAY triggers again              -> stays TRIGGERED, not raised twice
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import psycopg
import pytest

from metrics_pipeline.cli.main import main
from metrics_pipeline.operations.alert_lifecycle import TransitionError, history, transition
from metrics_pipeline.operations.alert_rules import evaluate_due_rules
from tests.conftest import fetch_all
from tests.integration.test_alert_rules import DAY, NOW, marts  # noqa: F401 - the fixture

pytestmark = pytest.mark.integration


def event_id(url: str, rule: str, entity: str, day=DAY) -> int:
    [(found,)] = fetch_all(
        url,
        "select alert_event_id from ops.alert_events where rule_id = %s and entity_id = %s and metric_date = %s",
        (rule, entity, day),
    )
    return found


def status_of(url: str, rule: str, entity: str) -> tuple:
    [row] = fetch_all(
        url,
        "select status, status_changed_by from ops.alert_events where rule_id = %s and entity_id = %s",
        (rule, entity),
    )
    return row


def add_acc_1_day(url: str, day, spend, clicks, conversions, revenue) -> None:
    with psycopg.connect(url) as conn:
        conn.execute(
            "insert into marts.fct_pnl_daily values ('northstar', 'eod', 'account', 'acc-1', 'acc-1', 'acme', 'USD',"
            " %s, %s, %s, %s, %s, 'EUR', %s, %s)",
            (day, spend, clicks, conversions, revenue, Decimal(spend) / 2, Decimal(revenue) / 2),
        )


def test_a_cleared_condition_resolves_the_open_alerts_automatically(marts):  # noqa: F811
    with psycopg.connect(marts, autocommit=True) as conn:
        first = evaluate_due_rules(conn, NOW)
        transition(conn, event_id(marts, "conv-drop", "acc-1"), "ACKNOWLEDGED", "dana", "looking")
        transition(conn, event_id(marts, "roas-drop", "acc-1"), "DISMISSED", "dana", "known promo")
    assert len(first.raised) == 7 and first.resolved == []
    [(transitions,)] = fetch_all(
        marts, "select count(*) from ops.alert_event_transitions where to_status = 'TRIGGERED'"
    )
    assert transitions == 7  # every new event starts its history

    add_acc_1_day(marts, DAY + timedelta(days=1), 100, 50, 10, 300)
    with psycopg.connect(marts, autocommit=True) as conn:
        second = evaluate_due_rules(conn, NOW + timedelta(days=1))

    assert status_of(marts, "spend-cap", "acc-1") == ("RESOLVED", "auto")
    assert status_of(marts, "conv-drop", "acc-1") == ("RESOLVED", "auto")
    assert status_of(marts, "roas-drop", "acc-1") == ("DISMISSED", "dana")
    assert status_of(marts, "campaign-conv", "cmp-1") == ("TRIGGERED", "evaluator")
    assert second.raised == []  # nothing new: DAY + 1 triggers nothing, cmp-1's DAY is not raised twice
    resolved = {(rule, entity) for _, _, rule, entity, _ in second.resolved}
    assert ("spend-cap", "acc-1") in resolved and ("conv-drop", "acc-1") in resolved
    assert ("roas-drop", "acc-1") not in resolved and ("campaign-conv", "cmp-1") not in resolved
    with psycopg.connect(marts, autocommit=True) as conn:
        changes = history(conn, event_id(marts, "conv-drop", "acc-1"))
    assert [(f, t, by) for f, t, by, _, _ in changes] == [
        (None, "TRIGGERED", "evaluator"),
        ("TRIGGERED", "ACKNOWLEDGED", "dana"),
        ("ACKNOWLEDGED", "RESOLVED", "auto"),
    ]
    assert changes[1][3] == "looking"
    [columns] = fetch_all(
        marts,
        "select acknowledged_by, resolved_by, resolved_at, dismissed_by, status_note from ops.alert_events"
        " where alert_event_id = %s",
        (event_id(marts, "conv-drop", "acc-1"),),
    )
    assert columns[:4] == ("dana", "auto", NOW + timedelta(days=1), None)
    assert columns[4].startswith(f"condition cleared: not triggered on {DAY + timedelta(days=1)} (value 10")
    assert changes[2][3].startswith(f"condition cleared: not triggered on {DAY + timedelta(days=1)}")
    assert changes[2][4] == NOW + timedelta(days=1)

    # The spend cap is broken again on DAY + 2: a new event for the new day; the resolved one stays resolved.
    add_acc_1_day(marts, DAY + timedelta(days=2), 700, 50, 10, 300)
    with psycopg.connect(marts, autocommit=True) as conn:
        third = evaluate_due_rules(conn, NOW + timedelta(days=2))
    assert ("northstar", "spend-cap", "acc-1", DAY + timedelta(days=2)) in [r[:4] for r in third.raised]
    assert fetch_all(
        marts, "select metric_date, status from ops.alert_events where rule_id = 'spend-cap' order by metric_date"
    ) == [(DAY, "RESOLVED"), (DAY + timedelta(days=2), "TRIGGERED")]


def test_an_unevaluable_condition_does_not_resolve(marts):  # noqa: F811
    """A CPA without conversions is undefined, not 'below the spike': the cpa-spike alert stays open."""
    with psycopg.connect(marts, autocommit=True) as conn:
        evaluate_due_rules(conn, NOW)
    add_acc_1_day(marts, DAY + timedelta(days=1), 100, 50, 0, 300)
    with psycopg.connect(marts, autocommit=True) as conn:
        evaluate_due_rules(conn, NOW + timedelta(days=1))
    assert status_of(marts, "cpa-spike", "acc-1") == ("TRIGGERED", "evaluator")
    assert status_of(marts, "spend-cap", "acc-1") == ("RESOLVED", "auto")


def test_transitions_follow_the_lifecycle(marts):  # noqa: F811
    with psycopg.connect(marts, autocommit=True) as conn:
        evaluate_due_rules(conn, NOW)
        alert = event_id(marts, "spend-cap", "acc-1")
        with pytest.raises(TransitionError, match="a name is required"):
            transition(conn, alert, "ACKNOWLEDGED", "  ")
        with pytest.raises(TransitionError, match="the pipeline's own name"):
            transition(conn, alert, "RESOLVED", "auto")
        transition(conn, alert, "RESOLVED", "sam")
        with pytest.raises(TransitionError, match="RESOLVED, which is final"):
            transition(conn, alert, "ACKNOWLEDGED", "sam")
    assert status_of(marts, "spend-cap", "acc-1") == ("RESOLVED", "sam")


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_the_alerts_cli_lists_and_changes_alerts(marts, restore_environ, capsys):  # noqa: F811
    with psycopg.connect(marts, autocommit=True) as conn:
        evaluate_due_rules(conn, NOW)
    alert = str(event_id(marts, "spend-cap", "acc-1"))

    code, out, _ = run_cli(capsys, "alerts", "list")
    assert code == 0
    [line] = [line for line in out.splitlines() if "spend-cap" in line]
    assert line.split()[:5] == [alert, "TRIGGERED", "critical", "northstar", "spend-cap"]
    assert len([line for line in out.splitlines() if "northstar" in line]) == 7

    assert run_cli(capsys, "alerts", "ack", alert, "--by", "dana", "--note", "on it")[:2] == (
        0,
        f"alert {alert}: TRIGGERED -> ACKNOWLEDGED by dana\n",
    )
    code, _, err = run_cli(capsys, "alerts", "ack", alert, "--by", "dana")
    assert (code, err) == (2, f"error: alert {alert} is already ACKNOWLEDGED\n")
    assert run_cli(capsys, "alerts", "resolve", alert, "--by", "lee")[0] == 0
    code, _, err = run_cli(capsys, "alerts", "ack", alert, "--by", "dana")
    assert code == 2 and "RESOLVED, which is final: it cannot become ACKNOWLEDGED" in err
    code, _, err = run_cli(capsys, "alerts", "dismiss", "999999", "--by", "dana")
    assert code == 2 and "no alert with id 999999" in err

    code, out, _ = run_cli(capsys, "alerts", "show", alert)
    assert code == 0
    rows = [line.split()[:3] for line in out.splitlines()[3:]]
    assert rows == [
        ["-", "TRIGGERED", "evaluator"],
        ["TRIGGERED", "ACKNOWLEDGED", "dana"],
        ["ACKNOWLEDGED", "RESOLVED", "lee"],
    ]
    assert "on it" in out

    code, out, _ = run_cli(capsys, "alerts", "list")  # open ones only: the resolved alert is gone
    assert code == 0 and "spend-cap" not in out
    code, out, _ = run_cli(capsys, "alerts", "list", "--status", "RESOLVED")
    [line] = [line for line in out.splitlines() if "spend-cap" in line]
    assert line.split()[1] == "RESOLVED" and " lee " in line
    with pytest.raises(SystemExit):
        main(["alerts", "list", "--status", "SNOOZED"])
