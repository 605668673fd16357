"""Serve the sandbox's Meta world over HTTP, speaking the slice of the Graph API the connector uses.

``MetaSandboxServer`` is a ``ThreadingHTTPServer`` on loopback, in a daemon thread of
this process. The real facebook-business SDK talks to it unchanged but for the base URL
(``METRICS_META_GRAPH_URL``, see ``environment()``). It answers like the Graph API:

- ``GET  /v26.0/act_<id>``                     the ad account node
- ``GET  /v26.0/act_<id>/{campaigns,adsets,ads}`` edges with ``fields``, ``limit``,
  ``effective_status`` and cursor paging (``paging.cursors.after``, ``paging.next``)
- ``GET  /v26.0/act_<id>/insights``            synchronous insights, paged
- ``POST /v26.0/act_<id>/insights``            an async report run: ``{"report_run_id"}``
- ``GET  /v26.0/<report_run_id>``              its status: "Job Not Started", "Job Running", "Job Completed"
- ``GET  /v26.0/<report_run_id>/insights``     its rows, paged

and like the Graph API it hides what real accounts hide: without ``effective_status``
an edge omits DELETED and ARCHIVED objects, and without ``filtering`` on
``ad.effective_status`` insights omit ARCHIVED ads. DELETED ads never come back in
``act_<id>/insights?level=ad`` ("<AD_ID>/insights works for a deleted object but
act_<AD_ACCOUNT_ID>/insights?level=ad does not return stats for the deleted object",
Manage Your Ad Object's Status), while ``level=account`` still bills their spend.
``delete_ad`` deletes an ad, as an advertiser would between two syncs.
Insights support only what the connector asks for (``level=ad`` or ``level=account``,
``time_increment=1``, a ``time_range``) and refuse anything else rather than answer
wrongly. Attribution windows are the ones Meta still returns (1d_click, 7d_click, 1d_view,
1d_ev); ``use_unified_attribution_setting=true`` answers each entry's ``value`` (the ad
set's own setting) without per-window keys. ``max_insights_days`` (None: no limit) makes a
request for a longer range fail with code 1 "Please reduce the amount of data you're asking
for, then retry your request", sync or async, every time it is asked.

Errors have the Graph API's shape (``{"error": {"message", "type", "code", ...}}``):
an unknown or expired access token is code 190 (OAuthException); faults queued on the
server answer once each, on the first request that matches them: a rate limit (code
80004 with ``X-Business-Use-Case-Usage`` carrying ``estimated_time_to_regain_access``)
or a transient server error (HTTP 500, code 2, ``is_transient``). By default one of
each is queued; pass ``faults=()`` for none. Every request is recorded for tests.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from metrics_pipeline.sandbox.http import PlatformAPIServer, QuietJSONHandler, Response
from metrics_pipeline.sandbox.meta_world import END, AdDay, MetaAd, MetaWorld

# The version facebook-business 26.0.3 puts in every path (FacebookAdsApi.API_VERSION).
# Stated here rather than imported: the sandbox stands in for Meta, not for the SDK.
GRAPH_API_VERSION = "v26.0"
GRAPH_URL_VARIABLE = "METRICS_META_GRAPH_URL"
EXPIRED_ACCESS_TOKEN = "sandbox-meta-token-expired"
DEFAULT_PAGE_SIZE = 25
DEFAULT_POLLS_UNTIL_DONE = 3

_HIDDEN_BY_DEFAULT = ("DELETED", "ARCHIVED")
_EDGE_STATUSES = {
    "campaigns": ("ACTIVE", "PAUSED", "DELETED", "ARCHIVED", "IN_PROCESS", "WITH_ISSUES"),
    "adsets": ("ACTIVE", "PAUSED", "DELETED", "ARCHIVED", "CAMPAIGN_PAUSED", "IN_PROCESS", "WITH_ISSUES"),
    "ads": (
        "ACTIVE",
        "PAUSED",
        "DELETED",
        "ARCHIVED",
        "CAMPAIGN_PAUSED",
        "ADSET_PAUSED",
        "DISAPPROVED",
        "IN_PROCESS",
        "PENDING_BILLING_INFO",
        "PENDING_REVIEW",
        "PREAPPROVED",
        "WITH_ISSUES",
    ),
}
_EDGE_FIELDS = {
    "campaigns": (
        "id",
        "account_id",
        "name",
        "status",
        "effective_status",
        "objective",
        "created_time",
        "updated_time",
    ),
    "adsets": (
        "id",
        "account_id",
        "campaign_id",
        "name",
        "status",
        "effective_status",
        "optimization_goal",
        "created_time",
        "updated_time",
    ),
    "ads": (
        "id",
        "account_id",
        "campaign_id",
        "adset_id",
        "name",
        "status",
        "effective_status",
        "created_time",
        "updated_time",
    ),
}
_ACCOUNT_FIELDS = ("id", "account_id", "name", "currency", "timezone_name", "account_status")
_INSIGHT_FIELDS = (
    "account_id",
    "account_name",
    "account_currency",
    "campaign_id",
    "campaign_name",
    "adset_id",
    "adset_name",
    "ad_id",
    "ad_name",
    "date_start",
    "date_stop",
    "spend",
    "impressions",
    "clicks",
    "actions",
    "action_values",
)
_ATTRIBUTION_WINDOWS = ("1d_click", "7d_click", "1d_view", "1d_ev")
_ACCOUNT_LEVEL_FIELDS = (
    "account_id",
    "account_name",
    "account_currency",
    "date_start",
    "date_stop",
    "spend",
    "impressions",
    "clicks",
)
TOO_MUCH_DATA = "Please reduce the amount of data you're asking for, then retry your request"
_FILTER_FIELDS = ("ad.effective_status", "adset.effective_status", "campaign.effective_status")
_REPORT_FIELDS = (
    "id",
    "account_id",
    "async_status",
    "async_percent_completion",
    "date_start",
    "date_stop",
    "time_ref",
    "time_completed",
    "is_running",
)


# slow: the right answer, `seconds` late (past the client's timeout); dropped: the right
# status and headers, then half the body and the connection closed.
FAULT_KINDS = ("rate_limit", "server_error", "slow", "dropped")
FAULT_ROUTES = ("account", "campaigns", "adsets", "ads", "insights", "report_create", "report_status")


@dataclass(frozen=True)
class Fault:
    """One faulty answer, served once to the first request that matches it.

    route: account | campaigns | adsets | ads | insights (a page of sync or report
    insights) | report_create | report_status. next_page_only: only a request carrying
    a paging cursor, so the fault lands in the middle of a listing.
    """

    kind: str  # rate_limit | server_error | slow | dropped
    route: str
    next_page_only: bool = False
    seconds: float = 0.0  # how late a `slow` answer comes
    account_id: str | None = None  # only requests about this ad account (digits); None: any

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"fault kind must be one of {', '.join(FAULT_KINDS)} (got {self.kind!r})")
        if self.route not in FAULT_ROUTES:
            raise ValueError(f"fault route must be one of {', '.join(FAULT_ROUTES)} (got {self.route!r})")

    def matches(self, route: str, with_cursor: bool, account_id: str) -> bool:
        return (
            self.route == route and (with_cursor or not self.next_page_only) and self.account_id in (None, account_id)
        )


DEFAULT_FAULTS = (
    Fault("rate_limit", "insights", next_page_only=True),
    Fault("server_error", "adsets"),
)


@dataclass(frozen=True)
class RequestRecord:
    method: str
    route: str
    status: int
    token: str  # ok | expired | unknown | missing: never the token itself
    with_cursor: bool
    fault: str | None = None
    report_run_id: str | None = None


class _GraphError(Exception):
    def __init__(self, status: int, code: int, message: str, error_type: str = "OAuthException", **extra: Any):
        super().__init__(message)
        self.status = status
        self.error = {"message": message, "type": error_type, "code": code, **extra}
        self.headers: dict[str, str] = {}


@dataclass
class _ReportRun:
    report_run_id: str
    account_id: str
    token: str
    query: _InsightsQuery
    as_of: date
    polls: int = 0
    rows: list[dict] | None = None  # computed once, when first read


@dataclass(frozen=True)
class _InsightsQuery:
    since: date
    until: date
    fields: tuple[str, ...]
    windows: tuple[str, ...]
    filters: tuple[tuple[str, str, tuple[str, ...]], ...]  # (field, operator, values)
    level: str = "ad"
    unified: bool = False


class MetaSandboxServer(PlatformAPIServer):
    """The Graph API stand-in on `host`, on a free port unless `port` is given."""

    def __init__(
        self,
        world: MetaWorld,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        as_of: date = END,
        page_size: int = DEFAULT_PAGE_SIZE,
        polls_until_done: int = DEFAULT_POLLS_UNTIL_DONE,
        faults: Iterable[Fault] | None = None,
        max_insights_days: int | None = None,
    ) -> None:
        super().__init__(
            host,
            port,
            as_of=as_of,
            faults=DEFAULT_FAULTS if faults is None else faults,
            tokens={account.access_token: account.account_id for account in world.accounts},
            disabled_tokens=(EXPIRED_ACCESS_TOKEN,),
        )
        self.world = world
        self.page_size = page_size
        self.polls_until_done = polls_until_done
        self._reports: dict[str, _ReportRun] = {}
        self.max_insights_days = max_insights_days
        self._deleted_ads: set[str] = set()

    def delete_ad(self, ad_id: str) -> None:
        """The advertiser deletes the ad: DELETED on its edge, gone from level=ad insights, still billed."""
        with self._lock:
            self._deleted_ads.add(ad_id)

    def _ad_status(self, ad: MetaAd) -> str:
        return "DELETED" if ad.ad_id in self._deleted_ads else ad.effective_status

    # -- lifecycle (start, stop, base_url: PlatformAPIServer) -------------- #

    def _request_handler(self):
        return _handler_for(self)

    def environment(self) -> dict[str, str]:
        """Variables that point the Meta connector at this server, with each connection's token."""
        return {GRAPH_URL_VARIABLE: self.base_url, **self.world.access_tokens()}

    # -- knobs for tests ---------------------------------------------------- #
    # as_of (PlatformAPIServer): later days have no data; restatements show from their day.

    expire_token = PlatformAPIServer.disable_token
    revive_token = PlatformAPIServer.enable_token

    def count(
        self,
        route: str | None = None,
        *,
        status: int | None = None,
        fault: str | None = None,
        token: str | None = None,
        with_cursor: bool | None = None,
    ) -> int:
        return self._count(route=route, status=status, fault=fault, token=token, with_cursor=with_cursor)

    def report_polls(self) -> dict[str, int]:
        """report_run_id -> how many times its status was read."""
        with self._lock:
            return {report_id: report.polls for report_id, report in self._reports.items()}

    # -- the protocol ------------------------------------------------------- #

    def handle(self, method: str, path: str, params: dict[str, str]) -> Response:
        """Answer one request (the HTTP layer only parses and serialises)."""
        route, node, report_run_id = "unknown", "", None
        token = params.get("access_token")
        token_state = self._token_state(token, disabled="expired")
        try:
            route, node, report_run_id = self._route(method, path)
            account_id = self._authenticate(token, token_state, node, report_run_id)
            fault = self._take_fault(lambda f: f.matches(route, "after" in params, account_id))
            if fault is not None and fault.kind in ("slow", "dropped"):
                response = self._dispatch(route, method, account_id, report_run_id, path, params)
                self._record(method, route, response.status, token_state, params, fault.kind, report_run_id)
                return response.delivered_badly(fault.kind, fault.seconds)
            if fault is not None:
                response = self._fault_response(fault, account_id)
                self._record(method, route, response.status, token_state, params, fault.kind, report_run_id)
                return response
            response = self._dispatch(route, method, account_id, report_run_id, path, params)
        except _GraphError as error:
            error.error.setdefault("fbtrace_id", self._trace_id())
            response = Response(error.status, {"error": error.error}, error.headers)
        headers = dict(response.headers)
        if node and response.status < 300:
            # Every successful answer about an ad account reports the account's usage, as the real API does.
            headers.setdefault("X-Business-Use-Case-Usage", _usage_header(node.removeprefix("act_"), 0))
        self._record(method, route, response.status, token_state, params, None, report_run_id)
        return Response(response.status, response.body, headers)

    def _record(self, method, route, status, token_state, params, fault, report_run_id) -> None:
        with self._lock:
            self._records.append(
                RequestRecord(method, route, status, token_state, "after" in params, fault, report_run_id)
            )

    def _trace_id(self) -> str:
        with self._lock:
            return f"AsandboxTrace{len(self._records):06d}"

    def _route(self, method: str, path: str) -> tuple[str, str, str | None]:
        parts = [p for p in path.split("/") if p]
        if not parts or parts[0] != GRAPH_API_VERSION:
            raise _GraphError(
                400, 2635, f"(#2635) Unknown or unsupported API version: this sandbox speaks {GRAPH_API_VERSION}."
            )
        parts = parts[1:]
        if len(parts) == 1 and method == "GET":
            return ("account", parts[0], None) if parts[0].startswith("act_") else ("report_status", "", parts[0])
        if len(parts) == 2 and parts[0].startswith("act_"):
            if parts[1] in _EDGE_FIELDS and method == "GET":
                return parts[1], parts[0], None
            if parts[1] == "insights":
                return ("insights", parts[0], None) if method == "GET" else ("report_create", parts[0], None)
        if len(parts) == 2 and parts[1] == "insights" and method == "GET":
            return "insights", "", parts[0]
        raise _GraphError(
            400,
            100,
            f"Unsupported {method.lower()} request. The sandbox does not serve /{'/'.join(parts)}.",
            "GraphMethodException",
        )

    def _authenticate(self, token: str | None, token_state: str, node: str, report_run_id: str | None) -> str:
        """The account the request is about; raises the Graph API's errors for a bad token."""
        if token_state == "missing":
            raise _GraphError(400, 104, "An access token is required to request this resource.")
        if token_state == "expired":
            error = _GraphError(
                400,
                190,
                "Error validating access token: Session has expired on Friday, 30-Oct-26 09:00:00 PDT. "
                "The current time is Saturday, 31-Oct-26 02:00:00 PDT.",
                error_subcode=463,
            )
            error.headers["WWW-Authenticate"] = 'OAuth "Facebook Platform" "invalid_token" "Session has expired"'
            raise error
        if token_state != "ok":
            raise _GraphError(400, 190, "Invalid OAuth access token - Cannot parse access token")
        with self._lock:
            report = self._reports.get(report_run_id) if report_run_id else None
        account_id = node.removeprefix("act_") if node else (report.account_id if report else "")
        if self._tokens[token] != account_id or (report is not None and report.token != token):
            raise _GraphError(
                400,
                100,
                f"Unsupported get request. Object with ID '{node or report_run_id}' does not exist, cannot be "
                "loaded due to missing permissions, or does not support this operation.",
                "GraphMethodException",
                error_subcode=33,
            )
        return account_id

    def _fault_response(self, fault: Fault, account_id: str) -> Response:
        trace = self._trace_id()
        if fault.kind == "rate_limit":
            return Response(
                400,
                {
                    "error": {
                        "message": "(#80004) There have been too many calls to this ad-account. Wait a bit and try "
                        "again. For more info, please refer to "
                        "https://developers.facebook.com/docs/graph-api/overview/rate-limiting#ads-management.",
                        "type": "OAuthException",
                        "code": 80004,
                        "error_subcode": 2446079,
                        "fbtrace_id": trace,
                    }
                },
                {"X-Business-Use-Case-Usage": _usage_header(account_id, 1)},
            )
        if fault.kind == "server_error":
            return Response(
                500,
                {
                    "error": {
                        "message": "An unexpected error has occurred. Please retry your request later.",
                        "type": "OAuthException",
                        "is_transient": True,
                        "code": 2,
                        "fbtrace_id": trace,
                    }
                },
            )
        raise AssertionError(f"unreachable: {fault!r}")

    def _dispatch(
        self, route: str, method: str, account_id: str, report_run_id: str | None, path: str, params: dict[str, str]
    ) -> Response:
        if route == "account":
            account = self.world.account(account_id)
            node = {
                "id": account.act_id,
                "account_id": account.account_id,
                "name": account.name,
                "currency": account.currency,
                "timezone_name": account.timezone_name,
                "account_status": account.account_status,
            }
            return Response(200, _select(node, _fields(params, _ACCOUNT_FIELDS, "AdAccount", ("id",))))
        if route in _EDGE_FIELDS:
            return self._edge(route, account_id, path, params)
        if route == "insights" and report_run_id is None:
            query = self._checked_query(params)
            rows = self._insight_rows(account_id, query, self.as_of)
            return Response(200, _page(rows, params, self._limit(params), self._next_url(path, params)))
        if route == "report_create":
            query = self._checked_query(params)
            with self._lock:
                report_run_id = str(6_100_000_000_000 + len(self._reports) + 1)
                self._reports[report_run_id] = _ReportRun(
                    report_run_id, account_id, params["access_token"], query, self._as_of
                )
            return Response(200, {"report_run_id": report_run_id})
        assert report_run_id is not None
        report = self._report(report_run_id)
        if route == "report_status":
            with self._lock:
                report.polls += 1
                polls = report.polls
            return Response(
                200, _select(self._report_node(report, polls), _fields(params, _REPORT_FIELDS, "AdReportRun", ("id",)))
            )
        # route == "insights" of a report run
        if report.polls < self.polls_until_done:
            raise _GraphError(400, 2601, "Error accessing adreport job: the report is not ready yet.")
        with self._lock:
            if report.rows is None:
                report.rows = self._insight_rows(report.account_id, report.query, report.as_of)
            rows = report.rows
        return Response(200, _page(rows, params, self._limit(params), self._next_url(path, params)))

    def _edge(self, edge: str, account_id: str, path: str, params: dict[str, str]) -> Response:
        statuses = _status_param(params.get("effective_status"), edge)
        as_of = self.as_of
        if edge == "campaigns":
            nodes = [
                {
                    "id": c.campaign_id,
                    "account_id": c.account_id,
                    "name": c.name,
                    "status": c.status,
                    "effective_status": c.effective_status,
                    "objective": c.objective,
                    "created_time": _graph_time(c.created_time),
                    "updated_time": _graph_time(c.updated_time),
                }
                for c in self.world.campaigns_of(account_id)
            ]
        elif edge == "adsets":
            nodes = [
                {
                    "id": s.adset_id,
                    "account_id": s.account_id,
                    "campaign_id": s.campaign_id,
                    "name": s.name,
                    "status": s.status,
                    "effective_status": s.effective_status,
                    "optimization_goal": s.optimization_goal,
                    "created_time": _graph_time(s.created_time),
                    "updated_time": _graph_time(s.updated_time),
                }
                for s in self.world.adsets_of(account_id)
            ]
        else:
            nodes = [
                {
                    "id": a.ad_id,
                    "account_id": a.account_id,
                    "campaign_id": a.campaign_id,
                    "adset_id": a.adset_id,
                    "name": self.world.ad_name(a, as_of),
                    "status": "DELETED" if a.ad_id in self._deleted_ads else a.status,
                    "effective_status": self._ad_status(a),
                    "created_time": _graph_time(a.created_time),
                    "updated_time": _graph_time(a.updated_time),
                }
                for a in self.world.ads_of(account_id)
            ]
        nodes = [n for n in nodes if n["effective_status"] in statuses]
        wanted = _fields(params, _EDGE_FIELDS[edge], edge[:-1].title(), ("id",))
        body = _page([_select(n, wanted) for n in nodes], params, self._limit(params), self._next_url(path, params))
        if params.get("summary") == "true":
            body["summary"] = {"total_count": len(nodes)}
        return Response(200, body)

    def _checked_query(self, params: dict[str, str]) -> _InsightsQuery:
        query = _insights_query(params)
        if self.max_insights_days is not None and (query.until - query.since).days + 1 > self.max_insights_days:
            # What Meta answers when a request would read more than it is willing to compute.
            raise _GraphError(500, 1, TOO_MUCH_DATA, "OAuthException")
        return query

    def _insight_rows(self, account_id: str, query: _InsightsQuery, as_of: date) -> list[dict]:
        world = self.world
        account = world.account(account_id)
        if query.level == "account":
            return self._account_rows(account_id, query, as_of)
        campaigns = {c.campaign_id: c for c in world.campaigns_of(account_id)}
        adsets = {s.adset_id: s for s in world.adsets_of(account_id)}
        rows = []
        for ad_day in world.insights(account_id, query.since, query.until, as_of):
            ad = ad_day.ad
            if self._ad_status(ad) == "DELETED":
                continue  # act_<id>/insights?level=ad never returns deleted ads, filtering or not
            if not _passes_filters(
                ad, adsets[ad.adset_id].effective_status, campaigns[ad.campaign_id].effective_status, query.filters
            ):
                continue
            full = _insight_row(ad_day, () if query.unified else query.windows)
            full.update(
                account_name=account.name,
                account_currency=account.currency,
                campaign_name=campaigns[ad.campaign_id].name,
                adset_name=adsets[ad.adset_id].name,
                ad_name=world.ad_name(ad, as_of),
            )
            rows.append(_select(full, set(query.fields) | {"date_start", "date_stop"}, keep_id=False))
        return rows

    def _account_rows(self, account_id: str, query: _InsightsQuery, as_of: date) -> list[dict]:
        """One row per day with delivery: every ad's figures, deleted ones included (the bill)."""
        account = self.world.account(account_id)
        totals: dict[date, list] = {}
        for ad_day in self.world.insights(account_id, query.since, query.until, as_of):
            total = totals.setdefault(ad_day.day, [Decimal(0), 0, 0])
            total[0] += Decimal(ad_day.spend)
            total[1] += ad_day.impressions
            total[2] += ad_day.clicks
        rows = []
        for day in sorted(totals):
            spend, impressions, clicks = totals[day]
            full = {
                "account_id": account_id,
                "account_name": account.name,
                "account_currency": account.currency,
                "date_start": day.isoformat(),
                "date_stop": day.isoformat(),
                "spend": str(spend),
                "impressions": str(impressions),
                "clicks": str(clicks),
            }
            rows.append(_select(full, set(query.fields) | {"date_start", "date_stop"}, keep_id=False))
        return rows

    def _report(self, report_run_id: str) -> _ReportRun:
        with self._lock:
            report = self._reports.get(report_run_id)
        if report is None:
            raise _GraphError(
                400,
                100,
                f"Unsupported get request. Object with ID '{report_run_id}' does not exist.",
                "GraphMethodException",
                error_subcode=33,
            )
        return report

    def _report_node(self, report: _ReportRun, polls: int) -> dict:
        done = polls >= self.polls_until_done
        if done:
            status, percent = "Job Completed", 100
        elif polls <= 1:
            status, percent = "Job Not Started", 0
        else:
            status, percent = "Job Running", 100 * (polls - 1) // self.polls_until_done
        return {
            "id": report.report_run_id,
            "account_id": report.account_id,
            "async_status": status,
            "async_percent_completion": percent,
            "date_start": report.query.since.isoformat(),
            "date_stop": report.query.until.isoformat(),
            "time_ref": 1_790_000_000 + int(report.report_run_id) % 1000,
            "time_completed": 1_790_000_060 + int(report.report_run_id) % 1000 if done else 0,
            "is_running": not done,
        }

    def _limit(self, params: dict[str, str]) -> int:
        raw = params.get("limit")
        if raw is None:
            return self.page_size
        if not raw.isdigit() or int(raw) < 1:
            raise _GraphError(400, 100, f"(#100) Param limit must be a positive integer (got {raw!r})")
        return min(int(raw), self.page_size)  # the server's cap wins, as on the real API

    def _next_url(self, path: str, params: dict[str, str]) -> str:
        # The real API puts the access token in `next`; this one leaves it out so no
        # recorded URL ever carries a secret. The SDK pages with `after`, not `next`.
        kept = {k: v for k, v in params.items() if k not in ("access_token", "after")}
        return f"{self.base_url}{path}?{urlencode(kept)}"


