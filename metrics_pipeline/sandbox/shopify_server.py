"""Serve the sandbox's commerce world as Shopify's Admin GraphQL API, over HTTP on loopback.

``ShopifySandboxServer`` is a ``ThreadingHTTPServer`` on 127.0.0.1 in a daemon thread. The real
connector (``metrics_pipeline.sources.shopify``) talks to it unchanged but for the base URL
(``METRICS_SHOPIFY_URL_TEMPLATE``, see ``environment()``):

    POST /shops/<shop_domain>/admin/api/<version>/graphql.json
    X-Shopify-Access-Token: <the shop's token>
    Content-Type: application/json
    {"query": "...", "variables": {...}}

It is a small but honest GraphQL server: the document is parsed (operations, variables, aliases,
inline and named fragments), validated against the slice of the Admin schema it knows (an unknown
field or argument is the same ``undefinedField`` / ``argumentNotAccepted`` error Shopify gives, and
``Order.checkoutToken`` exists only from API version 2026-07 on, as on Shopify), costed, and
executed. Root fields: ``shop``, ``orders``, ``order``, ``refund``, ``products``, ``productVariants``,
``customers``; connections page with ``first`` / ``after`` and opaque cursors; ``orders`` takes
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

Faults: by default one ``THROTTLED`` answer (HTTP 200, ``errors[].extensions.code = "THROTTLED"``,
the bucket drained low) and one transient HTTP 502, each on a page of ``orders`` carrying a cursor.
A token that is unknown, revoked (``revoke_token``) or belongs to another shop answers HTTP 401.
Every request is recorded (never the token itself) for tests: ``requests``, ``count(...)``.
"""

from __future__ import annotations

import base64
import json
import re
import socket
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from metrics_pipeline.sandbox.commerce_world import (
    END,
    REVOKED_ACCESS_TOKEN,
    CommerceWorld,
    Customer,
    LineItem,
    Order,
    Product,
    Refund,
    Shop,
    Variant,
)
from metrics_pipeline.sandbox.faults import FaultQueue
from metrics_pipeline.sandbox.http import LoopbackHTTPServer

URL_TEMPLATE_VARIABLE = "METRICS_SHOPIFY_URL_TEMPLATE"
SUPPORTED_VERSIONS = ("2025-10", "2026-01", "2026-04", "2026-07", "2026-10")
CHECKOUT_TOKEN_SINCE = "2026-07"  # Order.checkoutToken (Shopify changelog, May 2026)
MAX_QUERY_COST = 1000
MAXIMUM_AVAILABLE = 2000.0
RESTORE_RATE = 100.0
MAX_PAGE_SIZE = 250
THROTTLED_LEFT = 45.0  # what a THROTTLED fault leaves in the bucket

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
    token: str  # ok | revoked | unknown | wrong_shop | missing: never the token itself
    with_cursor: bool
    fault: str | None = None  # the injected fault this request was answered with
    throttled: bool = False  # answered THROTTLED (injected or because the bucket was short)
    error_code: str | None = None  # the GraphQL error code, if any
    requested_cost: int | None = None
    actual_cost: int | None = None
    search: str | None = None  # the root field's `query` argument (Shopify search syntax)


@dataclass(frozen=True)
class _Response:
    status: int
    body: Any  # JSON-serialisable, or bytes for a non-JSON body
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before answering
    cut_short: bool = False  # send half the body, then close the connection


