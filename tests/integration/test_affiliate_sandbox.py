"""The sandbox's affiliate network, landed by the real job and built by dbt: the world's own
events are the oracle (conversions + rebills - refunds per New York day, in cents)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

import dagster as dg
import pytest
import yaml

from metrics_pipeline.sandbox.affiliate_world import (
    CLIENT_SLUG,
    affiliate_config_section,
    day_events,
    write_affiliate_exports,
)
from tests.conftest import fetch_all, write_file

pytestmark = pytest.mark.integration
START, DAYS, SEED = date(2026, 9, 1), 7, 20260901


@pytest.fixture(scope="module")
def built(tmp_path_factory, database_url):
    root = tmp_path_factory.mktemp("affiliate_sandbox")
    world = write_affiliate_exports(root / "exports", start=START, days=DAYS, seed=SEED)
    config = {
        "workspaces": [
            {
                "slug": "northstar",
                "name": "Northstar",
                "clients": [
                    {
                        "slug": CLIENT_SLUG,
                        "name": "Acme Outdoor",
                        "currency": "USD",
                        "timezone": "America/New_York",
                        "affiliate": affiliate_config_section(),
                    }
                ],
            }
        ]
    }
    config_path = write_file(root / "config.yaml", yaml.safe_dump(config))
    mp = pytest.MonkeyPatch()
    mp.setenv("METRICS_CONFIG", str(config_path))
    mp.setenv("METRICS_EXPORTS_URI", str(root / "exports"))
    try:
        from metrics_pipeline.definitions import defs

        result = defs.resolve_job_def("affiliate_daily").execute_in_process(
            instance=dg.DagsterInstance.ephemeral(),
            tags={
                "dagster/asset_partition_range_start": START.isoformat(),
                "dagster/asset_partition_range_end": (START + timedelta(days=DAYS - 1)).isoformat(),
            },
            raise_on_error=False,
        )
    finally:
        mp.undo()
    return database_url, world, result


def test_every_check_passes(built):
    _, _, result = built
    assert result.success
    failed = [e.check_name for e in result.get_asset_check_evaluations() if not e.passed]
    assert failed == []


def test_only_the_malformed_rows_are_quarantined(built):
    url, world, _ = built
    rows = fetch_all(
        url, "select source_file, row_number, fields from ops.rejected_rows where source = 'affiliate' order by 1, 2"
    )
    assert [(file.split("/exports/", 1)[1], row, fields) for file, row, fields in rows] == [
        (m.relative_key, m.row_number, m.field) for m in world.malformed_rows
    ]


def test_daily_net_revenue_and_counts_are_the_worlds(built):
    url, _, _ = built
    expected: dict[date, list] = defaultdict(lambda: [0, 0, 0, 0, 0])  # clicks, conv, refunds, rebills, net cents
    for offset in range(DAYS):
        day = START + timedelta(days=offset)
        for event in day_events(day, SEED):
            totals = expected[event.at.date()]
            index = ("click", "conversion", "refund", "rebill").index(event.kind)
            totals[index] += 1
            totals[4] += -event.cents if event.kind == "refund" else event.cents
    rows = fetch_all(
        url,
        "select metric_date, sum(clicks), sum(conversions), sum(refunds), sum(rebills), sum(net_revenue)"
        " from marts.fct_affiliate_daily group by 1 order by 1",
    )
    assert rows == [(day, c, v, r, b, Decimal(cents) / 100) for day, (c, v, r, b, cents) in sorted(expected.items())]
    [(pnl,)] = fetch_all(
        url,
        "select sum(platform_revenue) from marts.fct_pnl_daily"
        " where kind = 'eod' and platform = 'affiliate' and level = 'account'",
    )
    assert pnl == sum(Decimal(t[4]) for t in expected.values()) / 100
