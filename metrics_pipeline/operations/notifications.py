"""Notifications of alert events and permanently failed landings, to Slack and e-mail.

What is to be sent is data: ops.notification_deliveries holds one row per alert event (or sync
failure notice) and channel, written when the event is raised (sql/raise_alert_events.sql) or
the notice recorded (`raise_sync_failure_notices`). `deliver_due` sends the rows that are due,
one at a time, each in a transaction that holds the row's lock while it is sent, so two
senders never send the same row; a row that was sent is never sent again.

- sent: status 'sent', sent_at. A Slack webhook answers 200 "ok"; an SMTP server accepts it.
- a transient failure (a connection error, HTTP 5xx, 429, an SMTP 4xx): attempts + 1, the next
  attempt after a backoff (`retry_delay_seconds`: 60 s × 4^(attempt − 1), scaled by
  METRICS_RETRY_BASE_DELAY like every retry of the pipeline), and at least the Retry-After a
  429 asked for; after MAX_ATTEMPTS attempts it stays 'failed'.
- a permanent failure (Slack's 4xx: invalid_payload, action_prohibited, channel_not_found,
  no_service, channel_is_archived; an SMTP 5xx, a refused login; a channel no longer
  configured or its secret not set): 'failed' at once, retrying cannot help.

Nothing here raises into the pipeline: the sender runs in a sensor of its own
(defs/alerting.py), and a failure is a row's last_error, redacted: the webhook URL (its path
is the secret) and the SMTP password never reach a table, a log or an exception.
"""

from __future__ import annotations

import json
import os
import smtplib
import ssl
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import urlsplit

import psycopg

from metrics_pipeline.config import NotificationChannel, NotificationSettings
from metrics_pipeline.landing.ingestion import read_sql
from metrics_pipeline.operations.run_retries import delay_scale
from metrics_pipeline.security.log_redaction import redact, register_secret

SQL_DIR = Path(__file__).parent / "sql"
MAX_ATTEMPTS = 5
FIRST_RETRY_SECONDS = 60.0
RETRY_GROWTH = 4.0
MAX_ERROR_CHARS = 500
SEND_TIMEOUT_SECONDS = 10.0
BATCH = 25  # deliveries per call: a sensor tick stays short


@dataclass(frozen=True)
class Outcome:
    ok: bool
    permanent: bool = False
    error: str | None = None
    retry_after: float | None = None  # seconds, from a 429's Retry-After


@dataclass(frozen=True)
class Message:
    subject: str
    text: str


# -- pure helpers -------------------------------------------------------------------------------


def retry_delay_seconds(attempts: int, scale: float = 1.0) -> float:
    """The wait after the `attempts`-th failed attempt: 60 s, 4 min, 16 min, 64 min (× scale)."""
    return FIRST_RETRY_SECONDS * RETRY_GROWTH ** max(attempts - 1, 0) * scale


def next_state(attempts: int, outcome: Outcome, now: datetime, scale: float = 1.0) -> tuple[str, datetime | None]:
    """(status, next attempt) after attempt number `attempts` ended with `outcome`."""
    if outcome.ok:
        return "sent", None
    if outcome.permanent or attempts >= MAX_ATTEMPTS:
        return "failed", None
    wait = retry_delay_seconds(attempts, scale)
    if outcome.retry_after is not None:
        wait = max(wait, outcome.retry_after)
    return "pending", now + timedelta(seconds=wait)


def parse_retry_after(value: str | None) -> float | None:
    """Retry-After in seconds (Slack sends seconds); None when absent or not a number."""
    if value is None:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None
    return seconds if seconds >= 0 else None


def webhook_secrets(url: str) -> list[str]:
    """What of a webhook URL must never be shown: all of it, its path (with and without the
    leading '/'), what follows /services/, and its last segment (Slack's
    https://hooks.slack.com/services/T…/B…/<token>: the path is the credential). Not the other
    segments on their own: 'services' is a word, and redacting it would mangle every message."""
    parts = urlsplit(url)
    path = parts.path.rstrip("/")
    values = [url, path, path.lstrip("/"), path.partition("/services/")[2], path.rsplit("/", 1)[-1]]
    return [v for v in dict.fromkeys(values) if len(v) >= 8]


def register_channel_secrets(settings: NotificationSettings, environ: Mapping[str, str]) -> None:
    """Every configured channel's secret joins the log redaction's registry (security/log_redaction),
    so no log record of this process shows it, whoever logs it."""
    for channel in settings.channels:
        if channel.type == "slack" and (url := environ.get(channel.webhook_url_env or "")):
            register_secret(*webhook_secrets(url.strip()))
        if channel.password_env and (password := environ.get(channel.password_env)):
            register_secret(password)


