from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from metrics_pipeline.config import ConfigError, CpmRate, cpm_in_force, load_config
from metrics_pipeline.config_tables import config_tables

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
    assert tables.row_counts() == {"workspaces": 2, "clients": 1, "media_partner_cpm_rates": 2}
    assert tables.media_partner_cpm_rates["cpm"].to_list() == ["12.5", "14.00"]
