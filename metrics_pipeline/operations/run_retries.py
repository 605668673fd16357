"""When and how a failed run is tried again: the pure part of the retry sensor.

A failed run of a partitioned job is re-requested for exactly its partitions (its
partition key, or its range tags) when its cause is transient, after a delay that grows
with each attempt (exponential, with jitter), until the partitions' retry budget is
spent. Each retry carries the tags below, so retries are countable in the Dagster UI
(filter on `metrics_pipeline/retry_of`) and the next failure knows its attempt number.

The pending retries live in the sensor's cursor (a small JSON document): a retry that
is not yet due survives restarts of the daemon, and is requested exactly once.
"""

from __future__ import annotations

import json
import os
import random
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field

from metrics_pipeline.lib.partitions import PARTITION_RANGE_END_TAG, PARTITION_RANGE_START_TAG, PARTITION_TAG
from metrics_pipeline.operations.failures import FailureCause

RETRY_OF_TAG = "metrics_pipeline/retry_of"  # the run whose failure started the chain
RETRY_ATTEMPT_TAG = "metrics_pipeline/retry_attempt"  # 1 for the first retry
RETRY_REASON_TAG = "metrics_pipeline/retry_reason"
RETRY_BUDGET = 3  # retries per partition set, on top of the first run
FIRST_RETRY_DELAY_SECONDS = 120.0  # then 480, 1920: ~40 minutes in all, well inside a night
DELAY_GROWTH = 4.0
DELAY_SCALE_VARIABLE = "METRICS_RETRY_BASE_DELAY"  # the same knob that scales the per-call backoff


@dataclass(frozen=True)
class PendingRetry:
    job_name: str
    failed_run_id: str
    root_run_id: str
    attempt: int
    due_at: float  # unix seconds
    reason: str
    partition_tags: dict[str, str] = field(default_factory=dict)

    def run_key(self) -> str:
        return f"retry-{self.root_run_id}-{self.attempt}"

    def tags(self) -> dict[str, str]:
        return {
            **self.partition_tags,
            RETRY_OF_TAG: self.root_run_id,
            RETRY_ATTEMPT_TAG: str(self.attempt),
            RETRY_REASON_TAG: self.reason,
        }


@dataclass(frozen=True)
class RetryCursor:
    seen_until: float = 0.0  # update timestamp of the last failed run considered
    pending: tuple[PendingRetry, ...] = ()

    def to_json(self) -> str:
        return json.dumps({"seen_until": self.seen_until, "pending": [asdict(p) for p in self.pending]})

    @classmethod
    def from_json(cls, text: str | None) -> RetryCursor:
        if not text:
            return cls()
        document = json.loads(text)
        return cls(
            seen_until=float(document.get("seen_until", 0.0)),
            pending=tuple(PendingRetry(**entry) for entry in document.get("pending", [])),
        )


def partition_tags_of(tags: Mapping[str, str]) -> dict[str, str] | None:
    """The tags that name a run's partitions, or None for an unpartitioned run."""
    if PARTITION_TAG in tags:
        return {PARTITION_TAG: tags[PARTITION_TAG]}
    if PARTITION_RANGE_START_TAG in tags and PARTITION_RANGE_END_TAG in tags:
        return {key: tags[key] for key in (PARTITION_RANGE_START_TAG, PARTITION_RANGE_END_TAG)}
    return None


def partition_keys_of(partition_tags: Mapping[str, str], all_keys: list[str]) -> list[str]:
    """The partition keys those tags cover, in order, within `all_keys`."""
    if PARTITION_TAG in partition_tags:
        return [partition_tags[PARTITION_TAG]]
    first, last = partition_tags[PARTITION_RANGE_START_TAG], partition_tags[PARTITION_RANGE_END_TAG]
    return [key for key in all_keys if first <= key <= last]


def retry_delay(attempt: int, *, scale: float = 1.0, rng: random.Random | None = None) -> float:
    """Seconds before retry `attempt` (1-based): 120 s × 4^(attempt-1), ±25% jitter, times `scale`."""
    rng = rng or random.Random()
    base = FIRST_RETRY_DELAY_SECONDS * DELAY_GROWTH ** (attempt - 1) * scale
    return base * rng.uniform(0.75, 1.25)


def delay_scale(environ: Mapping[str, str] | None = None) -> float:
    raw = (os.environ if environ is None else environ).get(DELAY_SCALE_VARIABLE, "").strip()
    return float(raw) if raw else 1.0


@dataclass(frozen=True)
class RetryDecision:
    """What to do about one failed run: `retry` is set when it is tried again."""

    retry: PendingRetry | None
    note: str  # why (or why not), for the sensor's log and ops.ingestion_logs


def decide_retry(
    *,
    job_name: str,
    run_id: str,
    tags: Mapping[str, str],
    cause: FailureCause,
    now: float,
    budget: int = RETRY_BUDGET,
    scale: float = 1.0,
    rng: random.Random | None = None,
) -> RetryDecision:
    partition_tags = partition_tags_of(tags)
    if partition_tags is None:
        return RetryDecision(None, "not partitioned: the next scheduled run covers it")
    if not cause.retryable:
        return RetryDecision(None, f"{cause.kind} ({cause.reason}): not retried, needs a human")
    previous = int(tags.get(RETRY_ATTEMPT_TAG, "0"))
    attempt = previous + 1
    if attempt > budget:
        return RetryDecision(None, f"transient ({cause.reason}) but the retry budget of {budget} is spent")
    delay = retry_delay(attempt, scale=scale, rng=rng)
    retry = PendingRetry(
        job_name=job_name,
        failed_run_id=run_id,
        root_run_id=tags.get(RETRY_OF_TAG, run_id),
        attempt=attempt,
        due_at=now + delay,
        reason=cause.reason,
        partition_tags=partition_tags,
    )
    return RetryDecision(retry, f"transient ({cause.reason}): retry {attempt}/{budget} in {delay:.0f}s")
