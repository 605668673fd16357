"""Clients (`workspaces[*].clients`): currency, time zone, media-partner CPM rates, pixel site,
Amazon brand and affiliate account."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from metrics_pipeline.config.validation import (
    CURRENCY_PATTERN,
    SLUG_PATTERN,
    _date,
    _non_negative_decimal,
    _reject_duplicates,
    _reject_unknown_keys,
    _slug,
    _text,
)


@dataclass(frozen=True)
class CpmRate:
    effective_from: date
    cpm: Decimal


@dataclass(frozen=True)
class AffiliateSettings:
    # An event whose campaign tracking id starts with one of these belongs to the client;
    # when prefixes of several clients match, the longest wins.
    tracking_id_prefixes: tuple[str, ...]
    currency: str = "USD"  # the affiliate network's money, which its events are in


@dataclass(frozen=True)
class AmazonSettings:
    """A client's Amazon brand: its folder under amazon_ads/, its marketplace money, its SKUs."""

    brand_slug: str  # the folder under amazon_ads/; defaults to the client slug
    currency: str  # the marketplace's money; defaults to the client's currency
    asin_skus: tuple[tuple[str, str], ...] = ()  # (ASIN, SKU), sorted by ASIN; one-to-one within a brand


ASIN_PATTERN = re.compile(r"^[A-Z0-9]{10}$")


@dataclass(frozen=True)
class Client:
    slug: str
    name: str
    workspace_slug: str
    currency: str
    timezone: str
    cpm_rates: tuple[CpmRate, ...]  # sorted by effective_from
    pixel_site_id: str | None = None  # the `site_id` the client's pixel events carry
    amazon: AmazonSettings | None = None  # the client sells on Amazon (amazon_ads/<brand_slug>/...)
    affiliate: AffiliateSettings | None = None  # the client's affiliate-network account, if any

    def cpm_in_force(self, day: date) -> Decimal | None:
        return cpm_in_force(self.cpm_rates, day)


def cpm_in_force(rates: tuple[CpmRate, ...], day: date) -> Decimal | None:
    """The rate whose effective_from is the latest on or before `day`; None before the first."""
    in_force = None
    for rate in sorted(rates, key=lambda r: r.effective_from):
        if rate.effective_from <= day:
            in_force = rate.cpm
    return in_force


def _parse_client(raw: Any, key: str, workspace_slug: str, problems: list[str]) -> Client:
    if not isinstance(raw, dict):
        problems.append(f"{key}: must be a mapping")
        return Client("", "", workspace_slug, "", "", ())
    _reject_unknown_keys(
        raw,
        {"slug", "name", "currency", "timezone", "media_partner", "pixel_site_id", "amazon", "affiliate"},
        key,
        problems,
    )
    slug = _slug(raw, key, problems)
    name = _text(raw, "name", key, problems)
    currency = str(raw.get("currency", "USD"))
    if not CURRENCY_PATTERN.match(currency):
        problems.append(f"{key}.currency: must be a 3-letter ISO 4217 code like USD (got {currency!r})")
    timezone = str(raw.get("timezone", "UTC"))
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(f"{key}.timezone: not a known IANA time zone (got {timezone!r})")
    cpm_rates: tuple[CpmRate, ...] = ()
    media_partner = raw.get("media_partner")
    if media_partner is not None:
        cpm_rates = _parse_media_partner(media_partner, f"{key}.media_partner", problems)
    pixel_site_id = raw.get("pixel_site_id")
    if pixel_site_id is not None and not (isinstance(pixel_site_id, str) and pixel_site_id.strip()):
        problems.append(f"{key}.pixel_site_id: must be a non-empty string")
        pixel_site_id = None
    # `amazon:` with nothing under it (None) still makes the client an Amazon brand, with the defaults.
    amazon = None
    if "amazon" in raw:
        amazon = _parse_amazon(raw["amazon"] or {}, f"{key}.amazon", slug, currency, problems)
    affiliate = None
    if raw.get("affiliate") is not None:
        affiliate = _parse_affiliate(raw["affiliate"], f"{key}.affiliate", problems)
    return Client(
        slug, name, workspace_slug, currency, timezone, cpm_rates, pixel_site_id, amazon=amazon, affiliate=affiliate
    )


