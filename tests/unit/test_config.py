from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from metrics_pipeline.config import ConfigError, CpmRate, cpm_in_force, load_config
from metrics_pipeline.config.mirror import config_tables

VALID = """
workspaces:
  - slug: northstar
    name: Northstar Agency
    clients:
      - slug: acme-outdoor
        name: Acme Outdoor
        currency: USD
        timezone: America/New_York
        media_partner:
          cpm_rates:
            - {effective_from: 2026-09-16, cpm: "14.00"}
            - {effective_from: 2026-09-01, cpm: 12.5}
  - slug: harbor
    name: Harbor
    clients: []
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "metrics.yaml"
    path.write_text(text)
    return path


def test_valid_config_loads_with_exact_decimals_sorted(tmp_path):
    config = load_config(write(tmp_path, VALID))
    [client] = config.clients
    assert client.workspace_slug == "northstar"
    assert [r.effective_from for r in client.cpm_rates] == [date(2026, 9, 1), date(2026, 9, 16)]
    assert client.cpm_rates[0].cpm == Decimal("12.5")
    assert config.client("acme-outdoor") is client and config.client("nope") is None


def test_cpm_in_force_boundaries():
    rates = (CpmRate(date(2026, 9, 1), Decimal("12.50")), CpmRate(date(2026, 9, 16), Decimal("14.00")))
    assert cpm_in_force(rates, date(2026, 8, 31)) is None
    assert cpm_in_force(rates, date(2026, 9, 1)) == Decimal("12.50")
    assert cpm_in_force(rates, date(2026, 9, 15)) == Decimal("12.50")
    assert cpm_in_force(rates, date(2026, 9, 16)) == Decimal("14.00")
    assert cpm_in_force(rates, date(2027, 1, 1)) == Decimal("14.00")


def test_every_problem_is_reported_with_file_and_key(tmp_path):
    path = write(
        tmp_path,
        """
workspaces:
  - slug: North Star
    name: ""
    colour: blue
    clients:
      - slug: acme
        name: Acme
        currency: usd
        timezone: Mars/Olympus
        media_partner:
          cpm_rates:
            - {effective_from: 2026-13-01, cpm: "12.50"}
            - {effective_from: 2026-09-01, cpm: "-1"}
            - {effective_from: 2026-09-02, cpm: "twelve"}
      - slug: acme
        name: Acme again
""",
    )
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    problems = raised.value.problems
    expected = [
        "workspaces[0].colour: unknown key",
        "workspaces[0].slug: required",
        "workspaces[0].name: required",
        "workspaces[0].clients[0].currency: must be a 3-letter ISO 4217 code like USD (got 'usd')",
        "workspaces[0].clients[0].timezone: not a known IANA time zone (got 'Mars/Olympus')",
        "workspaces[0].clients[0].media_partner.cpm_rates[0].effective_from: must be a date",
        "workspaces[0].clients[0].media_partner.cpm_rates[1].cpm: must be zero or more (got '-1')",
        "workspaces[0].clients[0].media_partner.cpm_rates[2].cpm: must be a decimal number",
        "workspaces[*].clients: client slug 'acme' appears more than once",
    ]
    for fragment in expected:
        assert any(fragment in p for p in problems), (fragment, problems)
    assert str(path) in str(raised.value)


def test_unreadable_and_non_yaml_files(tmp_path):
    with pytest.raises(ConfigError, match="cannot be read"):
        load_config(tmp_path / "missing.yaml")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(write(tmp_path, "workspaces: [unclosed"))
    with pytest.raises(ConfigError, match="workspaces: must be a non-empty list"):
        load_config(write(tmp_path, "workspaces: []"))


def test_metrics_config_must_be_set(monkeypatch):
    monkeypatch.delenv("METRICS_CONFIG", raising=False)
    with pytest.raises(ConfigError, match="METRICS_CONFIG"):
        load_config()


def test_config_tables_keep_cpm_as_exact_text(tmp_path):
    tables = config_tables(load_config(write(tmp_path, VALID)))
    assert tables.row_counts() == {
        "workspaces": 2,
        "clients": 1,
        "media_partner_cpm_rates": 2,
        "connections": 0,
        "connection_account_clients": 0,
        "fx_rates": 0,
        "attribution_settings": 2,
        "amazon_brands": 0,
        "amazon_asin_skus": 0,
        "affiliate_tracking_prefixes": 0,
    }
    assert tables.media_partner_cpm_rates["cpm"].to_list() == ["12.5", "14.00"]


CONNECTIONS = """
fx_rates:
  - {from: EUR, to: USD, effective_from: 2026-08-01, rate: "1.0850"}
