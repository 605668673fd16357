"""The scale-out settings: which broker and queue the executor and the workers agree on, and
what the benchmark says when no broker answers."""

from __future__ import annotations

import socket

import pytest

from metrics_pipeline.bench.celery_figure import (
    TableComparison,
    TableFingerprint,
    compare_fingerprints,
    scale_out_markdown,
    skipped_figure,
)
from metrics_pipeline.operations.celery_settings import (
    DEFAULT_BROKER_URL,
    broker_address,
    broker_unreachable_reason,
    broker_url,
    celery_queue,
    executor_config,
    redacted_broker,
)


def test_defaults_are_rabbitmq_on_loopback_and_dagsters_queue():
    assert broker_url({}) == DEFAULT_BROKER_URL
    assert broker_address(DEFAULT_BROKER_URL) == ("127.0.0.1", 5672)
    assert celery_queue({"METRICS_CELERY_QUEUE": "  "}) == "dagster"


def test_the_executor_and_the_workers_read_the_same_environment():
    environ = {"METRICS_CELERY_BROKER_URL": "amqp://u:p@mq.internal:5673/vh", "METRICS_CELERY_QUEUE": "nightly"}
    assert executor_config(environ) == {
        "broker": "amqp://u:p@mq.internal:5673/vh",
        "backend": "rpc://",
        "config_source": {"task_default_queue": "nightly"},
    }


@pytest.mark.parametrize(
    ("url", "address"),
    [
        ("pyamqp://guest:guest@127.0.0.1:5672//", ("127.0.0.1", 5672)),
        ("amqp://mq.example", ("mq.example", 5672)),
        ("amqps://user:secret@mq.example/vhost", ("mq.example", 5671)),
        ("redis://:pw@cache:6380/0", ("cache", 6380)),
        ("amqp://[::1]:5700//", ("::1", 5700)),
    ],
)
def test_broker_address(url, address):
    assert broker_address(url) == address


@pytest.mark.parametrize("url", ["sqs://", "memory://", "amqp://host:notaport/", "not a url"])
def test_urls_without_a_tcp_broker_are_refused_by_name(url):
    with pytest.raises(ValueError):
        broker_address(url)


def test_messages_name_host_and_port_never_the_password():
    assert redacted_broker("amqp://user:s3cret@mq.example:5673//") == "mq.example:5673"
    assert "s3cret" not in (broker_unreachable_reason("amqp://user:s3cret@127.0.0.1:1//", timeout=0.5) or "")


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again when the socket goes


def test_reachability_is_a_tcp_connect():
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        assert broker_unreachable_reason(f"amqp://127.0.0.1:{port}//", timeout=1) is None
    assert broker_unreachable_reason(f"amqp://127.0.0.1:{_closed_port()}//", timeout=1) is not None


def test_no_broker_skips_only_the_figure_and_says_so():
    port = _closed_port()
    figure = skipped_figure({"METRICS_CELERY_BROKER_URL": f"pyamqp://guest:guest@127.0.0.1:{port}//"})
    assert figure["skipped"] == (
        f"no message broker reachable at 127.0.0.1:{port} (set METRICS_CELERY_BROKER_URL) — scale-out figure skipped"
    )
    section = "\n".join(scale_out_markdown(figure))
    assert "Skipped: no message broker reachable" in section


def test_fingerprint_comparison_flags_content_count_and_missing_tables():
    a = {
        "same": TableFingerprint(3, "x"),
        "content": TableFingerprint(3, "x"),
        "count": TableFingerprint(2, "y"),
        "only_a": TableFingerprint(1, "z"),
    }
    b = {
        "same": TableFingerprint(3, "x"),
        "content": TableFingerprint(3, "other"),
        "count": TableFingerprint(3, "y"),
        "only_b": TableFingerprint(1, "z"),
    }
    assert compare_fingerprints(a, b) == [
        TableComparison("content", 3, 3, False),
        TableComparison("count", 2, 3, False),
        TableComparison("only_a", 1, None, False),
        TableComparison("only_b", None, 1, False),
        TableComparison("same", 3, 3, True),
    ]


def test_the_markdown_section_quotes_the_figures():
    section = "\n".join(
        scale_out_markdown(
            {
                "days": 7,
                "first_day": "2026-10-25",
                "last_day": "2026-10-31",
                "in_process_seconds": 100.0,
                "celery_seconds": 80.0,
                "celery_workers": 2,
                "worker_concurrency": 1,
                "workers_ready_seconds": 20.0,
                "tables_compared": 30,
                "tables_equal": 29,
                "differing_tables": ["fct_x"],
                "excluded_columns": ["as_of_at"],
            }
        )
    )
    assert "| in one process (in_process executor) | 100.0 s |" in section
    assert "**29 of 30**" in section and "| differing tables | fct_x |" in section
