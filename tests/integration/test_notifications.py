"""Notifications end to end: alert events raised by the evaluator (the hand-made marts of
test_alert_rules) and sync failure notices, sent to the sandbox's Slack webhook and SMTP server
over real sockets, with the deliveries in a real Postgres.

Only the `spend-cap` rule notifies (slack and email): the first evaluation raises one event for it,
so one Slack message and one e-mail are due."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
import yaml

from metrics_pipeline.config import load_config
from metrics_pipeline.operations.alert_rules import evaluate_due_rules, sync_alert_rules
from metrics_pipeline.operations.notifications import MAX_ATTEMPTS, deliver_due, raise_sync_failure_notices
from metrics_pipeline.sandbox.notification_servers import (
    SMTP_PASSWORD_VARIABLE,
    WEBHOOK_URL_VARIABLE,
    SlackWebhookServer,
    SmtpFault,
    SmtpSandboxServer,
    WebhookFault,
)
from tests.conftest import fetch_all
from tests.integration.test_alert_rules import NOW, RULES, marts  # noqa: F401 - the fixture

pytestmark = pytest.mark.integration


@pytest.fixture
def slack():
    with SlackWebhookServer() as server:
        yield server


@pytest.fixture
def smtp():
    with SmtpSandboxServer() as server:
        yield server


def config_document(smtp_port: int) -> dict:
    rules = [dict(rule, notify=["team-slack", "team-email"]) if rule["id"] == "spend-cap" else rule for rule in RULES]
    return {
        "notifications": {
            "channels": {
                "team-slack": {"type": "slack", "webhook_url_env": WEBHOOK_URL_VARIABLE},
                "team-email": {
                    "type": "email",
                    "smtp_host": "127.0.0.1",
                    "smtp_port": smtp_port,
                    "starttls": False,
                    "username": "alerts@sandbox.example",
                    "password_env": SMTP_PASSWORD_VARIABLE,
                    "from": "alerts@sandbox.example",
                    "to": ["oncall@northstar.example"],
                },
            },
            "sync_failures": ["team-slack", "team-email"],
        },
        "workspaces": [
            {
                "slug": "northstar",
                "name": "Northstar",
                "reporting_currency": "EUR",
                "clients": [{"slug": "acme", "name": "Acme", "currency": "USD"}],
                "alert_rules": rules,
            }
        ],
    }


@pytest.fixture
def notifying(marts, slack, smtp, tmp_path):  # noqa: F811
    """The marts with the spend cap notifying; the first evaluation done; the secrets in `environ`."""
    path = tmp_path / "notify.yaml"
    path.write_text(yaml.safe_dump(config_document(smtp.port)), encoding="utf-8")
    config = load_config(path)
    with psycopg.connect(marts, autocommit=True) as conn:
        sync_alert_rules(conn, config)
        evaluate_due_rules(conn, NOW)
    environ = {WEBHOOK_URL_VARIABLE: slack.webhook_url, SMTP_PASSWORD_VARIABLE: smtp.password}
    return marts, config, environ, path


def deliveries(url: str) -> list[tuple]:
    return fetch_all(
        url,
        "select channel, status, attempts, next_attempt_at, last_error, sent_at from ops.notification_deliveries"
        " order by channel",
    )


def deliver(url: str, config, environ, now: datetime):
    with psycopg.connect(url, autocommit=True) as conn:
        return deliver_due(conn, config.notifications, now, environ=environ)


def test_each_alert_is_sent_once_per_channel(notifying, slack, smtp):
    url, config, environ, _ = notifying
    report = deliver(url, config, environ, NOW)

    assert sorted(channel for _, channel in report.sent) == ["team-email", "team-slack"]
    [text] = slack.texts
    assert text.startswith("[CRITICAL] northstar/spend-cap: Acme Meta on 2026-10-08\n")
    assert "spend 600 USD (baseline 100 USD, threshold 500, rule type spend_threshold)" in text
    [(sender, recipients, message)] = smtp.messages
    assert (sender, recipients) == ("alerts@sandbox.example", ["oncall@northstar.example"])
    assert message["Subject"] == "[CRITICAL] northstar/spend-cap: Acme Meta on 2026-10-08"
    assert "spend 600 USD" in message.get_payload()
    assert [(c, s, a, e) for c, s, a, _, e, _ in deliveries(url)] == [
        ("team-email", "sent", 1, None),
        ("team-slack", "sent", 1, None),
    ]

    # Never twice: delivering again, and evaluating the same day again, sends nothing more.
    assert deliver(url, config, environ, NOW + timedelta(hours=2)).sent == []
    with psycopg.connect(url, autocommit=True) as conn:
        evaluate_due_rules(conn, NOW + timedelta(days=1))
    assert deliver(url, config, environ, NOW + timedelta(days=1)).sent == []
    assert len(slack.texts) == 1 and len(smtp.messages) == 1


def test_a_server_error_is_retried_after_the_backoff(notifying, slack, smtp):
    url, config, environ, _ = notifying
    slack.queue_fault(WebhookFault(500))
    smtp.queue_fault(SmtpFault(451, "try again later"))

    first = deliver(url, config, environ, NOW)
    assert first.sent == [] and len(first.retrying) == 2
    rows = {c: (s, a, n, e) for c, s, a, n, e, _ in deliveries(url)}
    assert rows["team-slack"] == (
        "pending",
        1,
        NOW + timedelta(seconds=60),
        "Slack webhook answered HTTP 500: rollup_error",
    )
    assert rows["team-email"] == ("pending", 1, NOW + timedelta(seconds=60), "SMTP answered 451: try again later")

    assert deliver(url, config, environ, NOW + timedelta(seconds=59)).sent == []  # not due yet
    second = deliver(url, config, environ, NOW + timedelta(seconds=60))
    assert sorted(c for _, c in second.sent) == ["team-email", "team-slack"]
    assert len(slack.texts) == 1 and len(smtp.messages) == 1
    assert [(c, s, a, e) for c, s, a, _, e, _ in deliveries(url)] == [
        ("team-email", "sent", 2, "SMTP answered 451: try again later"),  # the last error is kept
        ("team-slack", "sent", 2, "Slack webhook answered HTTP 500: rollup_error"),
    ]


def test_a_rate_limit_waits_for_retry_after(notifying, slack, smtp):
    url, config, environ, _ = notifying
    slack.queue_fault(WebhookFault(429, retry_after=600))

    deliver(url, config, environ, NOW)
    [slack_row] = [r for r in deliveries(url) if r[0] == "team-slack"]
    assert slack_row[1:4] == ("pending", 1, NOW + timedelta(seconds=600))  # Retry-After beats the 60 s backoff
    assert deliver(url, config, environ, NOW + timedelta(seconds=599)).sent == []
    assert [c for _, c in deliver(url, config, environ, NOW + timedelta(seconds=600)).sent] == ["team-slack"]
    assert len(slack.texts) == 1
    assert [path for path, _ in slack.requests] == [slack.path, slack.path]  # one refused, one accepted


def test_a_permanent_error_fails_at_once_and_a_transient_one_after_the_last_attempt(notifying, slack, smtp):
    url, config, environ, _ = notifying
    slack.queue_fault(*[WebhookFault(500)] * MAX_ATTEMPTS)
    smtp.password = "changed-on-the-server"  # the configured password is now refused: permanent

    now = NOW
    for _attempt in range(MAX_ATTEMPTS):
        deliver(url, config, environ, now)
        now += timedelta(days=1)
    rows = {c: (s, a, e) for c, s, a, _, e, _ in deliveries(url)}
    assert rows["team-email"] == ("failed", 1, "SMTP login refused (535)")
    assert rows["team-slack"] == ("failed", MAX_ATTEMPTS, "Slack webhook answered HTTP 500: rollup_error")
    assert deliver(url, config, environ, now + timedelta(days=30)).sent == []  # failed stays failed
    assert slack.texts == [] and smtp.messages == []


def test_a_missing_webhook_url_fails_without_a_request(notifying, slack):
    url, config, environ, _ = notifying
    deliver(url, config, {SMTP_PASSWORD_VARIABLE: environ[SMTP_PASSWORD_VARIABLE]}, NOW)
    [slack_row] = [r for r in deliveries(url) if r[0] == "team-slack"]
    assert slack_row[1:3] == ("failed", 1) and slack_row[4] == f"{WEBHOOK_URL_VARIABLE} is not set"
    assert slack.requests == []


def test_the_webhook_url_and_the_smtp_password_never_land_in_the_warehouse(notifying, slack, smtp):
    url, config, environ, _ = notifying
    slack.queue_fault(WebhookFault(500))
    deliver(url, config, environ, NOW)
    # a webhook URL that refuses connections: the error names the failure, not the URL
    closed = SlackWebhookServer(token=slack.path.rsplit("/", 1)[1])
    closed.start()
    dead_url = closed.webhook_url
    closed.stop()
    deliver(url, config, {**environ, WEBHOOK_URL_VARIABLE: dead_url}, NOW + timedelta(minutes=5))
    token = slack.path.rsplit("/", 1)[1]
    dump = "\n".join(
        str(row)
        for table in ("notification_deliveries", "alert_events", "alert_event_transitions", "sync_failure_notices")
        for row in fetch_all(url, f"select * from ops.{table}")
    )
    assert "Slack webhook unreachable" in dump
    assert token not in dump and slack.path not in dump and smtp.password not in dump


def test_a_permanent_landing_failure_is_notified_once_per_source_target_and_day(notifying, slack, smtp):
    url, config, environ, _ = notifying
    failed_at = NOW - timedelta(hours=3)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("delete from ops.notification_deliveries")  # only the notices' deliveries here
        for partition, target, kind in [
            ("2026-10-07", "123-456-7890", "permanent"),
            ("2026-10-08", "123-456-7890", "permanent"),  # same source, target and day: one notice
            ("2026-10-08", "999-000-1111", "transient"),  # retried by the retry sensor: no notice
        ]:
            conn.execute(
                "insert into ops.ingestion_logs (source, partition_key, target, status, message, failure_kind,"
                " started_at, finished_at) values ('google_ads', %s, %s, 'failed', %s, %s, %s, %s)",
                (
                    partition,
                    target,
                    f"{target}: the refresh token was revoked (invalid_grant)",
                    kind,
                    failed_at,
                    failed_at,
                ),
            )
        first = raise_sync_failure_notices(conn, config.notifications, NOW)
        again = raise_sync_failure_notices(conn, config.notifications, NOW + timedelta(hours=1))
    assert [(source, target, day) for _, source, target, day in first] == [
        ("google_ads", "123-456-7890", failed_at.date())
    ]
    assert again == []

    report = deliver(url, config, environ, NOW)
    assert sorted(c for _, c in report.sent) == ["team-email", "team-slack"]
    [text] = slack.texts
    assert text.startswith(f"[SYNC FAILED] google_ads 123-456-7890 on {failed_at.date()}\n")
    assert "(partition 2026-10-07) failed permanently" in text and "refresh token was revoked" in text
    assert smtp.subjects == [f"[SYNC FAILED] google_ads 123-456-7890 on {failed_at.date()}"]


def test_the_sensor_sends_what_is_due(notifying, slack, smtp, monkeypatch):
    import dagster as dg

    from metrics_pipeline.defs.alerting import deliver_notifications
    from metrics_pipeline.lib.resources import PipelineConfigResource, WarehouseResource

    url, _, environ, path = notifying
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    # the sensor runs at the wall clock's now: the deliveries, due at NOW (in the past), are due
    with dg.build_sensor_context(
        instance=dg.DagsterInstance.ephemeral(),
        resources={"warehouse": WarehouseResource(), "pipeline_config": PipelineConfigResource(path=str(path))},
    ) as context:
        result = deliver_notifications(context)
    assert "notifications 2 sent, 0 to retry, 0 failed" in result.skip_message
    assert len(slack.texts) == 1 and len(smtp.messages) == 1
    assert datetime.now(UTC) - fetch_all(url, "select max(sent_at) from ops.notification_deliveries")[0][0] < timedelta(
        minutes=5
    )


def test_the_demo_section_shows_delivered_alerts_after_a_500_and_a_429(marts, slack, smtp, tmp_path, capsys):  # noqa: F811
    from types import SimpleNamespace

    from metrics_pipeline.cli.demo import notify_demo

    path = tmp_path / "notify.yaml"
    path.write_text(yaml.safe_dump(config_document(smtp.port)), encoding="utf-8")
    with psycopg.connect(marts, autocommit=True) as conn:
        sync_alert_rules(conn, load_config(path))
    sandbox = SimpleNamespace(world=SimpleNamespace(config_path=path), slack=slack, smtp=smtp)
    saved = {name: os.environ.get(name) for name in (WEBHOOK_URL_VARIABLE, SMTP_PASSWORD_VARIABLE)}
    os.environ.update({WEBHOOK_URL_VARIABLE: slack.webhook_url, SMTP_PASSWORD_VARIABLE: smtp.password})
    os.environ["METRICS_RETRY_BASE_DELAY"] = "0.02"  # the sandbox's compressed time: 60 s -> 1.2 s
    try:
        delivered = notify_demo(sandbox, marts)
    finally:
        os.environ.pop("METRICS_RETRY_BASE_DELAY", None)
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    out = capsys.readouterr().out
    assert delivered == {"slack": 1, "email": 1}
    assert "alerts delivered: slack 1, email 1" in out
    assert "team-slack: Slack webhook answered HTTP 500: rollup_error; retrying" in out
    assert "team-slack: Slack webhook answered HTTP 429: rate_limited; retrying" in out
    assert [status for _, status in slack.requests] == [500, 429, 200]
    assert slack.path not in out and smtp.password not in out
