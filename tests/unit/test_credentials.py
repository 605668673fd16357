"""Sealing credentials (AES-256-GCM bound to connection and name), key rings, BI login helpers."""

from __future__ import annotations

import base64
import hashlib
import hmac
import io

import pytest

from metrics_pipeline.cli.security_commands import read_secret
from metrics_pipeline.config import ConfigError, Connection
from metrics_pipeline.security.bi_access import (
    BiAccessError,
    LoginScope,
    scram_sha256_verifier,
    validate_login_name,
    validate_password,
)
from metrics_pipeline.security.credentials import (
    CredentialError,
    Sealed,
    allowed_names,
    connection_secrets,
    generate_key_entry,
    open_sealed,
    parse_key_ring,
    seal,
)

TOKEN = "EAAB-not-a-real-token-0123456789"
OLD, NEW = generate_key_entry("old"), generate_key_entry("new")


def test_a_sealed_value_opens_with_its_connection_and_name_and_hides_the_value():
    ring = parse_key_ring(OLD)
    sealed = seal(ring, "acme-meta", "access_token", TOKEN)
    assert sealed.key_id == "old" and len(sealed.nonce) == 12
    assert TOKEN.encode() not in sealed.ciphertext
    assert len(sealed.ciphertext) == len(TOKEN) + 16  # the GCM tag
    assert open_sealed(ring, "acme-meta", "access_token", sealed) == TOKEN
    # A fresh nonce every time: the same value never gives the same ciphertext.
    assert seal(ring, "acme-meta", "access_token", TOKEN).ciphertext != sealed.ciphertext


@pytest.mark.parametrize("connection_id, name", [("other-meta", "access_token"), ("acme-meta", "refresh_token")])
def test_a_ciphertext_moved_to_another_connection_or_name_does_not_open(connection_id, name):
    ring = parse_key_ring(OLD)
    sealed = seal(ring, "acme-meta", "access_token", TOKEN)
    with pytest.raises(CredentialError, match="altered or moved") as raised:
        open_sealed(ring, connection_id, name, sealed)
    assert TOKEN not in str(raised.value)


def test_a_flipped_bit_or_a_wrong_key_does_not_open():
    ring = parse_key_ring(OLD)
    sealed = seal(ring, "c", "access_token", TOKEN)
    flipped = bytes([sealed.ciphertext[0] ^ 1]) + sealed.ciphertext[1:]
    with pytest.raises(CredentialError):
        open_sealed(ring, "c", "access_token", Sealed(sealed.key_id, sealed.nonce, flipped))
    impostor = parse_key_ring(generate_key_entry("old"))  # same id, other key
    with pytest.raises(CredentialError, match="key old"):
        open_sealed(impostor, "c", "access_token", sealed)


def test_new_keys_encrypt_and_old_keys_still_decrypt_until_dropped():
    old_ring = parse_key_ring(OLD)
    sealed_before = seal(old_ring, "c", "access_token", TOKEN)
    rotated = parse_key_ring(f"{NEW},{OLD}")
    assert rotated.current_id == "new"
    assert seal(rotated, "c", "access_token", TOKEN).key_id == "new"
    assert open_sealed(rotated, "c", "access_token", sealed_before) == TOKEN
    with pytest.raises(CredentialError, match="key old, which METRICS_CREDENTIALS_KEYS does not list"):
        open_sealed(parse_key_ring(NEW), "c", "access_token", sealed_before)


def test_a_key_ring_reports_bad_entries_without_showing_keys():
    short = base64.urlsafe_b64encode(b"x" * 16).decode()
    with pytest.raises(ConfigError) as raised:
        parse_key_ring(f"a:{short},nocolon,{OLD},{OLD}")
    problems = raised.value.problems
    assert problems == [
        "entry 1 (a): the key must be 32 bytes, base64-encoded",
        "entry 2: expected id:key with an id of letters, digits, . _ -",
        "entry 4: key id old is listed twice",
    ]
    assert short not in str(raised.value) and OLD.split(":")[1] not in str(raised.value)
    with pytest.raises(ConfigError, match="METRICS_CREDENTIALS_KEYS"):
        parse_key_ring("")
    assert OLD.split(":")[1] not in repr(parse_key_ring(OLD))