# --------------------------------------------------------------------------- #
# Pure helpers: parameters, paging, rows
# --------------------------------------------------------------------------- #


def _usage_header(account_id: str, minutes_to_regain_access: int) -> str:
    busy = minutes_to_regain_access > 0
    return json.dumps(
        {
            account_id or "0": [
                {
                    "type": "ads_insights",
                    "call_count": 100 if busy else 4,
                    "total_cputime": 100 if busy else 2,
                    "total_time": 100 if busy else 3,
                    "estimated_time_to_regain_access": minutes_to_regain_access,
                    "ads_api_access_tier": "standard_access",
                }
            ]
        }
    )


def _list_param(raw: str | None) -> list[str] | None:
    """The SDK JSON-encodes lists (`["a","b"]`); `fields` on an edge comes comma-separated."""
    if raw is None or raw == "":
        return None
    if raw.startswith("["):
        try:
            value = json.loads(raw)
        except ValueError:
            raise _GraphError(400, 100, f"(#100) Invalid list parameter: {raw!r}") from None
        return [str(v) for v in value]
    return [part for part in raw.split(",") if part]


def _json_param(raw: str | None, name: str) -> Any:
    if raw is None:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        raise _GraphError(400, 100, f"(#100) Param {name} must be JSON (got {raw!r})") from None


