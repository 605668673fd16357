"""Pixel: first-party pixel events (pixel/<YYYY-MM-DD>/<name>.jsonl[.gz]).

- parse.py: the key layout and the JSON lines, block by block, IP addresses as keyed hashes;
- load.py: `land_days` through the file-day template, each file replacing its own rows in its
  savepoint, each event id landed once; sql/ holds its statements. METRICS_PII_KEY is needed
  only when files exist.
"""

from metrics_pipeline.sources.contract import FileSource, LandingTable

SOURCE = FileSource(
    name="pixel",
    title="Pixel",
    layout="pixel/<YYYY-MM-DD>/<name>.jsonl[.gz]",
    prefix="pixel/",
    tables=(
        LandingTable(
            "events",
            "raw_pixel.events: first-party pixel events (pixel/<YYYY-MM-DD>/*.jsonl[.gz]), validated; "
            "an event id lands once, IP addresses only as keyed hashes; bad lines go to ops.rejected_rows.",
        ),
    ),
    land_days="metrics_pipeline.sources.pixel.load:land_days",
    day_of_key="metrics_pipeline.sources.pixel.parse:day_of_key",
)
