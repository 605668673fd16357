"""The real nightly job, `daily_pipeline`, for a user whose only source is Google Ads, one of whose
two connections has had its access revoked.

Every other source (media partner, Amazon, affiliate and pixel files; Meta; Shopify; TikTok) has no
configuration and no files: each is skipped with a log line saying so, none fails. The revoked
connection's customer is a failed check and an `ops.ingestion_logs` row with a permanent cause,
never a crashed step (a failed Google account used to crash the step on `outcome.target`, which
Google's outcome type did not have); the other connection's customers land and dbt builds the
marts from them. Run with raise_on_error=True: any crashed step raises here.
"""

from __future__ import annotations

import os
from datetime import date

import dagster as dg
import pytest

from metrics_pipeline.definitions import defs
from tests.conftest import fetch_all
from tests.integration.test_google_ads_landing import ACME, BLOOM, CITRUS, sandbox  # noqa: F401

pytestmark = pytest.mark.integration

DAY = date(2026, 10, 26)


@pytest.fixture(scope="module")
def run(sandbox, database_url, tmp_path_factory):  # noqa: F811
    exports = tmp_path_factory.mktemp("no-exports")  # an exports root with nothing in it
    saved = dict(os.environ)
    os.environ["METRICS_CONFIG"] = str(sandbox.config.source_path)
    os.environ["METRICS_EXPORTS_URI"] = str(exports)
    os.environ.pop("METRICS_PII_KEY", None)  # no pixel data, so no key is needed
    sandbox.server.revoke_refresh_token("HARBOR_GOOGLE")
    try:
        instance = dg.DagsterInstance.ephemeral()
        result = defs.resolve_job_def("daily_pipeline").execute_in_process(
            instance=instance,
            partition_key=DAY.isoformat(),
            raise_on_error=True,  # a crashed step raises here
        )
        messages = [
            entry.user_message
            for entry in instance.all_logs(result.run_id)
            if entry.user_message and entry.dagster_event is None  # what the steps logged
        ]
        yield result, messages
    finally:
        sandbox.server.reinstate_refresh_token("HARBOR_GOOGLE")
        os.environ.clear()
        os.environ.update(saved)


def test_the_run_succeeds_and_the_revoked_account_is_a_failed_check(run):
    result, _ = run
    assert result.success
    checks = {(c.asset_key.to_user_string(), c.check_name): c for c in result.get_asset_check_evaluations()}
    google = checks[("google_ads/ad_daily_metrics", "every_account_synced")]
    assert not google.passed
    assert f"customers/{CITRUS}" in google.metadata["failed_accounts"].value


def test_the_failed_account_is_logged_with_a_permanent_cause(run, database_url):
    result, _ = run
    assert fetch_all(
        database_url,
        "select status, failure_kind from ops.ingestion_logs where run_id = %s and target = %s",
        (result.run_id, f"customers/{CITRUS}"),
    ) == [("failed", "permanent")]


def test_the_other_connections_customers_land_and_dbt_builds_the_marts_from_them(run, database_url):
    result, _ = run
    landed = fetch_all(
        database_url,
        "select distinct customer_id from raw_google_ads.ad_daily_metrics where metric_date = %s order by 1",
        (DAY,),
    )
    assert {ACME, BLOOM} <= {c for (c,) in landed} and CITRUS not in {c for (c,) in landed}
    assert fetch_all(
        database_url,
        "select distinct status from ops.ingestion_logs where run_id = %s and source = 'google_ads' and target <> %s",
        (result.run_id, f"customers/{CITRUS}"),
    ) == [("completed",)]
    # dbt ran in this run: the P&L has the day for the landed clients and none for Citrus.
    clients = fetch_all(
        database_url,
        "select distinct client_slug from marts.fct_ad_entity_daily where metric_date = %s order by 1",
        (DAY,),
    )
    assert clients == [("acme-outdoor",), ("bloom-beauty",)]


def test_every_other_source_is_skipped_with_a_log_line_not_failed(run):
    result, messages = run
    failed_steps = [e.step_key for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_FAILURE]
    assert failed_steps == []
    for line in (
        "no media-partner files for 2026-10-26 .. 2026-10-26: nothing to land",
        "no Amazon files for 2026-10-26 .. 2026-10-26: nothing to land",
        "no affiliate files for 2026-10-26 .. 2026-10-26: nothing to land",
        "no pixel files for 2026-10-26 .. 2026-10-26: nothing to land",
        "no active Meta connections configured: nothing to land",
        "no active Shopify connections configured: nothing to land",
        "no active TikTok Ads connections configured: nothing to land",
    ):
        assert line in messages, line
