import pytest

from metrics_pipeline.security.pii import (
    EMAIL_REMOVED,
    IP_REMOVED,
    MAY_HOLD_PII,
    VALUE_REMOVED,
    PiiKeyMissing,
    hash_email,
    hash_ip,
    is_pii_parameter,
    pii_key,
    scrub_pii_json,
    scrub_pii_text,
    scrub_pii_value,
    scrub_url,
)

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


# --------------------------------------------------------------------------- #
# Personal data removed from URLs, texts and records
# --------------------------------------------------------------------------- #


URLS_WITH_PII = {
    "https://shop.example/p?utm_source=fb&email=jane%40example.com&fbclid=AbC-1&phone=555-0100&name=Jane": "https://shop.example/p?utm_source=fb&fbclid=AbC-1",
    "/products/tent?gclid=Cj0KCQ&e=jane@example.com#first_name=Jo&utm_id=9": "/products/tent?gclid=Cj0KCQ#utm_id=9",
    "/cart?customer%5Bemail%5D=a%40b.co&utm_medium=cpc&ttclid=E.C.P": "/cart?utm_medium=cpc&ttclid=E.C.P",
    "https://ref.example/?q=shoes&ip=203.0.113.7": "https://ref.example/?q=shoes",
    "https://ref.example/?visitor=2001:db8:85a3::8a2e:370:7334&utm_source=g": f"https://ref.example/?visitor={IP_REMOVED}&utm_source=g",
    "https://ref.example/?visitor=2001%3Adb8%3A85a3%3A%3A8a2e%3A370%3A7334": f"https://ref.example/?visitor={IP_REMOVED}",
    "https://198.51.100.23/landing?utm_campaign=spring": f"https://{IP_REMOVED}/landing?utm_campaign=spring",
    "https://[2001:db8::1234:5678]/p": f"https://[{IP_REMOVED}]/p",
    "https://shop.example/account/jane.doe@example.com/orders": f"https://shop.example/account/{EMAIL_REMOVED}/orders",
    "https://shop.example/p?utm_content=jane@example.com": f"https://shop.example/p?utm_content={EMAIL_REMOVED}",
}
URLS_WITHOUT_PII = [
    "https://shop.example/p?utm_source=google&utm_medium=cpc&utm_campaign=spring_sale&gclid=Cj0KCQjw&utm_id=123",
    "https://shop.example/p?fbclid=IwAR2x&utm_content=carousel#reviews",
    "https://shop.example/v1.2.3/item?campaign_name=Spring&page=2",
    "/collections/all?sort_by=price-ascending",
    "https://www.google.com/",
    None,
]


def test_personal_query_parameters_go_and_attribution_parameters_stay_as_written():
    for url, expected in URLS_WITH_PII.items():
        assert scrub_url(url) == expected, url
    for url in URLS_WITHOUT_PII:
        assert scrub_url(url) == url, url


def test_which_parameter_names_are_personal():
    for name in (
        "email",
        "e",
        "EM",
        "phone",
        "ph",
        "name",
        "fn",
        "ln",
        "first_name",
        "customer[email]",
        "billing_address",
        "user_email",
        "ip",
        "amp;email",
        "customer_phone_number",
        "ud[em]",  # Meta pixel image-tag advanced matching
        "ud[ph]",
    ):
        assert is_pii_parameter(name), name
    for name in ("utm_source", "utm_content", "gclid", "fbclid", "ttclid", "wbraid", "campaign_name", "page", "q"):
        assert not is_pii_parameter(name), name


def test_free_text_loses_emails_ipv4_ipv6_and_personal_parameter_values_only():
    text = "from 203.0.113.7 and 2001:db8:85a3::8a2e:370:7334. mail Jane.Doe+x@Example.co.uk; see /?phone=555&page=2"
    assert scrub_pii_text(text) == (
        f"from {IP_REMOVED} and {IP_REMOVED}. mail {EMAIL_REMOVED}; see /?phone={VALUE_REMOVED}&page=2"
    )
    # Times, versions, loopback and MAC-like strings are not addresses of a person.
    # Nor are the loopback and unspecified addresses of a server in an error message.
    for ordinary in (
        "at 2026-10-25T12:34:56.123+00:00",
        "v1.2.3",
        "::1 and fe80::1",
        "00:1a:2b:3c:4d:5e",
        "1.2.3.4.5",
        "connection to 127.0.0.1:5432 refused; listening on 0.0.0.0",
    ):
        assert scrub_pii_text(ordinary) == ordinary
    assert scrub_pii_text(scrub_pii_text(text)) == scrub_pii_text(text)


def test_records_lose_personal_columns_whole_and_addresses_anywhere():
    record = {
        "customer_email": "jane@example.com",
        "Phone Number": "555 0100",
        "name": "Trail tent 2P",  # a product's name: not personal
        "note": {"seen_from": ["198.51.100.23", "ok"]},
        "ip": "203.0.113.7",
        "amount": 12,
    }
    assert scrub_pii_value(record) == {
        "customer_email": VALUE_REMOVED,
        "Phone Number": VALUE_REMOVED,
        "name": "Trail tent 2P",
        "note": {"seen_from": [IP_REMOVED, "ok"]},
        "ip": VALUE_REMOVED,
        "amount": 12,
    }
    assert scrub_pii_json('{"Phone": "555 0100", "x": "y"}') == f'{{"Phone": "{VALUE_REMOVED}", "x": "y"}}'
    assert scrub_pii_json('{"x": "y"}') == '{"x": "y"}' and scrub_pii_json(None) is None


def test_the_cheap_pre_check_matches_everything_the_scrubbers_change():
    import polars as pl

    changed = [url for url in URLS_WITH_PII if scrub_url(url) != url]
    assert len(changed) == len(URLS_WITH_PII)
    assert pl.Series(changed).str.contains(MAY_HOLD_PII).all()  # polars' (Rust) regex reads it too
