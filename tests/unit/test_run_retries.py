import random

import pytest

from metrics_pipeline.operations.failures import FailureCause
from metrics_pipeline.operations.run_retries import (
    RETRY_ATTEMPT_TAG,
    RETRY_OF_TAG,
    RetryCursor,
    decide_retry,
    partition_keys_of,
    partition_tags_of,
    retry_delay,
)

RANGE = {"dagster/asset_partition_range_start": "2026-10-01", "dagster/asset_partition_range_end": "2026-10-03"}
RATE_LIMITED = FailureCause("transient", "rate limited")
EXPIRED = FailureCause("permanent", "expired or invalid credentials")


def test_partition_tags_name_a_key_or_a_range_and_nothing_else():
    tags = {**RANGE, "metrics_pipeline/dbt": "build", "dagster/run_key": "nightly"}
    assert partition_tags_of(tags) == RANGE
    assert partition_tags_of({"dagster/partition": "2026-10-02", "x": "y"}) == {"dagster/partition": "2026-10-02"}
    assert partition_tags_of({"metrics_pipeline/dbt": "build"}) is None
    keys = ["2026-09-30", "2026-10-01", "2026-10-02", "2026-10-03", "2026-10-04"]
    assert partition_keys_of(RANGE, keys) == ["2026-10-01", "2026-10-02", "2026-10-03"]
    assert partition_keys_of({"dagster/partition": "2026-10-02"}, keys) == ["2026-10-02"]


def test_delays_grow_fourfold_within_a_quarter_either_way():
    rng = random.Random(7)
    for attempt, base in ((1, 120.0), (2, 480.0), (3, 1920.0)):
        delays = [retry_delay(attempt, rng=rng) for _ in range(200)]
        assert base * 0.75 <= min(delays) and max(delays) <= base * 1.25
        assert max(delays) - min(delays) > base * 0.25  # jittered, not constant
    assert retry_delay(1, scale=0.001, rng=random.Random(1)) <= 120 * 1.25 * 0.001


def test_a_transient_failure_is_retried_for_exactly_its_partitions_with_countable_tags():
    decision = decide_retry(
        job_name="daily_pipeline",
        run_id="run-a",
        tags={**RANGE, "other": "x"},
        cause=RATE_LIMITED,
        now=1000.0,
        rng=random.Random(3),
    )
    retry = decision.retry
    assert retry is not None and retry.attempt == 1 and retry.root_run_id == "run-a"
    assert 1000 + 90 <= retry.due_at <= 1000 + 150  # 120 s ± 25%
    assert retry.tags() == {
        **RANGE,
        RETRY_OF_TAG: "run-a",
        RETRY_ATTEMPT_TAG: "1",
        "metrics_pipeline/retry_reason": "rate limited",
    }
    assert retry.run_key() == "retry-run-a-1"


def test_the_retry_of_a_retry_counts_on_until_the_budget_is_spent():
    tags = {**RANGE, RETRY_OF_TAG: "run-a", RETRY_ATTEMPT_TAG: "2"}
    third = decide_retry(job_name="j", run_id="run-c", tags=tags, cause=RATE_LIMITED, now=0.0, budget=3)
    assert third.retry.attempt == 3 and third.retry.root_run_id == "run-a" and third.retry.failed_run_id == "run-c"
    spent = decide_retry(
        job_name="j", run_id="run-d", tags={**tags, RETRY_ATTEMPT_TAG: "3"}, cause=RATE_LIMITED, now=0.0, budget=3
    )
    assert spent.retry is None and "budget of 3 is spent" in spent.note


@pytest.mark.parametrize("cause", [EXPIRED, FailureCause("unknown", "unrecognised error")])
def test_permanent_and_unknown_causes_are_not_retried(cause):
    decision = decide_retry(job_name="j", run_id="r", tags=RANGE, cause=cause, now=0.0)
    assert decision.retry is None and decision.note.startswith(cause.kind)


def test_the_cursor_round_trips():
    retry = decide_retry(job_name="j", run_id="r", tags=RANGE, cause=RATE_LIMITED, now=5.0).retry
    cursor = RetryCursor(seen_until=12.5, pending=(retry,))
    assert RetryCursor.from_json(cursor.to_json()) == cursor
    assert RetryCursor.from_json(None) == RetryCursor()
