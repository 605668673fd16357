"""What every section parser shares: `ConfigError`, the YAML loader, and the field checks.

Each check appends what is wrong to `problems` (as `key.path: what is wrong`) instead of
raising, so `load_config` can report every problem of a file at once.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

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


def _slug(raw: dict, key: str, problems: list[str]) -> str:
    value = raw.get("slug")
    if not isinstance(value, str) or not SLUG_PATTERN.match(value):
        problems.append(f"{key}.slug: required; lower-case letters, digits, '-' or '_', at most 63 (got {value!r})")
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
