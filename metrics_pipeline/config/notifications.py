"""The optional `notifications:` section: where alerts and sync failures are sent.

    notifications:
      channels:
        ops-slack:
          type: slack
          webhook_url_env: METRICS_SLACK_WEBHOOK_URL   # the incoming-webhook URL is a secret
        ops-email:
          type: email
          smtp_host: smtp.example.com
          smtp_port: 587                               # default 587 (25 with starttls: false)
          starttls: true                               # default true
          username: alerts@example.com                 # optional: no login without it
          password_env: METRICS_SMTP_PASSWORD          # required with username
          from: alerts@example.com
          to: [oncall@example.com]
      sync_failures: [ops-slack, ops-email]            # permanently failed landings go here

A rule names its channels with `notify: [ops-slack]` (metrics_pipeline/config/alerts.py).
Secrets are never written in the file: the webhook URL and the SMTP password are read from the
environment variables named here, when a notification is sent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from metrics_pipeline.config.validation import SLUG_PATTERN, _reject_unknown_keys

CHANNEL_TYPES = ("slack", "email")
_ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]*$")
_ADDRESS = re.compile(r"^[^@\s]+@[^@\s]+$")


@dataclass(frozen=True)
class NotificationChannel:
    name: str
    type: str  # slack | email
    webhook_url_env: str | None = None
    smtp_host: str | None = None
    smtp_port: int = 587
    starttls: bool = True
    username: str | None = None
    password_env: str | None = None
    sender: str | None = None
    recipients: tuple[str, ...] = ()


@dataclass(frozen=True)
class NotificationSettings:
    channels: tuple[NotificationChannel, ...] = ()
    sync_failures: tuple[str, ...] = ()

    def channel(self, name: str) -> NotificationChannel | None:
        return next((c for c in self.channels if c.name == name), None)


def _parse_notifications(raw: Any, problems: list[str]) -> NotificationSettings:
    if raw is None:
        return NotificationSettings()
    if not isinstance(raw, dict):
        problems.append("notifications: must be a mapping with channels (and sync_failures)")
        return NotificationSettings()
    _reject_unknown_keys(raw, {"channels", "sync_failures"}, "notifications", problems)
    raw_channels = raw.get("channels", {})
    if not isinstance(raw_channels, dict):
        problems.append("notifications.channels: must be a mapping of channel name to its settings")
        raw_channels = {}
    channels = tuple(
        channel
        for name, item in raw_channels.items()
        if (channel := _parse_channel(name, item, f"notifications.channels.{name}", problems))
    )
    sync_failures = _channel_names(raw.get("sync_failures", []), "notifications.sync_failures", problems)
    for name in sync_failures:
        if name not in declared_channel_names(raw):  # an invalid one is reported where declared
            problems.append(f"notifications.sync_failures: no channel named {name!r} in notifications.channels")
    return NotificationSettings(channels, sync_failures)


def declared_channel_names(raw: Any) -> set[str]:
    """The channel names the `notifications:` section declares, valid or not."""
    channels = raw.get("channels") if isinstance(raw, dict) else None
    return {str(name) for name in channels} if isinstance(channels, dict) else set()


def _channel_names(raw: Any, key: str, problems: list[str]) -> tuple[str, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(n, str) for n in raw):
        problems.append(f"{key}: must be a list of channel names (got {raw!r})")
        return ()
    if len(set(raw)) != len(raw):
        problems.append(f"{key}: a channel is named twice")
    return tuple(dict.fromkeys(raw))


def _env_name(raw: dict, field: str, key: str, problems: list[str], required: bool = True) -> str | None:
    value = raw.get(field)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not _ENV_NAME.match(value):
        problems.append(
            f"{key}.{field}: the NAME of an environment variable holding the secret, e.g. "
            f"METRICS_SLACK_WEBHOOK_URL (the secret itself never goes in the file)"
        )
        return None
    return value


def _parse_channel(name: Any, raw: Any, key: str, problems: list[str]) -> NotificationChannel | None:
    before = len(problems)
    if not isinstance(name, str) or not SLUG_PATTERN.match(name):
        problems.append(f"{key}: a channel name is lower-case letters, digits, '-' or '_' (got {name!r})")
    if not isinstance(raw, dict):
        problems.append(f"{key}: must be a mapping with type (slack or email) and its settings")
        return None
    kind = raw.get("type")
    if kind == "slack":
        _reject_unknown_keys(raw, {"type", "webhook_url_env"}, key, problems)
        env = _env_name(raw, "webhook_url_env", key, problems)
        return None if len(problems) > before else NotificationChannel(name, "slack", webhook_url_env=env)
    if kind != "email":
        problems.append(f"{key}.type: must be one of {', '.join(CHANNEL_TYPES)} (got {kind!r})")
        return None
    _reject_unknown_keys(
        raw, {"type", "smtp_host", "smtp_port", "starttls", "username", "password_env", "from", "to"}, key, problems
    )
    host = raw.get("smtp_host")
    if not isinstance(host, str) or not host.strip():
        problems.append(f"{key}.smtp_host: required, e.g. smtp.example.com")
    starttls = raw.get("starttls", True)
    if not isinstance(starttls, bool):
        problems.append(f"{key}.starttls: true or false (got {starttls!r})")
    port = raw.get("smtp_port", 587 if starttls is not False else 25)
    if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
        problems.append(f"{key}.smtp_port: a port number (got {port!r})")
    username = raw.get("username")
    if username is not None and not isinstance(username, str):
        problems.append(f"{key}.username: text (got {username!r})")
    password_env = _env_name(raw, "password_env", key, problems, required=username is not None)
    if password_env and username is None:
        problems.append(f"{key}.password_env: only with username")
    sender = raw.get("from")
    if not isinstance(sender, str) or not _ADDRESS.match(sender):
        problems.append(f"{key}.from: an e-mail address (got {sender!r})")
    recipients = raw.get("to")
    if isinstance(recipients, str):
        recipients = [recipients]
    if (
        not isinstance(recipients, list)
        or not recipients
        or not all(isinstance(r, str) and _ADDRESS.match(r) for r in recipients)
    ):
        problems.append(f"{key}.to: one or more e-mail addresses (got {raw.get('to')!r})")
    if len(problems) > before:
        return None
    return NotificationChannel(
        name,
        "email",
        smtp_host=host.strip(),
        smtp_port=port,
        starttls=starttls,
        username=username,
        password_env=password_env,
        sender=sender,
        recipients=tuple(recipients),
    )
