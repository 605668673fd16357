"""Every log record is scrubbed of registered credential values and credential parameters."""

from __future__ import annotations

import logging

from metrics_pipeline.security import log_redaction
from metrics_pipeline.security.log_redaction import (
    REDACTED,
    redact,
    register_secret,
    scrub,
)

SECRET = "shpat_registered_secret_0042"


def test_credential_parameters_and_authorization_headers_are_redacted_whatever_their_value():
    line = (
        "GET /v26.0/act_1/insights?fields=spend&access_token=EAAunknown123&limit=25 "
        '{"refresh_token": "1//abc-def", "client_secret":"s3cr3t"} Authorization: Bearer ya29.a0AfB_xyz123'
    )
    clean = scrub(line)
    for value in ("EAAunknown123", "1//abc-def", "s3cr3t", "ya29.a0AfB_xyz123"):
        assert value not in clean
    assert "fields=spend" in clean and "limit=25" in clean and clean.count(REDACTED) == 4


def test_registered_values_are_redacted_anywhere_and_ordinary_text_is_left_alone():
    register_secret(SECRET, "short")  # too short to register: it would eat ordinary words
    assert scrub(f"token {SECRET}!") == f"token {REDACTED}!"
    assert scrub("a short, ordinary message") == "a short, ordinary message"


def test_redact_replaces_the_given_secrets_longest_first_and_ignores_tiny_ones():
    assert redact("token abcdef and abcdef-123456", ["abcdef", "abcdef-123456", ""]) == (
        f"token {REDACTED} and {REDACTED}"
    )
    assert redact("a-b-abc", ["abc"]) == "a-b-abc"  # under 4 characters: not a secret, ordinary text stays
    assert redact("nothing to hide", []) == "nothing to hide"


def test_records_from_any_logger_are_scrubbed_as_they_are_created(caplog):
    log_redaction.install()
    log_redaction.install()  # idempotent: one wrapper, not two
    register_secret(SECRET)
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("urllib3.connectionpool").debug(
            '%s://%s:%s "%s %s %s" %s %s',
            "https",
            "graph.facebook.com",
            443,
            "GET",
            "/v26.0/me?access_token=EAAfromtheSDK999",
            "HTTP/1.1",
            200,
            512,
        )
        logging.getLogger("some.library").info("sent %s", {"header": SECRET})
        try:
            raise RuntimeError(f"refused {SECRET}")
        except RuntimeError:
            logging.getLogger("metrics_pipeline.anything").exception("failed")
    # What a handler shows, and every attribute but exc_info: that is the live exception object,
    # which handlers render through the (scrubbed) exc_text.
    text = "\n".join(
        logging.Formatter().format(record) + repr({k: v for k, v in record.__dict__.items() if k != "exc_info"})
        for record in caplog.records
    )
    assert "EAAfromtheSDK999" not in text and SECRET not in text
    assert "graph.facebook.com" in text and "refused [redacted]" in text
