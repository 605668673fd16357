"""Google Ads: GAQL SearchStream through the google-ads SDK into raw_google_ads.*.

- `load.sync_google_ads`: entities, daily ad and campaign metrics, click views and
  first-reported numbers, per customer and day;
- `load.snapshot_google_ads_today`: today's cumulative numbers per ad, per capture.

The declaration below names its functions as text, so `queries` (pure) loads without the SDK.
"""

from metrics_pipeline.sources.contract import ApiSource, LandingTable

SOURCE = ApiSource(
    name="google_ads",
    title="Google Ads",
    tables=(
        LandingTable("ad_daily_metrics", day_column="metric_date", money_columns=("cost_micros", "conversions_value")),
        LandingTable("ad_daily_metrics_first_reported"),
        LandingTable(
            "campaign_daily_metrics", day_column="metric_date", money_columns=("cost_micros", "conversions_value")
        ),
        LandingTable("campaign_daily_metrics_first_reported"),
        LandingTable("customers"),
        LandingTable("campaigns"),
        LandingTable("ad_groups"),
        LandingTable("ads"),
        LandingTable("keywords"),
        LandingTable("click_views"),
    ),
    sync="metrics_pipeline.sources.google_ads.load:sync_google_ads",
    snapshot="metrics_pipeline.sources.google_ads.load:snapshot_google_ads_today",
    intraday_table="ad_intraday_snapshots",
)
