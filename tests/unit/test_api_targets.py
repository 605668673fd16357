"""The API sources' shared account helpers that need no database."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from metrics_pipeline.landing.api_targets import aware, describe_target
from metrics_pipeline.landing.outcomes import TargetOutcome


def test_one_line_per_account_names_the_source_target_and_span():
    landed = TargetOutcome(
        "c1", "123", "completed", "ok", ("2026-10-01", "2026-10-02", "2026-10-03"), 42, target="act_123"
    )
    assert describe_target("meta", landed) == "meta act_123 2026-10-01..2026-10-03 (3 days): 42 rows landed"
    failed = TargetOutcome(
        "c1", "9", "failed", "auth_error", ("2026-10-01",), message="token expired", target="advertisers/9"
    )
    assert (
        describe_target("tiktok_ads", failed)
        == "tiktok_ads advertisers/9 2026-10-01: FAILED (auth_error): token expired"
    )


def test_instants_must_carry_their_zone():
    moment = datetime(2026, 10, 1, 12, tzinfo=UTC)
    assert aware(moment) is moment
    assert aware(None).tzinfo is UTC
    with pytest.raises(ValueError, match="captured_at must be time-zone-aware"):
        aware(datetime(2026, 10, 1, 12), "captured_at")
