"""Keyed hashes for personal data: emails and IP addresses never reach a table as themselves.

HMAC-SHA256 with a key from `METRICS_PII_KEY` (never in the repo): the same email hashes the
same way across sources, so customers still join, but the hash cannot be reversed or
recomputed without the key.
"""

from __future__ import annotations

import hashlib
import hmac
import os


class PiiKeyMissing(RuntimeError):
    pass


def pii_key(environ: dict[str, str] | None = None) -> bytes:
    value = (os.environ if environ is None else environ).get("METRICS_PII_KEY", "")
    if len(value) < 16:
        raise PiiKeyMissing(
            "METRICS_PII_KEY must be set to a secret of at least 16 characters: emails and IP "
            "addresses are stored only as keyed hashes"
        )
    return value.encode("utf-8")


def normalize_email(email: str) -> str:
    return email.strip().lower()


def keyed_hash(value: str | None, key: bytes) -> str | None:
    """Hex HMAC-SHA256 of `value`; None stays None, so a missing email is not a hash of ''."""
    if value is None or not value.strip():
        return None
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()


def hash_email(email: str | None, key: bytes) -> str | None:
    return keyed_hash(normalize_email(email) if email else None, key)


def hash_ip(ip: str | None, key: bytes) -> str | None:
    return keyed_hash(ip.strip() if ip else None, key)
