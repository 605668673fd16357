"""One landing, as the pipeline runs it, in a process of its own: what the kill and concurrency
tests SIGKILL or race. `python -m tests.integration.landing_process '<job json>'`; the job names
the source, the database, the config, the days, the run id and the clock. The environment (the
sandbox endpoints, PGAPPNAME) comes from the parent."""

from __future__ import annotations

import json
import sys
from datetime import date, datetime


def run_landing(job: dict) -> list:
    """Land `job` with the source's own landing function; returns its outcomes."""
    from metrics_pipeline.config import load_config

    source, url, run_id = job["source"], job["url"], job["run_id"]
    config = load_config(job["config"])
    days = [date.fromisoformat(day) for day in job.get("days", [])]
    now = datetime.fromisoformat(job["now"])
    if source == "media_partner":
        from metrics_pipeline.landing.exports import open_exports_store
        from metrics_pipeline.sources.media_partner.load import land_days

        return land_days(url, open_exports_store(job["exports_uri"]), config, days, run_id=run_id)
    if source == "google_ads":
        from metrics_pipeline.sources.google_ads.load import sync_google_ads

        return sync_google_ads(url, config, days, run_id=run_id, now=now)
    if source == "meta":
        from metrics_pipeline.sources.meta.load import sync_meta

        return sync_meta(url, config, days, run_id=run_id, now=now)
    if source == "shopify":
        from metrics_pipeline.sources.shopify.load import sync_shopify

        return sync_shopify(url, config, run_id=run_id, now=now)
    raise ValueError(f"no landing for {source!r}")


if __name__ == "__main__":
    outcomes = run_landing(json.loads(sys.argv[1]))
    print(json.dumps([getattr(o, "status", None) or [f.status for f in o.files] for o in outcomes]))
