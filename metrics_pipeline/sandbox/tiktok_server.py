"""Serve the sandbox's TikTok world over HTTP, speaking the slice of the Marketing API v1.3 the
connector uses.

``TikTokSandboxServer`` runs on loopback in a daemon thread of this process; the connector talks
to it unchanged but for the base URL (``METRICS_TIKTOK_API_URL``, see ``environment()``):

- ``POST /open_api/v1.3/oauth2/refresh_token/``   JSON {app_id, secret, refresh_token, grant_type}
  -> a new access token living ``ACCESS_TOKEN_LIFETIME`` seconds (24 hours) of the server's clock
  and the same refresh token with what is left of its 365 days
- ``GET  /open_api/v1.3/advertiser/info/``        advertiser_ids, fields
- ``GET  /open_api/v1.3/{campaign,adgroup,ad}/get/`` advertiser_id, fields, filtering, page, page_size
- ``GET  /open_api/v1.3/report/integrated/get/``   BASIC, AUCTION_AD, dimensions ["ad_id",
  "stat_time_day"], metrics, start_date / end_date (at most 30 days), page, page_size

Every answer is HTTP 200 with TikTok's envelope ``{"code", "message", "request_id", "data"}``;
``code`` 0 is success. The access token travels in the ``Access-Token`` header: missing is 40104,
unknown 40105, expired 40102; an advertiser the token's connection did not authorize is 40001; a
refresh token that expired or was revoked is 40107; a bad parameter is 40002. Like the real
API, the listings hide deleted entities unless ``filtering.primary_status`` is STATUS_ALL (or
STATUS_DELETE), while the report keeps deleted ads' rows. Paging is ``page`` / ``page_size``
(1..1000) with ``page_info {page, page_size, total_number, total_page}``.

Faults queued on the server answer once each, on the first request that matches them: a rate
limit (code 40100, "Too many requests"), a server error (code 50000), or an unavailable gateway
(HTTP 503 and no envelope). By default a rate limit on the first page of a report and a server
error on the ad groups are queued; pass ``faults=()`` for none. Every request is recorded for tests.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from metrics_pipeline.sandbox.http import PlatformAPIServer, QuietJSONHandler, Response
from metrics_pipeline.sandbox.tiktok_world import APP_ID, END, AdDay, TikTokAd, TikTokWorld

API_URL_VARIABLE = "METRICS_TIKTOK_API_URL"
PREFIX = "/open_api/v1.3/"
ACCESS_TOKEN_LIFETIME = 86400
REFRESH_TOKEN_LIFETIME = 365 * 86400
MAX_PAGE_SIZE = 1000
MAX_REPORT_DAYS = 30

FAULT_KINDS = ("rate_limit", "server_error", "unavailable")
ROUTES = ("refresh_token", "advertiser_info", "campaign_get", "adgroup_get", "ad_get", "report")
_ROUTE_OF_PATH = {
    "oauth2/refresh_token/": "refresh_token",
    "advertiser/info/": "advertiser_info",
    "campaign/get/": "campaign_get",
    "adgroup/get/": "adgroup_get",
    "ad/get/": "ad_get",
    "report/integrated/get/": "report",
}
REPORT_METRICS = (
    "campaign_id",
    "adgroup_id",
    "ad_name",
    "currency",
    "spend",
    "impressions",
    "clicks",
    "conversion",
    "complete_payment",
    "total_complete_payment_rate",
)


@dataclass(frozen=True)
class Fault:
    """One faulty answer, served once to the first request matching its route (and page)."""

    kind: str  # rate_limit | server_error | unavailable
    route: str
    page: int | None = None  # only this page of a paged route; None: any request

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"fault kind must be one of {', '.join(FAULT_KINDS)} (got {self.kind!r})")
        if self.route not in ROUTES:
            raise ValueError(f"fault route must be one of {', '.join(ROUTES)} (got {self.route!r})")

    def matches(self, route: str, page: int | None) -> bool:
        return self.route == route and self.page in (None, page)


DEFAULT_FAULTS = (Fault("rate_limit", "report", page=1), Fault("server_error", "adgroup_get"))


@dataclass(frozen=True)
class RequestRecord:
    method: str
    route: str
    code: int  # the envelope's code (HTTP status for an answer without one)
    token: str  # ok | expired | unknown | missing | n/a: never the token itself
    page: int | None = None
    fault: str | None = None


class _APIError(Exception):
    def __init__(self, code: int, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class _Grant:
    connection_id: str
    issued_at: float  # the server's clock


class TikTokSandboxServer(PlatformAPIServer):
    """The Marketing API stand-in on `host`, on a free port unless `port` is given."""

    def __init__(
        self,
        world: TikTokWorld,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        as_of: date = END,
        faults: Iterable[Fault] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(
            host,
            port,
            as_of=as_of,
            faults=DEFAULT_FAULTS if faults is None else faults,
            tokens={},
        )
        self.world = world
        self._wall = clock
        self._offset = 0.0
        self._grants: dict[str, _Grant] = {}
        self._revoked_refresh_tokens: set[str] = set()
        self._deleted_ads: set[str] = set()
        self._sequence = 0
        self._by_refresh_token = {a.refresh_token: a for a in world.advertisers}

    # -- lifecycle ------------------------------------------------------- #

    def _request_handler(self):
        return _handler_for(self)

    def environment(self) -> dict[str, str]:
        """Variables that point the TikTok connector at this server, with each connection's credentials."""
        return {API_URL_VARIABLE: self.base_url, **self.world.credentials()}

    # -- knobs for tests --------------------------------------------------- #

    def now(self) -> float:
        with self._lock:
            return self._wall() + self._offset

    def advance(self, seconds: float) -> None:
        """Move the server's clock on: access tokens granted before age (24 hours and they expire)."""
        with self._lock:
            self._offset += seconds

    def expire_access_tokens(self) -> None:
        """Every access token granted so far expires now (as if 24 hours had passed for them)."""
        with self._lock:
            for grant in self._grants.values():
                grant.issued_at -= ACCESS_TOKEN_LIFETIME + 1

    def expire_refresh_token(self, refresh_token: str) -> None:
        """The refresh token is past its 365 days (or revoked): refreshing with it fails with 40107."""
        with self._lock:
            self._revoked_refresh_tokens.add(refresh_token)

    def revive_refresh_token(self, refresh_token: str) -> None:
        with self._lock:
            self._revoked_refresh_tokens.discard(refresh_token)

    def delete_ad(self, ad_id: str) -> None:
        """The advertiser deletes the ad: gone from /ad/get/ unless asked for, still in the report."""
        with self._lock:
            self._deleted_ads.add(ad_id)

    def restore_ad(self, ad_id: str) -> None:
        with self._lock:
            self._deleted_ads.discard(ad_id)

    def count(self, route: str | None = None, *, code: int | None = None, fault: str | None = None) -> int:
        return self._count(route=route, code=code, fault=fault)

    # -- the protocol ----------------------------------------------------- #

    def handle(self, method: str, path: str, params: dict[str, Any], token: str | None) -> Response:
        route = "unknown"
        token_state = "n/a"
        page = _int_or_none(params.get("page"))
        try:
            if not path.startswith(PREFIX) or path[len(PREFIX) :] not in _ROUTE_OF_PATH:
                raise _APIError(40400, f"no such endpoint: {path}")
            route = _ROUTE_OF_PATH[path[len(PREFIX) :]]
            if (route == "refresh_token") != (method == "POST"):
                raise _APIError(40500, f"{method} is not allowed on {path}")
            fault = self._take_fault(lambda f: f.matches(route, page))
            if fault is not None:
                self._record(method, route, _fault_code(fault), token_state, page, fault.kind)
                return _fault_response(fault, self._request_id())
            if route == "refresh_token":
                data = self._refresh(params)
            else:
                connection_id, token_state = self._authenticate(token)
                data = self._dispatch(route, params, connection_id)
            code, message = 0, "OK"
        except _APIError as error:
            data, code, message = {}, error.code, error.message
        self._record(method, route, code, token_state, page, None)
        return Response(200, {"code": code, "message": message, "request_id": self._request_id(), "data": data})

    def _record(self, method: str, route: str, code: int, token: str, page: int | None, fault: str | None) -> None:
        with self._lock:
            self._records.append(RequestRecord(method, route, code, token, page, fault))

    def _request_id(self) -> str:
        with self._lock:
            self._sequence += 1
            return f"2026120300000000{self._sequence:06d}"

    def _refresh(self, params: dict[str, Any]) -> dict:
        if params.get("app_id") != APP_ID:
            raise _APIError(40101, "Illegal access partner: app_id or secret is wrong")
        advertiser = self._by_refresh_token.get(str(params.get("refresh_token") or ""))
        if advertiser is None or params.get("secret") != advertiser.secret:
            raise _APIError(40101 if advertiser else 40107, "The refresh_token or secret is invalid")
        if params.get("grant_type", "refresh_token") != "refresh_token":
            raise _APIError(40002, "grant_type must be refresh_token")
        with self._lock:
            if advertiser.refresh_token in self._revoked_refresh_tokens:
                raise _APIError(40107, "The refresh_token has expired, please authorize again")
            self._sequence += 1
            token = f"sandbox-tiktok-access-{advertiser.connection_id}-{self._sequence}"
            self._grants[token] = _Grant(advertiser.connection_id, self._wall() + self._offset)
        return {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": ACCESS_TOKEN_LIFETIME,
            "refresh_token": advertiser.refresh_token,
            "refresh_token_expires_in": REFRESH_TOKEN_LIFETIME - 86400,
        }

    def _authenticate(self, token: str | None) -> tuple[str, str]:
        if not token:
            raise _APIError(40104, "Access token is null, please check the Access-Token header")
        with self._lock:
            grant = self._grants.get(token)
            now = self._wall() + self._offset
        if grant is None:
            raise _APIError(40105, "Access token is incorrect or has been revoked")
        if now >= grant.issued_at + ACCESS_TOKEN_LIFETIME:
            raise _APIError(40102, "Access token has expired, please refresh it")
        return grant.connection_id, "ok"

    def _advertiser_of(self, connection_id: str, advertiser_id: Any) -> str:
        advertiser_id = str(advertiser_id or "")
        if not advertiser_id:
            raise _APIError(40002, "advertiser_id: field required")
        for advertiser in self.world.advertisers:
            if advertiser.advertiser_id == advertiser_id and advertiser.connection_id == connection_id:
                return advertiser_id
        raise _APIError(40001, f"No permission to operate advertiser {advertiser_id}")

    def _dispatch(self, route: str, params: dict[str, Any], connection_id: str) -> dict:
        if route == "advertiser_info":
            ids = _json_param(params, "advertiser_ids", list)
            found = []
            for advertiser_id in ids or []:
                advertiser = self.world.advertiser(self._advertiser_of(connection_id, advertiser_id))
                found.append(
                    {
                        "advertiser_id": advertiser.advertiser_id,
                        "name": advertiser.name,
                        "currency": advertiser.currency,
                        "timezone": advertiser.timezone,
                        "display_timezone": advertiser.timezone,
                        "status": "STATUS_ENABLE",
                    }
                )
            return {"list": _select_fields(found, _json_param(params, "fields", list))}
        advertiser_id = self._advertiser_of(connection_id, params.get("advertiser_id"))
        page, page_size = _paging(params)
        if route == "report":
            return _page(self._report_rows(advertiser_id, params), page, page_size)
        statuses = _primary_status(params)
        items = [
            item
            for item, deleted in self._entities(route, advertiser_id)
            if statuses == "STATUS_ALL" or (statuses == "STATUS_DELETE") == deleted
        ]
        return _page(_select_fields(items, _json_param(params, "fields", list)), page, page_size)

    def _ad_status(self, ad: TikTokAd) -> tuple[str, str, bool]:
        with self._lock:
            deleted = ad.deleted or ad.ad_id in self._deleted_ads
        return ("DISABLE", "AD_STATUS_DELETE", True) if deleted else (ad.operation_status, ad.secondary_status, False)

    def _entities(self, route: str, advertiser_id: str) -> list[tuple[dict, bool]]:
        if route == "campaign_get":
            return [
                (
                    {
                        "advertiser_id": c.advertiser_id,
                        "campaign_id": c.campaign_id,
                        "campaign_name": c.campaign_name,
                        "objective_type": c.objective_type,
                        "operation_status": c.operation_status,
                        "secondary_status": c.secondary_status,
                        "create_time": c.create_time.strftime("%Y-%m-%d %H:%M:%S"),
                        "modify_time": c.create_time.strftime("%Y-%m-%d %H:%M:%S"),
                    },
                    False,
                )
                for c in self.world.campaigns_of(advertiser_id)
            ]
        if route == "adgroup_get":
            return [
                (
                    {
                        "advertiser_id": g.advertiser_id,
                        "adgroup_id": g.adgroup_id,
                        "campaign_id": g.campaign_id,
                        "adgroup_name": g.adgroup_name,
                        "optimization_goal": g.optimization_goal,
                        "operation_status": g.operation_status,
                        "secondary_status": g.secondary_status,
                    },
                    False,
                )
                for g in self.world.adgroups_of(advertiser_id)
            ]
        found = []
        for ad in self.world.ads_of(advertiser_id):
            operation, secondary, deleted = self._ad_status(ad)
            found.append(
                (
                    {
                        "advertiser_id": ad.advertiser_id,
                        "ad_id": ad.ad_id,
                        "adgroup_id": ad.adgroup_id,
                        "campaign_id": ad.campaign_id,
                        "ad_name": ad.ad_name,
                        "operation_status": operation,
                        "secondary_status": secondary,
                        "landing_page_url": ad.landing_page_url,
                    },
                    deleted,
                )
            )
        return found

    def _report_rows(self, advertiser_id: str, params: dict[str, Any]) -> list[dict]:
        if params.get("report_type") != "BASIC":
            raise _APIError(40002, "report_type: only BASIC is served by the sandbox")
        if params.get("data_level") != "AUCTION_AD":
            raise _APIError(40002, "data_level: only AUCTION_AD is served by the sandbox")
        if params.get("service_type", "AUCTION") != "AUCTION":
            raise _APIError(40002, "service_type: only AUCTION is served by the sandbox")
        dimensions = _json_param(params, "dimensions", list)
        if dimensions != ["ad_id", "stat_time_day"]:
            raise _APIError(40002, f"dimensions: the sandbox serves ['ad_id', 'stat_time_day'] (got {dimensions})")
        metrics = _json_param(params, "metrics", list) or ["spend", "impressions", "clicks"]
        unknown = sorted(set(metrics) - set(REPORT_METRICS))
        if unknown:
            raise _APIError(40002, f"metrics: unknown metric(s) {', '.join(unknown)}")
        try:
            since = date.fromisoformat(str(params.get("start_date")))
            until = date.fromisoformat(str(params.get("end_date")))
        except ValueError:
            raise _APIError(40002, "start_date and end_date must be YYYY-MM-DD") from None
        if until < since:
            raise _APIError(40002, "end_date must not be before start_date")
        if (until - since).days + 1 > MAX_REPORT_DAYS:
            raise _APIError(
                40002, f"The time span between start_date and end_date can not exceed {MAX_REPORT_DAYS} days"
            )
        currency = self.world.advertiser(advertiser_id).currency
        return [
            _report_row(ad_day, metrics, currency)
            for ad_day in self.world.report(advertiser_id, since, until, self.as_of)
        ]


