"""The optional `retention:` section: how many days of raw rows stay in the warehouse.

    retention:
      ad_metrics_days: 730       # the ad platforms' daily metrics tables (2 years)
      tracking_events_days: 365  # tracking events (1 year)

Both keys are optional (those are the defaults); without the section nothing is archived on a
schedule. Which tables each setting covers: metrics_pipeline.retention.plan.RETAINED_TABLES.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from metrics_pipeline.config.validation import _reject_unknown_keys

DEFAULT_AD_METRICS_DAYS = 730
DEFAULT_TRACKING_EVENTS_DAYS = 365
# Below this a month could be archived while its days are still restated (the landing
# windows look back at most ~90 days): archiving must never race the landing.
MINIMUM_DAYS = 180


@dataclass(frozen=True)
class RetentionSettings:
    ad_metrics_days: int = DEFAULT_AD_METRICS_DAYS
    tracking_events_days: int = DEFAULT_TRACKING_EVENTS_DAYS

    def days_for(self, kind: str) -> int:
        return {"ad_metrics": self.ad_metrics_days, "tracking_events": self.tracking_events_days}[kind]


def _parse_retention(raw: Any, problems: list[str]) -> RetentionSettings | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        problems.append("retention: must be a mapping, e.g. {ad_metrics_days: 730, tracking_events_days: 365}")
        return None
    _reject_unknown_keys(raw, {"ad_metrics_days", "tracking_events_days"}, "retention", problems)
    values = {}
    for key, default in (
        ("ad_metrics_days", DEFAULT_AD_METRICS_DAYS),
        ("tracking_events_days", DEFAULT_TRACKING_EVENTS_DAYS),
    ):
        value = raw.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or value < MINIMUM_DAYS:
            problems.append(f"retention.{key}: must be a whole number of days, at least {MINIMUM_DAYS} (got {value!r})")
            value = default
        values[key] = value
    return RetentionSettings(**values)