def _fields(params: dict[str, str], allowed: tuple[str, ...], node_type: str, defaults: tuple[str, ...]) -> set[str]:
    requested = _list_param(params.get("fields")) or list(defaults)
    for name in requested:
        if name not in allowed:
            raise _GraphError(400, 100, f"(#100) Tried accessing nonexisting field ({name}) on node type ({node_type})")
    return set(requested) | {"id"}


def _select(node: dict, wanted: set[str], keep_id: bool = True) -> dict:
    return {k: v for k, v in node.items() if k in wanted or (keep_id and k == "id")}


def _status_param(raw: str | None, edge: str) -> set[str]:
    allowed = _EDGE_STATUSES[edge]
    values = _list_param(raw)
    if values is None:
        return {s for s in allowed if s not in _HIDDEN_BY_DEFAULT}
    for i, value in enumerate(values):
        if value not in allowed:
            raise _GraphError(400, 100, f"(#100) Param effective_status[{i}] must be one of {{{', '.join(allowed)}}}")
    return set(values)


def _insights_query(params: dict[str, str]) -> _InsightsQuery:
    level = params.get("level")
    if level not in ("ad", "account"):
        raise _GraphError(
            400, 100, f"(#100) The sandbox serves level=ad and level=account insights only (got level={level!r})"
        )
    if params.get("time_increment") != "1":
        raise _GraphError(400, 100, "(#100) The sandbox serves daily insights only: time_increment=1")
    time_range = _json_param(params.get("time_range"), "time_range")
    if not isinstance(time_range, dict) or not {"since", "until"} <= set(time_range):
        raise _GraphError(400, 100, "(#100) time_range must be {'since': YYYY-MM-DD, 'until': YYYY-MM-DD}")
    try:
        since, until = date.fromisoformat(time_range["since"]), date.fromisoformat(time_range["until"])
    except (TypeError, ValueError):
        raise _GraphError(400, 100, f"(#100) time_range has an invalid date: {time_range!r}") from None
    if until < since:
        raise _GraphError(400, 100, "(#100) time_range: since must not be after until")
    fields = _list_param(params.get("fields")) or ["spend", "impressions", "clicks", "account_id"]
    for name in fields:
        if name not in (_INSIGHT_FIELDS if level == "ad" else _ACCOUNT_LEVEL_FIELDS):
            raise _GraphError(400, 100, f"(#100) {name} is not valid for fields param at level={level}")
    unified = params.get("use_unified_attribution_setting", "false").lower() == "true"
    windows = _list_param(params.get("action_attribution_windows")) or []
    for name in windows:
        if name not in _ATTRIBUTION_WINDOWS:
            raise _GraphError(
                400,
                100,
                f"(#100) action_attribution_windows[{windows.index(name)}] must be one of the following values: "
                f"{', '.join(_ATTRIBUTION_WINDOWS)}",
            )
    filters = []
    for entry in _json_param(params.get("filtering"), "filtering") or []:
        if not isinstance(entry, dict) or entry.get("field") not in _FILTER_FIELDS:
            raise _GraphError(400, 100, f"(#100) Filtering field is not supported by the sandbox: {entry!r}")
        operator = entry.get("operator")
        if operator not in ("IN", "NOT_IN") or not isinstance(entry.get("value"), list):
            raise _GraphError(400, 100, f"(#100) Filtering needs operator IN or NOT_IN and a list value: {entry!r}")
        filters.append((entry["field"], operator, tuple(map(str, entry["value"]))))
    return _InsightsQuery(since, until, tuple(fields), tuple(windows), tuple(filters), level, unified)


