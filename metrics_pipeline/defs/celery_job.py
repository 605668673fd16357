"""`daily_pipeline_celery`: the nightly job with its steps on Celery workers instead of one process.

Same assets, partitions and tags as `daily_pipeline` (its selection is reused, not copied); only
the executor differs. Workers: `celery -A metrics_pipeline.operations.celery_worker worker -Q dagster -c 1`
(see the README's Scale-out section). The run must be launched on a persistent instance (the
project's dagster_home), which is how workers record their steps' events.
"""

import os

import dagster as dg
from dagster_celery import celery_executor

from metrics_pipeline.defs.pipeline import daily_pipeline_job
from metrics_pipeline.operations.celery_settings import executor_config

CELERY_JOB_NAME = "daily_pipeline_celery"

# A config function rather than fixed values: the broker URL is read in the run's own process when
# the run starts, so a password in it is never part of the job definition or the stored run config.
celery_executor_from_environment = celery_executor.configured(
    lambda _: executor_config(os.environ),
    name="celery_from_environment",
    config_schema={},
)

daily_pipeline_celery_job = dg.define_asset_job(
    CELERY_JOB_NAME,
    selection=daily_pipeline_job.selection,
    partitions_def=daily_pipeline_job.partitions_def,
    tags=daily_pipeline_job.tags,
    description="daily_pipeline with every step run by a Celery worker "
    "(broker METRICS_CELERY_BROKER_URL, queue METRICS_CELERY_QUEUE).",
    executor_def=celery_executor_from_environment,
)