def _parse_amazon(raw: Any, key: str, client_slug: str, client_currency: str, problems: list[str]) -> AmazonSettings:
    if not isinstance(raw, dict):
        problems.append(f"{key}: must be a mapping with brand_slug, currency, asin_skus (all optional)")
        return AmazonSettings(client_slug, client_currency)
    _reject_unknown_keys(raw, {"brand_slug", "currency", "asin_skus"}, key, problems)
    brand_slug = client_slug
    if "brand_slug" in raw:
        brand_slug = raw["brand_slug"]
        if not isinstance(brand_slug, str) or not SLUG_PATTERN.match(brand_slug):
            problems.append(
                f"{key}.brand_slug: lower-case letters, digits, '-' or '_', at most 63 (got {brand_slug!r})"
            )
            brand_slug = client_slug
    currency = str(raw.get("currency", client_currency))
    if not CURRENCY_PATTERN.match(currency):
        problems.append(f"{key}.currency: must be a 3-letter ISO 4217 code like USD (got {currency!r})")
    raw_skus = raw.get("asin_skus", {})
    if not isinstance(raw_skus, dict):
        problems.append(f"{key}.asin_skus: must map ASINs to SKUs")
        raw_skus = {}
    asin_skus = []
    for raw_asin, raw_sku in raw_skus.items():
        asin = str(raw_asin)
        if not ASIN_PATTERN.match(asin):
            problems.append(f"{key}.asin_skus: {asin!r} is not an ASIN (10 upper-case letters or digits)")
        elif not isinstance(raw_sku, (str, int)) or isinstance(raw_sku, bool) or not str(raw_sku).strip():
            problems.append(f"{key}.asin_skus.{asin}: the SKU must be a non-empty string (got {raw_sku!r})")
        else:
            asin_skus.append((asin, str(raw_sku).strip()))
    # Sales are reported per (channel, store, SKU, day): two ASINs on one SKU would collide there.
    _reject_duplicates([sku for _, sku in asin_skus], f"{key}.asin_skus", "SKU", problems)
    return AmazonSettings(brand_slug, currency, tuple(sorted(asin_skus)))


def _parse_affiliate(raw: Any, key: str, problems: list[str]) -> AffiliateSettings | None:
    if not isinstance(raw, dict):
        problems.append(f"{key}: must be a mapping with tracking_id_prefixes (and optionally currency)")
        return None
    _reject_unknown_keys(raw, {"tracking_id_prefixes", "currency"}, key, problems)
    raw_prefixes = raw.get("tracking_id_prefixes")
    prefixes: list[str] = []
    if not isinstance(raw_prefixes, list) or not raw_prefixes:
        problems.append(f"{key}.tracking_id_prefixes: required, a non-empty list of tracking id prefixes")
    else:
        for i, value in enumerate(raw_prefixes):
            # Tracking ids are matched as exported, so a prefix with surrounding spaces could never match.
            if not isinstance(value, str) or not value or value != value.strip():
                problems.append(
                    f"{key}.tracking_id_prefixes[{i}]: must be a non-empty string without surrounding spaces "
                    f"(got {value!r})"
                )
            else:
                prefixes.append(value)
        _reject_duplicates(prefixes, f"{key}.tracking_id_prefixes", "prefix", problems)
    currency = str(raw.get("currency", "USD"))
    if not CURRENCY_PATTERN.match(currency):
        problems.append(f"{key}.currency: must be a 3-letter ISO 4217 code like USD (got {currency!r})")
    return AffiliateSettings(tuple(dict.fromkeys(prefixes)), currency)


def _parse_media_partner(raw: Any, key: str, problems: list[str]) -> tuple[CpmRate, ...]:
    if not isinstance(raw, dict):
        problems.append(f"{key}: must be a mapping")
        return ()
    _reject_unknown_keys(raw, {"cpm_rates"}, key, problems)
    raw_rates = raw.get("cpm_rates")
    if not isinstance(raw_rates, list) or not raw_rates:
        problems.append(f"{key}.cpm_rates: must be a non-empty list of {{effective_from, cpm}}")
        return ()
    rates = []
    for i, raw_rate in enumerate(raw_rates):
        rate_key = f"{key}.cpm_rates[{i}]"
        if not isinstance(raw_rate, dict):
            problems.append(f"{rate_key}: must be a mapping with effective_from and cpm")
            continue
        _reject_unknown_keys(raw_rate, {"effective_from", "cpm"}, rate_key, problems)
        effective_from = _date(raw_rate.get("effective_from"), f"{rate_key}.effective_from", problems)
        cpm = _non_negative_decimal(raw_rate.get("cpm"), f"{rate_key}.cpm", problems)
        if effective_from is not None and cpm is not None:
            rates.append(CpmRate(effective_from, cpm))
    _reject_duplicates([r.effective_from.isoformat() for r in rates], f"{key}.cpm_rates", "effective_from", problems)
    return tuple(sorted(rates, key=lambda r: r.effective_from))
