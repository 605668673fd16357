"""Mapping Meta's actions / action_values to purchases, purchase value and leads."""

from __future__ import annotations

from decimal import Decimal

import pytest

from metrics_pipeline.sources.meta.actions import ActionValueError, entry_total, map_conversions, to_decimal

PIXEL_PURCHASE = "offsite_conversion.fb_pixel_purchase"
ACTIONS = [
    {"action_type": "link_click", "value": "120"},
    {"action_type": PIXEL_PURCHASE, "value": "9", "1d_click": "3", "7d_click": "6", "1d_view": "2"},
    {"action_type": "purchase", "value": "9", "7d_click": "6", "1d_view": "2"},
    {"action_type": "omni_purchase", "value": "9", "7d_click": "6", "1d_view": "2"},
    {"action_type": "lead", "value": "4", "7d_click": "3", "1d_view": "1"},
    {"action_type": "onsite_conversion.lead_grouped", "value": "4", "7d_click": "3", "1d_view": "1"},
]
ACTION_VALUES = [
    {"action_type": PIXEL_PURCHASE, "value": "530.10", "1d_click": "200.00", "7d_click": "400.05", "1d_view": "0.10"},
    {"action_type": "omni_purchase", "value": "530.10", "7d_click": "400.05", "1d_view": "0.10"},
]


def mapped(windows, purchase_types=(PIXEL_PURCHASE,), lead_types=("lead",), actions=ACTIONS, values=ACTION_VALUES):
    return map_conversions(
        actions,
        values,
        purchase_action_types=purchase_types,
        lead_action_types=lead_types,
        attribution_windows=windows,
    )


def test_configured_windows_are_summed_and_aliases_ignored():
    result = mapped(("7d_click", "1d_view"))
    assert (result.purchases, result.purchase_value, result.leads) == (Decimal(8), Decimal("400.15"), Decimal(4))


def test_a_different_window_choice_changes_the_figures():
    result = mapped(("1d_click",))
    assert (result.purchases, result.purchase_value) == (Decimal(3), Decimal("200.00"))
    # the lead entry has no 1d_click figure: it falls back to its value
    assert result.leads == Decimal(4)


def test_engaged_view_adds_its_own_conversions():
    engaged = [{"action_type": PIXEL_PURCHASE, "value": "10", "7d_click": "6", "1d_view": "2", "1d_ev": "1"}]
    result = mapped(("7d_click", "1d_view", "1d_ev"), actions=engaged, values=[])
    assert result.purchases == Decimal(9)
    assert mapped(("7d_click", "1d_view"), actions=engaged, values=[]).purchases == Decimal(8)


def test_value_is_used_when_the_api_returns_no_window_keys():
    plain = [{"action_type": PIXEL_PURCHASE, "value": "7"}, {"action_type": "lead", "value": "2"}]
    result = mapped(("7d_click", "1d_view"), actions=plain, values=[{"action_type": PIXEL_PURCHASE, "value": "70.5"}])
    assert (result.purchases, result.purchase_value, result.leads) == (Decimal(7), Decimal("70.5"), Decimal(2))
    assert entry_total({"action_type": "link_click", "value": "12"}, ()) == Decimal(12)


def test_a_configured_window_the_entry_lacks_counts_zero():
    assert entry_total({"action_type": "x", "value": "9", "7d_click": "5"}, ("7d_click", "1d_view")) == Decimal(5)


def test_several_configured_types_add_up():
    assert mapped(("7d_click",), purchase_types=(PIXEL_PURCHASE, "purchase")).purchases == Decimal(12)


def test_missing_lists_mean_nothing_happened():
    result = mapped(("7d_click",), actions=None, values=None)
    assert (result.purchases, result.purchase_value, result.leads) == (0, 0, 0)


def test_decimals_stay_exact():
    values = [{"action_type": PIXEL_PURCHASE, "value": "0.1"}, {"action_type": PIXEL_PURCHASE, "value": "0.2"}]
    assert mapped((), values=values).purchase_value == Decimal("0.3")  # 0.30000000000000004 in float
    assert isinstance(mapped(()).purchases, Decimal)


@pytest.mark.parametrize("bad", ["", "abc", "NaN", "Infinity", None, True, {"x": 1}])
def test_a_figure_that_is_not_a_number_is_refused(bad):
    with pytest.raises(ActionValueError):
        to_decimal(bad, "value")
    with pytest.raises(ActionValueError):
        entry_total({"action_type": "lead", "value": bad}, ())
