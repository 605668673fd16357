"""The Celery app the workers run: `celery -A metrics_pipeline.operations.celery_worker worker -Q <queue> -c 1`.

dagster-celery's own `dagster_celery.app` only knows its built-in broker default; this module
builds the same app (the same `execute_plan` task) from METRICS_CELERY_BROKER_URL, so the broker
URL (which may carry a password) never sits on a command line or in a file. The worker's
environment must also reach the Dagster instance (DAGSTER_HOME, METRICS_DAGSTER_STORAGE_URL)
and everything the steps need (METRICS_DATABASE_URL, METRICS_CONFIG, METRICS_EXPORTS_URI, ...):
each step loads the `daily_pipeline_celery` job from `metrics_pipeline.definitions` itself.
"""

from dagster_celery.executor import CeleryExecutor
from dagster_celery.make_app import make_app
from dagster_celery.tasks import create_task

from metrics_pipeline.operations.celery_settings import executor_config

app = make_app(CeleryExecutor.for_cli(**executor_config()).app_args())
execute_plan = create_task(app)