def _passes_filters(ad: MetaAd, adset_status: str, campaign_status: str, filters) -> bool:
    statuses = {
        "ad.effective_status": ad.effective_status,
        "adset.effective_status": adset_status,
        "campaign.effective_status": campaign_status,
    }
    ad_filtered = any(field_name == "ad.effective_status" for field_name, _, _ in filters)
    # Like the real API: deleted and archived ads are left out unless asked for by status.
    if not ad_filtered and ad.effective_status in _HIDDEN_BY_DEFAULT:
        return False
    for field_name, operator, values in filters:
        if (statuses[field_name] in values) != (operator == "IN"):
            return False
    return True


def _insight_row(ad_day: AdDay, windows: tuple[str, ...]) -> dict:
    ad = ad_day.ad
    row: dict[str, Any] = {
        "account_id": ad.account_id,
        "campaign_id": ad.campaign_id,
        "adset_id": ad.adset_id,
        "ad_id": ad.ad_id,
        "date_start": ad_day.day.isoformat(),
        "date_stop": ad_day.day.isoformat(),
        "spend": ad_day.spend,
        "impressions": str(ad_day.impressions),
        "clicks": str(ad_day.clicks),
    }
    # The real API leaves a list out altogether when it would be empty.
    if ad_day.actions:
        row["actions"] = [stat.as_api(windows, money=False) for stat in ad_day.actions]
    if ad_day.action_values:
        row["action_values"] = [stat.as_api(windows, money=True) for stat in ad_day.action_values]
    return row


