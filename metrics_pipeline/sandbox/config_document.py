"""The sandbox's client configuration (config.yaml): workspaces, clients and their CPM rates, FX
rates, and the connections of every platform world, as the pipeline's config loader reads it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Protocol

import yaml

from metrics_pipeline.sandbox.affiliate_world import CLIENT_SLUG as AFFILIATE_CLIENT
from metrics_pipeline.sandbox.affiliate_world import affiliate_config_section
from metrics_pipeline.sandbox.amazon_world import amazon_config_sections
from metrics_pipeline.sandbox.commerce_world import pixel_site_ids
from metrics_pipeline.sandbox.media_partner_world import (
    CLIENTS,
    WORKSPACE_NAMES,
    ClientProfile,
    CpmChange,
)
from metrics_pipeline.sandbox.notification_servers import (
    SMTP_PASSWORD_VARIABLE,
    SMTP_USERNAME,
    WEBHOOK_URL_VARIABLE,
)


class PlatformWorld(Protocol):
    def connections_config(self) -> dict[str, list[dict]]: ...


# Monthly booking rates, as agencies use them: 1 unit of `from` in `to`.
_FX_RATES = (
    (
        "GBP",
        "USD",
        (
            ("2026-07-01", "1.2684"),
            ("2026-08-01", "1.2712"),
            ("2026-09-01", "1.2655"),
            ("2026-10-01", "1.2590"),
            ("2026-11-01", "1.2631"),
        ),
    ),
    (
        "EUR",
        "USD",
        (
            ("2026-07-01", "1.0842"),
            ("2026-08-01", "1.0876"),
            ("2026-09-01", "1.0815"),
            ("2026-10-01", "1.0790"),
            ("2026-11-01", "1.0822"),
        ),
    ),
)
_REPORTING_CURRENCY = {"northstar": "USD", "harbor": "EUR"}
# Where the sandbox's alerts and sync failures go: its Slack webhook and SMTP stand-ins
# (sandbox/notification_servers.py). The SMTP port is the server's, written in by the session
# once it listens (`with_smtp_port`); the secrets are read from the environment when sending.
SANDBOX_SLACK_CHANNEL = "sandbox-slack"
SANDBOX_EMAIL_CHANNEL = "sandbox-email"
SANDBOX_CHANNELS = [SANDBOX_SLACK_CHANNEL, SANDBOX_EMAIL_CHANNEL]
PLACEHOLDER_SMTP_PORT = 2525


def notifications_document(smtp_port: int = PLACEHOLDER_SMTP_PORT) -> dict:
    return {
        "channels": {
            SANDBOX_SLACK_CHANNEL: {"type": "slack", "webhook_url_env": WEBHOOK_URL_VARIABLE},
            SANDBOX_EMAIL_CHANNEL: {
                "type": "email",
                "smtp_host": "127.0.0.1",
                "smtp_port": smtp_port,
                "starttls": False,
                "username": SMTP_USERNAME,
                "password_env": SMTP_PASSWORD_VARIABLE,
                "from": SMTP_USERNAME,
                "to": ["oncall@agency.example"],
            },
        },
        "sync_failures": list(SANDBOX_CHANNELS),
    }


def _alert_rules(workspace_slug: str) -> list[dict]:
    """One daily spend cap per workspace, low enough that the sandbox's spend breaks it, sent to
    both sandbox channels: the demo shows an alert delivered end to end."""
    return [
        {
            "id": "daily-spend-cap",
            "type": "spend_threshold",
            "severity": "warning",
            "threshold": 1,
            "evaluation_interval": "1h",
            "notify": list(SANDBOX_CHANNELS),
        }
    ]


def with_smtp_port(document: dict, port: int) -> dict:
    channels = document.get("notifications", {}).get("channels", {})
    if SANDBOX_EMAIL_CHANNEL in channels:
        channels[SANDBOX_EMAIL_CHANNEL]["smtp_port"] = port
    return document


def _fx_rates_document() -> list[dict]:
    return [
        {"from": source, "to": target, "effective_from": date.fromisoformat(day), "rate": rate}
        for source, target, rates in _FX_RATES
        for day, rate in rates
    ]


def _platform_connections(platform_worlds: Iterable[PlatformWorld]) -> dict[str, list[dict]]:
    """The connections of the sandbox's other worlds (Google Ads, Meta, Shopify), per workspace."""
    merged: dict[str, list[dict]] = {}
    for platform_world in platform_worlds:
        for workspace_slug, entries in platform_world.connections_config().items():
            merged.setdefault(workspace_slug, []).extend(entries)
    return merged


def config_document(start: date, cpm_changes: Sequence[CpmChange], platform_worlds: Iterable[PlatformWorld]) -> dict:
    change_by_client = {change.client_slug: change for change in cpm_changes}
    connections = _platform_connections(platform_worlds)
    site_ids = pixel_site_ids()
    amazon = amazon_config_sections()

    def cpm_rates(profile: ClientProfile) -> list[dict]:
        # Contracts start on the 1st of the month, which is never after `start`.
        rates = [{"effective_from": start.replace(day=1), "cpm": str(profile.base_cpm)}]
        if (change := change_by_client.get(profile.slug)) is not None:
            rates.append({"effective_from": change.effective_from, "cpm": str(change.new_cpm)})
        return rates

    return {
        "fx_rates": _fx_rates_document(),
        "notifications": notifications_document(),
        "workspaces": [
            {
                "slug": workspace_slug,
                "name": workspace_name,
                "reporting_currency": _REPORTING_CURRENCY[workspace_slug],
                "connections": connections.get(workspace_slug, []),
                "clients": [
                    {
                        "slug": profile.slug,
                        "name": profile.name,
                        "currency": profile.currency,
                        "timezone": profile.timezone,
                        "media_partner": {"cpm_rates": cpm_rates(profile)},
                        **({"pixel_site_id": site_ids[profile.slug]} if profile.slug in site_ids else {}),
                        **({"amazon": amazon[profile.slug]} if profile.slug in amazon else {}),
                        **({"affiliate": affiliate_config_section()} if profile.slug == AFFILIATE_CLIENT else {}),
                    }
                    for profile in CLIENTS
                    if profile.workspace_slug == workspace_slug
                ],
                "alert_rules": _alert_rules(workspace_slug),
            }
            for workspace_slug, workspace_name in WORKSPACE_NAMES.items()
        ],
    }


def render_config(document: dict, seed: int) -> bytes:
    body = yaml.safe_dump(document, sort_keys=False, default_flow_style=False, allow_unicode=True)
    return f"# Sandbox world generated by metrics_pipeline.sandbox.world (seed {seed}).\n{body}".encode()
