"""The frame every API client's error description shares, and when tokens are renewed."""

from __future__ import annotations

from metrics_pipeline.config import ConfigError
from metrics_pipeline.operations.api_errors import describe_api_error, renew_after
from metrics_pipeline.operations.call_retry import RetriesExhausted


class PlatformError(Exception):
    pass


def describe_platform(exc: BaseException) -> str | None:
    return f"Platform says: {exc}" if isinstance(exc, PlatformError) else None


def test_the_platform_words_its_own_errors_and_the_frame_the_rest():
    assert describe_api_error(PlatformError("quota"), (), describe_platform) == "Platform says: quota"
    assert describe_api_error(ValueError("bad"), (), describe_platform) == "ValueError: bad"
    config = ConfigError("config.yaml", ["connections[0].token_env: not set"])
    assert describe_api_error(config, (), describe_platform) == "config.yaml: connections[0].token_env: not set"


def test_retries_given_up_name_the_attempts_and_the_last_error_in_the_platforms_words():
    exhausted = RetriesExhausted("GET /ads", 6, PlatformError("rate limited"), "rate limited")
    text = describe_api_error(exhausted, (), describe_platform)
    assert text == "gave up after 6 attempts: Platform says: rate limited"


def test_secrets_are_scrubbed_from_every_branch():
    secret = "tok-3f9a8b7c6d5e4f30"
    for exc in (
        PlatformError(f"token {secret} expired"),
        ValueError(f"GET /x?access_token={secret}"),
        RetriesExhausted("x", 2, PlatformError(secret), "5xx"),
    ):
        text = describe_api_error(exc, (secret,), describe_platform)
        assert secret not in text, text


def test_a_token_is_renewed_ahead_of_its_end():
    assert renew_after(86400) == 86400 - 600  # 10 minutes before a 24-hour token lapses
    assert renew_after(86399) == 86399 - 600
    assert renew_after(600) == 540  # a short-lived one at 90 % of its life
    assert renew_after(100) == 90
    assert renew_after(0) == 0