class ShopifySandboxServer(LoopbackHTTPServer, FaultQueue):
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
        self.world = world
        self._host = host
        self._requested_port = port
        self._as_of = as_of
        self._lock = threading.RLock()
        self._faults: list[Fault] = list(DEFAULT_FAULTS if faults is None else faults)
        self._records: list[RequestRecord] = []
        self._tokens = {shop.access_token: shop.shop_domain for shop in world.shops}
        self._revoked = {REVOKED_ACCESS_TOKEN}
        self.maximum_available = maximum_available
        self.restore_rate = restore_rate
        self.clock_scale = clock_scale
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # shop -> (available, at clock)
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle (start, stop, base_url: LoopbackHTTPServer) ------------- #

    def _request_handler(self):
        return _handler_for(self)

    @property
    def url_template(self) -> str:
        return f"{self.base_url}/shops/{{shop_domain}}"

    def environment(self) -> dict[str, str]:
        """Variables that point the Shopify connector at this server, with each connection's token."""
        return {URL_TEMPLATE_VARIABLE: self.url_template, **self.world.access_tokens()}

    # -- knobs for tests ---------------------------------------------------- #

    @property
    def as_of(self) -> date:
        with self._lock:
            return self._as_of

    @as_of.setter
    def as_of(self, value: date) -> None:
        with self._lock:
            self._as_of = value

    def revoke_token(self, token: str) -> None:
        with self._lock:
            self._revoked.add(token)

    def restore_token(self, token: str) -> None:
        with self._lock:
            self._revoked.discard(token)

    def refill_buckets(self) -> None:
        with self._lock:
            self._buckets.clear()

    @property
    def requests(self) -> tuple[RequestRecord, ...]:
        with self._lock:
            return tuple(self._records)

    def reset_requests(self) -> None:
        with self._lock:
            self._records.clear()

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
        return sum(
            1
            for r in self.requests
            if (root is None or r.root == root)
            and (shop is None or r.shop_domain == shop)
            and (status is None or r.status == status)
            and (fault is None or r.fault == fault)
            and (token is None or r.token == token)
            and (with_cursor is None or r.with_cursor == with_cursor)
            and (throttled is None or r.throttled == throttled)
        )

    def searches(self, root: str, *, shop: str | None = None) -> set[str | None]:
        """The distinct `query:` filters the requests for `root` carried."""
        return {r.search for r in self.requests if r.root == root and (shop is None or r.shop_domain == shop)}

    # -- the protocol ------------------------------------------------------- #

    def handle(self, path: str, headers: dict[str, str], body: bytes) -> _Response:
        """Answer one POST (the HTTP layer only parses and serialises)."""
        match = re.fullmatch(r"/shops/([^/]+)/admin/api/([^/]+)/graphql\.json", path)
        shop_domain, version = (match.group(1), match.group(2)) if match else ("", "")
        token = _header(headers, "X-Shopify-Access-Token")
        token_state = self._token_state(token, shop_domain)
        record = dict(shop_domain=shop_domain, api_version=version, root="", token=token_state, with_cursor=False,
                      search=None)
        if not match or version not in SUPPORTED_VERSIONS:
            return self._answer(record, _Response(404, {"errors": "Not Found"}))
        try:
            shop = self.world.shop(shop_domain)
        except KeyError:
            return self._answer(record, _Response(404, {"errors": "Not Found"}))
        if token_state != "ok":
            return self._answer(record, _Response(
                401, {"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"}
            ))
        if "application/json" not in (_header(headers, "Content-Type") or ""):
            return self._answer(record, _Response(
                400, {"errors": "Content-Type must be application/json for GraphQL requests"}))
        try:
            payload = json.loads(body.decode("utf-8"))
            query, variables = payload["query"], payload.get("variables") or {}
            if not isinstance(query, str) or not isinstance(variables, dict):
                raise ValueError
        except (ValueError, KeyError, TypeError, UnicodeDecodeError):
            return self._answer(record, _Response(400, {"errors": {"query": "Required parameter missing or invalid"}}))
        record["with_cursor"] = any(k in variables and variables[k] for k in ("after", "cursor"))
        try:
            document = parse_document(query)
            operation = document.operation(payload.get("operationName"))
            schema = schema_for(version)
            fields = collect_fields(operation.selections, "QueryRoot", document.fragments)
            record["root"] = next(iter(fields.values()))[0].name if fields else ""
            arguments = operation.resolve_variables(variables)
            if fields:
                record["search"] = _arguments(next(iter(fields.values()))[0], arguments).get("query")
            errors = validate(fields, "QueryRoot", schema, document.fragments, arguments)
            if errors:
                return self._answer(record, _Response(200, {"errors": errors}), error_code=errors[0]["extensions"]["code"])
            requested = requested_cost(fields, "QueryRoot", schema, document.fragments, arguments)
        except GraphQLError as error:
            return self._answer(record, _Response(200, {"errors": [error.as_json()]}), error_code=error.code)

        fault = self._take_fault(record["root"], record["with_cursor"])
        late = None  # a slow or dropped answer is the right one, delivered badly
        if fault is not None and fault.kind in ("slow", "dropped"):
            late, fault = fault, None
        if fault is not None and fault.kind == "server_error":
            return self._answer(record, _Response(502, _BAD_GATEWAY, {"Content-Type": "text/html"}), fault="server_error")
        if requested > MAX_QUERY_COST:
            error = GraphQLError(
                f"Query cost is {requested}, which exceeds the single query max cost limit ({MAX_QUERY_COST}).\n\n"
                "See https://shopify.dev/concepts/about-apis/rate-limits for more information on how the\n"
                "cost of a query is calculated.\n\nTo query larger amounts of data with fewer limits, bulk "
                "operations should be used instead.\nSee https://shopify.dev/tutorials/perform-bulk-operations"
                "-with-admin-api for usage details.\n",
                "MAX_COST_EXCEEDED", cost=requested, max_cost=MAX_QUERY_COST,
            )
            return self._answer(record, _Response(200, {"errors": [error.as_json()],
                                                        "extensions": {"cost": self._cost(shop_domain, requested)}}),
                                error_code="MAX_COST_EXCEEDED", requested=requested)
        with self._lock:
            available = self._available(shop_domain)
            if fault is not None or requested > available:
                if fault is not None:  # an injected throttle drains the bucket, as a busy neighbour would
                    available = min(available, THROTTLED_LEFT)
                    self._buckets[shop_domain] = (available, self._clock())
                body_ = {"errors": [{"message": "Throttled", "extensions": {
                    "code": "THROTTLED", "documentation": "https://shopify.dev/api/usage/rate-limits"}}],
                    "extensions": {"cost": self._cost(shop_domain, requested)}}
                return self._answer(record, _Response(200, body_), fault=fault.kind if fault else None,
                                    throttled=True, error_code="THROTTLED", requested=requested)
            self._buckets[shop_domain] = (available - requested, self._clock())
        context = _Context(self.world, shop, self.world.cutoff(shop.shop_domain, self.as_of), version)
        try:
            data = execute(fields, "QueryRoot", _root(context), schema, document.fragments, arguments, context)
        except GraphQLError as error:
            return self._answer(record, _Response(200, {"errors": [error.as_json()]}), error_code=error.code)
        actual = context.actual_cost
        with self._lock:
            available, at = self._buckets[shop_domain]
            self._buckets[shop_domain] = (min(self.maximum_available, available + requested - actual), at)
            cost = self._cost(shop_domain, requested, actual)
        answer = self._answer(record, _Response(200, {"data": data, "extensions": {"cost": cost}}),
                              requested=requested, actual=actual, fault=late.kind if late else None)
        if late is None:
            return answer
        return _Response(answer.status, answer.body, answer.headers, delay=late.seconds,
                         cut_short=late.kind == "dropped")

    def _answer(self, record: dict, response: _Response, *, fault: str | None = None, throttled: bool = False,
                error_code: str | None = None, requested: int | None = None, actual: int | None = None) -> _Response:
        with self._lock:
            self._records.append(RequestRecord(**record, status=response.status, fault=fault, throttled=throttled,
                                               error_code=error_code, requested_cost=requested, actual_cost=actual))
        headers = {"X-Shopify-API-Version": record["api_version"] or SUPPORTED_VERSIONS[0], **response.headers}
        return _Response(response.status, response.body, headers)

    def _token_state(self, token: str | None, shop_domain: str) -> str:
        with self._lock:
            if not token:
                return "missing"
            if token in self._revoked:
                return "revoked"
            if token not in self._tokens:
                return "unknown"
            return "ok" if self._tokens[token] == shop_domain else "wrong_shop"

    def _take_fault(self, root: str, with_cursor: bool) -> Fault | None:
        with self._lock:
            for index, fault in enumerate(self._faults):
                if (fault.root is None or fault.root == root) and (with_cursor or not fault.next_page_only):
                    return self._faults.pop(index)
        return None

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
# GraphQL: parsing
# --------------------------------------------------------------------------- #


class GraphQLError(Exception):
    def __init__(self, message: str, code: str, *, path: list | None = None, **extensions: Any):
        super().__init__(message)
        self.message = message
        self.code = code
        self.path = path
        self.extensions = extensions

    def as_json(self) -> dict:
        error: dict[str, Any] = {"message": self.message, "extensions": {"code": self.code, **self.extensions}}
        if self.path:
            error["path"] = self.path
        return error


@dataclass(frozen=True)
class Variable:
    name: str


@dataclass(frozen=True)
class EnumValue:
    name: str


