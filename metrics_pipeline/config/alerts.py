"""Alert rules (`workspaces[*].alert_rules`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from metrics_pipeline.config.validation import (
    SLUG_PATTERN,
    _non_negative_decimal,
    _reject_duplicates,
    _reject_unknown_keys,
)

ALERT_RULE_TYPES = ("spend_threshold", "conversion_drop", "cpa_spike", "roas_drop", "click_anomaly")
ALERT_SEVERITIES = ("info", "warning", "critical")
ALERT_SCOPE_LEVELS = ("workspace", "account", "campaign")
_INTERVAL = re.compile(r"^(\d+)\s*(m|h|d)$")
_INTERVAL_MINUTES = {"m": 1, "h": 60, "d": 1440}


@dataclass(frozen=True)
class AlertRule:
    """One alert rule of a workspace. `threshold` means, by type:

    spend_threshold  an amount: the day's spend above it (entity currency; reporting
                     currency at workspace scope)
    conversion_drop  a fraction: conversions below baseline × (1 − threshold)
    cpa_spike        a fraction: CPA above baseline CPA × (1 + threshold)
    roas_drop        a fraction: ROAS below baseline ROAS × (1 − threshold)
    click_anomaly    standard deviations: clicks further than threshold × σ from the mean
    """

    id: str
    workspace_slug: str
    type: str
    severity: str
    scope_level: str  # workspace | account | campaign
    account: str | None  # platform account id or entity id; None: every account
    campaign: str | None  # platform campaign id, entity id or name; None: every campaign
    threshold: Decimal
    baseline_days: int
    evaluation_interval_minutes: int
    notify: tuple[str, ...] = ()  # names of `notifications.channels`


def _parse_alert_rules(raw: Any, key: str, workspace_slug: str, problems: list[str]) -> tuple[AlertRule, ...]:
    if not isinstance(raw, list):
        problems.append(f"{key}: must be a list of rules")
        return ()
    rules = [
        rule for i, item in enumerate(raw) if (rule := _parse_alert_rule(item, f"{key}[{i}]", workspace_slug, problems))
    ]
    _reject_duplicates([r.id for r in rules], key, "rule id", problems)
    return tuple(rules)


def _parse_alert_rule(raw: Any, key: str, workspace_slug: str, problems: list[str]) -> AlertRule | None:
    if not isinstance(raw, dict):
        problems.append(f"{key}: must be a mapping with id, type, threshold")
        return None
    before = len(problems)
    _reject_unknown_keys(
        raw,
        {"id", "type", "severity", "scope", "threshold", "baseline_days", "evaluation_interval", "notify"},
        key,
        problems,
    )
    rule_id = raw.get("id")
    if not isinstance(rule_id, str) or not SLUG_PATTERN.match(rule_id):
        problems.append(f"{key}.id: required; lower-case letters, digits, '-' or '_' (got {rule_id!r})")
    rule_type = raw.get("type")
    if rule_type not in ALERT_RULE_TYPES:
        problems.append(f"{key}.type: must be one of {', '.join(ALERT_RULE_TYPES)} (got {rule_type!r})")
    severity = raw.get("severity", "warning")
    if severity not in ALERT_SEVERITIES:
        problems.append(f"{key}.severity: must be one of {', '.join(ALERT_SEVERITIES)} (got {severity!r})")
    scope = raw.get("scope", {"level": "workspace"})
    if not isinstance(scope, dict):
        problems.append(f"{key}.scope: must be a mapping with level (and account, campaign)")
        scope = {}
    _reject_unknown_keys(scope, {"level", "account", "campaign"}, f"{key}.scope", problems)
    level = scope.get("level", "workspace")
    if level not in ALERT_SCOPE_LEVELS:
        problems.append(f"{key}.scope.level: must be one of {', '.join(ALERT_SCOPE_LEVELS)} (got {level!r})")
    account = None if scope.get("account") is None else str(scope["account"]).replace("-", "").removeprefix("act_")
    campaign = None if scope.get("campaign") is None else str(scope["campaign"])
    if level == "workspace" and (account or campaign):
        problems.append(f"{key}.scope: a workspace-level rule takes no account or campaign selector")
    if level == "account" and campaign:
        problems.append(f"{key}.scope.campaign: only for level campaign")
    threshold = _non_negative_decimal(raw.get("threshold"), f"{key}.threshold", problems)
    if threshold is not None and rule_type in ("conversion_drop", "roas_drop") and not 0 < threshold <= 1:
        problems.append(f"{key}.threshold: a drop is a fraction above 0 and at most 1, e.g. 0.3 (got {threshold})")
    if threshold is not None and rule_type in ("cpa_spike", "click_anomaly") and threshold == 0:
        problems.append(f"{key}.threshold: must be more than zero")
    baseline_days = raw.get("baseline_days", 7)
    minimum = 2 if rule_type == "click_anomaly" else 1
    if isinstance(baseline_days, bool) or not isinstance(baseline_days, int) or not minimum <= baseline_days <= 90:
        problems.append(
            f"{key}.baseline_days: must be a whole number of days from {minimum} to 90 (got {baseline_days!r})"
        )
    interval = _INTERVAL.match(str(raw.get("evaluation_interval", "24h")).strip())
    if interval is None or int(interval.group(1)) == 0:
        problems.append(f"{key}.evaluation_interval: like 30m, 1h or 1d (got {raw.get('evaluation_interval')!r})")
    notify = raw.get("notify", [])
    if not isinstance(notify, list) or not all(isinstance(n, str) for n in notify):
        problems.append(f"{key}.notify: a list of channel names of notifications.channels (got {notify!r})")
        notify = []
    if len(problems) > before:
        return None
    return AlertRule(
        id=rule_id,
        workspace_slug=workspace_slug,
        type=rule_type,
        severity=severity,
        scope_level=level,
        account=account,
        campaign=campaign,
        threshold=threshold,
        baseline_days=baseline_days,
        evaluation_interval_minutes=int(interval.group(1)) * _INTERVAL_MINUTES[interval.group(2)],
        notify=tuple(dict.fromkeys(notify)),
    )
