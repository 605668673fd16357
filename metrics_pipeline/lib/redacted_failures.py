"""What a failing step leaves in Dagster's event log, without secrets or personal data.

Log records are scrubbed as they are made (`security.log_redaction.install`), but an
exception that escapes an asset is not a log record: Dagster stores its text, its causes
and its stack in the event log as they are, and `retry_failed_runs` copies that text into
`ops.ingestion_logs`. `redacted_failures` stands at the asset's edge: an exception whose
text (causes included) holds a secret or an email / IP address is raised again as a
`RedactedError` with the redacted text and the original's stack, but without its causes; a
`dg.Failure` keeps its type and metadata (the failure kind the retry sensor reads).
Exceptions with nothing to hide pass unchanged.
"""

import traceback
from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg

from metrics_pipeline.landing.ingestion import stored_text


class RedactedError(Exception):
    """An exception whose text held a secret or personal data; this is its redacted text."""


@contextmanager
def redacted_failures() -> Iterator[None]:
    try:
        yield
    except dg.Failure as failure:
        description = failure.description or ""
        clean = stored_text(description)
        if clean == description and not _needs_redaction(failure):
            raise
        raise dg.Failure(
            description=clean, metadata=failure.metadata, allow_retries=failure.allow_retries
        ).with_traceback(failure.__traceback__) from None
    except Exception as exc:  # noqa: BLE001 - every exception leaves through here, redacted or not
        if not _needs_redaction(exc):
            raise
        raise RedactedError(stored_text(f"{type(exc).__name__}: {exc}")).with_traceback(exc.__traceback__) from None


def _needs_redaction(exc: BaseException) -> bool:
    text = "".join(traceback.format_exception(exc))
    return stored_text(text) != text
