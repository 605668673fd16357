"""Pure helpers of alert lifecycle and notifications: transitions, backoff, messages, redaction, config."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from metrics_pipeline.config import ConfigError, NotificationChannel, load_config
from metrics_pipeline.operations.alert_lifecycle import (
    ACKNOWLEDGED,
    DISMISSED,
    RESOLVED,
    TRIGGERED,
    TransitionError,
    check_actor,
    check_transition,
)
from metrics_pipeline.operations.alert_rules import alert_rules_frame
from metrics_pipeline.operations.notifications import (
    MAX_ATTEMPTS,
    Outcome,
    alert_message,
    next_state,
    parse_retry_after,
    redact_error,
    retry_delay_seconds,
    sync_failure_message,
    webhook_secrets,
)

NOW = datetime(2026, 10, 9, 6, tzinfo=UTC)


@pytest.mark.parametrize(
    ("current", "wanted"),
    [
        (TRIGGERED, ACKNOWLEDGED),
        (TRIGGERED, RESOLVED),
        (TRIGGERED, DISMISSED),
        (ACKNOWLEDGED, RESOLVED),
        (ACKNOWLEDGED, DISMISSED),
    ],
)
def test_allowed_transitions(current, wanted):
    check_transition(7, current, wanted)


@pytest.mark.parametrize(
    ("current", "wanted", "message"),
    [
        (ACKNOWLEDGED, ACKNOWLEDGED, "alert 7 is already ACKNOWLEDGED"),
        (RESOLVED, ACKNOWLEDGED, "alert 7 is RESOLVED, which is final: it cannot become ACKNOWLEDGED"),
        (DISMISSED, RESOLVED, "alert 7 is DISMISSED, which is final: it cannot become RESOLVED"),
        (ACKNOWLEDGED, TRIGGERED, "alert 7 is ACKNOWLEDGED: it can become RESOLVED or DISMISSED, not TRIGGERED"),
        (TRIGGERED, "SNOOZED", "unknown status 'SNOOZED'"),
    ],
)
def test_refused_transitions_say_why(current, wanted, message):
    with pytest.raises(TransitionError) as raised:
        check_transition(7, current, wanted)
    assert str(raised.value).startswith(message)


def test_a_person_must_name_themselves():
    assert check_actor(" dana ") == "dana"
    for name in ("", "   ", "auto", "Evaluator"):
        with pytest.raises(TransitionError):
            check_actor(name)


def test_backoff_grows_and_stops_after_the_last_attempt():
    assert [retry_delay_seconds(n) for n in (1, 2, 3, 4)] == [60, 240, 960, 3840]
    assert retry_delay_seconds(2, scale=0.05) == pytest.approx(12)
    transient = Outcome(False, error="HTTP 500")
    assert next_state(1, transient, NOW) == ("pending", NOW + timedelta(seconds=60))
    assert next_state(MAX_ATTEMPTS - 1, transient, NOW)[0] == "pending"
    assert next_state(MAX_ATTEMPTS, transient, NOW) == ("failed", None)
    assert next_state(1, Outcome(False, permanent=True, error="404 no_service"), NOW) == ("failed", None)
    assert next_state(3, Outcome(True), NOW) == ("sent", None)


def test_retry_after_is_honoured_when_longer_than_the_backoff():
    assert next_state(1, Outcome(False, retry_after=600), NOW) == ("pending", NOW + timedelta(seconds=600))
    assert next_state(1, Outcome(False, retry_after=5), NOW) == ("pending", NOW + timedelta(seconds=60))
    assert parse_retry_after("30") == 30 and parse_retry_after(" 1.5 ") == 1.5
    assert parse_retry_after(None) is None and parse_retry_after("soon") is None and parse_retry_after("-1") is None


def test_the_webhook_url_and_its_token_are_redacted_from_errors():
    url = "https://hooks.slack.com/services/T0AAA1111/B0BBB2222/xY9abcDEFghiJKLmnoPQRstu"
    error = (
        f"<urlopen error [Errno 111] Connection refused> posting to {url}; "
        "path /services/T0AAA1111/B0BBB2222/xY9abcDEFghiJKLmnoPQRstu; token xY9abcDEFghiJKLmnoPQRstu"
    )
    clean = redact_error(error, webhook_secrets(url))
    assert (
        "xY9abcDEFghiJKLmnoPQRstu" not in clean and "T0AAA1111" not in clean and "hooks.slack.com/services" not in clean
    )
    assert "Connection refused" in clean and "[redacted]" in clean
    assert len(redact_error("x" * 5000, [])) == 500


def test_the_smtp_password_is_redacted_from_errors():
    password = "s3cret-smtp-pw"
    clean = redact_error(f"(535, b'login failed for alerts with {password}') password={password}", [password])
    assert password not in clean and "login failed" in clean


EVENT = {
    "alert_event_id": 12,
    "workspace_slug": "northstar",
    "rule_id": "cpa-spike",
    "rule_type": "cpa_spike",
    "severity": "warning",
    "entity_name": "Fall Sale",
    "metric_date": date(2026, 10, 8),
    "current_value": Decimal("150.0000000000"),
    "baseline_value": Decimal("10.1234567"),
    "threshold": Decimal("1.000000"),
    "currency": "USD",
}


def test_alert_message():
    message = alert_message(EVENT)
    assert message.subject == "[WARNING] northstar/cpa-spike: Fall Sale on 2026-10-08"
    assert message.text.splitlines() == [
        "[WARNING] northstar/cpa-spike: Fall Sale on 2026-10-08",
        "CPA 150 USD (baseline 10.1235 USD, threshold 1, rule type cpa_spike)",
        "alert 12: `metrics-pipeline alerts ack 12`",
    ]
    ratio = alert_message({**EVENT, "rule_type": "roas_drop", "currency": None, "baseline_value": None})
    assert "ROAS 150 (baseline none, threshold 1" in ratio.text


def test_sync_failure_message_is_redacted():
    message = sync_failure_message(
        {
            "source": "google_ads",
            "target": "123-456-7890",
            "failure_day": date(2026, 10, 9),
            "partition_key": "2026-10-08",
            "message": "invalid_grant: refresh_token=1//0gAbCdEfGhIjKlMn was revoked",
        }
    )
    assert message.subject == "[SYNC FAILED] google_ads 123-456-7890 on 2026-10-09"
    assert "1//0gAbCdEfGhIjKlMn" not in message.text and "refresh_token=[redacted]" in message.text


CONFIG = """
notifications:
  channels:
    team-slack: {type: slack, webhook_url_env: METRICS_SLACK_WEBHOOK_URL}
    team-email:
      type: email
      smtp_host: smtp.example.com
      username: alerts@example.com
      password_env: METRICS_SMTP_PASSWORD
      from: alerts@example.com
      to: oncall@example.com
  sync_failures: [team-slack]
