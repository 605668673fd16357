"""What the API clients share about their failures and their tokens: the one-line description
of an error for logs and ops tables, and when a short-lived access token is renewed."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from metrics_pipeline.config import ConfigError
from metrics_pipeline.operations.call_retry import RetriesExhausted
from metrics_pipeline.security.log_redaction import redact

# A granted access token (a day, typically) is renewed this long before it lapses, so a sync
# never starts a call on a token about to die.
TOKEN_REFRESH_MARGIN = 600.0


def describe_api_error(
    exc: BaseException, secrets: Iterable[str], describe_platform_error: Callable[[BaseException], str | None]
) -> str:
    """One line for logs and ops tables, with every secret scrubbed out. The frame is shared
    (retries given up, a config problem, anything else as its type and message);
    `describe_platform_error` words the platform's own errors and returns None for the rest."""
    if isinstance(exc, RetriesExhausted):
        text = f"gave up after {exc.attempts} attempts: {describe_api_error(exc.last, (), describe_platform_error)}"
    elif isinstance(exc, ConfigError):
        text = f"{exc.path}: {'; '.join(exc.problems)}"
    else:
        text = describe_platform_error(exc)
        if text is None:
            text = f"{type(exc).__name__}: {exc}"
    return redact(text, secrets)


def renew_after(expires_in: float, *, margin: float = TOKEN_REFRESH_MARGIN) -> float:
    """Seconds after its grant a token of `expires_in` seconds is renewed: `margin` before it
    lapses, or at 90 % of its life when that is shorter."""
    return max(0.0, expires_in - min(margin, expires_in * 0.1))
