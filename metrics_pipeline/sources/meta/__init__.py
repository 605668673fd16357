"""Meta (Facebook) Ads: the Marketing API through the facebook-business SDK into raw_meta.*.

- client.py: the API instance per connection (base URL from METRICS_META_GRAPH_URL), error
  classification for retries;
- extract.py: account, entities and daily insights (sync, or an async report job for long ranges);
- actions.py, rows.py: pure shaping of the API's JSON into landing rows;
- load.py: `sync_meta` and `snapshot_meta_today`, one transaction per ad account.
"""

from metrics_pipeline.sources.contract import ApiSource, LandingTable

SOURCE = ApiSource(
    name="meta",
    title="Meta",
    tables=(
        LandingTable("ad_daily_insights", day_column="date_start", money_columns=("spend", "purchase_value")),
        LandingTable("ad_daily_insights_first_reported"),
        LandingTable("account_daily_insights", day_column="date_start", money_columns=("spend",)),
        LandingTable("account_daily_insights_first_reported"),
        LandingTable("ad_accounts"),
        LandingTable("campaigns"),
        LandingTable("adsets"),
        LandingTable("ads"),
    ),
    sync="metrics_pipeline.sources.meta.load:sync_meta",
    snapshot="metrics_pipeline.sources.meta.load:snapshot_meta_today",
    intraday_table="ad_intraday_snapshots",
)
