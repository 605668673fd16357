"""The nightly restatement window: Google connections follow their accounts' conversion windows."""

from __future__ import annotations

from metrics_pipeline.config import Connection
from metrics_pipeline.lib.partitions import longest_lookback_days


def connection(connection_id: str, provider: str, lookback_days: int, *, from_actions: bool = False, status="active"):
    return Connection(
        id=connection_id,
        workspace_slug="w",
        provider=provider,
        client_slug=None,
        account_ids=("1",),
        manager_customer_id=None,
        status=status,
        sync_frequency="daily",
        lookback_days=lookback_days,
        credentials_env_prefix="P",
        lookback_from_conversion_actions=from_actions,
    )


def test_a_google_connection_without_lookback_days_takes_its_landed_conversion_window():
    google = connection("g", "google_ads", 30, from_actions=True)
    meta = connection("m", "meta", 28)
    assert longest_lookback_days([google, meta], {"g": 60}) == 60
    assert longest_lookback_days([google, meta], {"g": 7}) == 28
    # Nothing landed yet: Google's default window stands in.
    assert longest_lookback_days([google, meta], {}) == 30


def test_an_explicit_lookback_days_wins_over_the_accounts_and_paused_connections_do_not_count():
    google = connection("g", "google_ads", 10)
    paused = connection("p", "google_ads", 30, from_actions=True, status="paused")
    assert longest_lookback_days([google, paused], {"g": 90, "p": 90}) == 10
    assert longest_lookback_days([paused], {"p": 90}) == 1
