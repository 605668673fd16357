"""A tiny job on the project's Celery executor, for the Celery round trip test: workers import
this module to run its steps, so it lives in a module of its own."""

import dagster as dg

from metrics_pipeline.defs.celery_job import celery_executor_from_environment


@dg.op(pool="celery_tiny")  # one pool, limit 1: the two adds must queue, never deadlock
def one() -> int:
    return 1


@dg.op(pool="celery_tiny")
def add_one(value: int) -> int:
    return value + 1


@dg.op(pool="celery_tiny")
def add_two(value: int) -> int:
    return value + 2


@dg.op
def total(a: int, b: int) -> int:
    return a + b


@dg.job(executor_def=celery_executor_from_environment)
def celery_tiny_job():
    start = one()
    total(add_one(start), add_two(start))
