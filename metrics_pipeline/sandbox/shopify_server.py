"""Serve the sandbox's commerce world as Shopify's Admin GraphQL API, over HTTP on loopback.

``ShopifySandboxServer`` is a ``ThreadingHTTPServer`` on 127.0.0.1 in a daemon thread. The real
connector (``metrics_pipeline.sources.shopify``) talks to it unchanged but for the base URL
(``METRICS_SHOPIFY_URL_TEMPLATE``, see ``environment()``):

    POST /shops/<shop_domain>/admin/api/<version>/graphql.json
    X-Shopify-Access-Token: <the shop's token>
    Content-Type: application/json
    {"query": "...", "variables": {...}}

The GraphQL itself is graphql_engine.py (parse, validate, cost, execute) over the schema slice and
resolvers of shopify_schema.py; this module is the endpoint: routing, tokens, faults, the cost limit
and throttling. It is a small but honest GraphQL server: the document is parsed (operations, variables, aliases,
inline and named fragments), validated against the slice of the Admin schema it knows (an unknown
field or argument is the same ``undefinedField`` / ``argumentNotAccepted`` error Shopify gives, and
``Order.checkoutToken`` exists only from API version 2026-07 on, as on Shopify), costed, and
executed. Root fields: ``shop``, ``orders``, ``order``, ``refund``, ``products``, ``productVariants``,
``customers``, ``currentAppInstallation``; connections page with ``first`` / ``after`` and opaque cursors; ``orders`` takes
``query: "updated_at:>='...'"`` (also ``created_at``, ``id``) and ``sortKey: UPDATED_AT | CREATED_AT
| ID``; ``customers`` takes ``query: "id:1 OR id:2"`` or ``updated_at``.

Cost and throttling follow Shopify's model (approximately): an object costs 1, a scalar 0, a
connection 2 plus ``first`` times its node's cost, a list field ``first`` (or 1) times its
element's; a query whose requested cost is above 1000 is refused (``MAX_COST_EXCEEDED``); each shop
has a leaky bucket (``maximumAvailable`` 2000, ``restoreRate`` 100 a second): the requested cost
must be available, and what the query did not use is given back. Every answer carries
``extensions.cost`` with ``throttleStatus``. ``clock_scale`` compresses time the way
``METRICS_RETRY_BASE_DELAY`` does for the connector: real seconds per sandbox second.

The world is served as it stood at the end of ``as_of`` (a date, default 2026-10-31, in each
shop's time zone): later orders do not exist yet, a refund exists from its creation on (and bumps
its order's ``updatedAt``), the unit-cost change shows from its day.

Access: each shop's permanent token (``X-Shopify-Access-Token``), or one from the client
credentials grant: ``POST /shops/<shop>/admin/oauth/access_token`` with ``grant_type=
client_credentials``, ``client_id`` and ``client_secret`` (form or JSON) answers ``access_token``,
``scope`` and ``expires_in`` 86399; such a token is refused (401) once that many sandbox seconds
have passed (``expire_granted_tokens`` ends them all now). ``currentAppInstallation { accessScopes
{ handle } }`` lists the app's scopes; without ``read_all_orders`` (``withhold_scope``) orders
created more than 60 days before the as-of clock are invisible, as on Shopify.

Bulk query operations (shopify_bulk.py): the one mutation served, ``bulkOperationRunQuery``, and
``currentBulkOperation`` / ``bulkOperation(id:)`` (from 2026-01) to poll them; an operation moves
CREATED -> RUNNING -> COMPLETED as it is read, and its JSONL is served without a token at
``GET /bulk-results/<token>.jsonl`` (Shopify's signed storage URL). ``fail_next_bulk_operation``
and ``occupy_bulk_operations`` are the faults.

Faults: by default one ``THROTTLED`` answer (HTTP 200, ``errors[].extensions.code = "THROTTLED"``,
the bucket drained low) and one transient HTTP 502, each on a page of ``orders`` carrying a cursor.
A token that is unknown, revoked (``revoke_token``) or belongs to another shop answers HTTP 401.
Every request is recorded (never the token itself) for tests: ``requests``, ``count(...)``.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs

from metrics_pipeline.sandbox.commerce_world import (
    END,
    REVOKED_ACCESS_TOKEN,
    CommerceWorld,
)
from metrics_pipeline.sandbox.graphql_engine import (
    GraphQLError,
    collect_fields,
    decimal_scalar,
    execute,
    field_arguments,
    parse_document,
    requested_cost,
    timestamp,
    validate,
)
from metrics_pipeline.sandbox.http import PlatformAPIServer, QuietJSONHandler, Response
from metrics_pipeline.sandbox.shopify_bulk import BulkOperations, check_bulk_query, flatten
from metrics_pipeline.sandbox.shopify_schema import QueryContext, root_value, schema_for

URL_TEMPLATE_VARIABLE = "METRICS_SHOPIFY_URL_TEMPLATE"
SUPPORTED_VERSIONS = ("2025-10", "2026-01", "2026-04", "2026-07", "2026-10")
MAX_QUERY_COST = 1000
MAXIMUM_AVAILABLE = 2000.0
RESTORE_RATE = 100.0
THROTTLED_LEFT = 45.0  # what a THROTTLED fault leaves in the bucket
# The client credentials grant: a token lives 24 hours (Shopify answers expires_in 86399).
TOKEN_LIFETIME = 86399
# What the sandbox apps are granted; without read_all_orders only the last 60 days of orders show.
DEFAULT_SCOPES = ("read_all_orders", "read_customers", "read_inventory", "read_orders", "read_products")
RECENT_ORDERS_DAYS = 60
MUTATION_COST = 10  # Shopify: a mutation costs 10 points plus what its payload selects

# slow: the right answer, `seconds` late (past the client's timeout); dropped: the right
# status and headers, then half the body and the connection closed.
FAULT_KINDS = ("throttled", "server_error", "slow", "dropped")


@dataclass(frozen=True)
class Fault:
    """One faulty answer, served once to the first request that matches it.

    root: the query's first root field (orders, products, ...), or None for any request;
    next_page_only: only a request whose variables carry an `after` cursor (mid-listing).
    """

    kind: str  # throttled | server_error | slow | dropped
    root: str | None = None
    next_page_only: bool = False
    seconds: float = 0.0  # how late a `slow` answer comes

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"fault kind must be one of {', '.join(FAULT_KINDS)} (got {self.kind!r})")

    def matches(self, root: str, with_cursor: bool) -> bool:
        return self.root in (None, root) and (with_cursor or not self.next_page_only)


DEFAULT_FAULTS = (
    Fault("throttled", "orders", next_page_only=True),
    Fault("server_error", "orders", next_page_only=True),
)


@dataclass(frozen=True)
class RequestRecord:
    shop_domain: str
    api_version: str
    root: str  # the first root field, or "" when the request never got that far
    status: int  # HTTP status
    token: str  # ok | revoked | expired | unknown | wrong_shop | missing | grant: never the token itself
    with_cursor: bool
    fault: str | None = None  # the injected fault this request was answered with
    throttled: bool = False  # answered THROTTLED (injected or because the bucket was short)
    error_code: str | None = None  # the GraphQL error code, if any
    requested_cost: int | None = None
    actual_cost: int | None = None
    search: str | None = None  # the root field's `query` argument (Shopify search syntax)


class ShopifySandboxServer(PlatformAPIServer):
    """The Admin GraphQL stand-in on `host`, on a free port unless `port` is given."""

    def __init__(
        self,
        world: CommerceWorld,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        as_of: date = END,
        faults: Iterable[Fault] | None = None,
        maximum_available: float = MAXIMUM_AVAILABLE,
        restore_rate: float = RESTORE_RATE,
        clock_scale: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(
            host,
            port,
            as_of=as_of,
            faults=DEFAULT_FAULTS if faults is None else faults,
            tokens={shop.access_token: shop.shop_domain for shop in world.shops},
            disabled_tokens=(REVOKED_ACCESS_TOKEN,),
        )
        self.world = world
        self.maximum_available = maximum_available
        self.restore_rate = restore_rate
        self.clock_scale = clock_scale
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # shop -> (available, at clock)
        self._apps = {shop.client_id: shop for shop in world.shops if shop.client_id}
        self._granted: dict[str, tuple[str, float]] = {}  # client credentials token -> (shop, expires at)
        self._scopes = {shop.shop_domain: set(DEFAULT_SCOPES) for shop in world.shops}
        self.token_lifetime = TOKEN_LIFETIME  # seconds (sandbox time) a granted token lives
        self.bulk = BulkOperations(clock=self._clock)  # bulk query operations (shopify_bulk.py)

    # -- lifecycle (start, stop, base_url: PlatformAPIServer) -------------- #

    def _request_handler(self):
        return _handler_for(self)

    @property
    def url_template(self) -> str:
        return f"{self.base_url}/shops/{{shop_domain}}"

    def environment(self) -> dict[str, str]:
        """Variables that point the Shopify connector at this server, with each connection's token."""
        return {URL_TEMPLATE_VARIABLE: self.url_template, **self.world.access_tokens()}

    # -- knobs for tests ---------------------------------------------------- #

    revoke_token = PlatformAPIServer.disable_token
    restore_token = PlatformAPIServer.enable_token

    def withhold_scope(self, shop_domain: str, scope: str) -> None:
        """The shop's app loses `scope` (read_all_orders: orders older than 60 days vanish)."""
        with self._lock:
            self._scopes[shop_domain].discard(scope)

    def grant_scope(self, shop_domain: str, scope: str) -> None:
        with self._lock:
            self._scopes[shop_domain].add(scope)

    def expire_granted_tokens(self) -> None:
        """Every client-credentials token expires now (as if 24 hours had passed)."""
        with self._lock:
            self._granted = {token: (shop, self._clock()) for token, (shop, _) in self._granted.items()}

    def fail_next_bulk_operation(self, error_code: str = "INTERNAL_SERVER_ERROR") -> None:
        """The next bulk operation started ends FAILED with `error_code` (and partial data)."""
        self.bulk.fail_next(error_code)

    def occupy_bulk_operations(self, shop_domain: str, count: int, seconds: float) -> list[str]:
        """Bulk queries of another process of the same app, RUNNING for `seconds` of sandbox time."""
        return self.bulk.occupy(shop_domain, count, seconds * self.clock_scale)

    def refill_buckets(self) -> None:
        with self._lock:
            self._buckets.clear()

    def count(
        self,
        root: str | None = None,
        *,
        shop: str | None = None,
        status: int | None = None,
        fault: str | None = None,
        token: str | None = None,
        with_cursor: bool | None = None,
        throttled: bool | None = None,
    ) -> int:
        return self._count(
            root=root,
            shop_domain=shop,
            status=status,
            fault=fault,
            token=token,
            with_cursor=with_cursor,
            throttled=throttled,
        )

    def searches(self, root: str, *, shop: str | None = None) -> set[str | None]:
        """The distinct `query:` filters the requests for `root` carried."""
        return {r.search for r in self.requests if r.root == root and (shop is None or r.shop_domain == shop)}

    # -- the protocol ------------------------------------------------------- #

    def handle(self, path: str, headers: dict[str, str], body: bytes) -> Response:
        """Answer one POST (the HTTP layer only parses and serialises)."""
        grant = re.fullmatch(r"/shops/([^/]+)/admin/oauth/access_token", path)
        if grant:
            return self._grant(grant.group(1), headers, body)
        match = re.fullmatch(r"/shops/([^/]+)/admin/api/([^/]+)/graphql\.json", path)
        shop_domain, version = (match.group(1), match.group(2)) if match else ("", "")
        token = _header(headers, "X-Shopify-Access-Token")
        with self._lock:
            granted = self._granted.get(token or "")
        if granted is not None:
            token_state = "expired" if self._clock() >= granted[1] else "ok"
            if token_state == "ok" and granted[0] != shop_domain:
                token_state = "wrong_shop"
        else:
            token_state = self._token_state(token, disabled="revoked")
            if token_state == "ok" and self._tokens[token] != shop_domain:
                token_state = "wrong_shop"
        record = dict(
            shop_domain=shop_domain, api_version=version, root="", token=token_state, with_cursor=False, search=None
        )
        if not match or version not in SUPPORTED_VERSIONS:
            return self._answer(record, Response(404, {"errors": "Not Found"}))
        try:
            shop = self.world.shop(shop_domain)
        except KeyError:
            return self._answer(record, Response(404, {"errors": "Not Found"}))
        if token_state != "ok":
            return self._answer(
                record,
                Response(
                    401, {"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"}
                ),
            )
        if "application/json" not in (_header(headers, "Content-Type") or ""):
            return self._answer(
                record, Response(400, {"errors": "Content-Type must be application/json for GraphQL requests"})
            )
        try:
            payload = json.loads(body.decode("utf-8"))
            query, variables = payload["query"], payload.get("variables") or {}
            if not isinstance(query, str) or not isinstance(variables, dict):
                raise ValueError
        except (ValueError, KeyError, TypeError, UnicodeDecodeError):
            return self._answer(record, Response(400, {"errors": {"query": "Required parameter missing or invalid"}}))
        record["with_cursor"] = any(k in variables and variables[k] for k in ("after", "cursor"))
        try:
            document = parse_document(query)
            operation = document.operation(payload.get("operationName"))
            schema = schema_for(version)
            root_type = "Mutation" if operation.kind == "mutation" else "QueryRoot"
            fields = collect_fields(operation.selections, root_type, document.fragments)
            record["root"] = next(iter(fields.values()))[0].name if fields else ""
            arguments = operation.resolve_variables(variables)
            if fields:
                record["search"] = field_arguments(next(iter(fields.values()))[0], arguments).get("query")
            errors = validate(fields, root_type, schema, document.fragments, arguments)
            if errors:
                return self._answer(
                    record, Response(200, {"errors": errors}), error_code=errors[0]["extensions"]["code"]
                )
            requested = requested_cost(fields, root_type, schema, document.fragments, arguments)
            if root_type == "Mutation":
                requested += MUTATION_COST
        except GraphQLError as error:
            return self._answer(record, Response(200, {"errors": [error.as_json()]}), error_code=error.code)

        fault = self._take_fault(lambda f: f.matches(record["root"], record["with_cursor"]))
        late = None  # a slow or dropped answer is the right one, delivered badly
        if fault is not None and fault.kind in ("slow", "dropped"):
            late, fault = fault, None
        if fault is not None and fault.kind == "server_error":
            return self._answer(
                record, Response(502, _BAD_GATEWAY, {"Content-Type": "text/html"}), fault="server_error"
            )
        if requested > MAX_QUERY_COST:
            error = GraphQLError(
                f"Query cost is {requested}, which exceeds the single query max cost limit ({MAX_QUERY_COST}).\n\n"
                "See https://shopify.dev/concepts/about-apis/rate-limits for more information on how the\n"
                "cost of a query is calculated.\n\nTo query larger amounts of data with fewer limits, bulk "
                "operations should be used instead.\nSee https://shopify.dev/tutorials/perform-bulk-operations"
                "-with-admin-api for usage details.\n",
                "MAX_COST_EXCEEDED",
                cost=requested,
                max_cost=MAX_QUERY_COST,
            )
            return self._answer(
                record,
                Response(
                    200, {"errors": [error.as_json()], "extensions": {"cost": self._cost(shop_domain, requested)}}
                ),
                error_code="MAX_COST_EXCEEDED",
                requested=requested,
            )
        with self._lock:
            available = self._available(shop_domain)
            if fault is not None or requested > available:
                if fault is not None:  # an injected throttle drains the bucket, as a busy neighbour would
                    available = min(available, THROTTLED_LEFT)
                    self._buckets[shop_domain] = (available, self._clock())
                body_ = {
                    "errors": [
                        {
                            "message": "Throttled",
                            "extensions": {
                                "code": "THROTTLED",
                                "documentation": "https://shopify.dev/api/usage/rate-limits",
                            },
                        }
                    ],
                    "extensions": {"cost": self._cost(shop_domain, requested)},
                }
                return self._answer(
                    record,
                    Response(200, body_),
                    fault=fault.kind if fault else None,
                    throttled=True,
                    error_code="THROTTLED",
                    requested=requested,
                )
            self._buckets[shop_domain] = (available - requested, self._clock())
        with self._lock:
            scopes = tuple(sorted(self._scopes[shop_domain]))
        context = QueryContext(
            self.world, shop, self.world.cutoff(shop.shop_domain, self.as_of), version, access_scopes=scopes
        )
        root = (
            self._mutation_root(context, schema)
            if root_type == "Mutation"
            else {**root_value(context), **self._bulk_queries(shop_domain)}
        )
        try:
            data = execute(fields, root_type, root, schema, document.fragments, arguments, context)
        except GraphQLError as error:
            return self._answer(record, Response(200, {"errors": [error.as_json()]}), error_code=error.code)
        actual = context.actual_cost
        with self._lock:
            available, at = self._buckets[shop_domain]
            self._buckets[shop_domain] = (min(self.maximum_available, available + requested - actual), at)
            cost = self._cost(shop_domain, requested, actual)
        answer = self._answer(
            record,
            Response(200, {"data": data, "extensions": {"cost": cost}}),
            requested=requested,
            actual=actual,
            fault=late.kind if late else None,
        )
        if late is None:
            return answer
        return answer.delivered_badly(late.kind, late.seconds)

    # -- bulk operations (shopify_bulk.py) ----------------------------------- #

    def _mutation_root(self, context: QueryContext, schema: dict) -> dict:
        def run_query(args: dict, path: tuple) -> dict:
            checked, problems = check_bulk_query(str(args.get("query") or ""), schema)
            if problems:
                return {
                    "bulkOperation": None,
                    "userErrors": [{"field": ["query"], "message": p, "code": "INVALID"} for p in problems],
                }
            fields, fragments = checked
            group = bool(args.get("groupObjects"))

            def produce() -> list[dict]:
                # The query runs over the shop as it stood when the operation was created.
                bulk_context = QueryContext(
                    context.world, context.shop, context.cutoff, context.version, access_scopes=context.access_scopes
                )
                data = execute(fields, "QueryRoot", root_value(bulk_context), schema, fragments, {}, bulk_context)
                return flatten(data, fields, schema, fragments, group_objects=group)

            return self.bulk.run(context.shop.shop_domain, context.version, str(args["query"]), produce)

        return {"bulkOperationRunQuery": run_query}

    def _bulk_queries(self, shop_domain: str) -> dict:
        base_url = self.base_url

        def current(args: dict, path: tuple) -> dict | None:
            if (args.get("type") or "QUERY") != "QUERY":
                return None
            op = self.bulk.current(shop_domain)
            return None if op is None else self.bulk.as_json(op, base_url)

        def by_id(args: dict, path: tuple) -> dict | None:
            op = self.bulk.find(shop_domain, args.get("id"))
            return None if op is None else self.bulk.as_json(op, base_url)

        return {"currentBulkOperation": current, "bulkOperation": by_id}

    def download(self, path: str) -> Response:
        """GET /bulk-results/<token>.jsonl: a bulk operation's result (no access token, like a signed URL)."""
        match = re.fullmatch(r"/bulk-results/([0-9a-f]+)\.jsonl", path)
        body = self.bulk.file(match.group(1)) if match else None
        record = dict(shop_domain="", api_version="", root="bulk-results", token="signed-url", with_cursor=False)
        if body is None:
            # Google Cloud Storage's answer to a signed URL it does not know (or that expired)
            return self._answer(
                record, Response(403, b"<Error><Code>AccessDenied</Code></Error>", {"Content-Type": "application/xml"})
            )
        return self._answer(record, Response(200, body, {"Content-Type": "application/jsonl"}))

    def _answer(
        self,
        record: dict,
        response: Response,
        *,
        fault: str | None = None,
        throttled: bool = False,
        error_code: str | None = None,
        requested: int | None = None,
        actual: int | None = None,
    ) -> Response:
        with self._lock:
            self._records.append(
                RequestRecord(
                    **record,
                    status=response.status,
                    fault=fault,
                    throttled=throttled,
                    error_code=error_code,
                    requested_cost=requested,
                    actual_cost=actual,
                )
            )
        headers = {"X-Shopify-API-Version": record["api_version"] or SUPPORTED_VERSIONS[0], **response.headers}
        return Response(response.status, response.body, headers)

    def _grant(self, shop_domain: str, headers: dict[str, str], body: bytes) -> Response:
        """POST /admin/oauth/access_token: the client credentials grant (form or JSON body)."""
        record = dict(shop_domain=shop_domain, api_version="", root="oauth", token="grant", with_cursor=False)
        try:
            shop = self.world.shop(shop_domain)
        except KeyError:
            return self._answer(record, Response(404, {"errors": "Not Found"}))
        try:
            text = body.decode("utf-8")
            if "application/json" in (_header(headers, "Content-Type") or ""):
                params = {k: str(v) for k, v in json.loads(text).items()}
            else:
                params = {k: v[-1] for k, v in parse_qs(text).items()}
        except (ValueError, AttributeError, UnicodeDecodeError):
            params = {}
        if params.get("grant_type") != "client_credentials":
            return self._answer(
                record,
                Response(400, {"error": "unsupported_grant_type", "error_description": "grant_type is not supported"}),
            )
        app = self._apps.get(params.get("client_id", ""))
        if app is None or app.shop_domain != shop_domain or params.get("client_secret") != app.client_secret:
            return self._answer(
                record,
                Response(400, {"error": "invalid_client", "error_description": "Client authentication failed"}),
            )
        token = f"shpat_granted_{uuid.uuid4().hex}"
        with self._lock:
            self._granted[token] = (shop.shop_domain, self._clock() + self.token_lifetime * self.clock_scale)
            scopes = ",".join(sorted(self._scopes[shop_domain]))
        return self._answer(
            record, Response(200, {"access_token": token, "scope": scopes, "expires_in": self.token_lifetime})
        )

    def _available(self, shop_domain: str) -> float:
        """The shop's bucket now (call with the lock held)."""
        now = self._clock()
        available, at = self._buckets.get(shop_domain, (self.maximum_available, now))
        restored = (now - at) / self.clock_scale * self.restore_rate
        available = min(self.maximum_available, available + restored)
        self._buckets[shop_domain] = (available, now)
        return available

    def _cost(self, shop_domain: str, requested: int, actual: int | None = None) -> dict:
        with self._lock:
            available = self._available(shop_domain)
        return {
            "requestedQueryCost": requested,
            "actualQueryCost": actual,
            "throttleStatus": {
                "maximumAvailable": self.maximum_available,
                "currentlyAvailable": int(available),
                "restoreRate": self.restore_rate,
            },
        }


_BAD_GATEWAY = (
    b"<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1>"
    b"<p>The server encountered a temporary error and could not complete your request.</p></body></html>"
)


# --------------------------------------------------------------------------- #
# The HTTP layer
# --------------------------------------------------------------------------- #


def _header(headers: dict[str, str], name: str) -> str | None:
    return next((v for k, v in headers.items() if k.lower() == name.lower()), None)


def _handler_for(sandbox: ShopifySandboxServer) -> type[BaseHTTPRequestHandler]:
    class GraphQLHandler(QuietJSONHandler):
        server_version = "ShopifyAdminSandbox/1.0"

        def json_default(self, value: Any) -> Any:
            if isinstance(value, Decimal):
                return decimal_scalar(value)
            if isinstance(value, datetime):
                return timestamp(value)
            return super().json_default(value)

        def do_POST(self) -> None:
            body = self.read_body()
            self.send(sandbox.handle(self.path.split("?")[0], dict(self.headers.items()), body))

        def do_GET(self) -> None:
            self.read_body()
            path = self.path.split("?")[0]
            if path.startswith("/bulk-results/"):
                self.send(sandbox.download(path))
                return
            self.send(Response(405, {"errors": "GraphQL requests must be POSTed"}))

    return GraphQLHandler
