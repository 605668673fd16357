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
    clean = redact(line)
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


def test_hyphenated_header_names_are_redacted_in_every_written_form():
    shapes = [
        "X-Shopify-Access-Token: shpat_0123abcd",
        "developer-token: dev0123abcd",
        "{'developer-token': 'dev0123abcd', 'login-customer-id': '1234567890'}",
        '{"X-Shopify-Access-Token": "shpat_0123abcd"}',
        "metadata=[('developer-token', 'dev0123abcd'), ('x-goog-api-client', 'gl-python/3.12')]",
        "headers={'x-shopify-access-token': 'shpat_0123abcd'}",
    ]
    for line in shapes:
        clean = redact(line)
        assert "0123abcd" not in clean and REDACTED in clean, line
    # What is not a credential stays readable.
    assert "1234567890" in redact(shapes[2]) and "gl-python/3.12" in redact(shapes[4])


def test_database_url_and_libpq_passwords_are_redacted():
    assert redact("could not connect to postgresql://etl:s3cret-pw@db.internal:5432/warehouse?sslmode=require") == (
        f"could not connect to postgresql://etl:{REDACTED}@db.internal:5432/warehouse?sslmode=require"
    )
    assert redact("postgresql+psycopg2://dagster:p@ss@word@db/metrics") == (
        f"postgresql+psycopg2://dagster:{REDACTED}@db/metrics"
    )
    assert redact("host=db user=etl password=s3cret-pw dbname=w") == f"host=db user=etl password={REDACTED} dbname=w"
    assert redact("password='two words' host=db") == f"password='{REDACTED}' host=db"
    # A port, an e-mail-like path and the words of a refusal are not passwords.
    for text in ("https://api.example.com:443/a@b", 'password authentication failed for user "etl"'):
        assert redact(text) == text


def test_the_processs_own_keys_and_passwords_are_redacted_from_the_environment(monkeypatch):
    master = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"
    older = "HxwdHh8AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBka"
    monkeypatch.setenv("METRICS_CREDENTIALS_KEYS", f"2026-12:{master},2026-11:{older}")
    monkeypatch.setenv("METRICS_PII_KEY", "pii-key-of-this-deployment")
    monkeypatch.setenv("METRICS_DATABASE_URL", "postgresql://etl:pa%24%24word-42@db/w")
    text = redact(f"k={master} old={older} pii=pii-key-of-this-deployment pw=pa$$word-42 raw=pa%24%24word-42")
    assert text == f"k={REDACTED} old={REDACTED} pii={REDACTED} pw={REDACTED} raw={REDACTED}"
    monkeypatch.delenv("METRICS_PII_KEY")
    assert redact("pii=pii-key-of-this-deployment") == "pii=pii-key-of-this-deployment"  # read afresh


def test_redaction_is_idempotent():
    line = f"access_token={SECRET}&x=1 Authorization: Bearer abcdefgh123 postgresql://u:pw1234@h/db"
    once = redact(line, [SECRET])
    assert redact(once) == once
    assert once == f"access_token={REDACTED}&x=1 Authorization: Bearer {REDACTED} postgresql://u:{REDACTED}@h/db"
