"""Connections (`workspaces[*].connections`): which Google Ads, Meta, TikTok or Shopify accounts
to sync, how far back, and where their credentials are."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any

from metrics_pipeline.config.validation import ConfigError, _reject_unknown_keys, _slug

PROVIDERS = ("google_ads", "meta", "shopify", "tiktok")
# Google's conversion window, Meta's and TikTok's restatement window, Shopify's refund look-back. A Google
# connection without lookback_days takes its accounts' conversion windows instead (the longest
# click-through window of their enabled conversion actions, landed with each sync); 30, Google's
# default window, stands in until one has landed.
DEFAULT_LOOKBACK_DAYS = {"google_ads": 30, "meta": 28, "shopify": 30, "tiktok": 28}
CREDENTIAL_VARIABLES = {
    # <credentials_env_prefix>_<NAME>; values never leave the environment except to the SDK.
    "google_ads": ("DEVELOPER_TOKEN", "CLIENT_ID", "CLIENT_SECRET", "REFRESH_TOKEN"),
    "meta": ("ACCESS_TOKEN",),
    "shopify": ("ACCESS_TOKEN",),
    # TikTok's access tokens live 24 hours: the connector gets one from the refresh token (365 days)
    # with the app's id and secret (POST /open_api/v1.3/oauth2/refresh_token/) on every sync.
    "tiktok": ("APP_ID", "SECRET", "REFRESH_TOKEN"),
}
_SHOP_DOMAIN = re.compile(r"^[a-z0-9][a-z0-9-]*\.myshopify\.com$")
_GOOGLE_CUSTOMER_ID = re.compile(r"^\d{3}-?\d{3}-?\d{4}$")
_META_ACCOUNT_ID = re.compile(r"^(act_)?\d+$")
_TIKTOK_ADVERTISER_ID = re.compile(r"^\d{6,25}$")
# The attribution windows Meta's Insights API still returns, by kind: one window of each
# kind at most, since a click window includes the shorter ones (1d_click is inside
# 7d_click) and summing both would count a conversion twice. 1d_ev is the engaged-view
# window (a video watched 10 s or more, no click). Meta removed the 7- and 28-day view and
# the 28-day click windows (2021, iOS 14.5; the last view ones from Ads Manager in 2026):
# asking for them returns nothing, so a figure built on them would silently be 0.
META_ATTRIBUTION_WINDOWS = {"1d_click": "click", "7d_click": "click", "1d_view": "view", "1d_ev": "engaged view"}
META_REMOVED_ATTRIBUTION_WINDOWS = ("28d_click", "7d_view", "28d_view")
META_DEFAULT_ATTRIBUTION_WINDOWS = ("7d_click", "1d_view")
_ENV_PREFIX = re.compile(r"^[A-Z][A-Z0-9_]*$")


@dataclass(frozen=True)
class Connection:
    id: str
    workspace_slug: str
    provider: str  # google_ads | meta | shopify | tiktok
    client_slug: str | None
    account_ids: tuple[str, ...]  # Google: 10 digits, no dashes; Meta: digits, no act_ prefix; TikTok: advertiser ids
    manager_customer_id: str | None  # Google only: discover the client accounts under this MCC
    status: str  # active | paused
    sync_frequency: str  # daily | hourly
    lookback_days: int
    credentials_env_prefix: str
    # Google only: lookback_days was not set, so the accounts' landed conversion windows decide.
    lookback_from_conversion_actions: bool = False
    shop_domain: str | None = None  # Shopify only: <shop>.myshopify.com
    # Account id -> client slug, for connections that reach several clients' accounts.
    account_clients: tuple[tuple[str, str], ...] = ()
    attribution_windows: tuple[str, ...] = ()  # Meta only
    purchase_action_types: tuple[str, ...] = ()  # Meta only
    lead_action_types: tuple[str, ...] = ()  # Meta only
    # Meta only: report conversions under each ad set's own attribution setting, as Ads
    # Manager shows them, instead of attribution_windows.
    use_unified_attribution_setting: bool = False

    def credentials(self, environ: dict[str, str] | None = None) -> dict[str, str]:
        """The connection's secrets from the environment; a missing one is named, never shown."""
        environ = os.environ if environ is None else environ
        names = {n.lower(): f"{self.credentials_env_prefix}_{n}" for n in CREDENTIAL_VARIABLES[self.provider]}
        missing = [variable for variable in names.values() if not environ.get(variable)]
        if missing:
            raise ConfigError(
                f"connection {self.id}", [f"credentials: set the environment variable(s) {', '.join(missing)}"]
            )
        found = {key: environ[variable] for key, variable in names.items()}
        optional = f"{self.credentials_env_prefix}_LOGIN_CUSTOMER_ID"
        if self.provider == "google_ads" and environ.get(optional):
            found["login_customer_id"] = environ[optional].replace("-", "")
        return found