@dataclass(frozen=True)
class FieldNode:
    alias: str | None
    name: str
    arguments: tuple[tuple[str, Any], ...]
    selections: tuple  # of FieldNode | InlineFragment | FragmentSpread

    @property
    def response_key(self) -> str:
        return self.alias or self.name


@dataclass(frozen=True)
class InlineFragment:
    type_condition: str | None
    selections: tuple


@dataclass(frozen=True)
class FragmentSpread:
    name: str


@dataclass(frozen=True)
class Operation:
    name: str | None
    variable_defaults: tuple[tuple[str, Any, bool], ...]  # (name, default, required)
    selections: tuple

    def resolve_variables(self, variables: dict) -> dict:
        resolved = {}
        for name, default, required in self.variable_defaults:
            if name in variables and variables[name] is not None:
                resolved[name] = variables[name]
            elif default is not None:
                resolved[name] = default
            elif required:
                raise GraphQLError(f"Variable ${name} of type is required but was not provided",
                                   "INVALID_VARIABLE")
            else:
                resolved[name] = None
        return resolved


@dataclass(frozen=True)
class Document:
    operations: tuple[Operation, ...]
    fragments: dict

    def operation(self, name: str | None) -> Operation:
        if name:
            for operation in self.operations:
                if operation.name == name:
                    return operation
            raise GraphQLError(f"No operation named \"{name}\"", "OPERATION_NOT_FOUND")
        if len(self.operations) != 1:
            raise GraphQLError("An operation name is required when the document has several", "OPERATION_NAME_REQUIRED")
        return self.operations[0]


_TOKEN = re.compile(
    r"""
    (?P<skip>[\s,\ufeff]+|\#[^\n]*)
  | (?P<spread>\.\.\.)
  | (?P<punct>[!$&()\:=@\[\]{}|])
  | (?P<name>[_A-Za-z][_0-9A-Za-z]*)
  | (?P<number>-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)
  | (?P<string>"(?:[^"\\\n]|\\.)*")
    """,
    re.VERBOSE,
)


def _tokens(source: str) -> list[tuple[str, str]]:
    tokens, position = [], 0
    while position < len(source):
        match = _TOKEN.match(source, position)
        if match is None:
            line = source.count("\n", 0, position) + 1
            raise GraphQLError(f"Parse error on \"{source[position]}\" at line {line}", "PARSE_ERROR")
        kind = match.lastgroup
        if kind != "skip":
            tokens.append((kind, match.group()))
        position = match.end()
    tokens.append(("eof", ""))
    return tokens


class _Parser:
    def __init__(self, source: str):
        self.tokens = _tokens(source)
        self.position = 0

    def peek(self, value: str | None = None, kind: str | None = None) -> bool:
        token_kind, token_value = self.tokens[self.position]
        return (value is None or token_value == value) and (kind is None or token_kind == kind)

    def take(self, value: str | None = None, kind: str | None = None) -> str:
        token_kind, token_value = self.tokens[self.position]
        if (value is not None and token_value != value) or (kind is not None and token_kind != kind):
            shown = token_value or "end of document"
            raise GraphQLError(f"Parse error on \"{shown}\" (expected {value or kind})", "PARSE_ERROR")
        self.position += 1
        return token_value

    def document(self) -> Document:
        operations, fragments = [], {}
        while not self.peek(kind="eof"):
            if self.peek("fragment"):
                self.take("fragment")
                name = self.take(kind="name")
                self.take("on")
                type_condition = self.take(kind="name")
                fragments[name] = InlineFragment(type_condition, self.selection_set())
            elif self.peek("{"):
                operations.append(Operation(None, (), self.selection_set()))
            elif self.peek("query"):
                self.take("query")
                name = self.take(kind="name") if self.peek(kind="name") else None
                variables = self.variable_definitions() if self.peek("(") else ()
                operations.append(Operation(name, variables, self.selection_set()))
            elif self.peek("mutation") or self.peek("subscription"):
                raise GraphQLError("The sandbox serves queries only", "UNSUPPORTED_OPERATION")
            else:
                self.take("{")
        if not operations:
            raise GraphQLError("The document has no operation", "PARSE_ERROR")
        return Document(tuple(operations), fragments)

    def variable_definitions(self) -> tuple:
        self.take("(")
        definitions = []
        while not self.peek(")"):
            self.take("$")
            name = self.take(kind="name")
            self.take(":")
            required = self.type_reference()
            default = self.value() if self.peek("=") and self.take("=") else None
            definitions.append((name, default, required))
        self.take(")")
        return tuple(definitions)

    def type_reference(self) -> bool:
        if self.peek("["):
            self.take("[")
            self.type_reference()
            self.take("]")
        else:
            self.take(kind="name")
        if self.peek("!"):
            self.take("!")
            return True
        return False

    def selection_set(self) -> tuple:
        self.take("{")
        selections = []
        while not self.peek("}"):
            if self.peek(kind="spread"):
                self.take(kind="spread")
                if self.peek("on"):
                    self.take("on")
                    type_condition = self.take(kind="name")
                    selections.append(InlineFragment(type_condition, self.selection_set()))
                elif self.peek("{"):
                    selections.append(InlineFragment(None, self.selection_set()))
                else:
                    selections.append(FragmentSpread(self.take(kind="name")))
                continue
            name = self.take(kind="name")
            alias = None
            if self.peek(":"):
                self.take(":")
                alias, name = name, self.take(kind="name")
            arguments = self.arguments() if self.peek("(") else ()
            if self.peek("@"):
                raise GraphQLError("Directives are not supported by the sandbox", "UNSUPPORTED_DIRECTIVE")
            nested = self.selection_set() if self.peek("{") else ()
            selections.append(FieldNode(alias, name, arguments, nested))
        self.take("}")
        if not selections:
            raise GraphQLError("A selection set must not be empty", "PARSE_ERROR")
        return tuple(selections)

    def arguments(self) -> tuple:
        self.take("(")
        arguments = []
        while not self.peek(")"):
            name = self.take(kind="name")
            self.take(":")
            arguments.append((name, self.value()))
        self.take(")")
        return tuple(arguments)

    def value(self) -> Any:
        kind, token = self.tokens[self.position]
        if token == "$":
            self.take("$")
            return Variable(self.take(kind="name"))
        if kind == "number":
            self.take()
            return float(token) if any(c in token for c in ".eE") else int(token)
        if kind == "string":
            self.take()
            return json.loads(token)
        if kind == "name":
            self.take()
            return {"true": True, "false": False, "null": None}.get(token, EnumValue(token))
        if token == "[":
            self.take("[")
            items = []
            while not self.peek("]"):
                items.append(self.value())
            self.take("]")
            return items
        if token == "{":
            self.take("{")
            entries = {}
            while not self.peek("}"):
                key = self.take(kind="name")
                self.take(":")
                entries[key] = self.value()
            self.take("}")
            return entries
        raise GraphQLError(f"Parse error on \"{token or 'end of document'}\" (expected a value)", "PARSE_ERROR")


