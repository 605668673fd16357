"""Retry a call on transient failures with exponential backoff and full jitter.

The caller says what an exception means through `classify`: retry (optionally after the
delay the server asked for), or give up at once (bad credentials, a bad request).

`METRICS_RETRY_BASE_DELAY` (seconds) replaces every client's base delay when set: tests and
the sandbox set it tiny; `retry_base_delay` is the one place it is read.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")

RETRY_BASE_DELAY_VARIABLE = "METRICS_RETRY_BASE_DELAY"


def retry_base_delay(environ: Mapping[str, str] | None = None) -> float | None:
    """The base delay METRICS_RETRY_BASE_DELAY asks for, in seconds; None when unset or blank."""
    raw = (os.environ if environ is None else environ).get(RETRY_BASE_DELAY_VARIABLE, "").strip()
    return float(raw) if raw else None


@dataclass(frozen=True)
class Retry:
    """Try again; `after` is the server's own hint in seconds, if it gave one."""

    reason: str
    after: float | None = None


@dataclass(frozen=True)
class GiveUp:
    reason: str


Decision = Retry | GiveUp


class RetriesExhausted(RuntimeError):
    def __init__(self, what: str, attempts: int, last: BaseException, reason: str):
        self.attempts = attempts
        self.last = last
        super().__init__(f"{what}: gave up after {attempts} attempts ({reason}): {last}")


@dataclass(frozen=True)
class BackoffPolicy:
    max_attempts: int = 6
    base_delay: float = 1.0
    max_delay: float = 60.0

    def delay(self, attempt: int, hint: float | None, rng: random.Random) -> float:
        """Seconds to wait before attempt `attempt + 1` (attempt counts from 1)."""
        backoff = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
        jittered = rng.uniform(0, backoff)
        return min(self.max_delay, max(hint or 0.0, jittered))


def call_with_retries(
    call: Callable[[], T],
    classify: Callable[[BaseException], Decision],
    *,
    what: str,
    policy: BackoffPolicy = BackoffPolicy(),
    sleep: Callable[[float], None] = time.sleep,
    log: Callable[[str], None] = lambda message: None,
    rng: random.Random | None = None,
) -> T:
    """`call()` until it succeeds, `classify` says give up (re-raised), or attempts run out."""
    rng = rng or random.Random()
    for attempt in range(1, policy.max_attempts + 1):
        try:
            return call()
        except Exception as exc:  # noqa: BLE001 - classify decides
            decision = classify(exc)
            if isinstance(decision, GiveUp):
                raise
            if attempt == policy.max_attempts:
                raise RetriesExhausted(what, attempt, exc, decision.reason) from exc
            wait = policy.delay(attempt, decision.after, rng)
            log(f"{what}: {decision.reason}; retry {attempt}/{policy.max_attempts - 1} in {wait:.1f}s")
            sleep(wait)
    raise AssertionError("unreachable")
