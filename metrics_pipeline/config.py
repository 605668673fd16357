"""The pipeline's configuration file (`METRICS_CONFIG`): workspaces, clients, CPM rates.

`load_config` reads and validates the whole file and reports every problem at once,
each as `file: key.path: what is wrong`, so a typo is fixed in one go.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

SLUG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
CURRENCY_PATTERN = re.compile(r"^[A-Z]{3}$")


class _PlainDatesLoader(yaml.SafeLoader):
    """SafeLoader that leaves dates as text, so a bad one is reported with its key path."""


_PlainDatesLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class ConfigError(ValueError):
    def __init__(self, path: Path | str, problems: list[str]):
        self.path = str(path)
        self.problems = problems
        listing = "\n".join(f"  {self.path}: {problem}" for problem in problems)
        super().__init__(f"invalid configuration ({len(problems)} problem(s)):\n{listing}")


@dataclass(frozen=True)
class CpmRate:
    effective_from: date
    cpm: Decimal


@dataclass(frozen=True)
class Client:
    slug: str
    name: str
    workspace_slug: str
    currency: str
    timezone: str
    cpm_rates: tuple[CpmRate, ...]  # sorted by effective_from

    def cpm_in_force(self, day: date) -> Decimal | None:
        return cpm_in_force(self.cpm_rates, day)


@dataclass(frozen=True)
class Workspace:
    slug: str
    name: str
    clients: tuple[Client, ...]


@dataclass(frozen=True)
class PipelineConfig:
    source_path: str
    workspaces: tuple[Workspace, ...]

    @property
    def clients(self) -> tuple[Client, ...]:
        return tuple(client for workspace in self.workspaces for client in workspace.clients)

    def client(self, slug: str) -> Client | None:
        return next((c for c in self.clients if c.slug == slug), None)


def cpm_in_force(rates: tuple[CpmRate, ...], day: date) -> Decimal | None:
    """The rate whose effective_from is the latest on or before `day`; None before the first."""
    in_force = None
    for rate in sorted(rates, key=lambda r: r.effective_from):
        if rate.effective_from <= day:
            in_force = rate.cpm
    return in_force


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
    _reject_unknown_keys(document, {"workspaces"}, "", problems)
    raw_workspaces = document.get("workspaces")
    if not isinstance(raw_workspaces, list) or not raw_workspaces:
        problems.append("workspaces: must be a non-empty list")
        return PipelineConfig(source_path, ())
    workspaces = [
        _parse_workspace(raw, f"workspaces[{i}]", problems) for i, raw in enumerate(raw_workspaces)
    ]
    _reject_duplicates([w.slug for w in workspaces], "workspaces", "workspace slug", problems)
    _reject_duplicates(
        [c.slug for w in workspaces for c in w.clients], "workspaces[*].clients", "client slug", problems
    )
    return PipelineConfig(source_path, tuple(workspaces))


def _parse_workspace(raw: Any, key: str, problems: list[str]) -> Workspace:
    if not isinstance(raw, dict):
        problems.append(f"{key}: must be a mapping")
        return Workspace("", "", ())
    _reject_unknown_keys(raw, {"slug", "name", "clients"}, key, problems)
    slug = _slug(raw, key, problems)
    name = _text(raw, "name", key, problems)
    raw_clients = raw.get("clients", [])
    if not isinstance(raw_clients, list):
        problems.append(f"{key}.clients: must be a list")
        raw_clients = []
    clients = tuple(
        _parse_client(raw_client, f"{key}.clients[{i}]", slug, problems)
        for i, raw_client in enumerate(raw_clients)
    )
    return Workspace(slug=slug, name=name, clients=clients)


def _parse_client(raw: Any, key: str, workspace_slug: str, problems: list[str]) -> Client:
    if not isinstance(raw, dict):
        problems.append(f"{key}: must be a mapping")
        return Client("", "", workspace_slug, "", "", ())
    _reject_unknown_keys(raw, {"slug", "name", "currency", "timezone", "media_partner"}, key, problems)
    slug = _slug(raw, key, problems)
    name = _text(raw, "name", key, problems)
    currency = str(raw.get("currency", "USD"))
    if not CURRENCY_PATTERN.match(currency):
        problems.append(f"{key}.currency: must be a 3-letter ISO 4217 code like USD (got {currency!r})")
    timezone = str(raw.get("timezone", "UTC"))
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(f"{key}.timezone: not a known IANA time zone (got {timezone!r})")
    cpm_rates: tuple[CpmRate, ...] = ()
    media_partner = raw.get("media_partner")
    if media_partner is not None:
        cpm_rates = _parse_media_partner(media_partner, f"{key}.media_partner", problems)
    return Client(slug, name, workspace_slug, currency, timezone, cpm_rates)


def _parse_media_partner(raw: Any, key: str, problems: list[str]) -> tuple[CpmRate, ...]:
    if not isinstance(raw, dict):
        problems.append(f"{key}: must be a mapping")
        return ()
    _reject_unknown_keys(raw, {"cpm_rates"}, key, problems)
    raw_rates = raw.get("cpm_rates")
    if not isinstance(raw_rates, list) or not raw_rates:
        problems.append(f"{key}.cpm_rates: must be a non-empty list of {{effective_from, cpm}}")
        return ()
    rates = []
    for i, raw_rate in enumerate(raw_rates):
        rate_key = f"{key}.cpm_rates[{i}]"
        if not isinstance(raw_rate, dict):
            problems.append(f"{rate_key}: must be a mapping with effective_from and cpm")
            continue
        _reject_unknown_keys(raw_rate, {"effective_from", "cpm"}, rate_key, problems)
        effective_from = _date(raw_rate.get("effective_from"), f"{rate_key}.effective_from", problems)
        cpm = _non_negative_decimal(raw_rate.get("cpm"), f"{rate_key}.cpm", problems)
        if effective_from is not None and cpm is not None:
            rates.append(CpmRate(effective_from, cpm))
    _reject_duplicates(
        [r.effective_from.isoformat() for r in rates], f"{key}.cpm_rates", "effective_from", problems
    )
    return tuple(sorted(rates, key=lambda r: r.effective_from))


def _slug(raw: dict, key: str, problems: list[str]) -> str:
    value = raw.get("slug")
    if not isinstance(value, str) or not SLUG_PATTERN.match(value):
        problems.append(
            f"{key}.slug: required; lower-case letters, digits, '-' or '_', at most 63 (got {value!r})"
        )
        return ""
    return value


def _text(raw: dict, field: str, key: str, problems: list[str]) -> str:
    value = raw.get(field)
    if not isinstance(value, str) or not value.strip():
        problems.append(f"{key}.{field}: required, a non-empty string")
        return ""
    return value.strip()


def _date(value: Any, key: str, problems: list[str]) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    problems.append(f"{key}: must be a date YYYY-MM-DD (got {value!r})")
    return None


def _non_negative_decimal(value: Any, key: str, problems: list[str]) -> Decimal | None:
    # Floats from YAML go through their shortest repr ("12.5"), never binary expansion.
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        problems.append(f"{key}: must be a decimal number (got {value!r})")
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        problems.append(f"{key}: must be a decimal number (got {value!r})")
        return None
    if not number.is_finite() or number < 0:
        problems.append(f"{key}: must be zero or more (got {value!r})")
        return None
    return number


def _reject_unknown_keys(raw: dict, allowed: set[str], key: str, problems: list[str]) -> None:
    for unknown in sorted(set(map(str, raw)) - allowed):
        where = f"{key}.{unknown}" if key else unknown
        problems.append(f"{where}: unknown key (allowed: {', '.join(sorted(allowed))})")


def _reject_duplicates(values: list[str], key: str, what: str, problems: list[str]) -> None:
    seen: set[str] = set()
    for value in values:
        if value and value in seen:
            problems.append(f"{key}: {what} {value!r} appears more than once")
        seen.add(value)