def test_each_provider_stores_the_names_its_environment_variables_have():
    assert allowed_names("google_ads") == (
        "developer_token",
        "client_id",
        "client_secret",
        "refresh_token",
        "login_customer_id",
    )
    assert allowed_names("meta") == ("access_token",)
    # a Shopify app's client id and secret (client credentials grant) may stand in for the token
    assert allowed_names("shopify") == ("access_token", "client_id", "client_secret")


def test_a_shopify_app_s_client_credentials_stand_in_for_a_missing_access_token():
    shop = Connection(
        "acme-shopify", "w", "shopify", "acme", ("acme.myshopify.com",), None, "active", "daily", 30, "ACME_SHOPIFY",
        shop_domain="acme.myshopify.com",
    )  # fmt: skip
    token = {"ACME_SHOPIFY_ACCESS_TOKEN": "shpat_permanent"}
    app = {"ACME_SHOPIFY_CLIENT_ID": "app-id", "ACME_SHOPIFY_CLIENT_SECRET": "shpss_secret"}
    assert connection_secrets(shop, token) == {"access_token": "shpat_permanent"}
    assert connection_secrets(shop, app) == {"client_id": "app-id", "client_secret": "shpss_secret"}
    assert connection_secrets(shop, {**token, **app}) == {"access_token": "shpat_permanent"}  # the token wins
    with pytest.raises(ConfigError, match=r"access_token \(or client_id and client_secret\)") as missing:
        connection_secrets(shop, {"ACME_SHOPIFY_CLIENT_ID": "app-id"})  # half an app is no app
    assert "ACME_SHOPIFY_ACCESS_TOKEN" in str(missing.value) and "app-id" not in str(missing.value)


def test_a_secret_from_a_pipe_is_its_first_line_and_nothing_is_echoed(capsys):
    assert read_secret("prompt: ", io.StringIO(f"{TOKEN}\nsecond line\n")) == TOKEN
    captured = capsys.readouterr()
    assert TOKEN not in captured.out + captured.err


def test_the_scram_verifier_matches_rfc_7677s_exchange():
    """RFC 7677 section 3: user "user", password "pencil", salt W22ZaJ0SNY7soEsUEjb6gQ==, 4096
    iterations; the exchange's client proof and server signature are the independent oracle."""
    salt = base64.b64decode("W22ZaJ0SNY7soEsUEjb6gQ==")
    verifier = scram_sha256_verifier("pencil", salt=salt, iterations=4096)
    scheme, rest = verifier.split("$", 1)
    params, keys = rest.split("$")
    stored_key, server_key = (base64.b64decode(k) for k in keys.split(":"))
    assert (scheme, params) == ("SCRAM-SHA-256", "4096:W22ZaJ0SNY7soEsUEjb6gQ==")
    nonce = "rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0"
    auth_message = (
        f"n=user,r=rOprNGfwEbeRWgbNEkqO,r={nonce},s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,c=biws,r={nonce}"
    ).encode()
    server_signature = hmac.new(server_key, auth_message, hashlib.sha256).digest()
    assert base64.b64encode(server_signature).decode() == "6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="
    proof = base64.b64decode("dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=")
    client_key = bytes(a ^ b for a, b in zip(proof, hmac.new(stored_key, auth_message, hashlib.sha256).digest()))
    assert hashlib.sha256(client_key).digest() == stored_key


@pytest.mark.parametrize("name", ["pg_monitorx", "metrics_bi_reader", "Alpha", "a", "1abc", "bi-login", "x" * 64])
def test_login_names_that_are_refused(name):
    with pytest.raises(BiAccessError):
        validate_login_name(name)


def test_login_names_scopes_and_passwords_that_are_accepted_or_refused():
    assert validate_login_name("acme_dashboard") == "acme_dashboard"
    assert LoginScope(client_slug="acme").describe() == "client acme"
    assert LoginScope(all_rows=True).describe() == "all rows (analytics)"
    with pytest.raises(BiAccessError):
        LoginScope(client_slug="acme", workspace_slug="north")
    with pytest.raises(BiAccessError):
        LoginScope()
    with pytest.raises(BiAccessError, match="at least 12"):
        validate_password("short")
    with pytest.raises(BiAccessError, match="printable ASCII"):
        validate_password("pässwörd-long-enough")
