"""The encrypted credential store on a real database, through the CLI an operator uses:
set (value from stdin, never echoed), list, rotate the key, revoke; and what the connectors
get from it (the store first, the environment as before)."""

from __future__ import annotations

import contextlib
import io
import os
import sys

import psycopg
import pytest

from metrics_pipeline.cli.main import main
from metrics_pipeline.config import ConfigError, load_config
from metrics_pipeline.security.credentials import (
    KEYS_VARIABLE,
    connection_secrets,
    generate_key_entry,
    record_auth_outcome,
)
from tests.conftest import fetch_all, write_file

pytestmark = pytest.mark.integration

CONFIG = """
workspaces:
  - slug: north
    name: North
    clients:
      - {slug: alpha, name: Alpha, currency: USD, timezone: UTC}
    connections:
      - {id: alpha-meta, provider: meta, client: alpha, ad_account_ids: ["act_1"], credentials_env_prefix: ALPHA_META}
      - {id: alpha-google, provider: google_ads, client: alpha, customer_ids: ["111-222-3333"],
         credentials_env_prefix: ALPHA_GOOGLE}
"""
META_TOKEN = "EAAB-meta-token-value-0001"
NEW_META_TOKEN = "EAAB-meta-token-value-0002"
GOOGLE = {
    "developer_token": "dev-token-value-xyz",
    "client_id": "client-id-1234.apps",
    "client_secret": "client-secret-value-abc",
    "refresh_token": "1//refresh-token-value-def",
}


@pytest.fixture
def operator(tmp_path, database_url, restore_environ, monkeypatch):
    """An operator's shell: METRICS_CONFIG and a key ring; runs the CLI with stdin as given."""
    monkeypatch.setenv("METRICS_CONFIG", str(write_file(tmp_path / "config.yaml", CONFIG)))
    monkeypatch.setenv(KEYS_VARIABLE, generate_key_entry("first"))
    monkeypatch.setenv("METRICS_DAGSTER_HOME", str(tmp_path / "dagster_home"))
    for name in ("ALPHA_META_ACCESS_TOKEN", *(f"ALPHA_GOOGLE_{n.upper()}" for n in GOOGLE)):
        monkeypatch.delenv(name, raising=False)
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("delete from credentials.connection_credentials")

    def run(*argv: str, stdin: str = "") -> tuple[int, str]:
        out = io.StringIO()
        saved = sys.stdin
        sys.stdin = io.StringIO(stdin)
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
                code = main(list(argv))
        finally:
            sys.stdin = saved
        return code, out.getvalue()

    return run


def connection(connection_id: str):
    return next(c for c in load_config().connections if c.id == connection_id)


def test_set_stores_only_ciphertext_and_never_prints_the_value(operator, database_url):
    code, output = operator("credentials", "set", "alpha-meta", "access_token", stdin=META_TOKEN + "\n")
    assert code == 0 and "encrypted with key first" in output and META_TOKEN not in output
    [(key_id, ciphertext, status)] = fetch_all(
        database_url, "select key_id, ciphertext, status from credentials.connection_credentials"
    )
    assert (key_id, status) == ("first", "active") and META_TOKEN.encode() not in bytes(ciphertext)
    code, listing = operator("credentials", "list")
    assert code == 0 and "alpha-meta" in listing and "active" in listing and META_TOKEN not in listing
    # The connector gets the value from the store, with nothing in the environment.
    assert connection_secrets(connection("alpha-meta")) == {"access_token": META_TOKEN}


def test_unknown_connections_and_names_are_refused_before_reading_a_value(operator):
    code, output = operator("credentials", "set", "nope", "access_token", stdin=META_TOKEN)
    assert code == 2 and "no connection 'nope'" in output and META_TOKEN not in output
    code, output = operator("credentials", "set", "alpha-meta", "refresh_token", stdin=META_TOKEN)
    assert code == 2 and "has no credential 'refresh_token'" in output


def test_key_rotation_re_encrypts_everything_and_the_old_key_can_go(operator, database_url, monkeypatch):
    for name, value in GOOGLE.items():
        assert operator("credentials", "set", "alpha-google", name, stdin=value)[0] == 0
    assert operator("credentials", "set", "alpha-meta", "access_token", stdin=META_TOKEN)[0] == 0
    before = dict(fetch_all(database_url, "select credential_name, ciphertext from credentials.connection_credentials"))
    first = os.environ[KEYS_VARIABLE]
    second = generate_key_entry("second")
    # Without the key that encrypted them, nothing decrypts, and rotation changes nothing.
    monkeypatch.setenv(KEYS_VARIABLE, second)
    code, output = operator("credentials", "rotate-key")
    assert code == 1 and "key first, which METRICS_CREDENTIALS_KEYS does not list" in output
    assert (
        dict(fetch_all(database_url, "select credential_name, ciphertext from credentials.connection_credentials"))
        == before
    )
    # New key first, old key still listed: rotate; then the old key is no longer needed.
    monkeypatch.setenv(KEYS_VARIABLE, f"{second},{first}")
    code, output = operator("credentials", "rotate-key")
    assert code == 0 and "re-encrypted 5 credential(s) with key second" in output
    rows = fetch_all(database_url, "select credential_name, key_id, ciphertext from credentials.connection_credentials")
    assert {key for _, key, _ in rows} == {"second"}
    assert all(bytes(ciphertext) != bytes(before[name]) for name, _, ciphertext in rows)
    monkeypatch.setenv(KEYS_VARIABLE, second)
    assert connection_secrets(connection("alpha-google")) == GOOGLE
    assert connection_secrets(connection("alpha-meta")) == {"access_token": META_TOKEN}


