"""Serve the Google Ads sandbox world over the real wire protocol, on loopback.

``GoogleAdsSandboxServer`` is a gRPC server speaking
``google.ads.googleads.v26.services.GoogleAdsService/SearchStream``, (de)serialising
with the SDK's own proto-plus classes, plus a tiny OAuth token endpoint. The real
connector (the ``google-ads`` SDK with ``google-auth`` credentials) runs against it
unchanged but for two settings, both in ``environment()``:

- ``METRICS_GOOGLE_ADS_ENDPOINT``: the SDK's ``endpoint`` (``127.0.0.1:PORT``);
- ``METRICS_GOOGLE_OAUTH_TOKEN_URI``: the credentials' ``token_uri``.

TLS: the SDK only opens secure channels when it has OAuth credentials, so the server
speaks TLS with a certificate for 127.0.0.1/localhost signed by a throwaway CA made
with ``cryptography``. gRPC trusts that CA through ``GRPC_DEFAULT_SSL_ROOTS_FILE_PATH``.
gRPC reads that file once per process, at the first secure channel, so every sandbox
server in a process shares one CA (made on first use, in a temporary folder).

What it checks on every call, like the real API: the ``developer-token`` header and the
``authorization: Bearer`` token issued by its token endpoint (UNAUTHENTICATED with an
authentication error otherwise), that the credentials reach the customer (directly, or
through the manager named in ``login-customer-id``) and that the customer is ENABLED
(PERMISSION_DENIED with an authorization error otherwise), and the GAQL (INVALID_ARGUMENT
with a query error). Errors carry a ``GoogleAdsFailure`` in the
``google.ads.googleads.v26.errors.googleadsfailure-bin`` trailing metadata, as Google's do.

What it serves, as Google does: ``customer_client`` lists every client below a manager at
any depth (``level`` = the distance, sub-managers included), and a client under a
sub-manager is reachable through the top manager's ``login-customer-id``; ``ad_group`` and
``ad_group_ad`` know nothing of Performance Max campaigns (they have no ad groups or ads),
while ``campaign`` with ``segments.date`` reports every campaign's metrics, PMax included;
``conversion_action`` serves each account's actions with their
``click_through_lookback_window_days``.

Faults are deterministic: a queue of ``Fault`` answers, each served on the first call
that matches it (by default one RESOURCE_EXHAUSTED with a retry delay, and one
UNAVAILABLE in the middle of a metrics stream). ``calls`` counts calls per resource and
``served`` lists them, so tests can tell retries happened. Other knobs:
``revoke_refresh_token(prefix)`` (the token endpoint answers invalid_grant),
``restate(customer_id, day)`` (serve the day's numbers as restated) and
``click_view_today`` (enforce click_view's 90-day limit, DATE_TOO_OLD, counted back
from that day; off by default, since the sandbox reads no clock).
"""

from __future__ import annotations

import atexit
import functools
import hashlib
import ipaddress
import re
import shutil
import tempfile
import threading
import urllib.parse
from collections import Counter
from collections.abc import Iterator, Sequence
from concurrent import futures
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import grpc
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from google.ads.googleads.v26.errors.types.errors import (
    ErrorCode,
    ErrorDetails,
    GoogleAdsError,
    GoogleAdsFailure,
    QuotaErrorDetails,
)
from google.ads.googleads.v26.services.types.google_ads_service import (
    GoogleAdsRow,
    SearchGoogleAdsStreamRequest,
    SearchGoogleAdsStreamResponse,
)

from metrics_pipeline.sandbox.faults import FaultQueue
from metrics_pipeline.sandbox.google_ads_world import (
    Ad,
    AdDayMetrics,
    AdGroup,
    Campaign,
    CampaignDayMetrics,
    ClickView,
    ConversionAction,
    Customer,
    GoogleAdsWorld,
    Keyword,
)
from metrics_pipeline.sandbox.http import (
    LoopbackHTTPServer,
    QuietJSONHandler,
    Response,
    ServesWhileOpen,
)

API_VERSION = "v26"
SERVICE_NAME = f"google.ads.googleads.{API_VERSION}.services.GoogleAdsService"
FAILURE_METADATA_KEY = f"google.ads.googleads.{API_VERSION}.errors.googleadsfailure-bin"
ROWS_PER_RESPONSE = 200
MAX_DATE_RANGE_DAYS = 3_660
CLICK_VIEW_RETENTION_DAYS = 90  # Google keeps click views this long
ACCESS_TOKEN_LIFETIME_SECONDS = 3_599

# --------------------------------------------------------------------------- #
# Faults
# --------------------------------------------------------------------------- #

_FAULT_CODES = ("RESOURCE_EXHAUSTED", "UNAVAILABLE", "INTERNAL", "DEADLINE_EXCEEDED")


@dataclass(frozen=True)
class Fault:
    """An error answer for the first SearchStream call that matches it.

    `after_batches` responses stream before the error (the call fails mid-stream, so a
    client that kept the partial rows would land them twice); if the result has fewer
    batches, all of them stream and the call still fails at the end.
    """

    code: str  # RESOURCE_EXHAUSTED | UNAVAILABLE | INTERNAL | DEADLINE_EXCEEDED
    resource: str | None = None  # the FROM resource; None matches any
    with_metrics: bool | None = None  # only calls that select metrics (True) or none (False)
    after_batches: int = 0
    retry_delay_seconds: float = 0.5  # RESOURCE_EXHAUSTED: the delay the failure details ask for

    def __post_init__(self) -> None:
        if self.code not in _FAULT_CODES:
            raise ValueError(f"fault code must be one of {', '.join(_FAULT_CODES)} (got {self.code!r})")

    def matches(self, query: GaqlQuery) -> bool:
        return (self.resource is None or self.resource == query.resource) and (
            self.with_metrics is None or self.with_metrics == query.selects_metrics
        )


DEFAULT_FAULTS = (
    Fault("RESOURCE_EXHAUSTED", resource="campaign"),
    Fault("UNAVAILABLE", resource="ad_group_ad", with_metrics=True, after_batches=1),
)