workspaces:
  - slug: northstar
    name: Northstar
    reporting_currency: USD
    clients:
      - {slug: acme, name: Acme}
    connections:
      - id: northstar-google
        provider: google_ads
        client: acme
        manager_customer_id: "111-222-3333"
        account_clients: {"222-333-4444": acme}
        credentials_env_prefix: NORTHSTAR_GOOGLE
      - id: northstar-meta
        provider: meta
        ad_account_ids: ["act_1001", "1002"]
        credentials_env_prefix: NORTHSTAR_META
        lookback_days: 7
"""


def test_connections_and_fx_rates(tmp_path):
    config = load_config(write(tmp_path, CONNECTIONS))
    google, meta = config.connections
    assert (
        google.provider,
        google.manager_customer_id,
        google.account_ids,
        google.lookback_days,
        google.lookback_from_conversion_actions,
    ) == (
        "google_ads",
        "1112223333",
        (),
        30,  # Google's default conversion window, until the accounts' own have landed
        True,  # no lookback_days: the accounts' conversion actions decide
    )
    assert not meta.lookback_from_conversion_actions
    assert google.client_slug == "acme" and google.status == "active"
    assert (meta.account_ids, meta.lookback_days, meta.attribution_windows) == (
        ("1001", "1002"),
        7,
        ("7d_click", "1d_view"),
    )
    assert config.workspaces[0].reporting_currency == "USD"
    assert config.fx_rates[0].rate == Decimal("1.0850")
    assert google.account_clients == (("2223334444", "acme"),)
    tables = config_tables(config)
    assert tables.connections["account_ids"].to_list() == ["{}", "{1001,1002}"]
    assert tables.connection_account_clients.rows() == [("northstar-google", "2223334444", "acme")]


def test_connection_credentials_come_from_the_environment_and_missing_ones_are_named(tmp_path):
    google = load_config(write(tmp_path, CONNECTIONS)).connections[0]
    env = {"NORTHSTAR_GOOGLE_DEVELOPER_TOKEN": "dev-token", "NORTHSTAR_GOOGLE_CLIENT_ID": "id"}
    with pytest.raises(ConfigError) as raised:
        google.credentials(env)
    message = str(raised.value)
    assert "NORTHSTAR_GOOGLE_CLIENT_SECRET" in message and "NORTHSTAR_GOOGLE_REFRESH_TOKEN" in message
    assert "dev-token" not in message
    env |= {
        "NORTHSTAR_GOOGLE_CLIENT_SECRET": "s",
        "NORTHSTAR_GOOGLE_REFRESH_TOKEN": "r",
        "NORTHSTAR_GOOGLE_LOGIN_CUSTOMER_ID": "111-222-3333",
    }
    assert google.credentials(env)["login_customer_id"] == "1112223333"


def test_bad_connections_are_reported(tmp_path):
    text = (
        CONNECTIONS.replace('"111-222-3333"', '"12345"')
        .replace("client: acme", "client: nobody")
        .replace("lookback_days: 7", "lookback_days: 400")
        .replace("provider: meta", 'provider: meta\n        customer_ids: ["1"]')
    )
    with pytest.raises(ConfigError) as raised:
        load_config(write(tmp_path, text))
    problems = "\n".join(raised.value.problems)
    assert "connections[0].manager_customer_id: not a customer id" in problems
    assert "connections[0].client: 'nobody' is not a client of this workspace" in problems
    assert "connections[1].lookback_days: must be a whole number of days from 0 to 90" in problems
    assert "connections[1].customer_ids: unknown key" in problems


def _meta_with(tmp_path, extra: str):
    text = CONNECTIONS.replace(
        "credentials_env_prefix: NORTHSTAR_META", f"credentials_env_prefix: NORTHSTAR_META\n        {extra}"
    )
    return load_config(write(tmp_path, text)).connections[1]


@pytest.mark.parametrize(
    ("windows", "expected"),
    [
        ('["1d_click", "7d_click"]', "'1d_click' and '7d_click' are both click windows"),
        ('["7d_click", "7d_view"]', "'7d_view' is no longer returned by Meta's Insights API (removed)"),
        ('["28d_view"]', "'28d_view' is no longer returned by Meta's Insights API (removed)"),
        ('["7d_click", "3d_click"]', "'3d_click' is not a Meta attribution window"),
    ],
)
def test_meta_attribution_windows_are_validated(tmp_path, windows, expected):
    with pytest.raises(ConfigError) as raised:
        _meta_with(tmp_path, f"attribution_windows: {windows}")
    problems = "\n".join(raised.value.problems)
    assert f"connections[1].attribution_windows: {expected}" in problems


def test_meta_engaged_view_window_is_accepted(tmp_path):
    meta = _meta_with(tmp_path, 'attribution_windows: ["7d_click", "1d_view", "1d_ev"]')
    assert meta.attribution_windows == ("7d_click", "1d_view", "1d_ev")
    assert meta.use_unified_attribution_setting is False


def test_meta_unified_attribution_setting_replaces_the_windows(tmp_path):
    meta = _meta_with(tmp_path, "use_unified_attribution_setting: true")
    assert meta.use_unified_attribution_setting is True
    assert meta.attribution_windows == ()
    with pytest.raises(ConfigError) as raised:
        _meta_with(tmp_path, 'use_unified_attribution_setting: true\n        attribution_windows: ["7d_click"]')
    assert "leave attribution_windows out" in "\n".join(raised.value.problems)
    with pytest.raises(ConfigError) as raised:
        _meta_with(tmp_path, 'use_unified_attribution_setting: "yes"')
    assert "use_unified_attribution_setting: must be true or false" in "\n".join(raised.value.problems)


AMAZON = """
workspaces:
  - slug: northstar
    name: Northstar
    clients:
      - slug: acme-outdoor
        name: Acme Outdoor
        currency: USD
        amazon:
          asin_skus: {B0ACME0002: AO-TENT-02, B0ACME0001: AO-RAIN-01}
      - slug: bloom-beauty
        name: Bloom Beauty
        currency: GBP
        amazon:
          brand_slug: bloom-uk
          currency: EUR
      - slug: citrus
        name: Citrus
        currency: EUR
        amazon:
      - slug: no-amazon
        name: No Amazon
