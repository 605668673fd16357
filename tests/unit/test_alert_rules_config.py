from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from metrics_pipeline.config import AlertRule, ConfigError, load_config
from metrics_pipeline.operations.alert_rules import alert_rules_frame, is_due

CONFIG = """
workspaces:
  - slug: northstar
    name: Northstar
    clients: [{slug: acme, name: Acme, currency: USD}]
    alert_rules:
      - id: daily-spend-cap
        type: spend_threshold
        severity: critical
        scope: {level: account, account: act_1234}
        threshold: 500.50
        evaluation_interval: 1h
      - id: conversions-fell
        type: conversion_drop
        scope: {level: campaign, campaign: Fall Sale}
        threshold: 0.3
        baseline_days: 14
      - id: clicks-odd
        type: click_anomaly
        threshold: 3
        evaluation_interval: 30m
"""


def test_rules_load_with_defaults_and_exact_thresholds(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text(CONFIG, encoding="utf-8")
    [workspace] = load_config(path).workspaces
    assert workspace.alert_rules == (
        AlertRule(
            "daily-spend-cap",
            "northstar",
            "spend_threshold",
            "critical",
            "account",
            "1234",
            None,
            Decimal("500.50"),
            7,
            60,
        ),
        AlertRule(
            "conversions-fell",
            "northstar",
            "conversion_drop",
            "warning",
            "campaign",
            None,
            "Fall Sale",
            Decimal("0.3"),
            14,
            1440,
        ),
        AlertRule("clicks-odd", "northstar", "click_anomaly", "warning", "workspace", None, None, Decimal("3"), 7, 30),
    )
    frame = alert_rules_frame(load_config(path))
    # Text until Postgres casts it; a YAML float goes through its shortest repr, never binary.
    assert frame["threshold"].to_list() == ["500.5", "0.3", "3"]
    assert frame["evaluation_interval_minutes"].to_list() == [60, 1440, 30]


def test_every_problem_of_a_rule_is_named(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text(
        """
workspaces:
  - slug: northstar
    name: Northstar
    clients: []
    alert_rules:
      - {id: Bad Id, type: spend_spike, threshold: 1}
      - {id: a, type: conversion_drop, threshold: 1.5, severity: loud, evaluation_interval: weekly}
      - {id: b, type: click_anomaly, threshold: 2, baseline_days: 1, scope: {level: workspace, account: "1"}}
      - {id: c, type: roas_drop, scope: {level: account, campaign: x}}
      - {id: c, type: cpa_spike, threshold: 0}
""",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    problems = "\n".join(raised.value.problems)
    for expected in (
        "alert_rules[0].id: required",
        "alert_rules[0].type: must be one of spend_threshold, conversion_drop, cpa_spike, roas_drop, click_anomaly",
        "alert_rules[1].threshold: a drop is a fraction above 0 and at most 1",
        "alert_rules[1].severity: must be one of info, warning, critical",
        "alert_rules[1].evaluation_interval: like 30m, 1h or 1d (got 'weekly')",
        "alert_rules[2].baseline_days: must be a whole number of days from 2 to 90",
        "alert_rules[2].scope: a workspace-level rule takes no account or campaign selector",
        "alert_rules[3].scope.campaign: only for level campaign",
        "alert_rules[3].threshold: must be a decimal number (got None)",
        "alert_rules[4].threshold: must be more than zero",
    ):
        assert expected in problems


def test_a_rule_is_due_once_its_interval_has_passed():
    now = datetime(2026, 11, 2, 3, 0, tzinfo=UTC)
    assert is_due(None, 60, now)
    assert not is_due(now - timedelta(minutes=59), 60, now)
    assert is_due(now - timedelta(minutes=60), 60, now)
