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

# By source name: the retry and alert sensors watch the jobs; tests materialise the assets.
FILE_SOURCE_JOBS = {source.name: file_source_job(source) for source in FILE_SOURCES}
LANDING_ASSETS = {
    **{source.name: file_source_asset(source) for source in FILE_SOURCES},
    **{source.name: api_source_asset(source) for source in API_SOURCES},
}
INTRADAY_ASSETS = {source.name: intraday_asset(source) for source in API_SOURCES if source.snapshot}
NEW_FILES_SENSORS = {source.name: file_source_sensor(source, FILE_SOURCE_JOBS[source.name]) for source in FILE_SOURCES}

defs = dg.Definitions(
    assets=[*LANDING_ASSETS.values(), *INTRADAY_ASSETS.values()],
    jobs=list(FILE_SOURCE_JOBS.values()),
    sensors=list(NEW_FILES_SENSORS.values()),
)