def parse_document(source: str) -> Document:
    return _Parser(source).document()


def collect_fields(selections: Iterable, type_name: str, fragments: dict) -> dict[str, list[FieldNode]]:
    """Response key -> the field nodes that ask for it, fragments applying to `type_name` flattened."""
    collected: dict[str, list[FieldNode]] = {}
    for selection in selections:
        if isinstance(selection, FieldNode):
            collected.setdefault(selection.response_key, []).append(selection)
            continue
        if isinstance(selection, FragmentSpread):
            if selection.name not in fragments:
                raise GraphQLError(f"Fragment {selection.name} was used, but not defined", "UNDEFINED_FRAGMENT")
            selection = fragments[selection.name]
        if selection.type_condition in (None, type_name):
            for key, nodes in collect_fields(selection.selections, type_name, fragments).items():
                collected.setdefault(key, []).extend(nodes)
    return collected


# --------------------------------------------------------------------------- #
# GraphQL: the schema slice
# --------------------------------------------------------------------------- #

S = "scalar"
O = "object"
L = "list"  # a list of objects
C = "connection"


@dataclass(frozen=True)
class FieldDef:
    kind: str
    type: str = ""  # the object type (for O, L, C: the node type)
    args: tuple[str, ...] = ()
    required: tuple[str, ...] = ()
    since: str | None = None  # first API version with the field


_PAGING = ("first", "after", "last", "before", "reverse")
_MONEY = FieldDef(O, "MoneyBag")

_SCHEMA: dict[str, dict[str, FieldDef]] = {
    "QueryRoot": {
        "shop": FieldDef(O, "Shop"),
        "orders": FieldDef(C, "Order", (*_PAGING, "query", "sortKey")),
        "order": FieldDef(O, "Order", ("id",), ("id",)),
        "refund": FieldDef(O, "Refund", ("id",), ("id",)),
        "products": FieldDef(C, "Product", (*_PAGING, "query", "sortKey")),
        "productVariants": FieldDef(C, "ProductVariant", (*_PAGING, "query", "sortKey")),
        "customers": FieldDef(C, "Customer", (*_PAGING, "query", "sortKey")),
    },
    "Shop": {name: FieldDef(S) for name in ("id", "name", "currencyCode", "ianaTimezone", "myshopifyDomain",
                                             "email", "timezoneAbbreviation")},
    "Order": {
        **{name: FieldDef(S) for name in (
            "id", "legacyResourceId", "name", "createdAt", "processedAt", "updatedAt", "cancelledAt",
            "cancelReason", "closed", "displayFinancialStatus", "displayFulfillmentStatus", "currencyCode",
            "sourceName", "email", "discountCodes", "taxesIncluded", "test")},
        "checkoutToken": FieldDef(S, since=CHECKOUT_TOKEN_SINCE),
        "subtotalPriceSet": _MONEY, "totalDiscountsSet": _MONEY, "totalShippingPriceSet": _MONEY,
        "totalTaxSet": _MONEY, "totalPriceSet": _MONEY, "totalRefundedSet": _MONEY,
        "customer": FieldDef(O, "Customer"),
        "customerJourneySummary": FieldDef(O, "CustomerJourneySummary"),
        "shippingLine": FieldDef(O, "ShippingLine"),
        "lineItems": FieldDef(C, "LineItem", _PAGING),
        "refunds": FieldDef(L, "Refund", ("first",)),
    },
    "MoneyBag": {"shopMoney": FieldDef(O, "MoneyV2"), "presentmentMoney": FieldDef(O, "MoneyV2")},
    "MoneyV2": {"amount": FieldDef(S), "currencyCode": FieldDef(S)},
    "Customer": {
        **{name: FieldDef(S) for name in ("id", "legacyResourceId", "createdAt", "updatedAt", "numberOfOrders",
                                           "email")},
        "defaultEmailAddress": FieldDef(O, "CustomerEmailAddress"),
        "amountSpent": FieldDef(O, "MoneyV2"),
    },
    "CustomerEmailAddress": {"emailAddress": FieldDef(S), "marketingState": FieldDef(S)},
    "CustomerJourneySummary": {
        "ready": FieldDef(S), "customerOrderIndex": FieldDef(S), "daysToConversion": FieldDef(S),
        "firstVisit": FieldDef(O, "CustomerVisit"), "lastVisit": FieldDef(O, "CustomerVisit"),
    },
    "CustomerVisit": {
        **{name: FieldDef(S) for name in ("id", "landingPage", "referrerUrl", "occurredAt", "source",
                                           "sourceType", "referralCode")},
        "utmParameters": FieldDef(O, "UTMParameters"),
    },
    "UTMParameters": {name: FieldDef(S) for name in ("source", "medium", "campaign", "term", "content")},
    "ShippingLine": {"title": FieldDef(S), "originalPriceSet": _MONEY, "discountedPriceSet": _MONEY},
    "LineItem": {
        **{name: FieldDef(S) for name in ("id", "sku", "title", "name", "variantTitle", "quantity",
                                           "currentQuantity")},
        "variant": FieldDef(O, "ProductVariant"), "product": FieldDef(O, "Product"),
        "originalUnitPriceSet": _MONEY, "totalDiscountSet": _MONEY, "discountedTotalSet": _MONEY,
    },
    "Refund": {
        **{name: FieldDef(S) for name in ("id", "legacyResourceId", "createdAt", "note")},
        "totalRefundedSet": _MONEY,
        "refundLineItems": FieldDef(C, "RefundLineItem", _PAGING),
    },
    "RefundLineItem": {
        "id": FieldDef(S), "quantity": FieldDef(S), "restockType": FieldDef(S),
        "lineItem": FieldDef(O, "LineItem"), "subtotalSet": _MONEY, "priceSet": _MONEY,
    },
    "Product": {
        **{name: FieldDef(S) for name in ("id", "legacyResourceId", "title", "handle", "productType", "vendor",
                                           "status", "createdAt", "updatedAt")},
        "variants": FieldDef(C, "ProductVariant", _PAGING),
    },
    "ProductVariant": {
        **{name: FieldDef(S) for name in ("id", "legacyResourceId", "sku", "title", "price", "createdAt",
                                           "updatedAt")},
        "product": FieldDef(O, "Product"), "inventoryItem": FieldDef(O, "InventoryItem"),
    },
    "InventoryItem": {"id": FieldDef(S), "sku": FieldDef(S), "tracked": FieldDef(S),
                      "unitCost": FieldDef(O, "MoneyV2")},
    "PageInfo": {name: FieldDef(S) for name in ("hasNextPage", "hasPreviousPage", "startCursor", "endCursor")},
}


