"""Workspaces (`workspaces[*]`), their attribution settings, and the FX rates (`fx_rates`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from metrics_pipeline.config.alerts import AlertRule, _parse_alert_rules
from metrics_pipeline.config.clients import Client, _parse_client
from metrics_pipeline.config.connections import Connection, _parse_connection
from metrics_pipeline.config.validation import (
    CURRENCY_PATTERN,
    _date,
    _non_negative_decimal,
    _reject_duplicates,
    _reject_unknown_keys,
    _slug,
    _text,
)


@dataclass(frozen=True)
class FxRate:
    from_currency: str
    to_currency: str
    effective_from: date
    rate: Decimal


@dataclass(frozen=True)
class AttributionSettings:
    lookback_days: int = 30  # touches older than this before a conversion do not count
    position_based_first: Decimal = Decimal("0.4")
    position_based_last: Decimal = Decimal("0.4")
    time_decay_half_life_days: Decimal = Decimal("7")
    journey_inactivity_days: int = 7  # a journey with no event for this long and no order is abandoned
    pnl_model: str = "last_touch"  # the model whose revenue the P&L shows


ATTRIBUTION_MODELS = ("first_touch", "last_touch", "linear", "position_based", "time_decay", "markov")


@dataclass(frozen=True)
class Workspace:
    slug: str
    name: str
    clients: tuple[Client, ...]
    reporting_currency: str | None = None
    connections: tuple[Connection, ...] = ()
    attribution: AttributionSettings = AttributionSettings()
    alert_rules: tuple[AlertRule, ...] = ()


def _parse_workspace(raw: Any, key: str, problems: list[str]) -> Workspace:
    if not isinstance(raw, dict):
        problems.append(f"{key}: must be a mapping")
        return Workspace("", "", ())
    _reject_unknown_keys(
        raw,
        {"slug", "name", "clients", "reporting_currency", "connections", "attribution", "alert_rules"},
        key,
        problems,
    )
    slug = _slug(raw, key, problems)
    name = _text(raw, "name", key, problems)
    reporting_currency = raw.get("reporting_currency")
    if reporting_currency is not None and not CURRENCY_PATTERN.match(str(reporting_currency)):
        problems.append(f"{key}.reporting_currency: must be a 3-letter ISO 4217 code (got {reporting_currency!r})")
    raw_clients = raw.get("clients", [])
    if not isinstance(raw_clients, list):
        problems.append(f"{key}.clients: must be a list")
        raw_clients = []
    clients = tuple(
        _parse_client(raw_client, f"{key}.clients[{i}]", slug, problems) for i, raw_client in enumerate(raw_clients)
    )
    raw_connections = raw.get("connections", [])
    if not isinstance(raw_connections, list):
        problems.append(f"{key}.connections: must be a list")
        raw_connections = []
    client_slugs = {c.slug for c in clients}
    connections = tuple(
        _parse_connection(raw_connection, f"{key}.connections[{i}]", slug, client_slugs, problems)
        for i, raw_connection in enumerate(raw_connections)
    )
    attribution = _parse_attribution(raw.get("attribution", {}), f"{key}.attribution", problems)
    alert_rules = _parse_alert_rules(raw.get("alert_rules", []), f"{key}.alert_rules", slug, problems)
    return Workspace(
        slug=slug,
        name=name,
        clients=clients,
        reporting_currency=str(reporting_currency) if reporting_currency else None,
        connections=connections,
        attribution=attribution,
        alert_rules=alert_rules,
    )


def _parse_attribution(raw: Any, key: str, problems: list[str]) -> AttributionSettings:
    if not isinstance(raw, dict):
        problems.append(f"{key}: must be a mapping")
        return AttributionSettings()
    allowed = {"lookback_days", "position_based", "time_decay_half_life_days", "journey_inactivity_days", "pnl_model"}
    _reject_unknown_keys(raw, allowed, key, problems)
    defaults = AttributionSettings()

    def whole_days(field: str, default: int) -> int:
        value = raw.get(field, default)
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 365:
            problems.append(f"{key}.{field}: must be a whole number of days from 1 to 365 (got {value!r})")
            return default
        return value

    position = raw.get("position_based", {})
    if not isinstance(position, dict):
        problems.append(f"{key}.position_based: must be a mapping with first and last")
        position = {}
    _reject_unknown_keys(position, {"first", "last"}, f"{key}.position_based", problems)
    first = _non_negative_decimal(position.get("first", "0.4"), f"{key}.position_based.first", problems)
    last = _non_negative_decimal(position.get("last", "0.4"), f"{key}.position_based.last", problems)
    if first is not None and last is not None and first + last > 1:
        problems.append(f"{key}.position_based: first + last must be at most 1 (got {first + last})")
        first = last = None
    half_life = _non_negative_decimal(
        raw.get("time_decay_half_life_days", "7"), f"{key}.time_decay_half_life_days", problems
    )
    if half_life is not None and half_life == 0:
        problems.append(f"{key}.time_decay_half_life_days: must be more than zero")
        half_life = None
    model = raw.get("pnl_model", defaults.pnl_model)
    if model not in ATTRIBUTION_MODELS:
        problems.append(f"{key}.pnl_model: must be one of {', '.join(ATTRIBUTION_MODELS)} (got {model!r})")
        model = defaults.pnl_model
    return AttributionSettings(
        lookback_days=whole_days("lookback_days", defaults.lookback_days),
        position_based_first=first if first is not None else defaults.position_based_first,
        position_based_last=last if last is not None else defaults.position_based_last,
        time_decay_half_life_days=half_life if half_life is not None else defaults.time_decay_half_life_days,
        journey_inactivity_days=whole_days("journey_inactivity_days", defaults.journey_inactivity_days),
        pnl_model=model,
    )


def _parse_fx_rates(raw: Any, problems: list[str]) -> tuple[FxRate, ...]:
    if not isinstance(raw, list):
        problems.append("fx_rates: must be a list of {from, to, effective_from, rate}")
        return ()
    rates = []
    for i, item in enumerate(raw):
        key = f"fx_rates[{i}]"
        if not isinstance(item, dict):
            problems.append(f"{key}: must be a mapping with from, to, effective_from, rate")
            continue
        _reject_unknown_keys(item, {"from", "to", "effective_from", "rate"}, key, problems)
        currencies = [str(item.get(side, "")) for side in ("from", "to")]
        for side, code in zip(("from", "to"), currencies):
            if not CURRENCY_PATTERN.match(code):
                problems.append(f"{key}.{side}: must be a 3-letter ISO 4217 code (got {code!r})")
        effective_from = _date(item.get("effective_from"), f"{key}.effective_from", problems)
        rate = _non_negative_decimal(item.get("rate"), f"{key}.rate", problems)
        if rate is not None and rate == 0:
            problems.append(f"{key}.rate: must be more than zero")
            rate = None
        if effective_from is not None and rate is not None:
            rates.append(FxRate(currencies[0], currencies[1], effective_from, rate))
    _reject_duplicates(
        [f"{r.from_currency}->{r.to_currency}@{r.effective_from}" for r in rates], "fx_rates", "rate", problems
    )
    return tuple(rates)