# --------------------------------------------------------------------------- #
# Pure helpers
# --------------------------------------------------------------------------- #


def _report_row(ad_day: AdDay, metrics: list[str], currency: str) -> dict:
    values = {
        "campaign_id": ad_day.ad.campaign_id,
        "adgroup_id": ad_day.ad.adgroup_id,
        "ad_name": ad_day.ad.ad_name,
        "currency": currency,
        "spend": f"{ad_day.spend:.2f}",
        "impressions": str(ad_day.impressions),
        "clicks": str(ad_day.clicks),
        "conversion": str(ad_day.conversions),
        "complete_payment": str(ad_day.purchases),
        "total_complete_payment_rate": f"{ad_day.purchase_value:.2f}",
    }
    return {
        "dimensions": {"ad_id": ad_day.ad.ad_id, "stat_time_day": f"{ad_day.day.isoformat()} 00:00:00"},
        "metrics": {name: values[name] for name in metrics},
    }


def _fault_code(fault: Fault) -> int:
    return {"rate_limit": 40100, "server_error": 50000, "unavailable": 503}[fault.kind]


def _fault_response(fault: Fault, request_id: str) -> Response:
    if fault.kind == "unavailable":
        return Response(503, b"Service Unavailable", {"Content-Type": "text/plain"})
    message = (
        "Too many requests. Please retry in some time."
        if fault.kind == "rate_limit"
        else "System error, please try again later"
    )
    return Response(200, {"code": _fault_code(fault), "message": message, "request_id": request_id, "data": {}})


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _json_param(params: dict[str, Any], name: str, kind: type) -> Any:
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    try:
        value = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        raise _APIError(40002, f"{name}: not valid JSON") from None
    if not isinstance(value, kind):
        raise _APIError(40002, f"{name}: must be a JSON {kind.__name__}")
    return value


