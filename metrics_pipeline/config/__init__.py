"""The pipeline's configuration file (`METRICS_CONFIG`): workspaces, clients, CPM rates.

`load_config` reads and validates the whole file and reports every problem at once,
each as `file: key.path: what is wrong`, so a typo is fixed in one go.

One module per section: `workspaces` (workspaces, attribution, FX rates), `clients`
(CPM rates, Amazon, affiliate), `connections`, `alerts` (alert rules), `retention`; `validation` holds
`ConfigError`, the YAML loader and the checks they share. Import from this package.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from metrics_pipeline.config.alerts import (
    ALERT_RULE_TYPES,
    ALERT_SCOPE_LEVELS,
    ALERT_SEVERITIES,
    AlertRule,
)
from metrics_pipeline.config.clients import (
    ASIN_PATTERN,
    AffiliateSettings,
    AmazonSettings,
    Client,
    CpmRate,
    cpm_in_force,
)
from metrics_pipeline.config.connections import (
    CREDENTIAL_VARIABLES,
    DEFAULT_LOOKBACK_DAYS,
    PROVIDERS,
    Connection,
)
from metrics_pipeline.config.notifications import (
    NotificationChannel,
    NotificationSettings,
    _parse_notifications,
    declared_channel_names,
)
from metrics_pipeline.config.retention import RetentionSettings, _parse_retention
from metrics_pipeline.config.validation import (
    CURRENCY_PATTERN,
    SLUG_PATTERN,
    ConfigError,
    _PlainDatesLoader,
    _reject_duplicates,
    _reject_unknown_keys,
)
from metrics_pipeline.config.workspaces import (
    ATTRIBUTION_MODELS,
    AttributionSettings,
    FxRate,
    Workspace,
    _parse_fx_rates,
    _parse_workspace,
)

__all__ = [
    "ALERT_RULE_TYPES",
    "ALERT_SCOPE_LEVELS",
    "ALERT_SEVERITIES",
    "ASIN_PATTERN",
    "ATTRIBUTION_MODELS",
    "CREDENTIAL_VARIABLES",
    "CURRENCY_PATTERN",
    "DEFAULT_LOOKBACK_DAYS",
    "PROVIDERS",
    "SLUG_PATTERN",
    "AffiliateSettings",
    "AlertRule",
    "NotificationChannel",
    "NotificationSettings",
    "AmazonSettings",
    "AttributionSettings",
    "Client",
    "ConfigError",
    "Connection",
    "CpmRate",
    "FxRate",
    "PipelineConfig",
    "RetentionSettings",
    "Workspace",
    "config_path_from_env",
    "cpm_in_force",
    "load_config",
]


@dataclass(frozen=True)
class PipelineConfig:
    source_path: str
    workspaces: tuple[Workspace, ...]
    fx_rates: tuple[FxRate, ...] = ()
    retention: RetentionSettings | None = None  # None: the `retention:` section is absent
    notifications: NotificationSettings = NotificationSettings()

    @property
    def connections(self) -> tuple[Connection, ...]:
        return tuple(c for workspace in self.workspaces for c in workspace.connections)

    def connections_for(self, provider: str, *, active_only: bool = True) -> tuple[Connection, ...]:
        return tuple(
            c for c in self.connections if c.provider == provider and (c.status == "active" or not active_only)
        )

    @property
    def clients(self) -> tuple[Client, ...]:
        return tuple(client for workspace in self.workspaces for client in workspace.clients)

    def client(self, slug: str) -> Client | None:
        return next((c for c in self.clients if c.slug == slug), None)

    def amazon_brand(self, brand_slug: str) -> Client | None:
        """The client whose Amazon brand folder is `brand_slug`; None when no client has it."""
        return next((c for c in self.clients if c.amazon is not None and c.amazon.brand_slug == brand_slug), None)


def config_path_from_env() -> Path:
    value = os.environ.get("METRICS_CONFIG", "").strip()
    if not value:
        raise ConfigError("METRICS_CONFIG", ["not set: point it at the pipeline's YAML configuration file"])
    return Path(value)


def load_config(path: Path | str | None = None) -> PipelineConfig:
    path = Path(path) if path is not None else config_path_from_env()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(path, [f"cannot be read: {exc.strerror or exc}"]) from None
    try:
        document = yaml.load(text, Loader=_PlainDatesLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise ConfigError(path, [f"is not valid YAML: {exc}"]) from None
    problems: list[str] = []
    config = _parse_document(document, str(path), problems)
    if problems:
        raise ConfigError(path, problems)
    return config


def _parse_document(document: Any, source_path: str, problems: list[str]) -> PipelineConfig:
    if not isinstance(document, dict):
        problems.append("the top level must be a mapping with a 'workspaces' list")
        return PipelineConfig(source_path, ())
    _reject_unknown_keys(document, {"workspaces", "fx_rates", "retention", "notifications"}, "", problems)
    raw_workspaces = document.get("workspaces")
    if not isinstance(raw_workspaces, list) or not raw_workspaces:
        problems.append("workspaces: must be a non-empty list")
        return PipelineConfig(source_path, ())
    workspaces = [_parse_workspace(raw, f"workspaces[{i}]", problems) for i, raw in enumerate(raw_workspaces)]
    _reject_duplicates([w.slug for w in workspaces], "workspaces", "workspace slug", problems)
    _reject_duplicates(
        [c.slug for w in workspaces for c in w.clients], "workspaces[*].clients", "client slug", problems
    )
    _reject_duplicates(
        [c.id for w in workspaces for c in w.connections], "workspaces[*].connections", "connection id", problems
    )
    _reject_duplicates(
        [c.amazon.brand_slug for w in workspaces for c in w.clients if c.amazon is not None],
        "workspaces[*].clients[*].amazon",
        "brand_slug",
        problems,
    )
    _reject_duplicates(
        [p for w in workspaces for c in w.clients if c.affiliate for p in c.affiliate.tracking_id_prefixes],
        "workspaces[*].clients[*].affiliate.tracking_id_prefixes",
        "tracking id prefix",
        problems,
    )
    fx_rates = _parse_fx_rates(document.get("fx_rates", []), problems)
    retention = _parse_retention(document.get("retention"), problems)
    notifications = _parse_notifications(document.get("notifications"), problems)
    # a channel that is declared but invalid is reported once, where it is declared
    declared = declared_channel_names(document.get("notifications"))
    for i, workspace in enumerate(workspaces):
        for j, rule in enumerate(workspace.alert_rules):
            for name in rule.notify:
                if name not in declared:
                    problems.append(
                        f"workspaces[{i}].alert_rules[{j}].notify: no channel named {name!r} in notifications.channels"
                    )
    return PipelineConfig(source_path, tuple(workspaces), fx_rates, retention, notifications)