_CONNECTION_KEYS = {
    "common": {
        "id",
        "provider",
        "client",
        "account_clients",
        "status",
        "sync_frequency",
        "lookback_days",
        "credentials_env_prefix",
    },
    "google_ads": {"manager_customer_id", "customer_ids"},
    "meta": {
        "ad_account_ids",
        "attribution_windows",
        "use_unified_attribution_setting",
        "purchase_action_types",
        "lead_action_types",
    },
    "shopify": {"shop_domain"},
    "tiktok": {"advertiser_ids"},
}


def _parse_connection(
    raw: Any, key: str, workspace_slug: str, client_slugs: set[str], problems: list[str]
) -> Connection:
    if not isinstance(raw, dict):
        problems.append(f"{key}: must be a mapping")
        return Connection("", workspace_slug, "google_ads", None, (), None, "paused", "daily", 0, "")
    provider = raw.get("provider")
    if provider not in PROVIDERS:
        problems.append(f"{key}.provider: must be one of {', '.join(PROVIDERS)} (got {provider!r})")
        provider = "google_ads"
    _reject_unknown_keys(raw, _CONNECTION_KEYS["common"] | _CONNECTION_KEYS[provider], key, problems)
    connection_id = _slug(dict(slug=raw.get("id")), key, problems)
    client_slug = raw.get("client")
    if client_slug is not None and client_slug not in client_slugs:
        problems.append(f"{key}.client: {client_slug!r} is not a client of this workspace")
    status = raw.get("status", "active")
    if status not in ("active", "paused"):
        problems.append(f"{key}.status: must be active or paused (got {status!r})")
    sync_frequency = raw.get("sync_frequency", "daily")
    if sync_frequency not in ("daily", "hourly"):
        problems.append(f"{key}.sync_frequency: must be daily or hourly (got {sync_frequency!r})")
    lookback_days = raw.get("lookback_days", DEFAULT_LOOKBACK_DAYS[provider])
    if isinstance(lookback_days, bool) or not isinstance(lookback_days, int) or not 0 <= lookback_days <= 90:
        problems.append(f"{key}.lookback_days: must be a whole number of days from 0 to 90 (got {lookback_days!r})")
        lookback_days = DEFAULT_LOOKBACK_DAYS[provider]
    prefix = raw.get("credentials_env_prefix")
    if not isinstance(prefix, str) or not _ENV_PREFIX.match(prefix):
        problems.append(
            f"{key}.credentials_env_prefix: required, upper-case like ACME_GOOGLE (got {prefix!r}); "
            f"credentials are read from <prefix>_{'/_'.join(CREDENTIAL_VARIABLES[provider])}"
        )
        prefix = ""
    account_ids: list[str] = []
    manager = None
    if provider == "google_ads":
        for i, value in enumerate(_string_list(raw, "customer_ids", key, problems)):
            if _GOOGLE_CUSTOMER_ID.match(value):
                account_ids.append(value.replace("-", ""))
            else:
                problems.append(
                    f"{key}.customer_ids[{i}]: not a Google Ads customer id like 123-456-7890 (got {value!r})"
                )
        raw_manager = raw.get("manager_customer_id")
        if raw_manager is not None:
            if _GOOGLE_CUSTOMER_ID.match(str(raw_manager)):
                manager = str(raw_manager).replace("-", "")
            else:
                problems.append(f"{key}.manager_customer_id: not a customer id like 123-456-7890 (got {raw_manager!r})")
        if not account_ids and manager is None:
            problems.append(f"{key}: a google_ads connection needs manager_customer_id or customer_ids")
    elif provider == "shopify":
        shop_domain = str(raw.get("shop_domain", ""))
        if not _SHOP_DOMAIN.match(shop_domain):
            problems.append(f"{key}.shop_domain: required, like acme.myshopify.com (got {shop_domain!r})")
        elif client_slug is None:
            problems.append(f"{key}.client: a shopify connection belongs to one client")
        account_ids.append(shop_domain)
    elif provider == "tiktok":
        for i, value in enumerate(_string_list(raw, "advertiser_ids", key, problems)):
            if _TIKTOK_ADVERTISER_ID.match(value):
                account_ids.append(value)
            else:
                problems.append(
                    f"{key}.advertiser_ids[{i}]: not a TikTok advertiser id (digits, like 7012345678901234567) "
                    f"(got {value!r})"
                )
        if not account_ids:
            problems.append(f"{key}.advertiser_ids: a tiktok connection needs at least one advertiser id")
    else:
        for i, value in enumerate(_string_list(raw, "ad_account_ids", key, problems)):
            if _META_ACCOUNT_ID.match(value):
                account_ids.append(value.removeprefix("act_"))
            else:
                problems.append(f"{key}.ad_account_ids[{i}]: not a Meta ad account id like act_1234 (got {value!r})")
        if not account_ids:
            problems.append(f"{key}.ad_account_ids: a meta connection needs at least one ad account")
    account_clients = []
    raw_account_clients = raw.get("account_clients", {})
    if not isinstance(raw_account_clients, dict):
        problems.append(f"{key}.account_clients: must map account ids to client slugs")
        raw_account_clients = {}
    id_pattern = {"google_ads": _GOOGLE_CUSTOMER_ID, "tiktok": _TIKTOK_ADVERTISER_ID}.get(provider, _META_ACCOUNT_ID)
    for raw_account, mapped_client in raw_account_clients.items():
        account = str(raw_account)
        if not id_pattern.match(account):
            problems.append(f"{key}.account_clients: {account!r} is not a {provider} account id")
        elif mapped_client not in client_slugs:
            problems.append(f"{key}.account_clients.{account}: {mapped_client!r} is not a client of this workspace")
        else:
            account_clients.append((account.replace("-", "").removeprefix("act_"), mapped_client))
    attribution_windows: tuple[str, ...] = ()
    unified = False
    if provider == "meta":
        unified = raw.get("use_unified_attribution_setting", False)
        if not isinstance(unified, bool):
            problems.append(f"{key}.use_unified_attribution_setting: must be true or false (got {unified!r})")
            unified = False
        attribution_windows = tuple(_string_list(raw, "attribution_windows", key, problems))
        if unified and attribution_windows:
            problems.append(
                f"{key}: use_unified_attribution_setting reports each ad set's own attribution setting; "
                "leave attribution_windows out, or set use_unified_attribution_setting to false"
            )
        problems.extend(
            f"{key}.attribution_windows: {p}" for p in meta_attribution_window_problems(attribution_windows)
        )
        if not attribution_windows and not unified:
            attribution_windows = META_DEFAULT_ATTRIBUTION_WINDOWS
    return Connection(
        id=connection_id,
        workspace_slug=workspace_slug,
        provider=provider,
        client_slug=client_slug,
        account_ids=tuple(account_ids),
        manager_customer_id=manager,
        status=status,
        sync_frequency=sync_frequency,
        lookback_days=lookback_days,
        credentials_env_prefix=prefix,
        lookback_from_conversion_actions=provider == "google_ads" and "lookback_days" not in raw,
        shop_domain=account_ids[0] if provider == "shopify" and account_ids else None,
        account_clients=tuple(sorted(account_clients)),
        attribution_windows=attribution_windows,
        use_unified_attribution_setting=unified,
        purchase_action_types=tuple(_string_list(raw, "purchase_action_types", key, problems))
        or (("offsite_conversion.fb_pixel_purchase",) if provider == "meta" else ()),
        lead_action_types=tuple(_string_list(raw, "lead_action_types", key, problems))
        or (("lead",) if provider == "meta" else ()),
    )


