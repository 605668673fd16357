from __future__ import annotations

import shutil

import psycopg
import pytest

from metrics_pipeline.warehouse.migrations import MIGRATIONS_DIR, MigrationError, apply_migrations, discover
from tests.conftest import fetch_all

pytestmark = pytest.mark.integration


def test_every_migration_is_recorded_once_and_a_second_pass_applies_nothing(database_url):
    recorded = [
        name for (name,) in fetch_all(database_url, "select filename from ops.schema_migrations order by version")
    ]
    assert recorded == [m.path.name for m in discover()]
    with psycopg.connect(database_url) as conn:
        assert apply_migrations(conn) == []
    tables = {
        f"{s}.{t}"
        for s, t in fetch_all(
            database_url,
            "select table_schema, table_name from information_schema.tables "
            "where table_schema in ('ops', 'config', 'raw_media_partner')",
        )
    }
    assert {"ops.ingestion_logs", "ops.rejected_rows", "config.clients", "raw_media_partner.daily_exports"} <= tables


def test_new_files_apply_in_order_and_an_edited_applied_file_is_refused(database_url, tmp_path):
    folder = tmp_path / "staging_sql"
    shutil.copytree(MIGRATIONS_DIR, folder)
    (folder / "9001_scratch.sql").write_text("create table if not exists ops.scratch (id int);")
    with psycopg.connect(database_url) as conn:
        assert apply_migrations(conn, folder) == ["9001_scratch.sql"]
    (folder / "9001_scratch.sql").write_text("create table if not exists ops.scratch (id bigint);")
    with psycopg.connect(database_url) as conn, pytest.raises(MigrationError, match="9001_scratch.sql changed"):
        apply_migrations(conn, folder)


def test_badly_named_migration_files_are_refused(tmp_path):
    (tmp_path / "add_table.sql").write_text("select 1")
    with pytest.raises(MigrationError, match="NNNN_lower_snake.sql"):
        discover(tmp_path)
