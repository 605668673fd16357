"""Google Ads: GAQL SearchStream through the google-ads SDK into raw_google_ads.*.

- `load.sync_google_ads`: entities, daily ad metrics, click views and first-reported
  numbers, per customer and day;
- `load.snapshot_google_ads_today`: today's cumulative numbers per ad, per capture.

Nothing is imported here, so `queries` (pure) loads without the SDK.
"""