def meta_attribution_window_problems(windows: tuple[str, ...] | list[str]) -> list[str]:
    """What is wrong with a list of Meta attribution windows (empty when nothing is)."""
    problems = []
    kinds: dict[str, str] = {}
    for window in windows:
        if window in META_REMOVED_ATTRIBUTION_WINDOWS:
            problems.append(
                f"{window!r} is no longer returned by Meta's Insights API (removed); "
                f"use one of {', '.join(META_ATTRIBUTION_WINDOWS)}"
            )
        elif window not in META_ATTRIBUTION_WINDOWS:
            problems.append(
                f"{window!r} is not a Meta attribution window; use one of {', '.join(META_ATTRIBUTION_WINDOWS)}"
            )
        elif META_ATTRIBUTION_WINDOWS[window] in kinds:
            kind = META_ATTRIBUTION_WINDOWS[window]
            problems.append(
                f"{kinds[kind]!r} and {window!r} are both {kind} windows: the longer one includes the shorter, "
                f"so their sum counts a conversion twice; keep one {kind} window"
            )
        else:
            kinds[META_ATTRIBUTION_WINDOWS[window]] = window
    return problems


def _string_list(raw: dict, field: str, key: str, problems: list[str]) -> list[str]:
    value = raw.get(field, [])
    if not isinstance(value, list) or not all(isinstance(v, (str, int)) and not isinstance(v, bool) for v in value):
        problems.append(f"{key}.{field}: must be a list of strings")
        return []
    return [str(v) for v in value]
