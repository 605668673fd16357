"""Media partner: the partner's daily CSV per client (media_partner/<client>/<YYYY-MM-DD>.csv).

- parse.py: the key layout and the CSV, block by block, into typed rows and quarantined rows;
- load.py: `land_days` through the file-day template (landing/file_days.py), a file per
  (client, day) replaced in its own savepoint; sql/ holds its statements.
"""

from metrics_pipeline.sources.contract import FileSource, LandingTable

SOURCE = FileSource(
    name="media_partner",
    title="Media partner",
    layout="media_partner/<client>/<YYYY-MM-DD>.csv",
    prefix="media_partner/",
    tables=(
        LandingTable(
            "daily_exports",
            "raw_media_partner.daily_exports: the partner's daily CSVs "
            "(media_partner/<client>/<YYYY-MM-DD>.csv), validated; bad rows go to ops.rejected_rows.",
            day_column="report_date",
            money_columns=("conversion_revenue",),
            row_totals=True,
        ),
    ),
    land_days="metrics_pipeline.sources.media_partner.load:land_days",
    day_of_key="metrics_pipeline.sources.media_partner.parse:day_of_key",
)