@dataclass(frozen=True)
class ServedCall:
    customer_id: str
    login_customer_id: str | None
    resource: str | None  # None when the query did not parse
    query: str
    status: str  # OK or the gRPC status code's name
    rows: int  # rows streamed before the call ended


@dataclass(frozen=True)
class SandboxCredentials:
    """One connection's credentials, as the environment variables under its prefix hold them."""

    prefix: str
    developer_token: str
    client_id: str
    client_secret: str
    refresh_token: str
    customer_ids: frozenset[int]  # what they reach: a manager (and so its clients) or customers

    def environment(self) -> dict[str, str]:
        return {
            f"{self.prefix}_DEVELOPER_TOKEN": self.developer_token,
            f"{self.prefix}_CLIENT_ID": self.client_id,
            f"{self.prefix}_CLIENT_SECRET": self.client_secret,
            f"{self.prefix}_REFRESH_TOKEN": self.refresh_token,
        }


def sandbox_credentials(world: GoogleAdsWorld) -> dict[str, SandboxCredentials]:
    """Per credentials prefix of the world's connections, stable secret-looking values."""

    def secret(prefix: str, kind: str, length: int = 24) -> str:
        return hashlib.sha256(f"{world.seed}/{prefix}/{kind}".encode()).hexdigest()[:length]

    credentials = {}
    for entries in world.connections_config().values():
        for entry in entries:
            prefix = entry["credentials_env_prefix"]
            ids = [entry["manager_customer_id"]] if "manager_customer_id" in entry else entry["customer_ids"]
            credentials[prefix] = SandboxCredentials(
                prefix=prefix,
                developer_token=f"sbx-dev-{secret(prefix, 'developer')}",
                client_id=f"{secret(prefix, 'client', 12)}.apps.sandbox.googleusercontent.com",
                client_secret=f"GOCSPX-sbx-{secret(prefix, 'secret')}",
                refresh_token=f"1//sbx-{secret(prefix, 'refresh', 40)}",
                customer_ids=frozenset(int(i.replace("-", "")) for i in ids),
            )
    return credentials


# --------------------------------------------------------------------------- #
# GAQL: just enough of the grammar to serve what a connector asks
# --------------------------------------------------------------------------- #


class GaqlError(ValueError):
    def __init__(self, query_error: str, message: str):
        self.query_error = query_error  # a QueryError enum name
        super().__init__(message)


@dataclass(frozen=True)
class Condition:
    field: str
    operator: str  # = != < <= > >= IN, NOT IN, BETWEEN, IS NULL, IS NOT NULL
    values: tuple[str, ...]


@dataclass(frozen=True)
class GaqlQuery:
    fields: tuple[str, ...]
    resource: str
    conditions: tuple[Condition, ...]
    order_by: tuple[tuple[str, bool], ...]  # (field, descending)
    limit: int | None

    @property
    def referenced_fields(self) -> tuple[str, ...]:
        return (*self.fields, *(c.field for c in self.conditions), *(f for f, _ in self.order_by))

    @property
    def selects_metrics(self) -> bool:
        return any(f.startswith("metrics.") for f in self.fields)

    @property
    def is_segmented(self) -> bool:
        return any(f.startswith(("metrics.", "segments.")) for f in self.referenced_fields)


