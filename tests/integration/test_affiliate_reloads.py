"""Re-landing affiliate days from a local exports folder: a re-upload that fails keeps the rows
its file landed before, a vanished file takes its rows along, and a re-landed day equals one
landed from nothing."""

from __future__ import annotations

from datetime import date

import psycopg
import pytest

from metrics_pipeline.landing.exports import open_exports_store
from metrics_pipeline.sources.affiliate.load import land_days
from tests.conftest import fetch_all, write_file

pytestmark = pytest.mark.integration

DAY = date(2026, 9, 10)
HEADER = "event_id,event_type,occurred_at,tracking_id,product_id,revenue,source"
CATALOGUE_HEADER = "product_id,title,vendor,category,commission_rate,commission_amount,gravity,refund_rate,is_rebill"


def events(*ids: str) -> str:
    return HEADER + "\n" + "".join(f"{i},conversion,2026-09-10T12:00:00Z,hm-fb,P1,10.00,fb\n" for i in ids)


def catalogue(*rows: tuple[str, str]) -> str:
    return CATALOGUE_HEADER + "\n" + "".join(f"{p},{title},v,c,10%,$1.00,1,1%,no\n" for p, title in rows)


@pytest.fixture
def root(tmp_path, database_url):
    with psycopg.connect(database_url) as conn:
        conn.execute(
            "truncate raw_affiliate.events, raw_affiliate.catalogue_snapshots, ops.rejected_rows, ops.ingestion_logs"
        )
    return tmp_path / "exports"


def land(url, root, run_id="run-1"):
    [outcome] = land_days(url, open_exports_store(str(root)), None, [DAY], run_id=run_id)
    return outcome


def tables(url):
    return {
        "events": fetch_all(
            url, "select event_id, revenue, source_file, source_row_number from raw_affiliate.events order by 1"
        ),
        "catalogue": fetch_all(
            url,
            "select product_id, title, source_file, source_row_number from raw_affiliate.catalogue_snapshots "
            "order by 1",
        ),
        "rejections": fetch_all(
            url,
            "select source_file, row_number, reason from ops.rejected_rows where source = 'affiliate' order by 1, 2",
        ),
    }


def test_a_broken_re_upload_keeps_the_rows_its_file_landed_before(database_url, root):
    write_file(root / f"affiliate/{DAY}/a.csv", events("a1", "a2"))
    write_file(root / f"affiliate/{DAY}/b.csv", events("b1", "b2") + "bad,upsell,2026-09-10T12:00:00Z,x,P1,1,\n")
    write_file(root / f"affiliate/{DAY}/catalog.csv", catalogue(("P1", "Keto"), ("P2", "Yoga")))
    land(database_url, root)
    before = tables(database_url)
    assert len(before["events"]) == 4 and len(before["catalogue"]) == 2 and len(before["rejections"]) == 1

    # a is restated, b comes again without its header's columns, the catalogue cut in its last row.
    write_file(root / f"affiliate/{DAY}/a.csv", events("a1", "a2", "a3"))
    write_file(root / f"affiliate/{DAY}/b.csv", "id,type\nb1,conversion\n")
    write_file(root / f"affiliate/{DAY}/catalog.csv", catalogue(("P1", "Keto 2"), ("P2", "Yoga 2"))[:-9])
    outcome = land(database_url, root, run_id="run-2")

    assert [(f.file.rsplit("/", 1)[-1], f.status) for f in outcome.files] == [
        ("a.csv", "completed"),
        ("b.csv", "failed"),
        ("catalog.csv", "failed"),
    ]
    after = tables(database_url)
    assert [e[0] for e in after["events"]] == ["a1", "a2", "a3", "b1", "b2"]
    assert [e for e in after["events"] if e[0].startswith("b")] == [e for e in before["events"] if e[0][0] == "b"]
    assert after["catalogue"] == before["catalogue"]  # the cut snapshot landed nothing: Keto, Yoga stay
    assert after["rejections"] == before["rejections"]  # b's quarantined row stays with its rows
    logged = fetch_all(
        database_url,
        "select target, status, message from ops.ingestion_logs where run_id = 'run-2' order by target",
    )
    assert [(t.rsplit("/", 1)[-1], s) for t, s, _ in logged] == [
        ("a.csv", "completed"),
        ("b.csv", "failed"),
        ("catalog.csv", "failed"),
    ]
    assert "header is missing column(s)" in logged[1][2] and logged[1][0] in logged[1][2]
    assert "truncated" in logged[2][2] and logged[2][0] in logged[2][2]


def test_a_vanished_file_takes_its_rows_and_quarantine_along(database_url, root):
    write_file(root / f"affiliate/{DAY}/a.csv", events("a1"))
    write_file(root / f"affiliate/{DAY}/b.csv", events("b1") + "bad,upsell,2026-09-10T12:00:00Z,x,P1,1,\n")
    write_file(root / f"affiliate/{DAY}/catalog.csv", catalogue(("P1", "Keto")))
    land(database_url, root)
    (root / f"affiliate/{DAY}/b.csv").unlink()
    (root / f"affiliate/{DAY}/catalog.csv").unlink()
    outcome = land(database_url, root)
    assert outcome.vanished_rows == 2
    after = tables(database_url)
    assert [e[0] for e in after["events"]] == ["a1"] and after["catalogue"] == [] and after["rejections"] == []


def test_the_first_file_in_key_order_keeps_a_shared_id_however_the_day_was_landed_before(database_url, root):
    """b.csv lands first alone; then a.csv (earlier in key order) arrives with an id and a
    product b has too. Re-landing gives the tables a landing from nothing gives."""
    write_file(root / f"affiliate/{DAY}/b.csv", events("s1", "b1"))
    write_file(root / f"affiliate/{DAY}/products-b.csv", catalogue(("P1", "from b"), ("P2", "only b")))
    land(database_url, root)
    assert {e[0]: e[2].rsplit("/", 1)[-1] for e in tables(database_url)["events"]} == {"s1": "b.csv", "b1": "b.csv"}

    write_file(root / f"affiliate/{DAY}/a.csv", events("a1", "s1"))
    write_file(root / f"affiliate/{DAY}/products-a.csv", catalogue(("P1", "from a")))
    outcome = land(database_url, root, run_id="run-2")
    relanded = tables(database_url)
    assert {e[0]: e[2].rsplit("/", 1)[-1] for e in relanded["events"]} == {
        "a1": "a.csv",
        "s1": "a.csv",
        "b1": "b.csv",
    }
    assert [(c[0], c[1]) for c in relanded["catalogue"]] == [("P1", "from a"), ("P2", "only b")]
    assert [r[1:] for r in relanded["rejections"] if r[0].endswith("products-b.csv")] == [
        (
            2,
            f"product_id: already in the day's catalogue ({root.resolve()}/affiliate/{DAY}/products-a.csv line 2), "
            "which is kept (got 'P1')",
        )
    ]
    assert outcome.duplicates == 1  # b's s1

    with psycopg.connect(database_url) as conn:
        conn.execute("truncate raw_affiliate.events, raw_affiliate.catalogue_snapshots, ops.rejected_rows")
    land(database_url, root, run_id="run-2")
    assert tables(database_url) == relanded
