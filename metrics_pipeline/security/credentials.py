"""Platform credentials encrypted at rest in `credentials.connection_credentials`.

Each value is sealed with AES-256-GCM (authenticated: a flipped bit, a wrong key or a row
copied onto another connection or name fails to open) under a key from the environment,
never from the repository or the database:

    METRICS_CREDENTIALS_KEYS="2026-11:<base64 of 32 random bytes>,2026-05:<older key>"

The first key encrypts; every listed key still decrypts, so rotating is: put a new key
first, run `metrics-pipeline credentials rotate-key` (re-encrypts every row under it), then
drop the old key. `metrics-pipeline credentials generate-key` prints a fresh entry.

The connectors ask `connection_secrets` for a connection's values: the store first, then
the `<credentials_env_prefix>_<NAME>` environment variables (the behaviour before the
store existed). A revoked or expired credential is refused with a message naming it, never
showing it; an authentication failure marks the connection's credentials `error` with the
connector's (redacted) message, and the next success marks them `active` again.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
import secrets as random_secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

import psycopg
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from metrics_pipeline.config import CREDENTIAL_VARIABLES, ConfigError, Connection
from metrics_pipeline.security import log_redaction

KEYS_VARIABLE = "METRICS_CREDENTIALS_KEYS"
DATABASE_VARIABLE = "METRICS_DATABASE_URL"
STATUSES = ("active", "expired", "revoked", "error")
# Names a connection may store, per provider: its environment variables' names, lower-cased.
OPTIONAL_NAMES = {"google_ads": ("login_customer_id",)}
# A required name that a set of other names can stand in for: a Shopify app's client id and
# secret (the client credentials grant, tokens that expire after 24 hours) instead of a
# permanent Admin API access token.
ALTERNATIVE_NAMES = {"shopify": {"access_token": ("client_id", "client_secret")}}
_KEY_ID = re.compile(r"^[A-Za-z0-9_.-]{1,40}$")
_AAD_PREFIX = b"metrics-pipeline/credential/v1"
_NONCE_BYTES = 12

# Whatever reads credentials also keeps them out of every log record of the process.
log_redaction.install()


class CredentialError(ConfigError):
    """A credential cannot be used. A ConfigError, so connectors treat it as an auth problem."""

    def __init__(self, subject: str, problem: str):
        super().__init__(subject, [problem])


# --------------------------------------------------------------------------- #
# Keys and sealing (pure)
# --------------------------------------------------------------------------- #


@dataclass(frozen=True)
class KeyRing:
    """Encryption keys by id; `current_id` is the one new ciphertexts use."""

    keys: tuple[tuple[str, bytes], ...]

    @property
    def current_id(self) -> str:
        return self.keys[0][0]

    def key(self, key_id: str) -> bytes | None:
        return next((key for kid, key in self.keys if kid == key_id), None)

    def __repr__(self) -> str:  # never print key material
        return f"KeyRing(ids={[kid for kid, _ in self.keys]})"


def parse_key_ring(text: str | None) -> KeyRing:
    """`id:base64key[,id:base64key...]`, current first. Problems name the entry, never the key."""
    entries = [entry.strip() for entry in re.split(r"[,\s]+", text or "") if entry.strip()]
    if not entries:
        raise CredentialError(
            KEYS_VARIABLE,
            f"set {KEYS_VARIABLE} to id:key[,id:key...] (`metrics-pipeline credentials generate-key` makes one)",
        )
    keys: list[tuple[str, bytes]] = []
    problems = []
    for position, entry in enumerate(entries, start=1):
        key_id, sep, encoded = entry.partition(":")
        if not sep or not _KEY_ID.match(key_id):
            problems.append(f"entry {position}: expected id:key with an id of letters, digits, . _ -")
            continue
        try:
            key = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
        except (binascii.Error, ValueError):
            key = b""
        if len(key) != 32:
            problems.append(f"entry {position} ({key_id}): the key must be 32 bytes, base64-encoded")
            continue
        if any(kid == key_id for kid, _ in keys):
            problems.append(f"entry {position}: key id {key_id} is listed twice")
            continue
        keys.append((key_id, key))
    if problems:
        raise ConfigError(KEYS_VARIABLE, problems)
    return KeyRing(tuple(keys))


def key_ring_from_environ(environ: Mapping[str, str] | None = None) -> KeyRing:
    environ = os.environ if environ is None else environ
    return parse_key_ring(environ.get(KEYS_VARIABLE))


def generate_key_entry(key_id: str | None = None) -> str:
    key_id = key_id or datetime.now(UTC).strftime("k%Y%m%d%H%M%S")
    if not _KEY_ID.match(key_id):
        raise ValueError("a key id is 1-40 letters, digits, . _ -")
    return f"{key_id}:{base64.urlsafe_b64encode(AESGCM.generate_key(bit_length=256)).decode().rstrip('=')}"


def associated_data(connection_id: str, credential_name: str) -> bytes:
    """What a ciphertext is bound to: the same bytes must be given to open it."""
    return b"\x00".join((_AAD_PREFIX, connection_id.encode(), credential_name.encode()))


@dataclass(frozen=True)
class Sealed:
    key_id: str
    nonce: bytes
    ciphertext: bytes


def seal(ring: KeyRing, connection_id: str, credential_name: str, value: str) -> Sealed:
    key_id = ring.current_id
    nonce = random_secrets.token_bytes(_NONCE_BYTES)
    ciphertext = AESGCM(ring.key(key_id)).encrypt(
        nonce, value.encode(), associated_data(connection_id, credential_name)
    )
    return Sealed(key_id, nonce, ciphertext)


def open_sealed(ring: KeyRing, connection_id: str, credential_name: str, sealed: Sealed) -> str:
    subject = f"credential {credential_name} of connection {connection_id}"
    key = ring.key(sealed.key_id)
    if key is None:
        raise CredentialError(subject, f"encrypted with key {sealed.key_id}, which {KEYS_VARIABLE} does not list")
    try:
        plain = AESGCM(key).decrypt(sealed.nonce, sealed.ciphertext, associated_data(connection_id, credential_name))
    except InvalidTag:
        raise CredentialError(
            subject, f"does not decrypt with key {sealed.key_id}: the key is wrong or the row was altered or moved"
        ) from None
    return plain.decode()


def allowed_names(provider: str) -> tuple[str, ...]:
    alternatives = tuple(n for names in ALTERNATIVE_NAMES.get(provider, {}).values() for n in names)
    return tuple(n.lower() for n in CREDENTIAL_VARIABLES[provider]) + OPTIONAL_NAMES.get(provider, ()) + alternatives


# --------------------------------------------------------------------------- #
# The store
# --------------------------------------------------------------------------- #


@dataclass(frozen=True)
class StoredCredential:
    """What `credentials list` shows: never the value."""

    connection_id: str
    credential_name: str
    key_id: str
    status: str
    last_error: str | None
    expires_at: datetime | None
    updated_at: datetime
    encrypted_at: datetime


def put_credential(
    conn: psycopg.Connection,
    ring: KeyRing,
    connection_id: str,
    credential_name: str,
    value: str,
    *,
    expires_at: datetime | None = None,
) -> None:
    """Add or replace a value; it becomes `active` with no error."""
    if not value:
        raise CredentialError(f"credential {credential_name} of connection {connection_id}", "the value is empty")
    sealed = seal(ring, connection_id, credential_name, value)
    conn.execute(
        """
        insert into credentials.connection_credentials
            (connection_id, credential_name, key_id, nonce, ciphertext, status, last_error, expires_at)
        values (%(c)s, %(n)s, %(k)s, %(nonce)s, %(ct)s, 'active', null, %(exp)s)
        on conflict (connection_id, credential_name) do update
        set key_id = excluded.key_id, nonce = excluded.nonce, ciphertext = excluded.ciphertext,
            status = 'active', last_error = null, expires_at = excluded.expires_at,
            updated_at = now(), encrypted_at = now()
        """,
        {
            "c": connection_id,
            "n": credential_name,
            "k": sealed.key_id,
            "nonce": sealed.nonce,
            "ct": sealed.ciphertext,
            "exp": expires_at,
        },
    )


def list_credentials(conn: psycopg.Connection) -> list[StoredCredential]:
    rows = conn.execute(
        "select connection_id, credential_name, key_id, "
        "       case when status = 'active' and expires_at <= now() then 'expired' else status end, "
        "       last_error, expires_at, updated_at, encrypted_at "
        "from credentials.connection_credentials order by connection_id, credential_name"
    ).fetchall()
    return [StoredCredential(*row) for row in rows]


def set_status(
    conn: psycopg.Connection, connection_id: str, credential_name: str | None, status: str, error: str | None = None
) -> int:
    """Mark one (or, with no name, every) credential of a connection; returns the rows changed."""
    if status not in STATUSES:
        raise ValueError(f"status must be one of {', '.join(STATUSES)}")
    return conn.execute(
        "update credentials.connection_credentials set status = %(s)s, last_error = %(e)s, updated_at = now() "
        "where connection_id = %(c)s and (%(n)s::text is null or credential_name = %(n)s)",
        {"s": status, "e": error, "c": connection_id, "n": credential_name},
    ).rowcount


def delete_credential(conn: psycopg.Connection, connection_id: str, credential_name: str) -> bool:
    return (
        conn.execute(
            "delete from credentials.connection_credentials where connection_id = %s and credential_name = %s",
            (connection_id, credential_name),
        ).rowcount
        > 0
    )


def rotate_key(conn: psycopg.Connection, ring: KeyRing) -> tuple[int, list[str]]:
    """Re-encrypt every row under the current key in one transaction. Returns (rows
    re-encrypted, problems); with any problem nothing is changed (the old keys stay needed)."""
    with conn.transaction():
        rows = conn.execute(
            "select connection_id, credential_name, key_id, nonce, ciphertext "
            "from credentials.connection_credentials order by 1, 2 for update"
        ).fetchall()
        problems: list[str] = []
        reencrypted: list[tuple[str, str, Sealed]] = []
        for connection_id, name, key_id, nonce, ciphertext in rows:
            try:
                value = open_sealed(ring, connection_id, name, Sealed(key_id, bytes(nonce), bytes(ciphertext)))
            except CredentialError as exc:
                problems.extend(f"{exc.path}: {problem}" for problem in exc.problems)
                continue
            reencrypted.append((connection_id, name, seal(ring, connection_id, name, value)))
        if problems:
            return 0, problems
        for connection_id, name, sealed in reencrypted:
            conn.execute(
                "update credentials.connection_credentials "
                "set key_id = %s, nonce = %s, ciphertext = %s, encrypted_at = now() "
                "where connection_id = %s and credential_name = %s",
                (sealed.key_id, sealed.nonce, sealed.ciphertext, connection_id, name),
            )
    return len(reencrypted), []


def _stored_values(url: str, connection: Connection, environ: Mapping[str, str]) -> dict[str, str]:
    with psycopg.connect(url) as conn:
        exists = conn.execute("select to_regclass('credentials.connection_credentials') is not null").fetchone()[0]
        if not exists:
            return {}
        rows = conn.execute(
            "select credential_name, key_id, nonce, ciphertext, status, "
            "       expires_at is not null and expires_at <= now() "
            "from credentials.connection_credentials where connection_id = %s",
            (connection.id,),
        ).fetchall()
        lapsed = [name for name, *_, expired in rows if expired]
        if lapsed:
            conn.execute(
                "update credentials.connection_credentials set status = 'expired', updated_at = now() "
                "where connection_id = %s and credential_name = any(%s) and status <> 'expired'",
                (connection.id, lapsed),
            )
    if not rows:
        return {}
    ring = key_ring_from_environ(environ)
    values = {}
    for name, key_id, nonce, ciphertext, status, expired in rows:
        subject = f"credential {name} of connection {connection.id}"
        if status in ("revoked", "expired") or expired:
            raise CredentialError(
                subject,
                f"is {'expired' if expired else status}; store a new one with "
                f"`metrics-pipeline credentials set {connection.id} {name}`",
            )
        values[name] = open_sealed(ring, connection.id, name, Sealed(key_id, bytes(nonce), bytes(ciphertext)))
    return values


def connection_secrets(connection: Connection, environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The connection's secrets by lower-case name: the store's, else the environment's.

    The store is read when the environment names the warehouse (`METRICS_DATABASE_URL`, as
    every pipeline process has it); missing values are named, never shown.
    """
    environ = os.environ if environ is None else environ
    url = environ.get(DATABASE_VARIABLE, "").strip()
    stored = _stored_values(url, connection, environ) if url else {}
    prefix = connection.credentials_env_prefix
    found: dict[str, str] = {}
    missing = []

    def lookup(name: str) -> str | None:
        return stored.get(name) or environ.get(f"{prefix}_{name.upper()}")

    for variable_name in CREDENTIAL_VARIABLES[connection.provider]:
        name = variable_name.lower()
        value = lookup(name)
        alternative = ALTERNATIVE_NAMES.get(connection.provider, {}).get(name, ())
        if value:
            found[name] = value
        elif alternative and all(lookup(n) for n in alternative):
            found.update({n: lookup(n) or "" for n in alternative})
        else:
            missing.append(name + "".join(f" (or {' and '.join(alternative)})" for _ in alternative[:1]))
    if missing:
        raise ConfigError(
            f"connection {connection.id}",
            [
                f"credentials: store {', '.join(missing)} with `metrics-pipeline credentials set {connection.id} <name>` "
                f"or set the environment variable(s) {', '.join(f'{prefix}_{n.split()[0].upper()}' for n in missing)}"
            ],
        )
    log_redaction.register_secret(*found.values())
    login = stored.get("login_customer_id") or environ.get(f"{prefix}_LOGIN_CUSTOMER_ID")
    if connection.provider == "google_ads" and login:
        found["login_customer_id"] = login.replace("-", "")  # an account id, not a secret
    return found


