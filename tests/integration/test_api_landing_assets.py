"""The API landing assets as Dagster runs them: a failed account is a failed check and a log row
with its cause, never a crashed step (a failed Google account used to crash the step on
`outcome.target`, which Google's outcome type did not have)."""

from __future__ import annotations

from datetime import date

import dagster as dg
import pytest

from metrics_pipeline.defs.sources import LANDING_ASSETS
from metrics_pipeline.lib.resources import PipelineConfigResource, WarehouseResource
from tests.conftest import fetch_all
from tests.integration.test_google_ads_landing import CITRUS, sandbox  # noqa: F401

pytestmark = pytest.mark.integration

DAY = date(2026, 10, 26)


def test_a_revoked_google_token_fails_the_check_not_the_step_and_records_a_permanent_cause(
    sandbox,
    database_url,  # noqa: F811
):
    sandbox.server.revoke_refresh_token("HARBOR_GOOGLE")
    try:
        result = dg.materialize(
            [LANDING_ASSETS["google_ads"]],
            partition_key=DAY.isoformat(),
            instance=dg.DagsterInstance.ephemeral(),
            resources={
                "warehouse": WarehouseResource(),
                "pipeline_config": PipelineConfigResource(path=sandbox.config.source_path),
            },
            raise_on_error=True,  # a crash in the step would raise here
        )
    finally:
        sandbox.server.reinstate_refresh_token("HARBOR_GOOGLE")
    assert result.success
    [check] = result.get_asset_check_evaluations()
    assert (check.check_name, check.passed) == ("every_account_synced", False)
    assert f"customers/{CITRUS}" in check.metadata["failed_accounts"].value
    assert fetch_all(
        database_url,
        "select status, failure_kind from ops.ingestion_logs where run_id = %s and target = %s",
        (result.run_id, f"customers/{CITRUS}"),
    ) == [("failed", "permanent")]
    landed = fetch_all(
        database_url,
        "select distinct status from ops.ingestion_logs where run_id = %s and target <> %s",
        (result.run_id, f"customers/{CITRUS}"),
    )
    assert landed == [("completed",)]  # the other connection's customers landed
