"""TikTok Ads: the TikTok API for Business (Marketing API v1.3) over plain HTTPS into raw_tiktok_ads.*.

- client.py: the HTTP client per connection (base URL from METRICS_TIKTOK_API_URL), the access
  token from the refresh token (renewed before it lapses), the envelope's error codes for retries;
- extract.py: advertiser info, campaigns / ad groups / ads (deleted ones too), the daily ad report,
  page by page;
- rows.py: pure shaping of the API's JSON into landing rows (money as exact decimal strings);
- load.py: `sync_tiktok_ads`, one transaction per advertiser.
"""

from metrics_pipeline.sources.contract import ApiSource, LandingTable

SOURCE = ApiSource(
    name="tiktok_ads",
    title="TikTok Ads",
    tables=(
        LandingTable("ad_daily_reports", day_column="stat_date", money_columns=("spend", "purchase_value")),
        LandingTable("ad_daily_reports_first_reported"),
        LandingTable("advertisers"),
        LandingTable("campaigns"),
        LandingTable("adgroups"),
        LandingTable("ads"),
    ),
    sync="metrics_pipeline.sources.tiktok_ads.load:sync_tiktok_ads",
    target_noun="advertiser",
    provider="tiktok",
)