def _connection_types(node_type: str) -> dict[str, dict[str, FieldDef]]:
    return {
        f"{node_type}Connection": {
            "edges": FieldDef(L, f"{node_type}Edge"),
            "nodes": FieldDef(L, node_type),
            "pageInfo": FieldDef(O, "PageInfo"),
        },
        f"{node_type}Edge": {"cursor": FieldDef(S), "node": FieldDef(O, node_type)},
    }


for _node in ("Order", "LineItem", "RefundLineItem", "Product", "ProductVariant", "Customer"):
    _SCHEMA.update(_connection_types(_node))


def schema_for(version: str) -> dict[str, dict[str, FieldDef]]:
    """The schema slice as `version` has it (fields newer than the version left out)."""
    return {
        type_name: {name: f for name, f in fields.items() if f.since is None or version >= f.since}
        for type_name, fields in _SCHEMA.items()
    }


def _field_type(definition: FieldDef) -> str:
    return f"{definition.type}Connection" if definition.kind == C else definition.type


def validate(fields: dict[str, list[FieldNode]], type_name: str, schema: dict, fragments: dict, variables: dict,
             path: tuple = ()) -> list[dict]:
    errors = []
    for nodes in fields.values():
        for node in nodes:
            definition = schema[type_name].get(node.name)
            where = [*path, node.response_key]
            if definition is None:
                errors.append(GraphQLError(f"Field '{node.name}' doesn't exist on type '{type_name}'",
                                           "undefinedField", path=where, typeName=type_name,
                                           fieldName=node.name).as_json())
                continue
            for argument, _ in node.arguments:
                if argument not in definition.args:
                    errors.append(GraphQLError(f"Field '{node.name}' doesn't accept argument '{argument}'",
                                               "argumentNotAccepted", path=where, name=node.name,
                                               typeName="Field", argumentName=argument).as_json())
            given = {name for name, value in node.arguments
                     if not (isinstance(value, Variable) and variables.get(value.name) is None)}
            for required in definition.required:
                if required not in given:
                    errors.append(GraphQLError(f"Field '{node.name}' is missing required arguments: {required}",
                                               "missingRequiredArguments", path=where, className="Field",
                                               name=node.name, arguments=required).as_json())
            if definition.kind == S:
                if node.selections:
                    errors.append(GraphQLError(f"Selections can't be made on scalars (field '{node.name}')",
                                               "selectionMismatch", path=where).as_json())
                continue
            if not node.selections:
                errors.append(GraphQLError(f"Field must have selections (field '{node.name}' returns "
                                           f"{_field_type(definition)} but has no selections)",
                                           "selectionMismatch", path=where).as_json())
                continue
            if definition.kind == C:
                args = _arguments(node, variables)
                if args.get("first") is None and args.get("last") is None:
                    errors.append(GraphQLError("you must provide one of first or last", "BAD_REQUEST",
                                               path=where).as_json())
                elif args.get("last") is not None or args.get("before") is not None:
                    errors.append(GraphQLError("The sandbox pages forward only: use first and after",
                                               "BAD_REQUEST", path=where).as_json())
                elif not isinstance(args["first"], int) or not 0 < args["first"] <= MAX_PAGE_SIZE:
                    errors.append(GraphQLError(f"first must be between 1 and {MAX_PAGE_SIZE}", "BAD_REQUEST",
                                               path=where).as_json())
            child_type = _field_type(definition)
            child_fields = collect_fields(_merged(nodes), child_type, fragments)
            errors.extend(validate(child_fields, child_type, schema, fragments, variables, tuple(where)))
            break  # the other nodes of this key were merged into the first
    return errors


def requested_cost(fields: dict[str, list[FieldNode]], type_name: str, schema: dict, fragments: dict,
                   variables: dict) -> int:
    """Shopify's requested cost, approximately: objects 1, scalars 0, connections 2 + first x node."""
    total = 0
    for nodes in fields.values():
        node = nodes[0]
        definition = schema[type_name][node.name]
        if definition.kind == S:
            continue
        args = _arguments(node, variables)
        child_type = _field_type(definition)
        child = collect_fields(_merged(nodes), child_type, fragments)
        if definition.kind == O:
            total += 1 + requested_cost(child, child_type, schema, fragments, variables)
        elif definition.kind == L:
            total += int(args.get("first") or 1) * (1 + requested_cost(child, child_type, schema, fragments,
                                                                        variables))
        else:
            total += 2 + int(args.get("first") or 0) * _node_cost(child, definition.type, schema, fragments,
                                                                   variables)
    return total


def _node_cost(connection_fields: dict, node_type: str, schema: dict, fragments: dict, variables: dict) -> int:
    """The cost of one node of a connection: whichever of `edges { node }` and `nodes` asks more."""
    costs = [0]
    for nodes in connection_fields.values():
        node = nodes[0]
        if node.name == "nodes":
            costs.append(1 + requested_cost(collect_fields(_merged(nodes), node_type, fragments), node_type, schema,
                                            fragments, variables))
        elif node.name == "edges":
            edge = collect_fields(_merged(nodes), f"{node_type}Edge", fragments)
            for key_nodes in edge.values():
                if key_nodes[0].name == "node":
                    costs.append(1 + requested_cost(collect_fields(_merged(key_nodes), node_type, fragments),
                                                    node_type, schema, fragments, variables))
    return max(costs)


def _merged(nodes: list[FieldNode]) -> tuple:
    return tuple(selection for node in nodes for selection in node.selections)


def _arguments(node: FieldNode, variables: dict) -> dict:
    def resolve(value: Any) -> Any:
        if isinstance(value, Variable):
            return variables.get(value.name)
        if isinstance(value, EnumValue):
            return value.name
        if isinstance(value, list):
            return [resolve(v) for v in value]
        if isinstance(value, dict):
            return {k: resolve(v) for k, v in value.items()}
        return value

    return {name: resolve(value) for name, value in node.arguments}