"""


def test_amazon_brands_default_to_the_client_and_map_asins_to_skus(tmp_path):
    config = load_config(write(tmp_path, AMAZON))
    acme, bloom, citrus, other = config.clients
    assert (acme.amazon.brand_slug, acme.amazon.currency) == ("acme-outdoor", "USD")
    assert acme.amazon.asin_skus == (("B0ACME0001", "AO-RAIN-01"), ("B0ACME0002", "AO-TENT-02"))
    assert (bloom.amazon.brand_slug, bloom.amazon.currency) == ("bloom-uk", "EUR")
    assert (citrus.amazon.brand_slug, citrus.amazon.currency, citrus.amazon.asin_skus) == ("citrus", "EUR", ())
    assert other.amazon is None
    assert config.amazon_brand("bloom-uk") is bloom and config.amazon_brand("bloom-beauty") is None
    assert config.amazon_brand("no-amazon") is None
    tables = config_tables(config)
    assert tables.amazon_brands.rows() == [
        ("acme-outdoor", "acme-outdoor", "USD"),
        ("bloom-uk", "bloom-beauty", "EUR"),
        ("citrus", "citrus", "EUR"),
    ]
    assert tables.amazon_asin_skus.rows() == [
        ("acme-outdoor", "B0ACME0001", "AO-RAIN-01"),
        ("acme-outdoor", "B0ACME0002", "AO-TENT-02"),
    ]


def test_bad_amazon_sections_are_reported(tmp_path):
    path = write(
        tmp_path,
        """
workspaces:
  - slug: northstar
    name: Northstar
    clients:
      - slug: acme
        name: Acme
        amazon:
          brand_slug: Acme Brand
          currency: dollars
          marketplace: US
          asin_skus: {b0lower001: X, B0ACME0001: "", B0ACME0002: SKU-1, B0ACME0003: SKU-1}
      - slug: bloom
        name: Bloom
        amazon: {brand_slug: shared}
      - slug: citrus
        name: Citrus
        amazon: {brand_slug: shared}
      - slug: delta
        name: Delta
        amazon: [not, a, mapping]