def test_a_row_moved_onto_another_credential_does_not_decrypt(operator, database_url):
    for name, value in GOOGLE.items():
        operator("credentials", "set", "alpha-google", name, stdin=value)
    with psycopg.connect(database_url, autocommit=True) as conn:
        # Swap the client secret's ciphertext into the refresh token's row.
        conn.execute(
            "update credentials.connection_credentials t set nonce = s.nonce, ciphertext = s.ciphertext "
            "from credentials.connection_credentials s where t.connection_id = 'alpha-google' "
            "and t.credential_name = 'refresh_token' and s.connection_id = 'alpha-google' "
            "and s.credential_name = 'client_secret'"
        )
    with pytest.raises(ConfigError, match="refresh_token of connection alpha-google.*altered or moved") as raised:
        connection_secrets(connection("alpha-google"))
    assert not any(value in str(raised.value) for value in GOOGLE.values())


def test_revoked_and_expired_credentials_are_refused_and_a_new_value_revives(operator, database_url):
    operator("credentials", "set", "alpha-meta", "access_token", stdin=META_TOKEN)
    code, output = operator("credentials", "mark", "alpha-meta", "revoked")
    assert code == 0 and "now revoked" in output
    with pytest.raises(ConfigError, match="access_token of connection alpha-meta: is revoked"):
        connection_secrets(connection("alpha-meta"))
    # Even with a value in the environment: the operator said this connection's token is dead.
    os.environ["ALPHA_META_ACCESS_TOKEN"] = "from-the-environment"
    with pytest.raises(ConfigError, match="is revoked"):
        connection_secrets(connection("alpha-meta"))
    operator(
        "credentials",
        "set",
        "alpha-meta",
        "access_token",
        "--expires-at",
        "2020-01-01T00:00:00+00:00",
        stdin=NEW_META_TOKEN,
    )
    with pytest.raises(ConfigError, match="is expired"):
        connection_secrets(connection("alpha-meta"))
    assert fetch_all(database_url, "select status from credentials.connection_credentials") == [("expired",)]
    operator("credentials", "set", "alpha-meta", "access_token", stdin=NEW_META_TOKEN)
    assert connection_secrets(connection("alpha-meta")) == {"access_token": NEW_META_TOKEN}


def test_auth_outcomes_mark_the_stored_credentials(operator, database_url):
    operator("credentials", "set", "alpha-meta", "access_token", stdin=META_TOKEN)
    with psycopg.connect(database_url, autocommit=True) as conn:
        record_auth_outcome(conn, "alpha-meta", ok=False, error="act_1: (#190) token expired")
    assert fetch_all(database_url, "select status, last_error from credentials.connection_credentials") == [
        ("error", "act_1: (#190) token expired")
    ]
    # An errored credential is still used (the platform may have been fixed); a success clears it.
    assert connection_secrets(connection("alpha-meta")) == {"access_token": META_TOKEN}
    with psycopg.connect(database_url, autocommit=True) as conn:
        record_auth_outcome(conn, "alpha-meta", ok=True)
    assert fetch_all(database_url, "select status, last_error from credentials.connection_credentials") == [
        ("active", None)
    ]


def test_without_stored_values_the_environment_still_works_and_missing_ones_are_named(operator):
    os.environ["ALPHA_META_ACCESS_TOKEN"] = META_TOKEN
    assert connection_secrets(connection("alpha-meta")) == {"access_token": META_TOKEN}
    os.environ.update({"ALPHA_GOOGLE_DEVELOPER_TOKEN": GOOGLE["developer_token"]})
    operator("credentials", "set", "alpha-google", "client_id", stdin=GOOGLE["client_id"])
    with pytest.raises(ConfigError) as raised:
        connection_secrets(connection("alpha-google"))
    message = str(raised.value)
    assert "client_secret, refresh_token" in message and "ALPHA_GOOGLE_CLIENT_SECRET" in message
    assert "developer_token" not in message.split("store ")[1].split(" with")[0]  # found in the environment
    assert "client_id" not in message.split("store ")[1].split(" with")[0]  # found in the store
