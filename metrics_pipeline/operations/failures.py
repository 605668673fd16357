"""What a failure means for the pipeline's self-healing: retry it later, or tell a human.

A failure's cause is decided where the exception is caught (`cause_of`) and travels as data:
in `ops.ingestion_logs.failure_kind`, on the outcome types (landing/outcomes.py) and in a
step failure's metadata, which is what the retry sensor reads. `cause_of` goes by type first
(our own errors carry a `failure_cause`; timeouts, dropped connections and values the
warehouse refuses are known by class); only an exception of a type we do not own (an SDK's
error whose code is in its text) falls back to `classify_failure`, which reads the text.
The API connectors decide first with their own retry policy (`cause_from_decision`): what
their client would retry, or gave up retrying, is transient; a rejected credential is
permanent; only what neither says goes to `cause_of`:

- transient: the same request may well succeed later (rate limits, 5xx, timeouts, a
  connection reset or cut short): the retry sensor re-requests the failed partitions;
- permanent: retrying cannot help until someone acts (bad or expired credentials, a
  missing permission, a file with a wrong header, invalid configuration): no retry, the
  reason goes to ops.ingestion_logs;
- unknown: neither pattern matched (a bug, most likely): no automatic retry, since
  repeating an unexplained failure only hides it.

Meta calls every error an "OAuthException", rate limits included: the word alone says
nothing, so credentials are recognised by what the message says of the token or by code.
Permanent patterns are checked first: "gave up after 6 attempts: ... code 190 ..." is
an expired token, however many times it was tried.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from metrics_pipeline.operations.call_retry import Decision, RetriesExhausted, Retry

TRANSIENT = "transient"
PERMANENT = "permanent"
UNKNOWN = "unknown"

_PERMANENT_PATTERNS = (
    (
        "expired or invalid credentials",
        r"access token|refresh token|invalid[_ ]token|session has expired|"
        r"unauthenticated|invalid_grant|authentication|credentials?\b.*(missing|invalid|rejected|not set)|"
        r"\b(code 190|code 102)\b|http 401|\b401 unauthorized",
    ),
    (
        "missing permission",
        r"permission_denied|permission denied|\bhttp 403\b|\b403 forbidden|"
        r"user_permission_denied|customer_not_enabled",
    ),
    ("wrong file header", r"header is missing column|header names a column"),
    ("unreadable file", r"is not utf-8 text|ends mid-row|truncated"),
    ("invalid configuration", r"configerror|unknown client|config\.ya?ml"),
)
_TRANSIENT_PATTERNS = (
    (
        "rate limited",
        r"rate.?limit|too many (calls|requests)|resource_exhausted|\bhttp 429\b|\b429 too many|"
        r"throttl|code (4|17|32|613|8000\d)\b",
    ),
    (
        "server error",
        r"\bhttp 5\d\d\b|\b50[0234] |internal server error|service unavailable|bad gateway|"
        r"\bunavailable\b|\binternal\b.*error|is_transient|transient error",
    ),
    ("timeout", r"timed? ?out|timeout|deadline_exceeded|deadline exceeded"),
    (
        "connection dropped",
        r"connection (reset|refused|aborted|broken)|connectionerror|chunkedencodingerror|"
        r"incompleteread|remotedisconnected|protocolerror|broken pipe|endpointconnectionerror|"
        r"could not connect|connection closed|server closed the connection",
    ),
    ("retries exhausted", r"gave up after \d+ attempts"),
)


@dataclass(frozen=True)
class FailureCause:
    kind: str  # transient | permanent | unknown
    reason: str  # short, for a log row: "rate limited", "expired or invalid credentials", ...

    @property
    def retryable(self) -> bool:
        return self.kind == TRANSIENT


def cause_of(error: BaseException) -> FailureCause:
    """The cause of an exception caught by a loader: its own `failure_cause`, else by type,
    else (an SDK's exception) by its text. See the module docstring."""
    import psycopg  # the warehouse driver; imported here so the text rules load without it

    explicit = getattr(error, "failure_cause", None)
    if isinstance(explicit, FailureCause):
        return explicit
    if isinstance(error, TimeoutError):
        return FailureCause(TRANSIENT, "timeout")
    if isinstance(error, ConnectionError):
        return FailureCause(TRANSIENT, "connection dropped")
    if isinstance(error, psycopg.OperationalError):
        return FailureCause(TRANSIENT, "warehouse unreachable")
    if isinstance(error, psycopg.DataError | psycopg.IntegrityError):
        return FailureCause(PERMANENT, "a value the warehouse refused")
    return classify_failure(error)


def cause_from_decision(
    error: BaseException, classify: Callable[[BaseException], Decision], *, auth_error: bool
) -> FailureCause:
    """The cause of an API connector's failure, from its own typed view of the error.

    `classify` is the client's retry policy (the function `call_with_retries` was given) and
    `auth_error` whether the connector marks the account `auth_error`:

    - a rejected or missing credential is permanent, whatever else is true of the error;
    - an error the policy would retry (a call that never went through `call_with_retries`) is
      transient, and so is `RetriesExhausted` when the policy would still retry its last error:
      the retry sensor tries it again later;
    - anything else (the policy gave up on it, or it never was an API error) is `cause_of`'s.
    """
    if auth_error:
        return FailureCause(PERMANENT, "expired or invalid credentials")
    exhausted = isinstance(error, RetriesExhausted)
    decision = classify(error.last if exhausted else error)
    if isinstance(decision, Retry):
        return FailureCause(TRANSIENT, f"retries exhausted: {decision.reason}" if exhausted else decision.reason)
    return cause_of(error)


def classify_failure(error: BaseException | str | None) -> FailureCause:
    """transient | permanent | unknown, with the matched reason; see the module docstring."""
    if error is None:
        return FailureCause(UNKNOWN, "no error recorded")
    if isinstance(error, BaseException):
        text = f"{type(error).__name__}: {error}"
        if isinstance(error, (TimeoutError, ConnectionError)):
            return FailureCause(TRANSIENT, "timeout" if isinstance(error, TimeoutError) else "connection dropped")
    else:
        text = error
    lowered = text.lower()
    for kind, patterns in ((PERMANENT, _PERMANENT_PATTERNS), (TRANSIENT, _TRANSIENT_PATTERNS)):
        for reason, pattern in patterns:
            if re.search(pattern, lowered):
                return FailureCause(kind, reason)
    return FailureCause(UNKNOWN, "unrecognised error")
