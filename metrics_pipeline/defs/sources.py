"""Every source's landing assets, jobs and sensors, made from the registry (sources/registry.py)."""

import dagster as dg

from metrics_pipeline.lib.source_assets import (
    api_source_asset,
    file_source_asset,
    file_source_job,
    file_source_sensor,
    intraday_asset,
)
from metrics_pipeline.sources.registry import API_SOURCES, FILE_SOURCES

# The source-only jobs, by source: the retry and alert sensors watch them too.
FILE_SOURCE_JOBS = {source.name: file_source_job(source) for source in FILE_SOURCES}

defs = dg.Definitions(
    assets=[
        *(file_source_asset(source) for source in FILE_SOURCES),
        *(api_source_asset(source) for source in API_SOURCES),
        *(intraday_asset(source) for source in API_SOURCES if source.snapshot),
    ],
    jobs=list(FILE_SOURCE_JOBS.values()),
    sensors=[file_source_sensor(source, FILE_SOURCE_JOBS[source.name]) for source in FILE_SOURCES],
)
