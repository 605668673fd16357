import random

import pytest

from metrics_pipeline.operations.call_retry import (
    RETRY_BASE_DELAY_VARIABLE,
    BackoffPolicy,
    GiveUp,
    RetriesExhausted,
    Retry,
    call_with_retries,
    retry_base_delay,
)


class Transient(Exception):
    pass


class Permanent(Exception):
    pass


def classify(exc):
    if isinstance(exc, Transient):
        return Retry("rate limited", after=float(exc.args[0]) if exc.args else None)
    return GiveUp("bad credentials")


def flaky(failures):
    calls = []

    def call():
        calls.append(1)
        if failures:
            raise failures.pop(0)
        return "ok"

    return call, calls


def test_transient_failures_are_retried_with_growing_delays_and_server_hints():
    call, calls = flaky([Transient(), Transient(), Transient(7.5)])
    slept = []
    result = call_with_retries(
        call,
        classify,
        what="acct 1",
        policy=BackoffPolicy(max_attempts=5, base_delay=1, max_delay=30),
        sleep=slept.append,
        rng=random.Random(1),
    )
    assert result == "ok" and len(calls) == 4
    assert slept[0] <= 1 and slept[1] <= 2 and slept[2] == 7.5  # full jitter, then the server's hint wins


def test_permanent_failures_are_not_retried():
    call, calls = flaky([Permanent("token revoked")])
    with pytest.raises(Permanent):
        call_with_retries(call, classify, what="acct 1", sleep=lambda s: None)
    assert len(calls) == 1


def test_attempts_are_bounded():
    call, calls = flaky([Transient() for _ in range(10)])
    with pytest.raises(RetriesExhausted, match="gave up after 3 attempts"):
        call_with_retries(call, classify, what="acct 1", policy=BackoffPolicy(max_attempts=3), sleep=lambda s: None)
    assert len(calls) == 3


def test_delay_never_exceeds_the_cap():
    policy = BackoffPolicy(base_delay=1, max_delay=5)
    rng = random.Random(3)
    assert all(policy.delay(a, None, rng) <= 5 for a in range(1, 20))
    assert policy.delay(1, 120, rng) == 5


def test_the_base_delay_setting_is_read_in_one_place():
    assert RETRY_BASE_DELAY_VARIABLE == "METRICS_RETRY_BASE_DELAY"
    assert retry_base_delay({}) is None
    assert retry_base_delay({RETRY_BASE_DELAY_VARIABLE: "  "}) is None
    assert retry_base_delay({RETRY_BASE_DELAY_VARIABLE: " 0.01 "}) == 0.01
