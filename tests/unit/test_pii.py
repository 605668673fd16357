import pytest

from metrics_pipeline.security.pii import PiiKeyMissing, hash_email, hash_ip, pii_key

KEY = b"a-test-key-of-enough-length"


def test_emails_hash_the_same_whatever_their_case_and_spacing_and_never_show():
    first = hash_email(" Jane.Doe@Example.com ", KEY)
    assert first == hash_email("jane.doe@example.com", KEY)
    assert len(first) == 64 and "jane" not in first


def test_the_key_matters_and_missing_values_stay_missing():
    assert hash_ip("203.0.113.7", KEY) != hash_ip("203.0.113.7", b"another-key-of-enough-length")
    assert hash_email(None, KEY) is None and hash_email("  ", KEY) is None and hash_ip("", KEY) is None


def test_a_missing_or_short_key_is_refused():
    with pytest.raises(PiiKeyMissing):
        pii_key({})
    with pytest.raises(PiiKeyMissing):
        pii_key({"METRICS_PII_KEY": "short"})
    assert pii_key({"METRICS_PII_KEY": "x" * 16}) == b"x" * 16
