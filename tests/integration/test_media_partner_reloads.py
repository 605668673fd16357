"""Partition reloads from a local exports folder: restated, broken and vanished files."""

from __future__ import annotations

from datetime import date

import pytest

from metrics_pipeline.config import load_config
from metrics_pipeline.landing.exports import open_exports_store
from metrics_pipeline.sources.media_partner.load import land_days
from metrics_pipeline.sources.media_partner.parse import EXPECTED_COLUMNS
from tests.conftest import fetch_all, write_file

pytestmark = pytest.mark.integration

DAY = date(2026, 9, 2)
HEADER = ",".join(EXPECTED_COLUMNS)
CONFIG = """
workspaces:
  - slug: ws
    name: Workspace
    clients:
      - slug: alpha
        name: Alpha
        media_partner: {cpm_rates: [{effective_from: 2026-09-01, cpm: "10.00"}]}
      - slug: beta
        name: Beta
        media_partner: {cpm_rates: [{effective_from: 2026-09-01, cpm: "5.00"}]}
"""


def export(*rows: str) -> str:
    return HEADER + "\n" + "\n".join(rows) + "\n"


@pytest.fixture
def exports(tmp_path, database_url):
    with psycopg_connect(database_url) as conn:
        conn.execute("truncate raw_media_partner.daily_exports, ops.rejected_rows, ops.ingestion_logs")
    root = tmp_path / "exports"
    write_file(
        root / f"media_partner/alpha/{DAY}.csv",
        export(f"{DAY},A,S,P,C1,1000,10,1%,1,10.00", f"{DAY},A,S,P,C2,500,5,1%,0,0"),
    )
    write_file(root / f"media_partner/beta/{DAY}.csv", export(f"{DAY},B,S,P,C1,2000,20,1%,2,40.00"))
    config = load_config(write_file(tmp_path / "config.yaml", CONFIG))
    return root, config


def psycopg_connect(url):
    import psycopg

    return psycopg.connect(url)


def land(url, root, config, run_id="run"):
    return land_days(url, open_exports_store(str(root)), config, [DAY], run_id=run_id)[0]


def rows_of(url, client):
    return fetch_all(
        url,
        "select creative_name, impressions, clicks, conversions, conversion_revenue "
        "from raw_media_partner.daily_exports where client_slug = %s order by creative_name",
        (client,),
    )


def test_a_restated_file_replaces_exactly_its_client_day(database_url, exports):
    root, config = exports
    land(database_url, root, config)
    beta_before = rows_of(database_url, "beta")
    write_file(root / f"media_partner/alpha/{DAY}.csv", export(f"{DAY},A,S,P,C1,1200,12,1%,2,25.50"))
    outcome = land(database_url, root, config, run_id="restated")
    assert outcome.loaded == 2
    assert [r[:4] for r in rows_of(database_url, "alpha")] == [("C1", 1200, 12, 2)]
    assert rows_of(database_url, "beta") == beta_before


def test_a_file_that_turns_unreadable_keeps_the_rows_it_had(database_url, exports):
    root, config = exports
    land(database_url, root, config)
    alpha_before = rows_of(database_url, "alpha")
    write_file(root / f"media_partner/alpha/{DAY}.csv", "date,campaign\n2026-09-02,A\n")
    outcome = land(database_url, root, config, run_id="broken")
    [failed] = outcome.failed_files
    assert "/alpha/" in failed.file and "missing column(s)" in failed.message
    assert rows_of(database_url, "alpha") == alpha_before
    assert len(rows_of(database_url, "beta")) == 1


def test_a_vanished_file_removes_its_rows_and_quarantine(database_url, exports):
    root, config = exports
    write_file(
        root / f"media_partner/beta/{DAY}.csv",
        export(f"{DAY},B,S,P,C1,-1,20,1%,2,40.00", f"{DAY},B,S,P,C2,10,1,1%,0,0"),
    )
    land(database_url, root, config)
    assert len(rows_of(database_url, "beta")) == 1
    (root / f"media_partner/beta/{DAY}.csv").unlink()
    outcome = land(database_url, root, config, run_id="after-delete")
    assert outcome.vanished_rows == 1
    assert rows_of(database_url, "beta") == []
    assert len(rows_of(database_url, "alpha")) == 2
    # The quarantined row of the vanished file is not left behind as if it still existed.
    # (Its rejection belonged to a file that is gone; the rerun of its day owns the partition.)
    remaining = fetch_all(database_url, "select source_file from ops.rejected_rows")
    assert all("beta" not in f for (f,) in remaining)


def test_an_unknown_client_folder_fails_that_file_only(database_url, exports):
    root, config = exports
    write_file(root / f"media_partner/gamma/{DAY}.csv", export(f"{DAY},G,S,P,C1,1,1,1%,0,0"))
    outcome = land(database_url, root, config)
    [failed] = outcome.failed_files
    assert "unknown client 'gamma'" in failed.message and "config.yaml" in failed.message
    assert outcome.loaded == 3