""",
    )
    with pytest.raises(ConfigError) as error:
        load_config(path)
    problems = error.value.problems
    key = "workspaces[0].clients[0].amazon"
    assert f"{key}.marketplace: unknown key (allowed: asin_skus, brand_slug, currency)" in problems
    assert f"{key}.brand_slug: lower-case letters, digits, '-' or '_', at most 63 (got 'Acme Brand')" in problems
    assert f"{key}.currency: must be a 3-letter ISO 4217 code like USD (got 'dollars')" in problems
    assert f"{key}.asin_skus: 'b0lower001' is not an ASIN (10 upper-case letters or digits)" in problems
    assert f"{key}.asin_skus.B0ACME0001: the SKU must be a non-empty string (got '')" in problems
    assert f"{key}.asin_skus: SKU 'SKU-1' appears more than once" in problems
    assert "workspaces[*].clients[*].amazon: brand_slug 'shared' appears more than once" in problems
    assert (
        "workspaces[0].clients[3].amazon: must be a mapping with brand_slug, currency, asin_skus (all optional)"
        in problems
    )
    assert len(problems) == 8


# --- affiliate (issue 5) ---------------------------------------------------------------------
AFFILIATE = """
workspaces:
  - slug: northstar
    name: Northstar Agency
    clients:
      - slug: acme-outdoor
        name: Acme Outdoor
        currency: EUR
        affiliate:
          tracking_id_prefixes: [acme-, acme-eu-]
      - slug: bloom-beauty
        name: Bloom Beauty
        affiliate:
          tracking_id_prefixes: [bloom]
          currency: GBP
      - slug: citrus
        name: Citrus
"""


def test_affiliate_settings_load_and_become_the_prefix_table(tmp_path):
    config = load_config(write(tmp_path, AFFILIATE))
    acme, bloom, citrus = config.clients
    # the affiliate currency defaults to USD, not to the client's currency
    assert (acme.affiliate.tracking_id_prefixes, acme.affiliate.currency) == (("acme-", "acme-eu-"), "USD")
    assert (bloom.affiliate.tracking_id_prefixes, bloom.affiliate.currency) == (("bloom",), "GBP")
    assert citrus.affiliate is None
    table = config_tables(config).affiliate_tracking_prefixes
    assert table.rows() == [
        ("acme-", "acme-outdoor", "USD"),
        ("acme-eu-", "acme-outdoor", "USD"),
        ("bloom", "bloom-beauty", "GBP"),
    ]


def test_bad_affiliate_settings_are_reported_by_key(tmp_path):
    path = write(
        tmp_path,
        """
workspaces:
  - slug: northstar
    name: Northstar Agency
    clients:
      - slug: a
        name: A
        affiliate:
          tracking_id_prefixes: [shared-, " spaced", shared-]
          currency: usd
          network: clickbank
      - slug: b
        name: B
        affiliate:
          tracking_id_prefixes: []
      - slug: c
        name: C
        affiliate:
          tracking_id_prefixes: [shared-]
      - slug: d
        name: D
        affiliate: clickbank
""",
    )
    with pytest.raises(ConfigError) as error:
        load_config(path)
    problems = error.value.problems
    key = "workspaces[0].clients"
    assert f"{key}[0].affiliate.network: unknown key (allowed: currency, tracking_id_prefixes)" in problems
    assert (
        f"{key}[0].affiliate.tracking_id_prefixes[1]: must be a non-empty string without surrounding spaces (got ' spaced')"
        in problems
    )
    assert f"{key}[0].affiliate.tracking_id_prefixes: prefix 'shared-' appears more than once" in problems
    assert f"{key}[0].affiliate.currency: must be a 3-letter ISO 4217 code like USD (got 'usd')" in problems
    assert f"{key}[1].affiliate.tracking_id_prefixes: required, a non-empty list of tracking id prefixes" in problems
    assert f"{key}[3].affiliate: must be a mapping with tracking_id_prefixes (and optionally currency)" in problems
    # the same prefix on two clients could not say whose an event is
    assert (
        "workspaces[*].clients[*].affiliate.tracking_id_prefixes: tracking id prefix 'shared-' appears more than once"
        in problems
    )
    assert len(problems) == 7


def test_the_markov_model_can_be_the_pnl_model(tmp_path):
    text = VALID.replace("    name: Harbor\n", "    name: Harbor\n    attribution:\n      pnl_model: markov\n")
    harbor = load_config(write(tmp_path, text)).workspaces[1]
    assert harbor.attribution.pnl_model == "markov"
    with pytest.raises(ConfigError) as raised:
        load_config(write(tmp_path, text.replace("pnl_model: markov", "pnl_model: data_driven")))
    assert "pnl_model: must be one of first_touch, last_touch, linear, position_based, time_decay, markov" in (
        "\n".join(raised.value.problems)
    )
