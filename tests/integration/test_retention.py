"""Retention against real Postgres and a local-folder exports store (and the sandbox S3):
rows over three years, archived with a fixed today, restored, archived again."""

from __future__ import annotations

import io
import json
from datetime import date, timedelta

import polars as pl
import psycopg
import pytest

from metrics_pipeline.config import RetentionSettings
from metrics_pipeline.landing.exports import LocalExportsStore, S3ExportsStore
from metrics_pipeline.retention.archive import archive, archived_months, restore
from metrics_pipeline.retention.plan import retained_table
from metrics_pipeline.sandbox.s3 import SANDBOX_BUCKET, SANDBOX_PREFIX, SandboxS3
from tests.conftest import fetch_all

pytestmark = pytest.mark.integration

TODAY = date(2026, 11, 20)  # ad metrics keep 2024-11-01 on (730 days back is 2024-11-20), affiliate 2025-11-01 on
FIRST_DAY = date(2023, 11, 1)
MEDIA = "raw_media_partner.daily_exports"
AFFILIATE = "raw_affiliate.events"
MEDIA_ROWS = f"select * from {MEDIA} order by source_file, source_row_number"
AFFILIATE_ROWS = f"select * from {AFFILIATE} order by event_id"


def _days():
    day = FIRST_DAY
    while day < TODAY:
        yield day
        day += timedelta(days=9)  # every month, three years, a few rows each


def _insert(url: str) -> None:
    with psycopg.connect(url) as conn:
        for n, day in enumerate(_days()):
            conn.execute(
                f"insert into {MEDIA} values (%s, %s, 'Alpha', 'Pro', 'Home', %s, %s, %s, '1.5%%', %s, %s,"
                " %s, %s, 'run-1', %s)",
                (
                    "acme",
                    day,
                    f"creative-{n % 3}",
                    1000 + n,
                    n,
                    n % 4,
                    f"{n}.123456",
                    f"media_partner/acme/{day}.csv",
                    2,
                    f"{day} 06:00:00+00",
                ),
            )
            conn.execute(
                f"insert into {AFFILIATE} (event_id, event_type, occurred_at, event_date, tracking_id, product_id,"
                " revenue, revenue_as_exported, event_type_as_exported, extra_columns, source_file,"
                " source_row_number, ingestion_run_id, loaded_at) values"
                " (%s, 'conversion', %s, %s, 'cb-1', 'p1', %s, %s, 'Conversion', %s, %s, 2, 'run-1', %s)",
                (
                    f"ev-{n}",
                    f"{day} 13:14:15.123456+00",
                    day,
                    f"{n}.50",
                    f"${n}.50",
                    json.dumps({"note": "x", "n": n}),
                    f"affiliate/{day}.csv",
                    f"{day} 07:00:00+00",
                ),
            )


@pytest.fixture
def warehouse_rows(database_url):
    with psycopg.connect(database_url) as conn:
        conn.execute(f"truncate {MEDIA}, {AFFILIATE}, ops.retention_log")
    _insert(database_url)
    return database_url


def _archive(url, store):
    return archive(url, store, RetentionSettings(), TODAY, tables=[retained_table(MEDIA), retained_table(AFFILIATE)])


def _parquet_rows(store, prefix: str) -> list[tuple]:
    rows = []
    for obj in store.list(f"archive/{prefix}"):
        rows += pl.read_parquet(io.BytesIO(store.read_bytes(obj.key))).rows()
    return rows


def _archive_restore_roundtrip(url, store):
    before_media, before_affiliate = fetch_all(url, MEDIA_ROWS), fetch_all(url, AFFILIATE_ROWS)
    old_media = [r for r in before_media if r[1] < date(2024, 11, 1)]
    old_affiliate = [r for r in before_affiliate if r[3] < date(2025, 11, 1)]
    assert old_media and old_affiliate and len(old_media) < len(before_media)

    results = _archive(url, store)

    # the old rows are gone, the others untouched
    assert fetch_all(url, MEDIA_ROWS) == [r for r in before_media if r not in old_media]
    assert fetch_all(url, AFFILIATE_ROWS) == [r for r in before_affiliate if r not in old_affiliate]
    # one file per table-month, holding exactly the archived rows (jsonb as its text)
    assert {r.month for r in results if r.table == MEDIA} == {date(r[1].year, r[1].month, 1) for r in old_media}
    assert sorted(_parquet_rows(store, MEDIA), key=lambda r: (r[11], r[12])) == sorted(
        old_media, key=lambda r: (r[11], r[12])
    )
    archived_affiliate = sorted(_parquet_rows(store, AFFILIATE))
    # extra_columns (jsonb) is kept as Postgres' text of the value
    assert [(*r[:11], json.loads(r[11]), *r[12:]) for r in archived_affiliate] == sorted(old_affiliate)
    assert sum(r.rows for r in results) == len(old_media) + len(old_affiliate)
    with psycopg.connect(url) as conn:
        assert len(archived_months(conn)) == len(results)

    # a second archive moves nothing and leaves the files as they are
    assert sum(r.rows for r in _archive(url, store)) == 0
    assert len(_parquet_rows(store, MEDIA)) == len(old_media)

    # restore gives back the identical tables
    restore(url, store, retained_table(MEDIA), date(2023, 1, 1), date(2024, 12, 1))
    restore(url, store, retained_table(AFFILIATE), date(2023, 11, 1), date(2025, 10, 1))
    assert fetch_all(url, MEDIA_ROWS) == before_media
    assert fetch_all(url, AFFILIATE_ROWS) == before_affiliate
    # restoring again replaces the months, it does not double them
    restore(url, store, retained_table(MEDIA), date(2023, 11, 1), date(2024, 10, 1))
    assert fetch_all(url, MEDIA_ROWS) == before_media
    with psycopg.connect(url) as conn:
        assert archived_months(conn) == []

    # archiving the restored rows again merges into the same files: same rows, no duplicates
    _archive(url, store)
    assert len(_parquet_rows(store, MEDIA)) == len(old_media)
    assert fetch_all(url, MEDIA_ROWS) == [r for r in before_media if r not in old_media]


