"""A partial file never half-lands: an export cut short in the bucket fails whole, and the
client's day keeps exactly what the last complete file landed."""

from __future__ import annotations

from datetime import date

import pytest

from metrics_pipeline.config import load_config
from metrics_pipeline.landing.exports import open_exports_store
from metrics_pipeline.operations.failures import classify_failure
from metrics_pipeline.sources.media_partner.load import land_days
from tests.conftest import fetch_all
from tests.integration.conftest import data_rows

pytestmark = pytest.mark.integration

ROWS_OF_DAY = """
    select client_slug, campaign_name, strategy_name, placement_name, creative_name, impressions, clicks,
           reported_ctr, conversions, conversion_revenue, source_file, source_row_number
    from raw_media_partner.daily_exports where report_date = %s order by source_file, source_row_number
"""


def test_a_truncated_export_fails_whole_and_keeps_the_previous_landing(served_world, database_url):
    world = served_world.world
    day = date(2026, 9, 15)
    key = f"media_partner/{world.client_slugs[0]}/{day.isoformat()}.csv"
    local = world.exports_dir / key
    complete = local.read_bytes()
    assert data_rows(local) > 3
    store = open_exports_store(served_world.exports_uri)
    config = load_config(world.config_path)
    land_days(database_url, store, config, [day], run_id="complete")
    before = fetch_all(database_url, ROWS_OF_DAY, (day,))
    assert len([r for r in before if r[0] == world.client_slugs[0]]) == data_rows(local)

    # The partner's re-upload stopped inside a row, two thirds of the way through.
    cut = complete[: len(complete) * 2 // 3]
    cut = cut[: cut.rindex(b",")]
    bucket, prefix = served_world.exports_uri.removeprefix("s3://").split("/", 1)
    served_world.s3.client().put_object(Bucket=bucket, Key=f"{prefix}/{key}", Body=cut)
    try:
        [outcome] = land_days(database_url, store, config, [day], run_id="truncated")
    finally:
        served_world.s3.client().put_object(Bucket=bucket, Key=f"{prefix}/{key}", Body=complete)

    [failed] = outcome.failed_files
    assert failed.file.endswith(key) and "ends mid-row" in failed.message
    assert classify_failure(failed.message).kind == "permanent"
    assert fetch_all(database_url, ROWS_OF_DAY, (day,)) == before  # nothing of the cut file landed
    logs = fetch_all(
        database_url,
        "select target, status, records_loaded, message from ops.ingestion_logs"
        " where run_id = 'truncated' and status = 'failed'",
    )
    assert [(t.endswith(key), s, n) for t, s, n, _ in logs] == [(True, "failed", 0)]
    assert "ends mid-row" in logs[0][3]
