"""Keyed hashes for personal data: emails and IP addresses never reach a table as themselves.

HMAC-SHA256 with a key from `METRICS_PII_KEY` (never in the repo): the same email hashes the
same way across sources, so customers still join, but the hash cannot be reversed or
recomputed without the key.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import os
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, quote_plus, unquote, unquote_plus, urlsplit, urlunsplit

import polars as pl


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


# --------------------------------------------------------------------------- #
# Personal data in free text, records and URLs: removed, not hashed
# --------------------------------------------------------------------------- #
# A landing page, a referrer, a rejected row or an unknown column can carry an email address,
# an IP address or a form field (`?email=`, `&phone=`) put there by a site or a partner. Nothing
# joins on those, so they are removed rather than hashed: no key is needed (the pixel lands
# without METRICS_PII_KEY when it has no files), and nothing of them is left to guess at.

EMAIL_REMOVED = "redacted-email"
IP_REMOVED = "redacted-ip"
VALUE_REMOVED = "redacted"

# Query parameters (and fragment parameters) that carry a person's data, by exact name (lower
# case; the innermost `[key]` of `customer[email]` counts): forms' own fields, and Meta's and
# Google's advanced-matching keys (em, ph, fn, ln, db, ge, ct, st, zp).
PII_QUERY_PARAMETERS = frozenset(
    {
        "e",
        "em",
        "e_mail",
        "e-mail",
        "mail",
        "ph",
        "tel",
        "mobile",
        "sms",
        "name",
        "fn",
        "ln",
        "first_name",
        "firstname",
        "last_name",
        "lastname",
        "full_name",
        "fullname",
        "given_name",
        "family_name",
        "surname",
        "db",
        "dob",
        "ge",
        "gender",
        "ct",
        "city",
        "st",
        "zp",
        "zip",
        "zipcode",
        "postcode",
        "postal_code",
        "street",
        "ip",
        "uip",
        "ssn",
    }
)
# Any parameter whose name contains one of these words is personal (customer_email, phone_number).
PII_NAME_WORDS = ("email", "phone", "address", "birth", "ip_address", "ipaddress", "client_ip", "user_ip")
# Attribution needs these whatever they are called like; their values are still scrubbed of
# email and IP addresses.
MARKETING_PARAMETERS = frozenset(
    {"gclid", "gbraid", "wbraid", "dclid", "fbclid", "ttclid", "msclkid", "twclid", "li_fat_id", "epik", "sccid"}
)
# Columns of a record (a rejected row, unknown columns) whose whole value is personal. Narrower
# than the parameters: a column `name` is a product's or a campaign's.
_PII_COLUMN_WORDS = ("email", "e_mail", "phone", "birth", "ip_address", "ipaddress")
_PII_COLUMNS = frozenset({"ip", "client_ip", "user_ip", "browser_ip", "tel", "mobile", "ssn"})

_EMAIL = re.compile(r"(?i)[a-z0-9._%+-]+(?:@|%40)[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}")
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_IPV4 = re.compile(rf"(?<![0-9.])(?:{_OCTET}\.){{3}}{_OCTET}(?!\.?[0-9])")
# Candidates only: `ipaddress` decides. At least two colons, and hex digits, colons, dots.
_IPV6_CANDIDATE = re.compile(r"(?i)(?<![0-9a-z:.])[0-9a-f]*:[0-9a-f.]*:[0-9a-f:.]*(?![0-9a-z:])")
_PARAMETER_IN_TEXT = re.compile(r"(?i)([?&#;])([a-z0-9_\[\]%.+-]+)=([^&#\s\"'<>]*)")
# A superset of what `scrub_pii_text` and `scrub_url` change, without look-arounds so polars
# (Rust regex) can use it too: rows it does not match are left alone without a Python call.
MAY_HOLD_PII = (
    r"(?i)@|%40|%3a|[0-9]\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]|[0-9a-f]*:[0-9a-f.]*:"
    r"|[?&#;][^=&#]*[%+][^=&#]*="
    r"|[?&#;][^=&#]*(?:" + "|".join(re.escape(w) for w in PII_NAME_WORDS) + r")[^=&#]*="
    r"|[?&#;](?:[^=&#]*\[)?(?:"
    + "|".join(re.escape(n) for n in sorted(PII_QUERY_PARAMETERS, key=len, reverse=True))
    + r")\]?="
)
_MAY_HOLD_PII = re.compile(MAY_HOLD_PII)


def is_pii_parameter(name: str) -> bool:
    """Whether a URL parameter called `name` (as decoded) carries personal data."""
    key = name.strip().lower().removeprefix("amp;")
    if key.startswith("utm_") or key in MARKETING_PARAMETERS:
        return False
    if key.endswith("]") and "[" in key:
        key = key[key.rfind("[") + 1 : -1]
    return key in PII_QUERY_PARAMETERS or any(word in key for word in PII_NAME_WORDS)


def is_pii_column(name: str) -> bool:
    """Whether a column (of a record) called `name` holds personal data as its whole value."""
    key = name.strip().lower().replace(" ", "_").replace("-", "_")
    return key in _PII_COLUMNS or any(word in key for word in _PII_COLUMN_WORDS)


def _ipv6_removed(match: re.Match) -> str:
    text = match.group(0)
    candidate = text.rstrip(".")
    try:
        ipaddress.IPv6Address(candidate)
    except ValueError:
        return text
    # `::1` and the like name no one; 3+ groups is an address someone had.
    if len([group for group in candidate.split(":") if group]) < 3:
        return text
    return IP_REMOVED + text[len(candidate) :]


def scrub_pii_text(text: str) -> str:
    """`text` without email addresses, IPv4 and IPv6 addresses, or the values of personal
    `?name=value` parameters (see `is_pii_parameter`)."""
    if not text or not _MAY_HOLD_PII.search(text):
        return text
    text = _PARAMETER_IN_TEXT.sub(_parameter_value_removed, text)
    text = _EMAIL.sub(EMAIL_REMOVED, text)
    text = _IPV6_CANDIDATE.sub(_ipv6_removed, text)
    if "%3a" in text.lower():
        text = re.sub(r"(?i)[0-9a-f%]*%3a[0-9a-f%.]*", lambda m: _encoded_ipv6_removed(m.group(0)), text)
    return _IPV4.sub(_ipv4_removed, text)


def _ipv4_removed(match: re.Match) -> str:
    # 127.0.0.1 and 0.0.0.0 are servers in an error message, never a visitor.
    address = ipaddress.IPv4Address(match.group(0))
    return match.group(0) if address.is_loopback or address.is_unspecified else IP_REMOVED


def _encoded_ipv6_removed(text: str) -> str:
    decoded = unquote(text)
    return IP_REMOVED if _IPV6_CANDIDATE.sub(_ipv6_removed, decoded) == IP_REMOVED else text


def _parameter_value_removed(match: re.Match) -> str:
    separator, name, value = match.groups()
    if value and is_pii_parameter(unquote_plus(name)):
        return f"{separator}{name}={VALUE_REMOVED}"
    return match.group(0)


def scrub_pii_value(value: Any, column: str | None = None) -> Any:
    """A record's value (nested dicts and lists included) without personal data: a personal
    column's whole value goes, and every text is `scrub_pii_text`ed."""
    if column is not None and is_pii_column(column) and value not in (None, ""):
        return VALUE_REMOVED
    if isinstance(value, str):
        return scrub_pii_text(value)
    if isinstance(value, dict):
        return {key: scrub_pii_value(item, str(key)) for key, item in value.items()}
    if isinstance(value, list):
        return [scrub_pii_value(item) for item in value]
    return value