def redact_error(text: str, secrets: list[str]) -> str:
    return redact(text, secrets)[:MAX_ERROR_CHARS]


def _number(value: Decimal | int | float | None) -> str:
    if value is None:
        return "none"
    text = f"{Decimal(str(value)).quantize(Decimal('0.0001')):f}".rstrip("0").rstrip(".")
    return text or "0"


_WHAT = {
    "spend_threshold": "spend",
    "conversion_drop": "conversions",
    "cpa_spike": "CPA",
    "roas_drop": "ROAS",
    "click_anomaly": "clicks",
}


def alert_message(event: Mapping) -> Message:
    """The text of an alert event's notification (Slack's `text`, the e-mail's body)."""
    currency = f" {event['currency']}" if event.get("currency") else ""
    what = _WHAT.get(event["rule_type"], event["rule_type"])
    subject = (
        f"[{event['severity'].upper()}] {event['workspace_slug']}/{event['rule_id']}: "
        f"{event['entity_name']} on {event['metric_date']}"
    )
    text = (
        f"{subject}\n"
        f"{what} {_number(event['current_value'])}{currency} (baseline {_number(event['baseline_value'])}{currency}, "
        f"threshold {_number(event['threshold'])}, rule type {event['rule_type']})\n"
        f"alert {event['alert_event_id']}: `metrics-pipeline alerts ack {event['alert_event_id']}`"
    )
    return Message(subject, text)


def sync_failure_message(notice: Mapping) -> Message:
    subject = f"[SYNC FAILED] {notice['source']} {notice['target']} on {notice['failure_day']}"
    text = (
        f"{subject}\n"
        f"landing of {notice['source']} for {notice['target']} (partition {notice['partition_key']}) failed "
        f"permanently and will not be retried: {notice['message'] or 'no message'}\n"
        "fix the cause (e.g. reconnect an expired or revoked credential: `metrics-pipeline credentials`), "
        "then re-run the days (`metrics-pipeline run --start ... --end ...`)"
    )
    return Message(subject, redact(text))


# -- senders (the network boundary) ------------------------------------------------------------


