"""The marts keep their history when retention archives the raw rows: the nightly job
(windowed) after an archive leaves the archived days' daily rows, the weekly / monthly
summaries and the entities (with their first-seen days) as they were. The hand-made media partner set of test_hand_made_summaries."""

from __future__ import annotations

from datetime import date

import pytest

from metrics_pipeline.config import RetentionSettings
from metrics_pipeline.landing.exports import LocalExportsStore
from metrics_pipeline.retention.archive import archive, restore
from metrics_pipeline.retention.plan import retained_table
from metrics_pipeline.sources.media_partner.parse import EXPECTED_COLUMNS
from tests.conftest import fetch_all, write_file
from tests.integration.conftest import run_pipeline
from tests.integration.test_hand_made_summaries import CONFIG, FILES

pytestmark = pytest.mark.integration

MEDIA = retained_table("raw_media_partner.daily_exports")
# 730 days before is 2026-10-15: September 2026 is archived whole, October stays landed
TODAY = date(2028, 10, 15)
MARTS = {
    "daily": "select * from marts.fct_media_partner_daily order by report_date, creative_entity_id",
    "weekly": "select * from marts.weekly_summaries order by client_slug, week_start",
    "monthly": "select * from marts.monthly_summaries order by client_slug, month_start",
    # creatives seen only in September, and first-seen days in September, outlive their raw rows
    "entities": "select * from marts.dim_ad_entities order by entity_id",
    "ancestors": "select * from marts.dim_ad_entity_ancestors order by 1, 2",
}


def test_archived_days_keep_their_mart_rows_through_the_nightly_build(tmp_path, database_url):
    for day, rows in FILES.items():
        write_file(
            tmp_path / "exports" / "media_partner" / "handmade" / f"{day}.csv",
            ",".join(EXPECTED_COLUMNS) + "\r\n" + "\r\n".join(rows) + "\r\n",
        )
    mp = pytest.MonkeyPatch()
    mp.setenv("METRICS_CONFIG", str(write_file(tmp_path / "config.yaml", CONFIG)))
    mp.setenv("METRICS_EXPORTS_URI", str(tmp_path / "exports"))
    try:
        assert run_pipeline(date(2026, 9, 28), date(2026, 10, 5)).success
        before = {name: fetch_all(database_url, query) for name, query in MARTS.items()}
        assert any(row[0] == date(2026, 9, 1) or date(2026, 9, 1) in row for row in before["monthly"])

        store = LocalExportsStore(tmp_path / "exports")
        moved = archive(database_url, store, RetentionSettings(), TODAY, tables=[MEDIA])
        assert [(r.month, r.rows) for r in moved] == [(date(2026, 9, 1), 4)]
        assert fetch_all(database_url, "select min(report_date) from raw_media_partner.daily_exports") == [
            (date(2026, 10, 1),)
        ]

        # the nightly job over the days still landed: a windowed dbt build
        assert run_pipeline(date(2026, 10, 1), date(2026, 10, 5)).success
        after = {name: fetch_all(database_url, query) for name, query in MARTS.items()}
        assert after == before

        # and a restore puts exactly the landed rows back
        restore(database_url, store, MEDIA, date(2026, 9, 1), date(2026, 9, 1))
        assert fetch_all(database_url, "select count(*) from raw_media_partner.daily_exports") == [(6,)]
    finally:
        mp.undo()