def _paging(params: dict[str, Any]) -> tuple[int, int]:
    page = _int_or_none(params.get("page", 1))
    page_size = _int_or_none(params.get("page_size", 10))
    if page is None or page < 1:
        raise _APIError(40002, "page: must be a whole number of 1 or more")
    if page_size is None or not 1 <= page_size <= MAX_PAGE_SIZE:
        raise _APIError(40002, f"page_size: must be from 1 to {MAX_PAGE_SIZE}")
    return page, page_size


def _primary_status(params: dict[str, Any]) -> str:
    filtering = _json_param(params, "filtering", dict) or {}
    status = filtering.get("primary_status", "STATUS_NOT_DELETE")
    if status not in ("STATUS_ALL", "STATUS_NOT_DELETE", "STATUS_DELETE"):
        raise _APIError(40002, f"filtering.primary_status: {status!r} is not served by the sandbox")
    return status


def _select_fields(items: list[dict], fields: list[str] | None) -> list[dict]:
    if not fields:
        return items
    return [{name: item[name] for name in fields if name in item} for item in items]


def _page(items: list[dict], page: int, page_size: int) -> dict:
    total = len(items)
    total_page = (total + page_size - 1) // page_size
    start = (page - 1) * page_size
    return {
        "list": items[start : start + page_size],
        "page_info": {"page": page, "page_size": page_size, "total_number": total, "total_page": total_page},
    }


# --------------------------------------------------------------------------- #
# The HTTP layer
# --------------------------------------------------------------------------- #


def _handler_for(sandbox: TikTokSandboxServer) -> type[BaseHTTPRequestHandler]:
    class MarketingAPIHandler(QuietJSONHandler):
        server_version = "TikTokBusinessAPISandbox/1.0"

        def do_GET(self) -> None:
            self._answer("GET")

        def do_POST(self) -> None:
            self._answer("POST")

        def _answer(self, method: str) -> None:
            split = urlsplit(self.path)
            params: dict[str, Any] = dict(parse_qsl(split.query, keep_blank_values=True))
            body = self.read_body()
            if body:
                try:
                    parsed = json.loads(body)
                except ValueError:
                    parsed = None
                if isinstance(parsed, dict):
                    params.update(parsed)
            self.send(sandbox.handle(method, split.path, params, self.headers.get("Access-Token")))

    return MarketingAPIHandler
