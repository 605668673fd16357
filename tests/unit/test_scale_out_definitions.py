"""`daily_pipeline_celery` is `daily_pipeline` on the Celery executor, and nothing else."""

from __future__ import annotations

import pytest

from metrics_pipeline.definitions import defs


@pytest.fixture(scope="module")
def repository():
    return defs.get_repository_def()


def test_the_celery_job_is_the_nightly_job_with_the_celery_executor(repository):
    celery_job = repository.get_job("daily_pipeline_celery")
    nightly = repository.get_job("daily_pipeline")
    assert celery_job.executor_def.name == "celery_from_environment"
    assert celery_job.partitions_def == nightly.partitions_def
    assert celery_job.tags == nightly.tags
    assert set(celery_job.asset_layer.executable_asset_keys) == set(nightly.asset_layer.executable_asset_keys)


def test_the_executor_takes_the_broker_from_the_environment_at_run_time(repository, monkeypatch):
    executor_def = repository.get_job("daily_pipeline_celery").executor_def
    monkeypatch.setenv("METRICS_CELERY_BROKER_URL", "amqp://u:p@mq.example:5673//")
    monkeypatch.setenv("METRICS_CELERY_QUEUE", "nightly")
    # What the celery executor is built from when a run starts in this environment.
    resolved = executor_def.apply_config_mapping({}).value["config"]
    assert resolved["broker"] == "amqp://u:p@mq.example:5673//"
    assert resolved["backend"] == "rpc://"
    assert resolved["config_source"] == {"task_default_queue": "nightly"}