_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
      | (?P<number>-?\d+(?:\.\d+)?(?![\w.]))
      | (?P<op><=|>=|!=|=|<|>)
      | (?P<punct>[(),])
      | (?P<word>[A-Za-z_][A-Za-z0-9_.]*)
    )""",
    re.VERBOSE,
)
_UNSUPPORTED_OPERATORS = {"LIKE", "DURING", "CONTAINS", "REGEXP_MATCH"}


def parse_gaql(text: str) -> GaqlQuery:
    return _Parser(_tokenize(text)).query()


def _tokenize(text: str) -> list[tuple[str, str]]:
    tokens, position, text = [], 0, text.strip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            raise GaqlError("UNEXPECTED_INPUT", f"unexpected input at {position}: {text[position : position + 20]!r}")
        kind = match.lastgroup
        value = match.group(kind)
        if kind == "string":
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        tokens.append((kind, value))
        position = match.end()
    return tokens


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]]):
        self._tokens = tokens
        self._position = 0

    def query(self) -> GaqlQuery:
        self._expect_keyword("SELECT", "EXPECTED_SELECT")
        fields = [self._word()]
        while self._accept_punct(","):
            fields.append(self._word())
        self._expect_keyword("FROM", "EXPECTED_FROM")
        resource = self._word()
        conditions = []
        if self._accept_keyword("WHERE"):
            conditions.append(self._condition())
            while self._accept_keyword("AND"):
                conditions.append(self._condition())
        order_by = []
        if self._accept_keyword("ORDER"):
            self._expect_keyword("BY", "EXPECTED_BY")
            order_by.append(self._ordering())
            while self._accept_punct(","):
                order_by.append(self._ordering())
        limit = None
        if self._accept_keyword("LIMIT"):
            kind, value = self._next()
            if kind != "number" or not value.isdigit() or int(value) == 0:
                raise GaqlError("BAD_LIMIT_VALUE", f"LIMIT must be a positive whole number (got {value!r})")
            limit = int(value)
        if self._accept_keyword("PARAMETERS"):
            self._position = len(self._tokens)  # include_drafts and the like change nothing here
        if self._position < len(self._tokens):
            raise GaqlError("UNEXPECTED_INPUT", f"unexpected {self._tokens[self._position][1]!r}")
        return GaqlQuery(tuple(fields), resource, tuple(conditions), tuple(order_by), limit)

    def _condition(self) -> Condition:
        field = self._word()
        kind, value = self._next()
        if kind == "op":
            return Condition(field, value, (self._value(),))
        keyword = value.upper() if kind == "word" else value
        if keyword == "IN":
            return Condition(field, "IN", self._list())
        if keyword == "NOT":
            self._expect_keyword("IN", "BAD_OPERATOR")
            return Condition(field, "NOT IN", self._list())
        if keyword == "BETWEEN":
            low = self._value()
            self._expect_keyword("AND", "EXPECTED_AND")
            return Condition(field, "BETWEEN", (low, self._value()))
        if keyword == "IS":
            negated = self._accept_keyword("NOT")
            self._expect_keyword("NULL", "BAD_OPERATOR")
            return Condition(field, "IS NOT NULL" if negated else "IS NULL", ())
        if keyword in _UNSUPPORTED_OPERATORS:
            raise GaqlError("BAD_OPERATOR", f"the sandbox does not serve the {keyword} operator")
        raise GaqlError("BAD_OPERATOR", f"expected an operator after {field} (got {value!r})")

    def _ordering(self) -> tuple[str, bool]:
        field = self._word()
        if self._accept_keyword("DESC"):
            return field, True
        self._accept_keyword("ASC")
        return field, False

    def _list(self) -> tuple[str, ...]:
        if not self._accept_punct("("):
            raise GaqlError("EXPECTED_LIST", "expected a parenthesised list")
        values = [self._value()]
        while self._accept_punct(","):
            values.append(self._value())
        if not self._accept_punct(")"):
            raise GaqlError("EXPECTED_LIST", "the list is not closed")
        return tuple(values)

    def _value(self) -> str:
        kind, value = self._next()
        if kind not in ("string", "number", "word"):
            raise GaqlError("BAD_VALUE", f"expected a value (got {value!r})")
        return value

    def _word(self) -> str:
        kind, value = self._next()
        if kind != "word":
            raise GaqlError("BAD_FIELD_NAME", f"expected a name (got {value!r})")
        return value

    def _next(self) -> tuple[str, str]:
        if self._position >= len(self._tokens):
            raise GaqlError("UNEXPECTED_END_OF_QUERY", "the query ends too early")
        token = self._tokens[self._position]
        self._position += 1
        return token

    def _accept_keyword(self, keyword: str) -> bool:
        if self._position < len(self._tokens):
            kind, value = self._tokens[self._position]
            if kind == "word" and value.upper() == keyword:
                self._position += 1
                return True
        return False

    def _expect_keyword(self, keyword: str, query_error: str) -> None:
        if not self._accept_keyword(keyword):
            raise GaqlError(query_error, f"expected {keyword}")

    def _accept_punct(self, punct: str) -> bool:
        if self._position < len(self._tokens) and self._tokens[self._position] == ("punct", punct):
            self._position += 1
            return True
        return False


def date_bounds(conditions: Sequence[Condition]) -> tuple[date | None, date | None]:
    """The inclusive day range the segments.date conditions allow (None: unbounded)."""
    low: date | None = None
    high: date | None = None

    def tighten(new_low: date | None = None, new_high: date | None = None) -> None:
        nonlocal low, high
        if new_low is not None:
            low = new_low if low is None else max(low, new_low)
        if new_high is not None:
            high = new_high if high is None else min(high, new_high)

    for condition in conditions:
        if condition.field != "segments.date":
            continue
        days = [_parse_day(value) for value in condition.values]
        operator = condition.operator
        if operator in ("=", "BETWEEN", "IN"):
            tighten(min(days), max(days))
        elif operator == ">=":
            tighten(new_low=days[0])
        elif operator == ">":
            tighten(new_low=days[0] + timedelta(days=1))
        elif operator == "<=":
            tighten(new_high=days[0])
        elif operator == "<":
            tighten(new_high=days[0] - timedelta(days=1))
    return low, high


def _parse_day(value: str) -> date:
    try:
        return date.fromisoformat(value) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) else _bad_day(value)
    except ValueError:
        return _bad_day(value)


def _bad_day(value: str) -> date:
    raise GaqlError("INVALID_DATE_FORMAT", f"segments.date values are 'YYYY-MM-DD' (got {value!r})")


# --------------------------------------------------------------------------- #
# Rows: the world as flat {GAQL field: value} dicts
# --------------------------------------------------------------------------- #


def _customer_fields(customer: Customer) -> dict[str, Any]:
    return {
        "customer.resource_name": f"customers/{customer.customer_id}",
        "customer.id": customer.customer_id,
        "customer.descriptive_name": customer.descriptive_name,
        "customer.currency_code": customer.currency_code,
        "customer.time_zone": customer.time_zone,
        "customer.manager": customer.is_manager,
        "customer.status": customer.status,
        "customer.test_account": False,
    }


def _customer_client_fields(manager: Customer, client: Customer, level: int) -> dict[str, Any]:
    return {
        "customer_client.resource_name": f"customers/{manager.customer_id}/customerClients/{client.customer_id}",
        "customer_client.client_customer": f"customers/{client.customer_id}",
        "customer_client.id": client.customer_id,
        "customer_client.level": level,
        "customer_client.manager": client.is_manager,
        "customer_client.status": client.status,
        "customer_client.descriptive_name": client.descriptive_name,
        "customer_client.currency_code": client.currency_code,
        "customer_client.time_zone": client.time_zone,
        "customer_client.hidden": False,
        "customer_client.test_account": False,
    }


def _campaign_fields(campaign: Campaign) -> dict[str, Any]:
    return {
        "campaign.resource_name": f"customers/{campaign.customer_id}/campaigns/{campaign.campaign_id}",
        "campaign.id": campaign.campaign_id,
        "campaign.name": campaign.name,
        "campaign.status": campaign.status,
        "campaign.advertising_channel_type": campaign.advertising_channel_type,
        "campaign.bidding_strategy_type": campaign.bidding_strategy_type,
    }


def _ad_group_fields(ad_group: AdGroup) -> dict[str, Any]:
    return {
        "ad_group.resource_name": f"customers/{ad_group.customer_id}/adGroups/{ad_group.ad_group_id}",
        "ad_group.id": ad_group.ad_group_id,
        "ad_group.name": ad_group.name,
        "ad_group.status": ad_group.status,
        "ad_group.type": ad_group.type,
        "ad_group.campaign": f"customers/{ad_group.customer_id}/campaigns/{ad_group.campaign_id}",
    }


def _ad_fields(ad: Ad) -> dict[str, Any]:
    return {
        "ad_group_ad.resource_name": f"customers/{ad.customer_id}/adGroupAds/{ad.ad_group_id}~{ad.ad_id}",
        "ad_group_ad.status": ad.status,
        "ad_group_ad.ad_group": f"customers/{ad.customer_id}/adGroups/{ad.ad_group_id}",
        "ad_group_ad.ad.resource_name": f"customers/{ad.customer_id}/ads/{ad.ad_id}",
        "ad_group_ad.ad.id": ad.ad_id,
        "ad_group_ad.ad.name": ad.name,
        "ad_group_ad.ad.type": ad.type,
    }


def _keyword_fields(keyword: Keyword) -> dict[str, Any]:
    return {
        "ad_group_criterion.resource_name": (
            f"customers/{keyword.customer_id}/adGroupCriteria/{keyword.ad_group_id}~{keyword.criterion_id}"
        ),
        "ad_group_criterion.criterion_id": keyword.criterion_id,
        "ad_group_criterion.ad_group": f"customers/{keyword.customer_id}/adGroups/{keyword.ad_group_id}",
        "ad_group_criterion.status": keyword.status,
        "ad_group_criterion.type": "KEYWORD",
        "ad_group_criterion.negative": False,
        "ad_group_criterion.keyword.text": keyword.text,
        "ad_group_criterion.keyword.match_type": keyword.match_type,
    }


def _conversion_action_fields(action: ConversionAction) -> dict[str, Any]:
    return {
        "conversion_action.resource_name": (
            f"customers/{action.customer_id}/conversionActions/{action.conversion_action_id}"
        ),
        "conversion_action.id": action.conversion_action_id,
        "conversion_action.name": action.name,
        "conversion_action.status": action.status,
        "conversion_action.click_through_lookback_window_days": action.click_through_lookback_window_days,
    }


def _metric_fields(metrics: AdDayMetrics | CampaignDayMetrics) -> dict[str, Any]:
    # The API sends conversions as doubles; Decimal -> float is the nearest double, whose
    # shortest repr is the decimal again, as with Google's own numbers.
    return {
        "segments.date": metrics.day.isoformat(),
        "metrics.cost_micros": metrics.cost_micros,
        "metrics.impressions": metrics.impressions,
        "metrics.clicks": metrics.clicks,
        "metrics.conversions": float(metrics.conversions),
        "metrics.conversions_value": float(metrics.conversions_value),
    }


def _click_fields(click: ClickView, keyword: Keyword | None) -> dict[str, Any]:
    customer = click.customer_id
    return {
        "click_view.resource_name": f"customers/{customer}/clickViews/{click.day.isoformat()}~{click.gclid}",
        "click_view.gclid": click.gclid,
        "click_view.ad_group_ad": f"customers/{customer}/adGroupAds/{click.ad_group_id}~{click.ad_id}",
        "click_view.keyword": (
            f"customers/{customer}/adGroupCriteria/{click.ad_group_id}~{keyword.criterion_id}" if keyword else None
        ),
        "click_view.keyword_info.text": keyword.text if keyword else None,
        "click_view.keyword_info.match_type": keyword.match_type if keyword else None,
        "segments.date": click.day.isoformat(),
    }


class _WorldRows:
    """The rows of each FROM resource for one customer, as flat field dicts."""

    def __init__(self, world: GoogleAdsWorld, revisions: dict[tuple[int, date], int]):
        self._world = world
        self._revisions = revisions
        self.click_view_today: date | None = None  # see GoogleAdsSandboxServer.click_view_today
        self._ads = {ad.ad_id: ad for ad in world.ads}
        self._ad_groups = {g.ad_group_id: g for g in world.ad_groups}
        self._keywords = {k.criterion_id: k for k in world.keywords}
        self.fields = self._field_universes()

    def rows(self, customer: Customer, query: GaqlQuery) -> list[dict[str, Any]]:
        world, resource = self._world, query.resource
        if resource == "customer_client":
            # Every client at any depth below the manager (sub-managers and their clients), and itself.
            clients = world.hierarchy_of(customer.customer_id)
            return [_customer_client_fields(customer, c, level) for c, level in [(customer, 0), *clients]]
        if resource == "customer":
            return [_customer_fields(customer)]
        if resource == "conversion_action":
            return [
                _customer_fields(customer) | _conversion_action_fields(a)
                for a in world.conversion_actions_of(customer.customer_id)
            ]
        if resource == "campaign" and not query.is_segmented:
            return [self._campaign_row(c) for c in world.campaigns_of(customer.customer_id)]
        if resource == "campaign":
            cid = customer.customer_id
            return [
                self._campaign_row(world.campaign(m.campaign_id)) | _metric_fields(m)
                for day in self._days(query)
                for m in world.campaign_metrics_for_day(cid, day, self._revisions.get((cid, day), 0))
            ]
        if resource == "ad_group":
            return [self._ad_group_row(g) for g in world.ad_groups_of(customer.customer_id)]
        if resource == "ad_group_criterion":
            return [
                self._ad_group_row(self._ad_groups[k.ad_group_id]) | _keyword_fields(k)
                for k in world.keywords_of(customer.customer_id)
            ]
        if resource == "ad_group_ad" and not query.is_segmented:
            return [self._ad_row(ad) for ad in world.ads_of(customer.customer_id)]
        days = self._days(query)
        if resource == "ad_group_ad":
            cid = customer.customer_id
            return [
                self._ad_row(self._ads[m.ad_id]) | _metric_fields(m)
                for day in days
                for m in world.metrics_for_day(cid, day, self._revisions.get((cid, day), 0))
            ]
        if resource == "click_view":
            return [
                self._ad_group_row(self._ad_groups[click.ad_group_id])
                | _click_fields(click, self._keywords.get(click.keyword_criterion_id))
                for day in days
                for click in world.click_views_for_day(customer.customer_id, day)
            ]
        raise GaqlError("BAD_RESOURCE_TYPE_IN_FROM_CLAUSE", f"the sandbox does not serve FROM {resource}")

    def _campaign_row(self, campaign: Campaign) -> dict[str, Any]:
        return _customer_fields(self._world.customer(campaign.customer_id)) | _campaign_fields(campaign)

    def _ad_group_row(self, ad_group: AdGroup) -> dict[str, Any]:
        return self._campaign_row(self._world.campaign(ad_group.campaign_id)) | _ad_group_fields(ad_group)

    def _ad_row(self, ad: Ad) -> dict[str, Any]:
        return self._ad_group_row(self._ad_groups[ad.ad_group_id]) | _ad_fields(ad)

    def _days(self, query: GaqlQuery) -> list[date]:
        low, high = date_bounds(query.conditions)
        if low is None or high is None:
            raise GaqlError(
                "EXPECTED_FILTERS_ON_DATE_RANGE",
                "a query with metrics or segments needs a finite segments.date range in WHERE",
            )
        if query.resource == "click_view" and low != high:
            raise _ApiError(
                grpc.StatusCode.INVALID_ARGUMENT,
                "click_view_error",
                "EXPECTED_FILTER_ON_A_SINGLE_DAY",
                "click_view needs a filter on a single day: WHERE segments.date = 'YYYY-MM-DD'",
            )
        if (
            query.resource == "click_view"
            and self.click_view_today is not None
            and ((self.click_view_today - low).days >= CLICK_VIEW_RETENTION_DAYS)
        ):
            raise _ApiError(
                grpc.StatusCode.INVALID_ARGUMENT,
                "click_view_error",
                "DATE_TOO_OLD",
                f"click_view keeps the last {CLICK_VIEW_RETENTION_DAYS} days only",
            )
        if (high - low).days >= MAX_DATE_RANGE_DAYS:
            raise GaqlError("DATE_RANGE_TOO_WIDE", f"at most {MAX_DATE_RANGE_DAYS} days per query")
        return [low + timedelta(days=n) for n in range((high - low).days + 1)]

    def _field_universes(self) -> dict[str, frozenset[str]]:
        """What each FROM resource can select, derived from the same builders that make rows."""
        world = self._world
        ad, keyword, click = world.ads[0], world.keywords[0], world.click_views[0]
        manager = next(c for c in world.customers if c.is_manager)
        zero = AdDayMetrics(ad.customer_id, ad.campaign_id, ad.ad_group_id, ad.ad_id, world.start, 0, 0, 0, 0, 0)
        ad_row = self._ad_row(ad)
        action = world.conversion_actions[0]
        return {
            "customer_client": frozenset(_customer_client_fields(manager, manager, 0)),
            "customer": frozenset(_customer_fields(manager)),
            "conversion_action": frozenset(_customer_fields(manager) | _conversion_action_fields(action)),
            "campaign": frozenset(self._campaign_row(world.campaigns[0]) | _metric_fields(zero)),
            "ad_group": frozenset(self._ad_group_row(world.ad_groups[0])),
            "ad_group_criterion": frozenset(self._ad_group_row(world.ad_groups[0]) | _keyword_fields(keyword)),
            "ad_group_ad": frozenset(ad_row | _metric_fields(zero)),
            "click_view": frozenset(self._ad_group_row(world.ad_groups[0]) | _click_fields(click, keyword)),
        }


# --------------------------------------------------------------------------- #
# Rows -> protobuf
# --------------------------------------------------------------------------- #

_ROW_DESCRIPTOR = GoogleAdsRow.pb(GoogleAdsRow()).DESCRIPTOR


def _proto_field(descriptor, name: str):
    # proto-plus builds its descriptors with a trailing "_" on names that are Python
    # builtins or keywords ("type" is "type_"); the wire numbers are Google's.
    return descriptor.fields_by_name.get(name) or descriptor.fields_by_name.get(f"{name}_")


@functools.cache
def _field_descriptor(path: str):
    """The protobuf field a GAQL path names in GoogleAdsRow, or None if there is none."""
    descriptor = _ROW_DESCRIPTOR
    parts = path.split(".")
    for position, part in enumerate(parts):
        field = _proto_field(descriptor, part)
        if field is None:
            return None
        if position == len(parts) - 1:
            return field
        if field.message_type is None:
            return None
        descriptor = field.message_type
    return None


def _set_field(message, path: str, value: Any) -> None:
    if value is None:
        return  # unset, as the API leaves fields it has no value for
    *parents, name = path.split(".")
    for part in parents:
        message = getattr(message, _proto_field(message.DESCRIPTOR, part).name)
    field = _proto_field(message.DESCRIPTOR, name)
    if field.enum_type is not None:
        value = field.enum_type.values_by_name[value].number
    setattr(message, field.name, value)


def _stream_response(rows: Sequence[dict[str, Any]], fields: Sequence[str], request_id: str):
    response = SearchGoogleAdsStreamResponse()
    message = SearchGoogleAdsStreamResponse.pb(response)
    for row in rows:
        result = message.results.add()
        for field in fields:
            _set_field(result, field, row[field])
    message.field_mask.paths.extend(fields)
    message.request_id = request_id
    return response


# --------------------------------------------------------------------------- #
# Errors
# --------------------------------------------------------------------------- #


class _ApiError(Exception):
    def __init__(
        self,
        status: grpc.StatusCode,
        error_field: str | None,
        error_value: str | None,
        message: str,
        retry_delay_seconds: float | None = None,
    ):
        super().__init__(message)
        self.status = status
        self.error_field = error_field  # an ErrorCode field, e.g. quota_error; None: no failure details
        self.error_value = error_value
        self.message = message
        self.retry_delay_seconds = retry_delay_seconds

    def failure(self, request_id: str) -> GoogleAdsFailure:
        error = GoogleAdsError(error_code=ErrorCode(**{self.error_field: self.error_value}), message=self.message)
        if self.retry_delay_seconds is not None:
            error.details = ErrorDetails(
                quota_error_details=QuotaErrorDetails(
                    rate_scope=QuotaErrorDetails.QuotaRateScope.ACCOUNT,
                    rate_name="Number of operations for basic access",
                    retry_delay=timedelta(seconds=self.retry_delay_seconds),
                )
            )
        return GoogleAdsFailure(errors=[error], request_id=request_id)


def _fault_error(fault: Fault) -> _ApiError:
    if fault.code == "RESOURCE_EXHAUSTED":
        return _ApiError(
            grpc.StatusCode.RESOURCE_EXHAUSTED,
            "quota_error",
            "RESOURCE_TEMPORARILY_EXHAUSTED",
            f"Too many requests. Retry in {fault.retry_delay_seconds} seconds.",
            retry_delay_seconds=fault.retry_delay_seconds,
        )
    if fault.code == "INTERNAL":
        return _ApiError(grpc.StatusCode.INTERNAL, "internal_error", "TRANSIENT_ERROR", "Internal error encountered.")
    # UNAVAILABLE and DEADLINE_EXCEEDED come from the transport: no GoogleAdsFailure.
    return _ApiError(getattr(grpc.StatusCode, fault.code), None, None, "The service is currently unavailable.")


def _query_error(error: GaqlError) -> _ApiError:
    return _ApiError(grpc.StatusCode.INVALID_ARGUMENT, "query_error", error.query_error, str(error))


def _authentication_error(value: str, message: str) -> _ApiError:
    return _ApiError(grpc.StatusCode.UNAUTHENTICATED, "authentication_error", value, message)


def _authorization_error(value: str, message: str) -> _ApiError:
    return _ApiError(grpc.StatusCode.PERMISSION_DENIED, "authorization_error", value, message)


# --------------------------------------------------------------------------- #
# TLS: one throwaway CA per process (gRPC reads its roots file once)
# --------------------------------------------------------------------------- #


@dataclass(frozen=True)
class _Tls:
    ca_file: Path
    certificate_chain: bytes
    private_key: bytes


@functools.cache
def _sandbox_tls() -> _Tls:
    directory = Path(tempfile.mkdtemp(prefix="google-ads-sandbox-tls-"))
    atexit.register(shutil.rmtree, directory, True)
    # Fixed validity window far around any plausible clock: nothing here reads the time.
    not_before, not_after = datetime(2000, 1, 1, tzinfo=UTC), datetime(2099, 12, 31, tzinfo=UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "metrics-pipeline Google Ads sandbox CA")])
    ca_certificate = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())
    )
    server_key = ec.generate_private_key(ec.SECP256R1())
    server_certificate = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name)
        .public_key(server_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    ca_file = directory / "ca.pem"
    ca_file.write_bytes(ca_certificate.public_bytes(serialization.Encoding.PEM))
    return _Tls(
        ca_file=ca_file,
        certificate_chain=server_certificate.public_bytes(serialization.Encoding.PEM),
        private_key=server_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ),
    )


# --------------------------------------------------------------------------- #
# The server
# --------------------------------------------------------------------------- #


class GoogleAdsSandboxServer(ServesWhileOpen, FaultQueue):
    """GoogleAdsService/SearchStream over TLS plus an OAuth token endpoint, on loopback."""

    def __init__(
        self,
        world: GoogleAdsWorld,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        faults: Sequence[Fault] | None = None,
        rows_per_response: int = ROWS_PER_RESPONSE,
    ) -> None:
        self.world = world
        self.credentials = sandbox_credentials(world)
        self.calls: Counter[str] = Counter()
        self.served: list[ServedCall] = []
        self._host = host
        self._requested_port = port
        self._rows_per_response = rows_per_response
        self._faults = list(DEFAULT_FAULTS if faults is None else faults)
        self._revisions: dict[tuple[int, date], int] = {}
        self._rows = _WorldRows(world, self._revisions)
        self._revoked: set[str] = set()  # credential prefixes whose refresh token is revoked
        self._access_tokens: dict[str, str] = {}  # access token -> credential prefix
        self._lock = threading.Lock()
        self._grpc_server: grpc.Server | None = None
        self._token_server: _TokenEndpoint | None = None
        self._port: int | None = None

    # ---- lifecycle -------------------------------------------------------- #

    def start(self) -> str:
        """Start serving (once); return the endpoint."""
        if self._grpc_server is not None:
            return self.endpoint
        tls = _sandbox_tls()
        server = grpc.server(futures.ThreadPoolExecutor(max_workers=8, thread_name_prefix="google-ads-sandbox"))
        handler = grpc.unary_stream_rpc_method_handler(
            self._search_stream,
            request_deserializer=SearchGoogleAdsStreamRequest.deserialize,
            response_serializer=SearchGoogleAdsStreamResponse.serialize,
        )
        server.add_generic_rpc_handlers(
            (grpc.method_handlers_generic_handler(SERVICE_NAME, {"SearchStream": handler}),)
        )
        credentials = grpc.ssl_server_credentials([(tls.private_key, tls.certificate_chain)])
        port = server.add_secure_port(f"{self._host}:{self._requested_port}", credentials)
        if port == 0:
            raise OSError(f"cannot serve the Google Ads sandbox on {self._host}:{self._requested_port}")
        token_server = _TokenEndpoint(self, self._host)
        token_server.start()
        server.start()
        self._grpc_server, self._token_server, self._port = server, token_server, port
        return self.endpoint

    def stop(self) -> None:
        if self._grpc_server is None:
            return
        self._grpc_server.stop(grace=None).wait()
        assert self._token_server is not None
        self._token_server.stop()
        self._grpc_server = self._token_server = self._port = None

    @property
    def endpoint(self) -> str:
        if self._port is None:
            raise RuntimeError("GoogleAdsSandboxServer is not running; call start() first")
        return f"{self._host}:{self._port}"

    @property
    def token_uri(self) -> str:
        if self._token_server is None:
            raise RuntimeError("GoogleAdsSandboxServer is not running; call start() first")
        return f"{self._token_server.base_url}/token"

    def environment(self) -> dict[str, str]:
        """What points the connector (or a subprocess) at this server, with every connection's credentials."""
        environment = {
            "METRICS_GOOGLE_ADS_ENDPOINT": self.endpoint,
            "METRICS_GOOGLE_OAUTH_TOKEN_URI": self.token_uri,
            "GRPC_DEFAULT_SSL_ROOTS_FILE_PATH": str(_sandbox_tls().ca_file),
        }
        for credentials in self.credentials.values():
            environment.update(credentials.environment())
        return environment

    # ---- knobs for tests -------------------------------------------------- #

    def revoke_refresh_token(self, prefix: str) -> None:
        """The user revoked the connection's access: refresh answers invalid_grant, access tokens die."""
        with self._lock:
            self._revoked.add(prefix)
            self._access_tokens = {t: p for t, p in self._access_tokens.items() if p != prefix}

    def reinstate_refresh_token(self, prefix: str) -> None:
        with self._lock:
            self._revoked.discard(prefix)

    def restate(self, customer_id: int, day: date) -> int:
        """From now on serve `day` of the customer as restated once more; return the revision."""
        with self._lock:
            revision = self._revisions.get((customer_id, day), 0) + 1
            self._revisions[(customer_id, day)] = revision
            return revision

    @property
    def click_view_today(self) -> date | None:
        """The day click_view's 90-day limit counts back from (older days answer DATE_TOO_OLD).
        None, the default: no limit, because the sandbox reads no clock and its days are fixed."""
        return self._rows.click_view_today

    @click_view_today.setter
    def click_view_today(self, today: date | None) -> None:
        self._rows.click_view_today = today

    def revision(self, customer_id: int, day: date) -> int:
        return self._revisions.get((customer_id, day), 0)

    def reset_counters(self) -> None:
        with self._lock:
            self.calls.clear()
            self.served.clear()

    # ---- OAuth ------------------------------------------------------------ #

    def _grant(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        """The refresh-token grant google-auth sends; (HTTP status, JSON body)."""
        with self._lock:
            self.calls["token"] += 1
            if form.get("grant_type") != "refresh_token":
                return 400, {"error": "unsupported_grant_type"}
            credentials = next(
                (c for c in self.credentials.values() if c.refresh_token == form.get("refresh_token")), None
            )
            if credentials is None or credentials.prefix in self._revoked:
                self.calls["token/invalid_grant"] += 1
                return 400, {"error": "invalid_grant", "error_description": "Token has been expired or revoked."}
            if (form.get("client_id"), form.get("client_secret")) != (credentials.client_id, credentials.client_secret):
                self.calls["token/invalid_client"] += 1
                return 401, {"error": "invalid_client", "error_description": "The OAuth client was not found."}
            access_token = f"ya29.sbx-{len(self._access_tokens) + 1:06d}-{credentials.prefix.lower()}"
            self._access_tokens[access_token] = credentials.prefix
            return 200, {
                "access_token": access_token,
                "expires_in": ACCESS_TOKEN_LIFETIME_SECONDS,
                "token_type": "Bearer",
                "scope": "https://www.googleapis.com/auth/adwords",
            }

    # ---- GoogleAdsService/SearchStream ------------------------------------ #

    def _search_stream(self, request, context: grpc.ServicerContext) -> Iterator[Any]:
        metadata = dict(context.invocation_metadata())
        login_customer_id = metadata.get("login-customer-id")
        with self._lock:
            self.calls["search_stream"] += 1
            request_id = f"sbx-{self.calls['search_stream']:06d}"
        query: GaqlQuery | None = None
        try:
            credentials = self._authenticate(metadata)
            customer = self._authorize(credentials, request.customer_id, login_customer_id)
            try:
                query = parse_gaql(request.query)
                self._check_fields(query)
                rows = _filtered(self._rows.rows(customer, query), query)
            except GaqlError as error:
                raise _query_error(error) from None
        except _ApiError as error:
            self._record(request, login_customer_id, query, error.status.name, 0)
            self._abort(context, error, request_id)
        assert query is not None
        with self._lock:
            self.calls[f"search_stream/{query.resource}"] += 1
            fault = next((f for f in self._faults if f.matches(query)), None)
            if fault is not None:
                self._faults.remove(fault)
                self.calls[f"fault/{fault.code}"] += 1
        batches = [rows[i : i + self._rows_per_response] for i in range(0, len(rows), self._rows_per_response)]
        streamed = 0
        for position, batch in enumerate(batches):
            if fault is not None and position == fault.after_batches:
                break
            yield _stream_response(batch, query.fields, request_id)
            streamed += len(batch)
        if fault is not None:
            self._record(request, login_customer_id, query, fault.code, streamed)
            self._abort(context, _fault_error(fault), request_id)
        self._record(request, login_customer_id, query, "OK", streamed)

    def _authenticate(self, metadata: dict[str, Any]) -> SandboxCredentials:
        developer_token = metadata.get("developer-token")
        if not developer_token:
            raise _authentication_error("DEVELOPER_TOKEN_INVALID", "The developer-token header is missing.")
        if developer_token not in {c.developer_token for c in self.credentials.values()}:
            raise _authentication_error("DEVELOPER_TOKEN_INVALID", "The developer token is not valid.")
        authorization = metadata.get("authorization", "")
        if not authorization.startswith("Bearer "):
            raise _authentication_error(
                "OAUTH_TOKEN_HEADER_INVALID", "The authorization header is missing or malformed."
            )
        with self._lock:
            prefix = self._access_tokens.get(authorization.removeprefix("Bearer "))
        if prefix is None:
            raise _authentication_error("OAUTH_TOKEN_INVALID", "The OAuth access token is not valid.")
        return self.credentials[prefix]

    def _authorize(self, credentials: SandboxCredentials, customer_id: str, login_customer_id: str | None) -> Customer:
        if not re.fullmatch(r"\d{10}", customer_id or ""):
            raise _ApiError(
                grpc.StatusCode.INVALID_ARGUMENT,
                "request_error",
                "INVALID_CUSTOMER_ID",
                f"customer_id must be 10 digits without dashes (got {customer_id!r}).",
            )
        customers = {c.customer_id: c for c in self.world.customers}
        customer = customers.get(int(customer_id))
        if login_customer_id:
            login = int(login_customer_id) if login_customer_id.isdigit() else None
            if login not in credentials.customer_ids:
                raise _authorization_error(
                    "USER_PERMISSION_DENIED", "The credentials have no access to the login-customer-id."
                )
            if customer is None or (
                customer.customer_id != login and not self.world.is_managed_by(customer.customer_id, login)
            ):
                raise _authorization_error(
                    "INVALID_LOGIN_CUSTOMER_ID_SERVING_CUSTOMER_ID_COMBINATION",
                    "The customer is not managed by the login-customer-id.",
                )
        elif customer is None or customer.customer_id not in credentials.customer_ids:
            raise _authorization_error(
                "USER_PERMISSION_DENIED",
                "The credentials have no direct access to the customer; reach it through its manager "
                "with login-customer-id.",
            )
        if customer.status != "ENABLED":
            raise _authorization_error("CUSTOMER_NOT_ENABLED", f"The customer is {customer.status}.")
        return customer

    def _check_fields(self, query: GaqlQuery) -> None:
        universe = self._rows.fields.get(query.resource)
        if universe is None:
            raise GaqlError("BAD_RESOURCE_TYPE_IN_FROM_CLAUSE", f"the sandbox does not serve FROM {query.resource}")
        for field in query.referenced_fields:
            if _field_descriptor(field) is None:
                raise GaqlError("UNRECOGNIZED_FIELD", f"unrecognized field {field!r}")
            if field not in universe:
                raise GaqlError(
                    "PROHIBITED_FIELD_IN_SELECT_CLAUSE", f"the sandbox does not serve {field} FROM {query.resource}"
                )
        if query.selects_metrics and "segments.date" not in query.fields:
            raise GaqlError("REQUIRED_SEGMENT_FIELD_MISSING", "the sandbox serves metrics per segments.date only")
        for condition in query.conditions:
            enum_type = _field_descriptor(condition.field).enum_type
            for value in condition.values if enum_type is not None else ():
                if value not in enum_type.values_by_name:
                    raise GaqlError("BAD_ENUM_CONSTANT", f"{value!r} is not a value of {condition.field}")

    def _abort(self, context: grpc.ServicerContext, error: _ApiError, request_id: str) -> None:
        trailing: list[tuple[str, str | bytes]] = [("request-id", request_id)]
        if error.error_field is not None:
            trailing.append((FAILURE_METADATA_KEY, GoogleAdsFailure.serialize(error.failure(request_id))))
        context.set_trailing_metadata(trailing)
        context.abort(error.status, error.message)

    def _record(self, request, login_customer_id: str | None, query: GaqlQuery | None, status: str, rows: int) -> None:
        with self._lock:
            self.served.append(
                ServedCall(
                    customer_id=request.customer_id,
                    login_customer_id=login_customer_id,
                    resource=query.resource if query else None,
                    query=request.query,
                    status=status,
                    rows=rows,
                )
            )


def _filtered(rows: list[dict[str, Any]], query: GaqlQuery) -> list[dict[str, Any]]:
    kept = [row for row in rows if all(_satisfies(row, condition) for condition in query.conditions)]
    for field, descending in reversed(query.order_by):
        # Unset values sort last; the tuple's first item keeps them from being compared.
        kept.sort(key=lambda row: (row[field] is None, "" if row[field] is None else row[field]), reverse=descending)
    return kept[: query.limit] if query.limit is not None else kept


def _satisfies(row: dict[str, Any], condition: Condition) -> bool:
    value = row[condition.field]
    if condition.operator == "IS NULL":
        return value is None
    if condition.operator == "IS NOT NULL":
        return value is not None
    if value is None:
        return False
    literals = [_coerce(value, literal) for literal in condition.values]
    operator = condition.operator
    if operator == "IN":
        return value in literals
    if operator == "NOT IN":
        return value not in literals
    if operator == "BETWEEN":
        return literals[0] <= value <= literals[1]
    literal = literals[0]
    return {
        "=": value == literal,
        "!=": value != literal,
        "<": value < literal,
        "<=": value <= literal,
        ">": value > literal,
        ">=": value >= literal,
    }[operator]


def _coerce(sample: Any, literal: str) -> Any:
    """The GAQL literal as the type of the field's values (dates stay ISO strings)."""
    if isinstance(sample, bool):
        if literal.upper() not in ("TRUE", "FALSE"):
            raise GaqlError("BAD_VALUE", f"expected TRUE or FALSE (got {literal!r})")
        return literal.upper() == "TRUE"
    if isinstance(sample, (int, float)):
        try:
            return type(sample)(literal)
        except ValueError:
            raise GaqlError("BAD_NUMBER", f"expected a number (got {literal!r})") from None
    return literal


class _TokenEndpoint(LoopbackHTTPServer):
    """The OAuth token endpoint google-auth refreshes access tokens at, on a free port."""

    def __init__(self, sandbox: GoogleAdsSandboxServer, host: str) -> None:
        self._sandbox = sandbox
        self._host, self._requested_port = host, 0
        self._httpd = self._thread = None

    def _request_handler(self) -> type[BaseHTTPRequestHandler]:
        sandbox = self._sandbox

        class TokenHandler(QuietJSONHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                form = dict(urllib.parse.parse_qsl(self.read_body().decode("utf-8")))
                status, body = (
                    sandbox._grant(form) if self.path.rstrip("/") == "/token" else (404, {"error": "not_found"})
                )
                self.send(Response(status, body))

        return TokenHandler
