"""A real Celery round trip: two workers started the way the benchmark starts them, a tiny job
on the project's Celery executor, a persistent Postgres-backed instance, and the instance's
concurrency pools (limit 1) in force. Skipped when no broker answers."""

from __future__ import annotations

import os
import secrets
import shutil

import dagster as dg
import pytest

from metrics_pipeline import warehouse
from metrics_pipeline.bench.celery_figure import celery_workers, delete_queue
from metrics_pipeline.operations.celery_settings import QUEUE_VARIABLE, broker_unreachable_reason, broker_url
from tests.integration.celery_tiny_job import celery_tiny_job

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(broker_unreachable_reason(broker_url()) is not None, reason="no Celery broker reachable"),
    # dagster-celery registers its task again for every step it submits; the first one is used.
    pytest.mark.filterwarnings("ignore:Task name 'execute_plan' is already registered"),
]


def test_steps_run_on_the_workers_and_pass_values_between_them(database_url, tmp_path, monkeypatch):
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(warehouse.PROJECT_ROOT / "dagster_home" / "dagster.yaml", home / "dagster.yaml")
    warehouse.ensure_dagster_schema(database_url)
    queue = f"metrics-test-{secrets.token_hex(4)}"
    environment = {
        "DAGSTER_HOME": str(home),
        "METRICS_DAGSTER_STORAGE_URL": warehouse.dagster_storage_url(database_url),
        QUEUE_VARIABLE: queue,
        # the workers import the job's module from the project root
        "PYTHONPATH": os.pathsep.join(filter(None, [str(warehouse.PROJECT_ROOT), os.environ.get("PYTHONPATH")])),
    }
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    try:
        with celery_workers(dict(os.environ), queue, 2, tmp_path, preload="tests.integration.celery_tiny_job") as names:
            with (
                dg.DagsterInstance.get() as instance,
                dg.execute_job(dg.reconstructable(celery_tiny_job), instance=instance) as result,
            ):
                assert result.success
                assert result.output_for_node("total") == 5  # values crossed workers through the io manager
                worker_events = [
                    e
                    for e in instance.all_logs(result.run_id)
                    if e.dagster_event and "in celery worker" in (e.dagster_event.message or "")
                ]
    finally:
        delete_queue(queue)
    ran_on = {e.dagster_event.event_specific_data.metadata["Celery worker"].value for e in worker_events}
    assert len(worker_events) == 4  # every step went through a worker
    assert ran_on <= set(names)
