"""Turn an insight's `actions` / `action_values` into purchases, purchase value and leads.

Pure functions, exact arithmetic: every number the Graph API sends is a decimal string
and becomes a `Decimal` (never a float).

Which entries count is configuration (`purchase_action_types`, `lead_action_types`):
the API lists the same conversions under several names (`purchase`, `omni_purchase`,
`offsite_conversion.fb_pixel_purchase`), so only the configured ones are added up.

Which attribution applies is configuration too (`attribution_windows`). When insights
are requested with `action_attribution_windows`, each entry carries one key per window
("7d_click": "3", "1d_view": "1") next to `value`; the configured windows' figures are
summed (a configured window the entry lacks counts 0). An entry without any of them
(an action that has no windows, or a request made without windows) counts its `value`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

ZERO = Decimal(0)


class ActionValueError(ValueError):
    """The API sent an action figure that is not a decimal number."""


@dataclass(frozen=True)
class Conversions:
    purchases: Decimal
    purchase_value: Decimal
    leads: Decimal


def to_decimal(value: object, what: str) -> Decimal:
    """A Graph API number (a decimal string, or an int) as an exact, finite Decimal."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ActionValueError(f"{what}: not a number: {value!r}")
    try:
        # A float (some JSON emitters) goes through its shortest repr, never its binary expansion.
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ActionValueError(f"{what}: not a number: {value!r}") from None
    if not number.is_finite():
        raise ActionValueError(f"{what}: not a finite number: {value!r}")
    return number


def entry_total(entry: Mapping[str, object], windows: Sequence[str]) -> Decimal:
    """One action entry's figure under the configured attribution windows."""
    action_type = entry.get("action_type")
    present = [window for window in windows if window in entry]
    if present:
        return sum((to_decimal(entry[w], f"{action_type} {w}") for w in present), ZERO)
    return to_decimal(entry.get("value", "0"), f"{action_type} value")


def total_for(
    entries: Iterable[Mapping[str, object]] | None, action_types: Iterable[str], windows: Sequence[str]
) -> Decimal:
    """The sum over the entries whose action_type is one of `action_types`."""
    wanted = set(action_types)
    return sum((entry_total(entry, windows) for entry in entries or () if entry.get("action_type") in wanted), ZERO)


def map_conversions(
    actions: Iterable[Mapping[str, object]] | None,
    action_values: Iterable[Mapping[str, object]] | None,
    *,
    purchase_action_types: Sequence[str],
    lead_action_types: Sequence[str],
    attribution_windows: Sequence[str],
) -> Conversions:
    return Conversions(
        purchases=total_for(actions, purchase_action_types, attribution_windows),
        purchase_value=total_for(action_values, purchase_action_types, attribution_windows),
        leads=total_for(actions, lead_action_types, attribution_windows),
    )
