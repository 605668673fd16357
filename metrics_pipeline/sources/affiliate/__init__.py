"""Affiliate: the network's event CSVs and product catalogue (affiliate/<YYYY-MM-DD>/<name>.csv).

- parse.py: the key layout (events, or catalog*/products* for the catalogue) and the CSV into
  typed rows, refunds signed negative;
- load.py: `land_days` through the file-day template, each file replacing its own rows in its
  savepoint, each event id landed once, a product's first catalogue row kept; sql/ holds its
  statements.
"""

from metrics_pipeline.sources.contract import FileSource, LandingTable

SOURCE = FileSource(
    name="affiliate",
    title="Affiliate",
    layout="affiliate/<YYYY-MM-DD>/<name>.csv",
    prefix="affiliate/",
    tables=(
        LandingTable(
            "events",
            "raw_affiliate.events: the affiliate network's event CSVs (affiliate/<YYYY-MM-DD>/*.csv), "
            "validated; refunds signed negative; an event id lands once; bad rows go to ops.rejected_rows.",
            # revenue is signed on purpose (refunds are negative) and duplicate ids are dropped, not
            # loaded: no money or per-file totals check, only dates
            day_column="occurred_at",
        ),
        LandingTable(
            "catalogue_snapshots",
            "raw_affiliate.catalogue_snapshots: the day's product catalogue "
            "(affiliate/<YYYY-MM-DD>/catalog*.csv or products*.csv), one row per product and day.",
            file_check=False,
        ),
    ),
    land_days="metrics_pipeline.sources.affiliate.load:land_days",
    day_of_key="metrics_pipeline.sources.affiliate.parse:day_of_key",
)