def _page(items: list[dict], params: dict[str, str], limit: int, next_url_base: str) -> dict:
    offset = _decode_cursor(params.get("after")) if params.get("after") else 0
    chunk = items[offset : offset + limit]
    end = offset + len(chunk)
    body: dict[str, Any] = {"data": chunk}
    if items:
        body["paging"] = {"cursors": {"before": _encode_cursor(offset), "after": _encode_cursor(end)}}
        if end < len(items):
            body["paging"]["next"] = f"{next_url_base}&{urlencode({'after': _encode_cursor(end)})}"
    return body


def _encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"sandbox-offset:{offset}".encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, _, offset = text.partition(":")
        if prefix != "sandbox-offset" or not offset.isdigit():
            raise ValueError(text)
        return int(offset)
    except ValueError:
        raise _GraphError(400, 100, f"(#100) Invalid cursor: {cursor!r}") from None


def _graph_time(moment) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S%z")  # the Graph API's "2026-07-01T09:15:00-0400"


# --------------------------------------------------------------------------- #
# The HTTP layer
# --------------------------------------------------------------------------- #


def _handler_for(sandbox: MetaSandboxServer) -> type[BaseHTTPRequestHandler]:
    class GraphHandler(QuietJSONHandler):
        server_version = "MetaGraphSandbox/1.0"
        json_content_type = "application/json; charset=UTF-8"

        def json_default(self, value: Any) -> Any:
            return str(value) if isinstance(value, Decimal) else super().json_default(value)

        def do_GET(self) -> None:
            self._answer("GET")

        def do_POST(self) -> None:
            self._answer("POST")

        def do_DELETE(self) -> None:
            self._answer("DELETE")

        def _answer(self, method: str) -> None:
            split = urlsplit(self.path)
            params = dict(parse_qsl(split.query, keep_blank_values=True))
            # The SDK POSTs its parameters form-encoded in the body.
            params.update(parse_qsl(self.read_body().decode("utf-8"), keep_blank_values=True))
            self.send(sandbox.handle(method, split.path, params))

    return GraphHandler