def test_a_file_broken_deep_inside_never_half_lands(database_url, exports):
    """Read in small blocks, the file's first rows are COPYed before the bad byte is seen;
    the savepoint takes them back, so the client keeps exactly what it had."""
    root, config = exports
    land(database_url, root, config)
    alpha_before = rows_of(database_url, "alpha")
    good_rows = [f"{DAY},A,S,P,C{n},{n},0,0%,0,0" for n in range(3, 60)]
    write_file(
        root / f"media_partner/alpha/{DAY}.csv",
        (export(*good_rows) + f"{DAY},A,S,P,C\xff,1,0,0%,0,0\n").encode("latin-1"),
    )
    outcome = land_days(database_url, open_exports_store(str(root)), config, [DAY], run_id="deep", block_bytes=64)[0]
    [failed] = outcome.failed_files
    assert "/alpha/" in failed.file and "is not UTF-8 text" in failed.message and "alpha" in failed.message
    assert rows_of(database_url, "alpha") == alpha_before
    assert len(rows_of(database_url, "beta")) == 1
    logged = fetch_all(
        database_url,
        "select status, records_loaded, message from ops.ingestion_logs where run_id = 'deep' and target like %s",
        ("%alpha%",),
    )
    assert [(status, loaded) for status, loaded, _ in logged] == [("failed", 0)]


def test_blocks_land_the_same_rows_as_one_read(database_url, exports):
    root, config = exports
    rows = [f'{DAY},A,"S, {n}",P,C{n},{n * 10},{n},1%,0,{n}.25' for n in range(200)] + [f"{DAY},A,S,P,Cx,-1,0,0%,0,0"]
    write_file(root / f"media_partner/alpha/{DAY}.csv", export(*rows))
    whole = land_days(database_url, open_exports_store(str(root)), config, [DAY], run_id="whole")[0]
    landed_whole = rows_of(database_url, "alpha")
    blocks = land_days(database_url, open_exports_store(str(root)), config, [DAY], run_id="blocks", block_bytes=100)[0]
    assert rows_of(database_url, "alpha") == landed_whole and len(landed_whole) == 200
    assert (blocks.loaded, blocks.rejected) == (whole.loaded, whole.rejected) == (201, 1)
    assert fetch_all(database_url, "select row_number, fields from ops.rejected_rows") == [(202, "impressions")]


def test_a_cell_the_warehouse_cannot_store_is_quarantined_and_the_rest_of_the_file_lands(database_url, exports):
    """An amount too large for numeric(20, 6) and a NUL byte used to pass the parser and make COPY
    refuse the whole file: now each is its row's problem, named in ops.rejected_rows (which can
    store the row as read, the NUL shown as U+FFFD), and the file's other rows land."""
    root, config = exports
    write_file(
        root / f"media_partner/alpha/{DAY}.csv",
        export(
            f"{DAY},A,S,P,C1,1000,10,1%,1,123456789012345678.00",
            f"{DAY},A,S,P,C2\x00,500,5,1%,0,0",
            f"{DAY},A,S,P,C3,700,7,1%,0,0",
        ),
    )
    outcome = land(database_url, root, config, run_id="unstorable")
    assert outcome.failed_files == []
    assert [row[0] for row in rows_of(database_url, "alpha")] == ["C3"]
    assert len(rows_of(database_url, "beta")) == 1
    assert fetch_all(
        database_url,
        "select row_number, fields, raw_record ->> 'creative_name' from ops.rejected_rows"
        " where source_file like %s order by row_number",
        ("%/alpha/%",),
    ) == [(2, "conversion_revenue", "C1"), (3, "creative_name", "C2\ufffd")]
    assert fetch_all(
        database_url, "select status from ops.ingestion_logs where run_id = 'unstorable' order by target"
    ) == [("partial",), ("completed",)]


def test_a_value_the_warehouse_still_refuses_fails_that_file_only_and_keeps_its_rows(database_url, exports):
    """What no parser check foresaw (here a rule the test adds to the table) fails at COPY: the
    file rolls back to its savepoint (its client keeps what it had), the other clients' files
    still land, and the attempt says why, as a permanent failure (the same bytes cannot pass)."""
    root, config = exports
    land(database_url, root, config)
    alpha_before = rows_of(database_url, "alpha")
    write_file(root / f"media_partner/alpha/{DAY}.csv", export(f"{DAY},A,S,P,REFUSED,1000,10,1%,1,1.00"))
    write_file(
        root / f"media_partner/beta/{DAY}.csv", export(f"{DAY},B,S,P,C9,7,0,0%,0,0", f"{DAY},B,S,P,C8,8,0,0%,0,0")
    )
    with psycopg_connect(database_url) as conn:
        conn.execute(
            "alter table raw_media_partner.daily_exports add constraint test_refuses check (creative_name <> 'REFUSED')"
        )
    try:
        outcome = land(database_url, root, config, run_id="refused")
    finally:
        with psycopg_connect(database_url) as conn:
            conn.execute("alter table raw_media_partner.daily_exports drop constraint test_refuses")
    [failed] = outcome.failed_files
    assert "/alpha/" in failed.file and "the warehouse refused its rows" in failed.message
    assert failed.cause is not None and failed.cause.kind == "permanent"
    assert rows_of(database_url, "alpha") == alpha_before
    assert len(rows_of(database_url, "beta")) == 2
    assert fetch_all(
        database_url,
        "select status, failure_kind from ops.ingestion_logs where run_id = 'refused' order by target",
    ) == [("failed", "permanent"), ("completed", None)]
