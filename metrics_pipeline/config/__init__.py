"""The pipeline's configuration file (`METRICS_CONFIG`): workspaces, clients, CPM rates.

`load_config` reads and validates the whole file and reports every problem at once,
each as `file: key.path: what is wrong`, so a typo is fixed in one go.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

SLUG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
CURRENCY_PATTERN = re.compile(r"^[A-Z]{3}$")


class _PlainDatesLoader(yaml.SafeLoader):
    """SafeLoader that leaves dates as text, so a bad one is reported with its key path."""


_PlainDatesLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class ConfigError(ValueError):
    def __init__(self, path: Path | str, problems: list[str]):
        self.path = str(path)
        self.problems = problems
        listing = "\n".join(f"  {self.path}: {problem}" for problem in problems)
        super().__init__(f"invalid configuration ({len(problems)} problem(s)):\n{listing}")


@dataclass(frozen=True)
class CpmRate:
    effective_from: date
    cpm: Decimal


# --- affiliate (issue 5) ---------------------------------------------------------------------
@dataclass(frozen=True)
class AffiliateSettings:
    # An event whose campaign tracking id starts with one of these belongs to the client;
    # when prefixes of several clients match, the longest wins.
    tracking_id_prefixes: tuple[str, ...]
    currency: str = "USD"  # the affiliate network's money, which its events are in


# --- end affiliate ---------------------------------------------------------------------------


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


PROVIDERS = ("google_ads", "meta", "shopify")
# Google's conversion window, Meta's restatement window, Shopify's refund look-back.
DEFAULT_LOOKBACK_DAYS = {"google_ads": 14, "meta": 28, "shopify": 30}
CREDENTIAL_VARIABLES = {
    # <credentials_env_prefix>_<NAME>; values never leave the environment except to the SDK.
    "google_ads": ("DEVELOPER_TOKEN", "CLIENT_ID", "CLIENT_SECRET", "REFRESH_TOKEN"),
    "meta": ("ACCESS_TOKEN",),
    "shopify": ("ACCESS_TOKEN",),
}
_SHOP_DOMAIN = re.compile(r"^[a-z0-9][a-z0-9-]*\.myshopify\.com$")
_GOOGLE_CUSTOMER_ID = re.compile(r"^\d{3}-?\d{3}-?\d{4}$")
_META_ACCOUNT_ID = re.compile(r"^(act_)?\d+$")
_ENV_PREFIX = re.compile(r"^[A-Z][A-Z0-9_]*$")


@dataclass(frozen=True)
class Connection:
    id: str
    workspace_slug: str
    provider: str  # google_ads | meta
    client_slug: str | None
    account_ids: tuple[str, ...]  # Google: 10 digits, no dashes; Meta: digits, no act_ prefix
    manager_customer_id: str | None  # Google only: discover the client accounts under this MCC
    status: str  # active | paused
    sync_frequency: str  # daily | hourly
    lookback_days: int
    credentials_env_prefix: str
    shop_domain: str | None = None  # Shopify only: <shop>.myshopify.com
    # Account id -> client slug, for connections that reach several clients' accounts.
    account_clients: tuple[tuple[str, str], ...] = ()
    attribution_windows: tuple[str, ...] = ()  # Meta only
    purchase_action_types: tuple[str, ...] = ()  # Meta only
    lead_action_types: tuple[str, ...] = ()  # Meta only

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


@dataclass(frozen=True)
class FxRate:
    from_currency: str
    to_currency: str
    effective_from: date
    rate: Decimal


@dataclass(frozen=True)
class AttributionSettings:
    lookback_days: int = 30  # touches older than this before a conversion do not count
    position_based_first: Decimal = Decimal("0.4")
    position_based_last: Decimal = Decimal("0.4")
    time_decay_half_life_days: Decimal = Decimal("7")
    journey_inactivity_days: int = 7  # a journey with no event for this long and no order is abandoned
    pnl_model: str = "last_touch"  # the model whose revenue the P&L shows


ATTRIBUTION_MODELS = ("first_touch", "last_touch", "linear", "position_based", "time_decay")


@dataclass(frozen=True)
class Workspace:
    slug: str
    name: str
    clients: tuple[Client, ...]
    reporting_currency: str | None = None
    connections: tuple[Connection, ...] = ()
    attribution: AttributionSettings = AttributionSettings()
    alert_rules: tuple[AlertRule, ...] = ()


@dataclass(frozen=True)
class PipelineConfig:
    source_path: str
    workspaces: tuple[Workspace, ...]
    fx_rates: tuple[FxRate, ...] = ()

    @property
    def connections(self) -> tuple[Connection, ...]:
        return tuple(c for workspace in self.workspaces for c in workspace.connections)

    def connections_for(self, provider: str, *, active_only: bool = True) -> tuple[Connection, ...]:
        return tuple(
            c for c in self.connections if c.provider == provider and (c.status == "active" or not active_only)
        )

    @property
    def clients(self) -> tuple[Client, ...]:
        return tuple(client for workspace in self.workspaces for client in workspace.clients)

    def client(self, slug: str) -> Client | None:
        return next((c for c in self.clients if c.slug == slug), None)

    def amazon_brand(self, brand_slug: str) -> Client | None:
        """The client whose Amazon brand folder is `brand_slug`; None when no client has it."""
        return next((c for c in self.clients if c.amazon is not None and c.amazon.brand_slug == brand_slug), None)


def cpm_in_force(rates: tuple[CpmRate, ...], day: date) -> Decimal | None:
    """The rate whose effective_from is the latest on or before `day`; None before the first."""
    in_force = None
    for rate in sorted(rates, key=lambda r: r.effective_from):
        if rate.effective_from <= day:
            in_force = rate.cpm
    return in_force


def config_path_from_env() -> Path:
    value = os.environ.get("METRICS_CONFIG", "").strip()
    if not value:
        raise ConfigError("METRICS_CONFIG", ["not set: point it at the pipeline's YAML configuration file"])
    return Path(value)


def load_config(path: Path | str | None = None) -> PipelineConfig:
    path = Path(path) if path is not None else config_path_from_env()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(path, [f"cannot be read: {exc.strerror or exc}"]) from None
    try:
        document = yaml.load(text, Loader=_PlainDatesLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise ConfigError(path, [f"is not valid YAML: {exc}"]) from None
    problems: list[str] = []
    config = _parse_document(document, str(path), problems)
    if problems:
        raise ConfigError(path, problems)
    return config


def _parse_document(document: Any, source_path: str, problems: list[str]) -> PipelineConfig:
    if not isinstance(document, dict):
        problems.append("the top level must be a mapping with a 'workspaces' list")
        return PipelineConfig(source_path, ())
    _reject_unknown_keys(document, {"workspaces", "fx_rates"}, "", problems)
    raw_workspaces = document.get("workspaces")
    if not isinstance(raw_workspaces, list) or not raw_workspaces:
        problems.append("workspaces: must be a non-empty list")
        return PipelineConfig(source_path, ())
    workspaces = [
        _parse_workspace(raw, f"workspaces[{i}]", problems) for i, raw in enumerate(raw_workspaces)
    ]
    _reject_duplicates([w.slug for w in workspaces], "workspaces", "workspace slug", problems)
    _reject_duplicates(
        [c.slug for w in workspaces for c in w.clients], "workspaces[*].clients", "client slug", problems
    )
    _reject_duplicates(
        [c.id for w in workspaces for c in w.connections], "workspaces[*].connections", "connection id", problems
    )
    _reject_duplicates(
        [c.amazon.brand_slug for w in workspaces for c in w.clients if c.amazon is not None],
        "workspaces[*].clients[*].amazon", "brand_slug", problems,
    )
    _reject_duplicates(
        [p for w in workspaces for c in w.clients if c.affiliate for p in c.affiliate.tracking_id_prefixes],
        "workspaces[*].clients[*].affiliate.tracking_id_prefixes",
        "tracking id prefix",
        problems,
    )
    fx_rates = _parse_fx_rates(document.get("fx_rates", []), problems)
    return PipelineConfig(source_path, tuple(workspaces), fx_rates)


def _parse_workspace(raw: Any, key: str, problems: list[str]) -> Workspace:
    if not isinstance(raw, dict):
        problems.append(f"{key}: must be a mapping")
        return Workspace("", "", ())
    _reject_unknown_keys(
        raw, {"slug", "name", "clients", "reporting_currency", "connections", "attribution", "alert_rules"}, key,
        problems,
    )
    slug = _slug(raw, key, problems)
    name = _text(raw, "name", key, problems)
    reporting_currency = raw.get("reporting_currency")
    if reporting_currency is not None and not CURRENCY_PATTERN.match(str(reporting_currency)):
        problems.append(f"{key}.reporting_currency: must be a 3-letter ISO 4217 code (got {reporting_currency!r})")
    raw_clients = raw.get("clients", [])
    if not isinstance(raw_clients, list):
        problems.append(f"{key}.clients: must be a list")
        raw_clients = []
    clients = tuple(
        _parse_client(raw_client, f"{key}.clients[{i}]", slug, problems)
        for i, raw_client in enumerate(raw_clients)
    )
    raw_connections = raw.get("connections", [])
    if not isinstance(raw_connections, list):
        problems.append(f"{key}.connections: must be a list")
        raw_connections = []
    client_slugs = {c.slug for c in clients}
    connections = tuple(
        _parse_connection(raw_connection, f"{key}.connections[{i}]", slug, client_slugs, problems)
        for i, raw_connection in enumerate(raw_connections)
    )
    attribution = _parse_attribution(raw.get("attribution", {}), f"{key}.attribution", problems)
    alert_rules = _parse_alert_rules(raw.get("alert_rules", []), f"{key}.alert_rules", slug, problems)
    return Workspace(
        slug=slug,
        name=name,
        clients=clients,
        reporting_currency=str(reporting_currency) if reporting_currency else None,
        connections=connections,
        attribution=attribution,
        alert_rules=alert_rules,
    )


def _parse_attribution(raw: Any, key: str, problems: list[str]) -> AttributionSettings:
    if not isinstance(raw, dict):
        problems.append(f"{key}: must be a mapping")
        return AttributionSettings()
    allowed = {"lookback_days", "position_based", "time_decay_half_life_days", "journey_inactivity_days", "pnl_model"}
    _reject_unknown_keys(raw, allowed, key, problems)
    defaults = AttributionSettings()

    def whole_days(field: str, default: int) -> int:
        value = raw.get(field, default)
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 365:
            problems.append(f"{key}.{field}: must be a whole number of days from 1 to 365 (got {value!r})")
            return default
        return value

    position = raw.get("position_based", {})
    if not isinstance(position, dict):
        problems.append(f"{key}.position_based: must be a mapping with first and last")
        position = {}
    _reject_unknown_keys(position, {"first", "last"}, f"{key}.position_based", problems)
    first = _non_negative_decimal(position.get("first", "0.4"), f"{key}.position_based.first", problems)
    last = _non_negative_decimal(position.get("last", "0.4"), f"{key}.position_based.last", problems)
    if first is not None and last is not None and first + last > 1:
        problems.append(f"{key}.position_based: first + last must be at most 1 (got {first + last})")
        first = last = None
    half_life = _non_negative_decimal(
        raw.get("time_decay_half_life_days", "7"), f"{key}.time_decay_half_life_days", problems
    )
    if half_life is not None and half_life == 0:
        problems.append(f"{key}.time_decay_half_life_days: must be more than zero")
        half_life = None
    model = raw.get("pnl_model", defaults.pnl_model)
    if model not in ATTRIBUTION_MODELS:
        problems.append(f"{key}.pnl_model: must be one of {', '.join(ATTRIBUTION_MODELS)} (got {model!r})")
        model = defaults.pnl_model
    return AttributionSettings(
        lookback_days=whole_days("lookback_days", defaults.lookback_days),
        position_based_first=first if first is not None else defaults.position_based_first,
        position_based_last=last if last is not None else defaults.position_based_last,
        time_decay_half_life_days=half_life if half_life is not None else defaults.time_decay_half_life_days,
        journey_inactivity_days=whole_days("journey_inactivity_days", defaults.journey_inactivity_days),
        pnl_model=model,
    )


_CONNECTION_KEYS = {
    "common": {
        "id", "provider", "client", "account_clients", "status", "sync_frequency", "lookback_days",
        "credentials_env_prefix",
    },
    "google_ads": {"manager_customer_id", "customer_ids"},
    "meta": {"ad_account_ids", "attribution_windows", "purchase_action_types", "lead_action_types"},
    "shopify": {"shop_domain"},
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
                problems.append(f"{key}.customer_ids[{i}]: not a Google Ads customer id like 123-456-7890 (got {value!r})")
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
    id_pattern = _GOOGLE_CUSTOMER_ID if provider == "google_ads" else _META_ACCOUNT_ID
    for raw_account, mapped_client in raw_account_clients.items():
        account = str(raw_account)
        if not id_pattern.match(account):
            problems.append(f"{key}.account_clients: {account!r} is not a {provider} account id")
        elif mapped_client not in client_slugs:
            problems.append(f"{key}.account_clients.{account}: {mapped_client!r} is not a client of this workspace")
        else:
            account_clients.append((account.replace("-", "").removeprefix("act_"), mapped_client))
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
        shop_domain=account_ids[0] if provider == "shopify" and account_ids else None,
        account_clients=tuple(sorted(account_clients)),
        attribution_windows=tuple(_string_list(raw, "attribution_windows", key, problems))
        or (("7d_click", "1d_view") if provider == "meta" else ()),
        purchase_action_types=tuple(_string_list(raw, "purchase_action_types", key, problems))
        or (("offsite_conversion.fb_pixel_purchase",) if provider == "meta" else ()),
        lead_action_types=tuple(_string_list(raw, "lead_action_types", key, problems))
        or (("lead",) if provider == "meta" else ()),
    )


def _string_list(raw: dict, field: str, key: str, problems: list[str]) -> list[str]:
    value = raw.get(field, [])
    if not isinstance(value, list) or not all(isinstance(v, (str, int)) and not isinstance(v, bool) for v in value):
        problems.append(f"{key}.{field}: must be a list of strings")
        return []
    return [str(v) for v in value]


def _parse_fx_rates(raw: Any, problems: list[str]) -> tuple[FxRate, ...]:
    if not isinstance(raw, list):
        problems.append("fx_rates: must be a list of {from, to, effective_from, rate}")
        return ()
    rates = []
    for i, item in enumerate(raw):
        key = f"fx_rates[{i}]"
        if not isinstance(item, dict):
            problems.append(f"{key}: must be a mapping with from, to, effective_from, rate")
            continue
        _reject_unknown_keys(item, {"from", "to", "effective_from", "rate"}, key, problems)
        currencies = [str(item.get(side, "")) for side in ("from", "to")]
        for side, code in zip(("from", "to"), currencies):
            if not CURRENCY_PATTERN.match(code):
                problems.append(f"{key}.{side}: must be a 3-letter ISO 4217 code (got {code!r})")
        effective_from = _date(item.get("effective_from"), f"{key}.effective_from", problems)
        rate = _non_negative_decimal(item.get("rate"), f"{key}.rate", problems)
        if rate is not None and rate == 0:
            problems.append(f"{key}.rate: must be more than zero")
            rate = None
        if effective_from is not None and rate is not None:
            rates.append(FxRate(currencies[0], currencies[1], effective_from, rate))
    _reject_duplicates(
        [f"{r.from_currency}->{r.to_currency}@{r.effective_from}" for r in rates], "fx_rates", "rate", problems
    )
    return tuple(rates)


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


# --- affiliate (issue 5) ---------------------------------------------------------------------
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


# --- end affiliate ---------------------------------------------------------------------------


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
    _reject_duplicates(
        [r.effective_from.isoformat() for r in rates], f"{key}.cpm_rates", "effective_from", problems
    )
    return tuple(sorted(rates, key=lambda r: r.effective_from))


def _slug(raw: dict, key: str, problems: list[str]) -> str:
    value = raw.get("slug")
    if not isinstance(value, str) or not SLUG_PATTERN.match(value):
        problems.append(
            f"{key}.slug: required; lower-case letters, digits, '-' or '_', at most 63 (got {value!r})"
        )
        return ""
    return value


def _text(raw: dict, field: str, key: str, problems: list[str]) -> str:
    value = raw.get(field)
    if not isinstance(value, str) or not value.strip():
        problems.append(f"{key}.{field}: required, a non-empty string")
        return ""
    return value.strip()


def _date(value: Any, key: str, problems: list[str]) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    problems.append(f"{key}: must be a date YYYY-MM-DD (got {value!r})")
    return None


def _non_negative_decimal(value: Any, key: str, problems: list[str]) -> Decimal | None:
    # Floats from YAML go through their shortest repr ("12.5"), never binary expansion.
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        problems.append(f"{key}: must be a decimal number (got {value!r})")
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        problems.append(f"{key}: must be a decimal number (got {value!r})")
        return None
    if not number.is_finite() or number < 0:
        problems.append(f"{key}: must be zero or more (got {value!r})")
        return None
    return number


def _reject_unknown_keys(raw: dict, allowed: set[str], key: str, problems: list[str]) -> None:
    for unknown in sorted(set(map(str, raw)) - allowed):
        where = f"{key}.{unknown}" if key else unknown
        problems.append(f"{where}: unknown key (allowed: {', '.join(sorted(allowed))})")


def _reject_duplicates(values: list[str], key: str, what: str, problems: list[str]) -> None:
    seen: set[str] = set()
    for value in values:
        if value and value in seen:
            problems.append(f"{key}: {what} {value!r} appears more than once")
        seen.add(value)


# --------------------------------------------------------------------------- #
# Alert rules (workspaces[*].alert_rules)
# --------------------------------------------------------------------------- #

ALERT_RULE_TYPES = ("spend_threshold", "conversion_drop", "cpa_spike", "roas_drop", "click_anomaly")
ALERT_SEVERITIES = ("info", "warning", "critical")
ALERT_SCOPE_LEVELS = ("workspace", "account", "campaign")
_INTERVAL = re.compile(r"^(\d+)\s*(m|h|d)$")
_INTERVAL_MINUTES = {"m": 1, "h": 60, "d": 1440}


@dataclass(frozen=True)
class AlertRule:
    """One alert rule of a workspace. `threshold` means, by type:

    spend_threshold  an amount: the day's spend above it (entity currency; reporting
                     currency at workspace scope)
    conversion_drop  a fraction: conversions below baseline × (1 − threshold)
    cpa_spike        a fraction: CPA above baseline CPA × (1 + threshold)
    roas_drop        a fraction: ROAS below baseline ROAS × (1 − threshold)
    click_anomaly    standard deviations: clicks further than threshold × σ from the mean
    """

    id: str
    workspace_slug: str
    type: str
    severity: str
    scope_level: str  # workspace | account | campaign
    account: str | None  # platform account id or entity id; None: every account
    campaign: str | None  # platform campaign id, entity id or name; None: every campaign
    threshold: Decimal
    baseline_days: int
    evaluation_interval_minutes: int


def _parse_alert_rules(raw: Any, key: str, workspace_slug: str, problems: list[str]) -> tuple[AlertRule, ...]:
    if not isinstance(raw, list):
        problems.append(f"{key}: must be a list of rules")
        return ()
    rules = [
        rule for i, item in enumerate(raw) if (rule := _parse_alert_rule(item, f"{key}[{i}]", workspace_slug, problems))
    ]
    _reject_duplicates([r.id for r in rules], key, "rule id", problems)
    return tuple(rules)


def _parse_alert_rule(raw: Any, key: str, workspace_slug: str, problems: list[str]) -> AlertRule | None:
    if not isinstance(raw, dict):
        problems.append(f"{key}: must be a mapping with id, type, threshold")
        return None
    before = len(problems)
    _reject_unknown_keys(
        raw, {"id", "type", "severity", "scope", "threshold", "baseline_days", "evaluation_interval"}, key, problems
    )
    rule_id = raw.get("id")
    if not isinstance(rule_id, str) or not SLUG_PATTERN.match(rule_id):
        problems.append(f"{key}.id: required; lower-case letters, digits, '-' or '_' (got {rule_id!r})")
    rule_type = raw.get("type")
    if rule_type not in ALERT_RULE_TYPES:
        problems.append(f"{key}.type: must be one of {', '.join(ALERT_RULE_TYPES)} (got {rule_type!r})")
    severity = raw.get("severity", "warning")
    if severity not in ALERT_SEVERITIES:
        problems.append(f"{key}.severity: must be one of {', '.join(ALERT_SEVERITIES)} (got {severity!r})")
    scope = raw.get("scope", {"level": "workspace"})
    if not isinstance(scope, dict):
        problems.append(f"{key}.scope: must be a mapping with level (and account, campaign)")
        scope = {}
    _reject_unknown_keys(scope, {"level", "account", "campaign"}, f"{key}.scope", problems)
    level = scope.get("level", "workspace")
    if level not in ALERT_SCOPE_LEVELS:
        problems.append(f"{key}.scope.level: must be one of {', '.join(ALERT_SCOPE_LEVELS)} (got {level!r})")
    account = None if scope.get("account") is None else str(scope["account"]).replace("-", "").removeprefix("act_")
    campaign = None if scope.get("campaign") is None else str(scope["campaign"])
    if level == "workspace" and (account or campaign):
        problems.append(f"{key}.scope: a workspace-level rule takes no account or campaign selector")
    if level == "account" and campaign:
        problems.append(f"{key}.scope.campaign: only for level campaign")
    threshold = _non_negative_decimal(raw.get("threshold"), f"{key}.threshold", problems)
    if threshold is not None and rule_type in ("conversion_drop", "roas_drop") and not 0 < threshold <= 1:
        problems.append(f"{key}.threshold: a drop is a fraction above 0 and at most 1, e.g. 0.3 (got {threshold})")
    if threshold is not None and rule_type in ("cpa_spike", "click_anomaly") and threshold == 0:
        problems.append(f"{key}.threshold: must be more than zero")
    baseline_days = raw.get("baseline_days", 7)
    minimum = 2 if rule_type == "click_anomaly" else 1
    if isinstance(baseline_days, bool) or not isinstance(baseline_days, int) or not minimum <= baseline_days <= 90:
        problems.append(f"{key}.baseline_days: must be a whole number of days from {minimum} to 90 "
                        f"(got {baseline_days!r})")
    interval = _INTERVAL.match(str(raw.get("evaluation_interval", "24h")).strip())
    if interval is None or int(interval.group(1)) == 0:
        problems.append(f"{key}.evaluation_interval: like 30m, 1h or 1d (got {raw.get('evaluation_interval')!r})")
    if len(problems) > before:
        return None
    return AlertRule(
        id=rule_id, workspace_slug=workspace_slug, type=rule_type, severity=severity, scope_level=level, account=account,
        campaign=campaign, threshold=threshold, baseline_days=baseline_days,
        evaluation_interval_minutes=int(interval.group(1)) * _INTERVAL_MINUTES[interval.group(2)],
    )