workspaces:
  - slug: northstar
    name: Northstar
    clients: [{slug: acme, name: Acme, currency: USD}]
    alert_rules:
      - {id: cap, type: spend_threshold, threshold: 500, notify: [team-slack, team-email]}
      - {id: quiet, type: spend_threshold, threshold: 900}
"""


def test_channels_and_rule_notify_load(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text(CONFIG, encoding="utf-8")
    config = load_config(path)
    assert config.notifications.sync_failures == ("team-slack",)
    assert config.notifications.channel("team-slack") == NotificationChannel(
        "team-slack", "slack", webhook_url_env="METRICS_SLACK_WEBHOOK_URL"
    )
    email = config.notifications.channel("team-email")
    assert (email.smtp_host, email.smtp_port, email.starttls, email.recipients) == (
        "smtp.example.com",
        587,
        True,
        ("oncall@example.com",),
    )
    [workspace] = config.workspaces
    assert [r.notify for r in workspace.alert_rules] == [("team-slack", "team-email"), ()]
    assert alert_rules_frame(config)["notify_channels"].to_list() == ["team-slack,team-email", None]


def test_bad_notification_settings_are_named(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text(
        """
notifications:
  channels:
    hook: {type: slack, webhook_url_env: "https://hooks.slack.com/services/T/B/abc"}
    mail: {type: email, smtp_host: smtp.example.com, username: me, from: not-an-address, to: []}
    pager: {type: pagerduty}
  sync_failures: [nowhere]
workspaces:
  - slug: northstar
    name: Northstar
    clients: [{slug: acme, name: Acme, currency: USD}]
    alert_rules:
      - {id: cap, type: spend_threshold, threshold: 500, notify: [missing]}
""",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    text = str(raised.value)
    for expected in (
        "notifications.channels.hook.webhook_url_env: the NAME of an environment variable",
        "notifications.channels.mail.password_env: the NAME of an environment variable",
        "notifications.channels.mail.from: an e-mail address",
        "notifications.channels.mail.to: one or more e-mail addresses",
        "notifications.channels.pager.type: must be one of slack, email",
        "notifications.sync_failures: no channel named 'nowhere'",
        "workspaces[0].alert_rules[0].notify: no channel named 'missing'",
    ):
        assert expected in text
    assert "abc" not in text.split("webhook_url_env")[1].split("\n")[0]  # the secret is not echoed


def test_webhook_secrets_leave_ordinary_words_alone():
    url = "https://hooks.slack.com/services/T0AAA1111/B0BBB2222/xY9abcDEFghiJKLmnoPQRstu"
    found = webhook_secrets(url)
    assert "services" not in found and "hooks.slack.com" not in found
    assert "xY9abcDEFghiJKLmnoPQRstu" in found and "T0AAA1111/B0BBB2222/xY9abcDEFghiJKLmnoPQRstu" in found
    assert redact_error("the services answered", found) == "the services answered"


def test_configured_channel_secrets_are_registered_for_log_redaction():
    from metrics_pipeline.config import NotificationSettings
    from metrics_pipeline.operations.notifications import register_channel_secrets
    from metrics_pipeline.security.log_redaction import redact

    settings = NotificationSettings(
        channels=(
            NotificationChannel("s", "slack", webhook_url_env="HOOK"),
            NotificationChannel(
                "e", "email", smtp_host="h", username="u", password_env="PW", sender="a@b", recipients=("c@d",)
            ),
        )
    )
    url = "https://hooks.slack.com/services/T1/B1/registeredTokenValue123"
    register_channel_secrets(settings, {"HOOK": url, "PW": "registered-smtp-pw"})
    assert redact(f"posted to {url} with registered-smtp-pw") == "posted to [redacted] with [redacted]"
    assert "registeredTokenValue123" not in redact("token registeredTokenValue123")
