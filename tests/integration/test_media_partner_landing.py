"""Landing the sandbox's partner exports over the S3 server into a real Postgres."""

from __future__ import annotations

from datetime import date

import pytest

from metrics_pipeline.config import load_config
from metrics_pipeline.landing.exports import open_exports_store
from metrics_pipeline.sources.media_partner.load import land_days
from tests.conftest import fetch_all
from tests.integration.conftest import all_days, data_rows

pytestmark = pytest.mark.integration

RAW_ROWS = """
    select client_slug, report_date, campaign_name, strategy_name, placement_name, creative_name,
           impressions, clicks, reported_ctr, conversions, conversion_revenue, source_file, source_row_number
    from raw_media_partner.daily_exports
    order by source_file, source_row_number
"""
REJECTED_ROWS = """
    select source, partition_key, source_file, row_number, fields, reason, raw_record
    from ops.rejected_rows order by source_file, row_number
"""


@pytest.fixture(scope="module")
def landed(served_world, database_url):
    store = open_exports_store(served_world.exports_uri)
    config = load_config(served_world.world.config_path)
    days = list(all_days(served_world.world))
    outcomes = land_days(database_url, store, config, days, run_id="first-run")
    return outcomes


def test_every_valid_row_lands_and_each_file_is_logged_once(served_world, database_url, landed):
    world = served_world.world
    files = sorted((world.exports_dir / "media_partner").rglob("*.csv"))
    bad_header_key = world.wrong_header_file.relative_key
    malformed_key = world.malformed_row.relative_key
    expected_rows = sum(
        data_rows(f) - (1 if f.relative_to(world.exports_dir).as_posix() == malformed_key else 0)
        for f in files
        if f.relative_to(world.exports_dir).as_posix() != bad_header_key
    )
    [(landed_rows,)] = fetch_all(database_url, "select count(*) from raw_media_partner.daily_exports")
    assert landed_rows == expected_rows

    logs = fetch_all(database_url, "select target, status, records_loaded, records_rejected from ops.ingestion_logs")
    assert len(logs) == len(files)
    statuses = {target.removeprefix(served_world.exports_uri + "/"): status for target, status, _, _ in logs}
    assert statuses[bad_header_key] == "failed"
    assert statuses[malformed_key] == "partial"
    assert {s for k, s in statuses.items() if k not in (bad_header_key, malformed_key)} == {"completed"}
    assert sum(loaded for _, _, loaded, _ in logs) == landed_rows


def test_the_malformed_row_is_quarantined_with_file_row_and_field(served_world, database_url, landed):
    bad = served_world.world.malformed_row
    [(source_file, row_number, fields, reason, raw)] = fetch_all(
        database_url, "select source_file, row_number, fields, reason, raw_record from ops.rejected_rows"
    )
    assert source_file == f"{served_world.exports_uri}/{bad.relative_key}"
    assert (row_number, fields) == (bad.row_number, bad.field)
    assert reason.startswith(f"{bad.field}: must be a whole number")
    assert raw[bad.field] in reason
    [(status, rejected, message)] = fetch_all(
        database_url,
        "select status, records_rejected, message from ops.ingestion_logs where target = %s",
        (source_file,),
    )
    assert (status, rejected) == ("partial", 1)
    assert f"row {bad.row_number}" in message


def test_the_wrong_header_file_fails_naming_file_and_columns_and_its_day_still_lands(
    served_world, database_url, landed
):
    bad = served_world.world.wrong_header_file
    uri = f"{served_world.exports_uri}/{bad.relative_key}"
    [(status, message)] = fetch_all(
        database_url, "select status, message from ops.ingestion_logs where target = %s", (uri,)
    )
    assert status == "failed"
    assert message.startswith(uri)
    named = message.split("missing column(s) ", 1)[1].split(";", 1)[0].split(", ")
    assert sorted(named) == sorted(bad.missing_columns)
    client = bad.relative_key.split("/")[1]
    day = date.fromisoformat(bad.relative_key.rsplit("/", 1)[1].removesuffix(".csv"))
    rows_by_client = dict(
        fetch_all(
            database_url,
            "select client_slug, count(*) from raw_media_partner.daily_exports where report_date = %s group by 1",
            (day,),
        )
    )
    assert client not in rows_by_client
    assert set(rows_by_client) == set(served_world.world.client_slugs) - {client}


def test_money_lands_exactly(served_world, database_url, landed):
    # Sum of revenue as the files state it, in Decimal, against Postgres numeric.
    import csv
    import io
    from decimal import Decimal

    world = served_world.world
    total = Decimal(0)
    for path in (world.exports_dir / "media_partner").rglob("*.csv"):
        key = path.relative_to(world.exports_dir).as_posix()
        if key == world.wrong_header_file.relative_key:
            continue
        reader = csv.DictReader(io.StringIO(path.read_bytes().decode("utf-8-sig"), newline=""))
        for number, row in enumerate(reader, start=2):
            if key == world.malformed_row.relative_key and number == world.malformed_row.row_number:
                continue
            if row and row.get("conversion_revenue"):
                total += Decimal(row["conversion_revenue"].replace(",", ""))
    [(landed_total,)] = fetch_all(database_url, "select sum(conversion_revenue) from raw_media_partner.daily_exports")
    assert landed_total == total


def test_rerunning_partitions_leaves_every_table_identical(served_world, database_url, landed):
    before = (fetch_all(database_url, RAW_ROWS), fetch_all(database_url, REJECTED_ROWS))
    [(logs_before,)] = fetch_all(database_url, "select count(*) from ops.ingestion_logs")
    store = open_exports_store(served_world.exports_uri)
    config = load_config(served_world.world.config_path)
    days = [
        date.fromisoformat(key.rsplit("/", 1)[1].removesuffix(".csv"))
        for key in (served_world.world.malformed_row.relative_key, served_world.world.wrong_header_file.relative_key)
    ] + [served_world.world.start]
    land_days(database_url, store, config, days, run_id="rerun")
    land_days(database_url, store, config, days, run_id="rerun-again")
    after = (fetch_all(database_url, RAW_ROWS), fetch_all(database_url, REJECTED_ROWS))
    assert after == before
    [(logs_after,)] = fetch_all(database_url, "select count(*) from ops.ingestion_logs")
    files_per_rerun = len(served_world.world.client_slugs) * len(days)
    assert logs_after == logs_before + 2 * files_per_rerun  # every attempt is logged