def test_archive_then_restore_in_a_local_folder(warehouse_rows, tmp_path):
    _archive_restore_roundtrip(warehouse_rows, LocalExportsStore(tmp_path / "exports"))


def test_archive_then_restore_in_the_sandbox_s3(warehouse_rows):
    with SandboxS3() as sandbox:
        client = sandbox.client()
        client.create_bucket(Bucket=SANDBOX_BUCKET)
        _archive_restore_roundtrip(warehouse_rows, S3ExportsStore(SANDBOX_BUCKET, SANDBOX_PREFIX, client))


def test_a_failed_write_deletes_nothing(warehouse_rows, tmp_path):
    root = tmp_path / "exports"
    # a file where the table's archive folder must go: every write of its months fails
    (root / "archive").mkdir(parents=True)
    (root / "archive" / MEDIA).write_text("not a folder")
    before = fetch_all(warehouse_rows, MEDIA_ROWS)
    with pytest.raises(OSError):
        archive(warehouse_rows, LocalExportsStore(root), RetentionSettings(), TODAY, tables=[retained_table(MEDIA)])
    assert fetch_all(warehouse_rows, MEDIA_ROWS) == before
    [(status, message)] = fetch_all(warehouse_rows, "select status, message from ops.retention_log")
    assert status == "failed" and "Error" in message


def test_dry_run_moves_nothing(warehouse_rows, tmp_path):
    store = LocalExportsStore(tmp_path / "exports")
    before = fetch_all(warehouse_rows, MEDIA_ROWS)
    lines: list[str] = []
    results = archive(
        warehouse_rows,
        store,
        RetentionSettings(),
        TODAY,
        dry_run=True,
        tables=[retained_table(MEDIA)],
        progress=lines.append,
    )
    assert fetch_all(warehouse_rows, MEDIA_ROWS) == before
    assert list(store.list("archive")) == []
    assert len(lines) == len(results) == 12  # 2023-11 .. 2024-10
    assert lines[0].startswith(f"would archive {MEDIA} 2023-11: ")


def test_the_commands_archive_and_restore_a_range(warehouse_rows, tmp_path, monkeypatch, capsys, restore_environ):
    from metrics_pipeline.cli.main import _warn_archived_months, main

    monkeypatch.delenv("METRICS_CONFIG", raising=False)  # the documented defaults apply
    (tmp_path / "exports").mkdir()
    monkeypatch.setenv("METRICS_EXPORTS_URI", str(tmp_path / "exports"))
    before = fetch_all(warehouse_rows, MEDIA_ROWS)
    assert main(["retention", "archive", "--today", "2026-11-20", "--dry-run"]) == 0
    assert f"would archive {MEDIA} 2023-11: " in capsys.readouterr().out
    assert fetch_all(warehouse_rows, MEDIA_ROWS) == before

    assert main(["retention", "archive", "--today", "2026-11-20"]) == 0
    out = capsys.readouterr().out
    assert f"archived {MEDIA} 2024-10: " in out and f"archived {AFFILIATE} 2025-10: " in out
    assert len(fetch_all(warehouse_rows, MEDIA_ROWS)) < len(before)
    # `run --full-refresh` warns that archived months would leave the marts
    _warn_archived_months(warehouse_rows)
    assert "36 table-month(s) from 2023-11 to 2025-10 are archived" in capsys.readouterr().err

    assert main(["retention", "restore", "--table", MEDIA, "--from", "2023-11", "--to", "2024-10"]) == 0
    assert "rows in 12 month(s)" in capsys.readouterr().out
    assert fetch_all(warehouse_rows, MEDIA_ROWS) == before
    assert (
        main(
            ["retention", "restore", "--table", "raw_amazon_ads.sales_reports", "--from", "2023-11", "--to", "2024-10"]
        )
        == 2
    )
    assert "not a retained table" in capsys.readouterr().err
