"""Settings shared by the Celery executor (the run's side) and the Celery workers (the steps' side).

Both read the same environment, so a worker started with `celery -A metrics_pipeline.operations.celery_worker`
listens where the `daily_pipeline_celery` job sends its steps:

- `METRICS_CELERY_BROKER_URL`: the broker (default RabbitMQ on loopback, guest/guest).
- `METRICS_CELERY_QUEUE`: the queue steps go to and workers listen on (default `dagster`).

Results come back over the broker itself (`rpc://`), so no second service is needed.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from urllib.parse import urlsplit

BROKER_VARIABLE = "METRICS_CELERY_BROKER_URL"
QUEUE_VARIABLE = "METRICS_CELERY_QUEUE"
DEFAULT_BROKER_URL = "pyamqp://guest:guest@127.0.0.1:5672//"
DEFAULT_QUEUE = "dagster"
# rpc:// sends each step's events back to the run process as AMQP messages: no result store to run.
RESULT_BACKEND = "rpc://"
# Default ports of the brokers Celery's transports speak, for URLs that name none.
_DEFAULT_PORTS = {"amqp": 5672, "pyamqp": 5672, "amqps": 5671, "librabbitmq": 5672, "redis": 6379, "rediss": 6379}


def broker_url(environ: Mapping[str, str] | None = None) -> str:
    environ = os.environ if environ is None else environ
    return environ.get(BROKER_VARIABLE, "").strip() or DEFAULT_BROKER_URL


def celery_queue(environ: Mapping[str, str] | None = None) -> str:
    environ = os.environ if environ is None else environ
    return environ.get(QUEUE_VARIABLE, "").strip() or DEFAULT_QUEUE


def broker_address(url: str) -> tuple[str, int]:
    """The host and port a broker URL points at (the scheme's default port when it names none)."""
    parts = urlsplit(url)
    scheme = parts.scheme.split("+")[0].lower()
    if scheme not in _DEFAULT_PORTS:
        raise ValueError(f"not a broker URL Celery can reach over TCP: scheme {parts.scheme!r}")
    try:
        port = parts.port
    except ValueError as exc:  # a port that is not a number
        raise ValueError(f"broker URL has an invalid port: {exc}") from None
    return parts.hostname or "localhost", port or _DEFAULT_PORTS[scheme]


def redacted_broker(url: str) -> str:
    """host:port of the broker, for messages: the URL's user and password stay out of logs."""
    try:
        host, port = broker_address(url)
    except ValueError:
        return "(unparseable broker URL)"
    return f"{host}:{port}"


def broker_unreachable_reason(url: str, timeout: float = 2.0) -> str | None:
    """None when a TCP connection to the broker opens within `timeout` seconds, else why not."""
    try:
        host, port = broker_address(url)
    except ValueError as exc:
        return str(exc)
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return None
    except OSError as exc:
        return f"{host}:{port}: {exc.strerror or exc}"


def executor_config(environ: Mapping[str, str] | None = None) -> dict:
    """The celery_executor's config, from the environment of whichever process asks."""
    return {
        "broker": broker_url(environ),
        "backend": RESULT_BACKEND,
        # Steps go to this queue (dagster-celery's default queue unless the tag
        # `dagster-celery/queue` says otherwise); workers are started with `-Q` on it.
        "config_source": {"task_default_queue": celery_queue(environ)},
    }