def scrub_pii_json(text: str | None) -> str | None:
    """A JSON object's text (`extra_columns`) with `scrub_pii_value` applied; unchanged when
    nothing in it is personal (the common case costs one regex search)."""
    if text is None or not _MAY_HOLD_PII.search(text) and not re.search(PII_KEY_IN_JSON, text):
        return text
    return json.dumps(scrub_pii_value(json.loads(text)), ensure_ascii=False)


PII_KEY_IN_JSON = (
    r'(?i)"[^"]*(?:e[-_ ]?mail|phone|birth|ip[-_ ]?address)[^"]*"\s*:'
    r'|"\s*(?:ip|client[-_ ]ip|user[-_ ]ip|browser[-_ ]ip|tel|mobile|ssn)\s*"\s*:'
)


def scrub_flagged(column: pl.Series, scrub: Callable[[str], str | None], *patterns: str) -> pl.Series:
    """`scrub` applied to the values of a text column that one of `patterns` (no look-arounds:
    polars reads them) matches; the others never reach Python."""
    flagged = pl.Series([False] * column.len(), dtype=pl.Boolean)
    for pattern in patterns:
        flagged = flagged | column.str.contains(pattern).fill_null(False)
    if not flagged.any():
        return column
    at = flagged.arg_true()
    return column.scatter(at, pl.Series([scrub(v) for v in column.gather(at).to_list()], dtype=pl.String))


def scrub_pii_json_column(column: pl.Series) -> pl.Series:
    """A column of JSON objects (`extra_columns`) through `scrub_pii_json`."""
    return scrub_flagged(column, scrub_pii_json, MAY_HOLD_PII, PII_KEY_IN_JSON)


def scrub_url(url: str | None) -> str | None:
    """`url` (a full URL, a path with a query, or anything) without personal data: personal
    parameters of its query and fragment are dropped, the rest (utm_*, click ids) are kept as
    written, and email or IP addresses anywhere else are replaced."""
    if url is None or not _MAY_HOLD_PII.search(url):
        return url
    try:
        parts = urlsplit(url)
    except ValueError:  # an unbalanced '[' in the host, say
        return scrub_pii_text(url)
    netloc = _scrub_component(parts.netloc)
    path = _scrub_component(parts.path)
    query = _scrub_query(parts.query)
    fragment = _scrub_query(parts.fragment) if "=" in parts.fragment else _scrub_component(parts.fragment)
    cleaned = urlunsplit((parts.scheme, netloc, path, query, fragment))
    # urlunsplit drops an empty '?' or '#': keep them when the original had them.
    if not query and "?" in url and "?" not in cleaned and not fragment:
        cleaned += "?"
    return cleaned


def _scrub_component(text: str) -> str:
    clean = scrub_pii_text(text)
    if clean == text and "%" in text:
        decoded = unquote(text)
        if scrub_pii_text(decoded) != decoded:
            return quote(scrub_pii_text(decoded), safe="/:@[]!$&'()*+,;=~")
    return clean


def _scrub_query(query: str) -> str:
    kept = []
    for piece in query.split("&"):
        name, equals, value = piece.partition("=")
        if equals and is_pii_parameter(unquote_plus(name)):
            continue
        clean = scrub_pii_text(value)
        if clean == value and "%" in value:
            decoded = unquote_plus(value)
            if scrub_pii_text(decoded) != decoded:
                clean = quote_plus(scrub_pii_text(decoded))
        kept.append(f"{scrub_pii_text(name)}{equals}{clean}")
    return "&".join(kept)