# --------------------------------------------------------------------------- #
# GraphQL: execution over the world
# --------------------------------------------------------------------------- #


@dataclass
class _Context:
    world: CommerceWorld
    shop: Shop
    cutoff: datetime
    version: str
    actual_cost: int = 0


def execute(fields: dict[str, list[FieldNode]], type_name: str, value: dict, schema: dict, fragments: dict,
            variables: dict, context: _Context, path: tuple = ()) -> dict:
    result = {}
    for key, nodes in fields.items():
        node = nodes[0]
        definition = schema[type_name][node.name]
        resolved = value[node.name]
        if callable(resolved):
            resolved = resolved(_arguments(node, variables), (*path, key))
        if definition.kind == S:
            result[key] = _scalar(resolved)
            continue
        if resolved is None:
            result[key] = None
            continue
        child_type = _field_type(definition)
        child = collect_fields(_merged(nodes), child_type, fragments)
        # The actual cost counts what came back the way the requested cost counts what was asked:
        # a connection 2, an object 1 (its edges and page info are part of the connection).
        if definition.kind == L:
            if not child_type.endswith("Edge"):
                context.actual_cost += len(resolved)
            result[key] = [execute(child, child_type, item, schema, fragments, variables, context, (*path, key, i))
                           for i, item in enumerate(resolved)]
        else:
            if definition.kind == C:
                context.actual_cost += 2
            elif child_type != "PageInfo":
                context.actual_cost += 1
            result[key] = execute(child, child_type, resolved, schema, fragments, variables, context, (*path, key))
    return result


def _scalar(value: Any) -> Any:
    if isinstance(value, datetime):
        return _timestamp(value)
    if isinstance(value, Decimal):
        return _decimal_scalar(value)
    if isinstance(value, tuple):
        return list(value)
    return value


