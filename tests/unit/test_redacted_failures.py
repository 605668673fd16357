"""An exception leaving an asset reaches Dagster's event log redacted."""

import dagster as dg
import pytest
from dagster._serdes import serialize_value

from metrics_pipeline.lib.redacted_failures import RedactedError, redacted_failures

URL = "postgresql://etl:hunter2-warehouse@db.internal:5432/metrics"


def test_an_exception_with_a_secret_or_an_address_is_raised_again_redacted():
    with pytest.raises(RedactedError) as raised, redacted_failures():
        try:
            raise KeyError("x-shopify-access-token")
        except KeyError as cause:
            raise RuntimeError(f"cannot reach {URL} for visitor 203.0.113.9") from cause
    text = str(raised.value)
    assert "hunter2" not in text and "203.0.113.9" not in text
    assert text.startswith("RuntimeError: cannot reach postgresql://etl:[redacted]@db.internal:5432/metrics")
    assert raised.value.__cause__ is None and raised.value.__suppress_context__


def test_an_exception_with_nothing_to_hide_passes_unchanged():
    error = ValueError("row 3: spend must be a number")
    with pytest.raises(ValueError) as raised, redacted_failures():
        raise error
    assert raised.value is error


def test_a_failure_keeps_its_type_and_metadata():
    with pytest.raises(dg.Failure) as raised, redacted_failures():
        raise dg.Failure(description=f"lost {URL}", metadata={"failure_kind": "transient"})
    assert "hunter2" not in raised.value.description
    assert raised.value.metadata["failure_kind"].value == "transient"


def test_the_event_log_holds_no_secret_of_a_failed_asset():
    token = "dev-token-" + "0042"  # built at run time: the stack shows source lines, as written

    @dg.asset
    def leaky():
        with redacted_failures():
            raise ConnectionError(f"developer-token: {token} refused; {URL}")

    instance = dg.DagsterInstance.ephemeral()
    result = dg.materialize([leaky], instance=instance, raise_on_error=False)
    assert not result.success
    logged = "".join(serialize_value(entry) for entry in instance.all_logs(result.run_id))
    assert "ConnectionError" in logged and "[redacted]" in logged
    assert token not in logged and "hunter2" not in logged