def send_slack(url: str, text: str, timeout: float = SEND_TIMEOUT_SECONDS) -> Outcome:
    """POST {"text": ...} to an incoming webhook. 200 "ok" is success; 429 and 5xx are worth
    retrying (429 after its Retry-After); any other 4xx (invalid_payload, no_service,
    channel_not_found, channel_is_archived, action_prohibited) is not."""
    body = json.dumps({"text": text}).encode("utf-8")
    request = urllib.request.Request(  # noqa: S310 - an https:// URL from the operator's environment
        url, data=body, headers={"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            response.read(200)  # "ok"
            return Outcome(True) if response.status == 200 else Outcome(False, error=f"HTTP {response.status}")
    except urllib.error.HTTPError as exc:
        answer = exc.read(200).decode("utf-8", "replace").strip()
        error = f"Slack webhook answered HTTP {exc.code}: {answer or exc.reason}"
        if exc.code == 429:
            return Outcome(False, error=error, retry_after=parse_retry_after(exc.headers.get("Retry-After")))
        return Outcome(False, permanent=400 <= exc.code < 500, error=error)
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        return Outcome(False, error=f"Slack webhook unreachable: {type(exc).__name__}: {reason}")


def send_email(
    channel: NotificationChannel, password: str | None, message: Message, timeout: float = SEND_TIMEOUT_SECONDS
) -> Outcome:
    email = EmailMessage()
    email["Subject"] = message.subject
    email["From"] = channel.sender
    email["To"] = ", ".join(channel.recipients)
    email.set_content(message.text)
    try:
        with smtplib.SMTP(channel.smtp_host, channel.smtp_port, timeout=timeout) as smtp:
            if channel.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if channel.username:
                smtp.login(channel.username, password or "")
            smtp.send_message(email)
        return Outcome(True)
    except smtplib.SMTPAuthenticationError as exc:
        return Outcome(False, permanent=True, error=f"SMTP login refused ({exc.smtp_code})")
    except smtplib.SMTPRecipientsRefused as exc:
        return Outcome(False, permanent=True, error=f"SMTP refused the recipients {sorted(exc.recipients)}")
    except smtplib.SMTPResponseException as exc:
        text = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        return Outcome(False, permanent=exc.smtp_code >= 500, error=f"SMTP answered {exc.smtp_code}: {text}")
    except (smtplib.SMTPException, OSError) as exc:
        return Outcome(False, error=f"SMTP server unreachable: {type(exc).__name__}: {exc}")


Sender = Callable[[NotificationChannel, Message, Mapping[str, str]], tuple[Outcome, list[str]]]


def send(channel: NotificationChannel, message: Message, environ: Mapping[str, str]) -> tuple[Outcome, list[str]]:
    """Send one message on one channel; (outcome, the secrets its error must not show)."""
    if channel.type == "slack":
        url = (environ.get(channel.webhook_url_env or "") or "").strip()
        if not url:
            return Outcome(False, permanent=True, error=f"{channel.webhook_url_env} is not set"), []
        secrets = webhook_secrets(url)
        register_secret(*secrets)
        return send_slack(url, message.text), secrets
    password = environ.get(channel.password_env) if channel.password_env else None
    if channel.password_env and not password:
        return Outcome(False, permanent=True, error=f"{channel.password_env} is not set"), []
    secrets = [password] if password else []
    register_secret(*secrets)
    return send_email(channel, password, message), secrets


# -- the warehouse side -------------------------------------------------------------------------


@dataclass(frozen=True)
class DeliveryReport:
    sent: list[tuple[int, str]]  # (delivery id, channel)
    retrying: list[tuple[int, str, str]]  # (delivery id, channel, redacted error)
    failed: list[tuple[int, str, str]]

    def summary(self) -> str:
        return f"{len(self.sent)} sent, {len(self.retrying)} to retry, {len(self.failed)} failed"


def raise_sync_failure_notices(conn: psycopg.Connection, settings: NotificationSettings, now: datetime) -> list[tuple]:
    """One notice per (source, target, UTC day) of a permanently failed landing of the last two
    days, and a pending delivery of it per `notifications.sync_failures` channel. Returns the
    new notices' (id, source, target, day)."""
    with conn.transaction():
        return conn.execute(
            read_sql(SQL_DIR, "raise_sync_failure_notices"), {"now": now, "channels": list(settings.sync_failures)}
        ).fetchall()


def deliver_due(
    conn: psycopg.Connection,
    settings: NotificationSettings,
    now: datetime,
    *,
    environ: Mapping[str, str] | None = None,
    limit: int = BATCH,
    sender: Sender = send,
) -> DeliveryReport:
    """Send up to `limit` due deliveries. `conn` should be in autocommit mode: each delivery is
    then committed as soon as it was sent (inside a caller's transaction a crash after a send
    would roll its 'sent' back, and the message would go out again)."""
    environ = os.environ if environ is None else environ
    register_channel_secrets(settings, environ)
    scale = delay_scale(environ)
    report = DeliveryReport([], [], [])
    claimed: set[int] = set()
    for _ in range(limit):
        with conn.transaction():
            row = conn.execute(read_sql(SQL_DIR, "next_due_delivery"), {"now": now, "skip": list(claimed)}).fetchone()
            if row is None:
                break
            delivery = dict(zip(_DELIVERY_COLUMNS, row))
            claimed.add(delivery["delivery_id"])
            attempts = delivery["attempts"] + 1
            channel = settings.channel(delivery["channel"])
            if channel is None:
                outcome, secrets = Outcome(False, permanent=True, error="channel is no longer configured"), []
            else:
                message = alert_message(delivery) if delivery["alert_event_id"] else sync_failure_message(delivery)
                try:
                    outcome, secrets = sender(channel, message, environ)
                except Exception as exc:  # noqa: BLE001 - a sender bug must not stop the others
                    outcome, secrets = Outcome(False, error=f"{type(exc).__name__}: {exc}"), []
            status, next_at = next_state(attempts, outcome, now, scale)
            error = None if outcome.ok else redact_error(outcome.error or "failed", secrets)
            conn.execute(
                "update ops.notification_deliveries set status = %s, attempts = %s,"
                " next_attempt_at = coalesce(%s, next_attempt_at), last_error = coalesce(%s, last_error),"
                " sent_at = case when %s = 'sent' then %s end"
                " where delivery_id = %s",
                (status, attempts, next_at, error, status, now, delivery["delivery_id"]),
            )
        entry = (delivery["delivery_id"], delivery["channel"])
        if status == "sent":
            report.sent.append(entry)
        elif status == "pending":
            report.retrying.append((*entry, error))
        else:
            report.failed.append((*entry, error))
    return report


_DELIVERY_COLUMNS = (
    "delivery_id",
    "channel",
    "attempts",
    "alert_event_id",
    "workspace_slug",
    "rule_id",
    "rule_type",
    "severity",
    "entity_name",
    "metric_date",
    "current_value",
    "baseline_value",
    "threshold",
    "currency",
    "sync_failure_notice_id",
    "source",
    "target",
    "failure_day",
    "partition_key",
    "message",
)