def _timestamp(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _decimal_scalar(value: Decimal) -> str:
    """Shopify's Decimal scalar: no trailing zeros, at least one decimal ("149.0", "24.9")."""
    text = format(value.normalize(), "f")
    return text if "." in text else text + ".0"


def _money_scalar(value: Decimal) -> str:
    """The Money scalar (ProductVariant.price): two decimals."""
    return f"{value:.2f}"


def _gid(kind: str, number: int) -> str:
    return f"gid://shopify/{kind}/{number}"


def _gid_number(gid: Any, kind: str) -> int | None:
    match = re.fullmatch(rf"gid://shopify/{kind}/(\d+)", str(gid))
    return int(match.group(1)) if match else None


def _root(context: _Context) -> dict:
    world, shop, cutoff = context.world, context.shop, context.cutoff

    def orders(args: dict, path: tuple) -> dict:
        found = [o for o in world.orders_of(shop.shop_domain) if o.exists(cutoff)]
        terms = _search_terms(args.get("query"))
        found = [o for o in found if _matches(terms, {
            "updated_at": o.updated_at(cutoff), "created_at": o.created_at, "processed_at": o.processed_at,
            "id": o.order_id})]
        sort_key = args.get("sortKey") or "ID"
        keys = {
            "UPDATED_AT": lambda o: (_timestamp(o.updated_at(cutoff)), o.order_id),
            "CREATED_AT": lambda o: (_timestamp(o.created_at), o.order_id),
            "PROCESSED_AT": lambda o: (_timestamp(o.processed_at), o.order_id),
            "ID": lambda o: ("", o.order_id),
        }
        if sort_key not in keys:
            raise GraphQLError(f"Argument 'sortKey' on Field 'orders' has an invalid value ({sort_key}).",
                               "argumentLiteralsIncompatible", path=list(path))
        return _page(found, keys[sort_key], args, lambda o: _order(context, o), path)

    def order(args: dict, path: tuple) -> dict | None:
        number = _gid_number(args.get("id"), "Order")
        try:
            found = world.order(shop.shop_domain, number) if number is not None else None
        except KeyError:
            found = None
        return _order(context, found) if found is not None and found.exists(cutoff) else None

    def refund(args: dict, path: tuple) -> dict | None:
        number = _gid_number(args.get("id"), "Refund")
        for o in world.orders_of(shop.shop_domain):
            for r in o.refunds_as_of(cutoff):
                if r.refund_id == number:
                    return _refund(context, o, r)
        return None

    def products(args: dict, path: tuple) -> dict:
        return _page(list(world.products_of(shop.shop_domain)), lambda p: ("", p.product_id), args,
                     lambda p: _product(context, p), path)

    def product_variants(args: dict, path: tuple) -> dict:
        return _page(list(world.variants_of(shop.shop_domain)), lambda v: ("", v.variant_id), args,
                     lambda v: _variant(context, v), path)

    def customers(args: dict, path: tuple) -> dict:
        found = [c for c in world.customers_of(shop.shop_domain) if c.created_at < cutoff]
        terms = _search_terms(args.get("query"))
        found = [c for c in found if _matches(terms, {
            "updated_at": world.customer_updated_at(c, cutoff), "created_at": c.created_at, "id": c.customer_id})]
        return _page(found, lambda c: ("", c.customer_id), args, lambda c: _customer(context, c), path)

    shop_node = {
        "id": _gid("Shop", 70_000_000 + shop.index), "name": shop.name, "currencyCode": shop.currency,
        "ianaTimezone": shop.timezone, "myshopifyDomain": shop.shop_domain,
        "email": f"owner@{shop.storefront_url.split('//www.')[-1]}", "timezoneAbbreviation":
            context.cutoff.tzname(),
    }
    return {"shop": shop_node, "orders": orders, "order": order, "refund": refund, "products": products,
            "productVariants": product_variants, "customers": customers}


def _order(context: _Context, order: Order) -> dict:
    cutoff = context.cutoff
    refunds = order.refunds_as_of(cutoff)
    refunded = sum((r.total_refunded for r in refunds), Decimal("0"))
    customer = context.world.customer(order.shop_domain, order.customer_id)
    session = context.world.session(order.session_id) if order.session_id else None

    def journey() -> dict | None:
        if order.source_name != "web":
            return None  # orders typed in by staff have no online journey
        visit = None
        if session is not None:
            visit = {
                "id": _gid("CustomerVisit", int(session.session_id.split("-")[-1], 16) % 10**12),
                "landingPage": session.landing_url, "referrerUrl": session.referrer,
                "occurredAt": session.started_at, "source": session.source, "sourceType": None,
                "referralCode": None,
                "utmParameters": {k: session.param(f"utm_{k}") for k in ("source", "medium", "campaign", "term",
                                                                          "content")}
                if session.param("utm_source") or session.param("utm_campaign") else None,
            }
        return {"ready": True, "customerOrderIndex": None, "daysToConversion": None, "firstVisit": visit,
                "lastVisit": visit}

    def line_items(args: dict, path: tuple) -> dict:
        return _page(list(order.lines), lambda item: ("", item.line_item_id), args,
                     lambda item: _line_item(context, order, item), path)

    def refund_list(args: dict, path: tuple) -> list[dict]:
        limit = args.get("first")
        chosen = refunds[:limit] if isinstance(limit, int) else refunds
        return [_refund(context, order, r) for r in chosen]

    return {
        "id": order.gid, "legacyResourceId": str(order.order_id), "name": order.name,
        "createdAt": order.created_at, "processedAt": order.processed_at, "updatedAt": order.updated_at(cutoff),
        "cancelledAt": order.cancelled_as_of(cutoff),
        "cancelReason": "CUSTOMER" if order.cancelled_as_of(cutoff) else None,
        "closed": order.cancelled_as_of(cutoff) is not None,
        "displayFinancialStatus": order.financial_status(cutoff),
        "displayFulfillmentStatus": "FULFILLED" if order.fulfilled_at and order.fulfilled_at < cutoff
        else "UNFULFILLED",
        "currencyCode": order.currency, "sourceName": order.source_name, "email": order.email,
        "discountCodes": order.discount_codes, "taxesIncluded": order.taxes_included, "test": False,
        "checkoutToken": order.checkout_token,
        "subtotalPriceSet": _money_bag(order.subtotal, order.currency),
        "totalDiscountsSet": _money_bag(order.total_discounts, order.currency),
        "totalShippingPriceSet": _money_bag(order.total_shipping, order.currency),
        "totalTaxSet": _money_bag(order.total_tax, order.currency),
        "totalPriceSet": _money_bag(order.total_price, order.currency),
        "totalRefundedSet": _money_bag(refunded, order.currency),
        "customer": _customer(context, customer),
        "customerJourneySummary": journey(),
        "shippingLine": {"title": "Standard" if order.total_shipping else "Free shipping",
                         "originalPriceSet": _money_bag(order.total_shipping, order.currency),
                         "discountedPriceSet": _money_bag(order.total_shipping, order.currency)},
        "lineItems": line_items,
        "refunds": refund_list,
    }


def _line_item(context: _Context, order: Order, item: LineItem) -> dict:
    variant = next(v for v in context.world.variants_of(order.shop_domain) if v.variant_id == item.variant_id)
    product = next(p for p in context.world.products_of(order.shop_domain) if p.product_id == item.product_id)
    return {
        "id": _gid("LineItem", item.line_item_id), "sku": item.sku, "title": item.title,
        "name": item.title if item.variant_title == "Default Title" else f"{item.title} - {item.variant_title}",
        "variantTitle": None if item.variant_title == "Default Title" else item.variant_title,
        "quantity": item.quantity, "currentQuantity": item.quantity,
        "variant": _variant(context, variant), "product": _product(context, product),
        "originalUnitPriceSet": _money_bag(item.unit_price, order.currency),
        "totalDiscountSet": _money_bag(item.total_discount, order.currency),
        "discountedTotalSet": _money_bag(item.net, order.currency),
    }


def _refund(context: _Context, order: Order, refund: Refund) -> dict:
    lines_by_id = {line.line_item_id: line for line in order.lines}

    def refund_line_items(args: dict, path: tuple) -> dict:
        return _page(list(refund.lines), lambda line: ("", line.line_item_id), args, lambda line: {
            "id": _gid("RefundLineItem", refund.refund_id * 100 + list(refund.lines).index(line) + 1),
            "quantity": line.quantity, "restockType": "RETURN",
            "lineItem": _line_item(context, order, lines_by_id[line.line_item_id]),
            "subtotalSet": _money_bag(line.subtotal, order.currency),
            "priceSet": _money_bag(lines_by_id[line.line_item_id].unit_price, order.currency),
        }, path)

    return {
        "id": _gid("Refund", refund.refund_id), "legacyResourceId": str(refund.refund_id),
        "createdAt": refund.created_at, "note": None,
        "totalRefundedSet": _money_bag(refund.total_refunded, order.currency),
        "refundLineItems": refund_line_items,
    }


def _product(context: _Context, product: Product) -> dict:
    def variants(args: dict, path: tuple) -> dict:
        return _page(list(product.variants), lambda v: ("", v.variant_id), args, lambda v: _variant(context, v), path)

    created = datetime(2026, 5, 4, 9, 0, tzinfo=context.shop.zone)
    return {
        "id": _gid("Product", product.product_id), "legacyResourceId": str(product.product_id),
        "title": product.title, "handle": product.handle, "productType": product.product_type,
        "vendor": product.vendor, "status": product.status, "createdAt": created, "updatedAt": created,
        "variants": variants,
    }


def _variant(context: _Context, variant: Variant) -> dict:
    world = context.world
    cost = world.unit_cost(variant, context.cutoff)
    product = next(p for p in world.products_of(variant.shop_domain) if p.product_id == variant.product_id)
    changed = world.cost_change
    updated = changed.changed_at if (variant.variant_id == changed.variant_id and changed.changed_at
                                     < context.cutoff) else datetime(2026, 5, 4, 9, 0, tzinfo=context.shop.zone)
    return {
        "id": _gid("ProductVariant", variant.variant_id), "legacyResourceId": str(variant.variant_id),
        "sku": variant.sku, "title": variant.title, "price": _money_scalar(variant.price),
        "createdAt": datetime(2026, 5, 4, 9, 0, tzinfo=context.shop.zone), "updatedAt": updated,
        "product": {"id": _gid("Product", product.product_id), "legacyResourceId": str(product.product_id),
                    "title": product.title, "handle": product.handle, "productType": product.product_type,
                    "vendor": product.vendor, "status": product.status, "createdAt": None, "updatedAt": None,
                    "variants": lambda args, path: _page([], lambda v: ("", 0), args, lambda v: {}, path)},
        "inventoryItem": {
            "id": _gid("InventoryItem", variant.inventory_item_id), "sku": variant.sku, "tracked": True,
            "unitCost": {"amount": cost, "currencyCode": context.shop.currency} if cost is not None else None,
        },
    }


def _customer(context: _Context, customer: Customer) -> dict:
    world, cutoff = context.world, context.cutoff
    placed = [o for o in world.orders_of(customer.shop_domain) if o.customer_id == customer.customer_id
              and o.exists(cutoff)]
    spent = sum((o.total_price for o in placed), Decimal("0"))
    return {
        "id": _gid("Customer", customer.customer_id), "legacyResourceId": str(customer.customer_id),
        "createdAt": customer.created_at, "updatedAt": world.customer_updated_at(customer, cutoff),
        "numberOfOrders": str(len(placed)), "email": customer.email,
        "defaultEmailAddress": {"emailAddress": customer.email, "marketingState": "NOT_SUBSCRIBED"},
        "amountSpent": {"amount": spent, "currencyCode": context.shop.currency},
    }


def _money_bag(amount: Decimal, currency: str) -> dict:
    money = {"amount": amount, "currencyCode": currency}
    return {"shopMoney": money, "presentmentMoney": money}


def _page(items: list, key: Callable[[Any], tuple], args: dict, render: Callable[[Any], dict], path: tuple) -> dict:
    """One forward page of a connection, keyset-paged by `key` (stable however the data moves)."""
    ordered = sorted(items, key=key)
    if args.get("reverse"):
        raise GraphQLError("The sandbox pages forward only (reverse: false)", "BAD_REQUEST", path=list(path))
    after = args.get("after")
    if after:
        position = _decode_cursor(after, path)
        ordered = [item for item in ordered if key(item) > position]
    first = args["first"]
    chunk = ordered[:first]
    edges = [{"cursor": _encode_cursor(key(item)), "node": render(item)} for item in chunk]
    return {
        "edges": edges,
        "nodes": [edge["node"] for edge in edges],
        "pageInfo": {
            "hasNextPage": len(ordered) > first,
            "hasPreviousPage": bool(after),
            "startCursor": edges[0]["cursor"] if edges else None,
            "endCursor": edges[-1]["cursor"] if edges else None,
        },
    }


def _encode_cursor(key: tuple) -> str:
    raw = json.dumps({"last_value": key[0], "last_id": key[1]}, separators=(",", ":")).encode()
    return base64.b64encode(raw).decode()


def _decode_cursor(cursor: str, path: tuple) -> tuple:
    try:
        data = json.loads(base64.b64decode(cursor.encode(), validate=True))
        return (str(data["last_value"]), int(data["last_id"]))
    except (ValueError, KeyError, TypeError):
        raise GraphQLError(f"Invalid cursor for current pagination sort: {cursor!r}", "BAD_REQUEST",
                           path=list(path)) from None


# --------------------------------------------------------------------------- #
# Search syntax: updated_at:>='2026-09-01T00:00:00Z' id:1 OR id:2
# --------------------------------------------------------------------------- #

_TERM = re.compile(r"""(?P<field>[a-z_]+):(?P<op>>=|<=|>|<|=)?(?P<value>'[^']*'|"[^"]*"|[^\s]+)""")


def _search_terms(query: str | None) -> list[list[tuple[str, str, str]]]:
    """Disjunctions of conjunctions: [[(field, op, value), ...], ...] ("a b OR c" = (a and b) or c)."""
    if not query or not query.strip():
        return []
    groups: list[list[tuple[str, str, str]]] = [[]]
    for part in re.split(r"(\s+OR\s+)", query.strip()):
        if re.fullmatch(r"\s+OR\s+", part):
            groups.append([])
            continue
        for match in _TERM.finditer(part):
            value = match.group("value").strip("'\"")
            groups[-1].append((match.group("field"), match.group("op") or "=", value))
    return [g for g in groups if g]


def _matches(groups: list[list[tuple[str, str, str]]], values: dict[str, Any]) -> bool:
    if not groups:
        return True
    return any(all(_term_holds(term, values) for term in group) for group in groups)


def _term_holds(term: tuple[str, str, str], values: dict[str, Any]) -> bool:
    field_name, op, raw = term
    if field_name not in values:
        return True  # Shopify ignores filters it does not know (and says so in a warning)
    actual = values[field_name]
    if isinstance(actual, datetime):
        try:
            wanted: Any = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            return False
        if wanted.tzinfo is None:
            wanted = wanted.replace(tzinfo=timezone.utc)
    else:
        try:
            wanted = int(raw)
        except ValueError:
            return False
    return {
        "=": actual == wanted, ">=": actual >= wanted, "<=": actual <= wanted, ">": actual > wanted,
        "<": actual < wanted,
    }[op]


# --------------------------------------------------------------------------- #
# The HTTP layer
# --------------------------------------------------------------------------- #


def _header(headers: dict[str, str], name: str) -> str | None:
    return next((v for k, v in headers.items() if k.lower() == name.lower()), None)


def _handler_for(sandbox: ShopifySandboxServer) -> type[BaseHTTPRequestHandler]:
    class GraphQLHandler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive: requests.Session reuses connections
        server_version = "ShopifyAdminSandbox/1.0"
        disable_nagle_algorithm = True

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            self._send(sandbox.handle(self.path.split("?")[0], dict(self.headers.items()), body))

        def do_GET(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self._send(_Response(405, {"errors": "GraphQL requests must be POSTed"}))

        def _send(self, response: _Response) -> None:
            if isinstance(response.body, bytes):
                payload = response.body
                content_type = response.headers.get("Content-Type", "text/plain")
            else:
                payload = json.dumps(response.body, default=_json_default).encode("utf-8")
                content_type = "application/json; charset=utf-8"
            if response.delay:
                time.sleep(response.delay)
            try:
                self.send_response(response.status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(payload)))
                for name, value in response.headers.items():
                    if name.lower() != "content-type":
                        self.send_header(name, value)
                self.end_headers()
                if response.cut_short:
                    self.wfile.write(payload[: len(payload) // 2])
                    self.wfile.flush()
                    self.connection.shutdown(socket.SHUT_RDWR)
                    self.close_connection = True
                    return
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True  # the client stopped waiting (its timeout): nothing to say

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
            pass  # the request log is `sandbox.requests`, not stderr

    return GraphQLHandler


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return _decimal_scalar(value)
    if isinstance(value, datetime):
        return _timestamp(value)
    raise TypeError(f"not JSON serialisable: {value!r}")