def known_secret_values(connection: Connection, environ: Mapping[str, str] | None = None) -> tuple[str, ...]:
    """Every value that must be scrubbed from messages, however the lookup went (best effort)."""
    environ = os.environ if environ is None else environ
    alternatives = [n.upper() for names in ALTERNATIVE_NAMES.get(connection.provider, {}).values() for n in names]
    values = [
        v
        for n in (*CREDENTIAL_VARIABLES[connection.provider], *alternatives)
        if (v := environ.get(f"{connection.credentials_env_prefix}_{n}"))
    ]
    try:
        values += list(connection_secrets(connection, environ).values())
    except (ConfigError, psycopg.Error):
        pass
    return tuple(sorted(set(values), key=len, reverse=True))


def record_auth_outcome(conn: psycopg.Connection, connection_id: str, *, ok: bool, error: str | None = None) -> None:
    """After a sync: an auth failure marks the connection's stored credentials `error` with the
    (already redacted) message; a success marks errored ones `active` again."""
    if ok:
        conn.execute(
            "update credentials.connection_credentials set status = 'active', last_error = null, updated_at = now() "
            "where connection_id = %s and status = 'error'",
            (connection_id,),
        )
    else:
        conn.execute(
            "update credentials.connection_credentials set status = 'error', last_error = %s, updated_at = now() "
            "where connection_id = %s and status = 'active'",
            (error, connection_id),
        )
