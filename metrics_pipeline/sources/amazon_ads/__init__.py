"""Amazon Ads: search-term reports of Amazon (Sponsored Products, Brands and Display), Helium 10 and
ZonGuru, and daily sales per ASIN
(amazon_ads/<brand>/<amazon|helium10|zonguru|sales>/<YYYY-MM-DD>[_<label>].<csv|xlsx>).

- formats.py: each export format's columns mapped onto one shape, and their precedence;
- parse.py: the key layout and a report into typed rows and quarantined rows;
- load.py: `land_days` through the file-day template; each file replaces its own rows; which
  format wins a keyword-day is recorded per losing file; sql/ holds its statements.
"""

from metrics_pipeline.sources.contract import FileSource, LandingTable

SOURCE = FileSource(
    name="amazon_ads",
    title="Amazon Ads",
    layout="amazon_ads/<brand>/<amazon|helium10|zonguru|sales>/<YYYY-MM-DD>[_<label>].<csv|xlsx>",
    prefix="amazon_ads/",
    tables=(
        LandingTable(
            "keyword_reports",
            "raw_amazon_ads.keyword_reports: search-term exports of Amazon (Sponsored Products, Brands, and "
            "Display's targeting report), Helium 10 and ZonGuru (amazon_ads/<brand>/<format>/<YYYY-MM-DD>"
            "[_<label>].<csv|xlsx>), each mapped onto one shape with its ad type and targeting type, and "
            "validated; bad rows go to ops.rejected_rows.",
            # Amazon's two tables share one ingestion-log source, so a per-file totals check (which reads
            # the log by source) would count sales files against keyword rows: dates and money only.
            day_column="report_date",
            money_columns=("spend", "sales"),
        ),
        LandingTable(
            "sales_reports",
            "raw_amazon_ads.sales_reports: daily sales per ASIN (amazon_ads/<brand>/sales/<YYYY-MM-DD>.<csv|xlsx>), "
            "total and ad-attributed; bad rows go to ops.rejected_rows.",
            day_column="report_date",
            money_columns=("total_sales", "ad_sales"),
        ),
    ),
    land_days="metrics_pipeline.sources.amazon_ads.load:land_days",
    day_of_key="metrics_pipeline.sources.amazon_ads.parse:day_of_key",
)
