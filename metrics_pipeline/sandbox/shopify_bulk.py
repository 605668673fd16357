"""Bulk query operations for the Shopify stand-in, as the Admin API runs them.

Read for it (Admin GraphQL API, version 2026-07 and the bulk operations guide):
https://shopify.dev/docs/api/usage/bulk-operations/queries,
https://shopify.dev/docs/api/admin-graphql/2026-07/mutations/bulkOperationRunQuery,
https://shopify.dev/docs/api/admin-graphql/2026-07/queries/currentBulkOperation,
https://shopify.dev/changelog/new-queries-for-bulk-operations (`bulkOperation(id:)` from 2026-01).

- `bulkOperationRunQuery(query:, groupObjects:)` checks the query and answers a BulkOperation in
  status CREATED, or `userErrors` (and no operation): INVALID for a query bulk operations refuse
  (not exactly one top-level connection, more than five connections, connections nested more
  than two deep, a connection inside a list field, a nested connection whose parent does not
  select `id`), and when the app already runs as many bulk queries on the shop as its API
  version allows (one before 2026-01: OPERATION_IN_PROGRESS; five from 2026-01: LIMIT_REACHED).
- The operation runs asynchronously: each time it is read (`currentBulkOperation`,
  `bulkOperation(id:)`) it moves on, CREATED -> RUNNING -> COMPLETED (on the second read), and
  then `url` points at its JSONL result on this server (GET, no access token: on Shopify it is a
  signed storage URL), `objectCount` / `rootObjectCount` / `fileSize` say what it holds.
- The JSONL has one line per node: the top-level connection's nodes without their nested
  connections, and each nested connection's nodes as lines of their own carrying `__parentId`.
  A child always comes after its parent, but not necessarily right after it: without
  `groupObjects` the stand-in writes parents in blocks of three and their children after the block.
- Faults for tests: `fail_next` (the next operation ends FAILED with an `errorCode` and a
  `partialDataUrl` holding the first half of its lines) and `occupy` (operations of "another
  process of the app" that hold slots for a while).
"""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from metrics_pipeline.sandbox.graphql_engine import (
    C,
    GraphQLError,
    L,
    O,
    collect_fields,
    field_type,
    parse_document,
    validate,
)

MAX_CONNECTIONS = 5
MAX_NESTING = 2  # connections below the top-level one
CONCURRENT_SINCE = "2026-01"  # from this version an app may run five bulk queries per shop at a time
CONCURRENT_LIMIT = 5
POLLS_TO_COMPLETE = 2
BLOCK = 3  # parents written before their children, without groupObjects
ERROR_CODES = ("ACCESS_DENIED", "INTERNAL_SERVER_ERROR", "TIMEOUT")


def query_limit(version: str) -> int:
    return CONCURRENT_LIMIT if version >= CONCURRENT_SINCE else 1


def check_bulk_query(query: str, schema: dict) -> tuple[Any, list[str]]:
    """(the parsed top-level fields, the reasons bulk operations refuse the query)."""
    try:
        document = parse_document(query)
        operation = document.operation(None)
    except GraphQLError as error:
        return None, [f"Invalid bulk query: {error.message}"]
    if operation.kind != "query":
        return None, ["Invalid bulk query: bulkOperationRunQuery runs queries only"]
    fields = collect_fields(operation.selections, "QueryRoot", document.fragments)
    errors = [e["message"] for e in validate(fields, "QueryRoot", schema, document.fragments, {}, bulk=True)]
    if errors:
        return None, errors
    if len(fields) != 1:
        return None, ["Bulk queries must contain exactly one top-level field"]
    node = next(iter(fields.values()))[0]
    if schema["QueryRoot"][node.name].kind != C:
        return None, ["Bulk queries must contain at least one connection."]
    problems: list[str] = []
    count = _walk_connections(node, schema["QueryRoot"][node.name], schema, document.fragments, 0, False, problems)
    if count > MAX_CONNECTIONS:
        problems.append(f"Bulk queries cannot contain more than {MAX_CONNECTIONS} connections.")
    return (fields, document.fragments), problems


def _walk_connections(node, definition, schema, fragments, depth: int, in_list: bool, problems: list[str]) -> int:
    """Connections at and below `node`, noting what bulk operations refuse on the way."""
    count = 0
    if definition.kind == C:
        count = 1
        if in_list:
            problems.append("Queries that contain a connection field within a list field are not currently supported.")
        if depth > MAX_NESTING:
            problems.append(f"Bulk queries cannot contain connections with a nesting depth greater than {MAX_NESTING}.")
        node_fields = _node_fields(node, definition, fragments)
        if any(schema[definition.type][n[0].name].kind == C for n in node_fields.values()) and "id" not in node_fields:
            problems.append(
                f"The parent 'node' field for a nested connection must select the 'id' field ({node.name})."
            )
        for nodes in node_fields.values():
            child = schema[definition.type][nodes[0].name]
            count += _walk_connections(nodes[0], child, schema, fragments, depth + 1, False, problems)
        return count
    if definition.kind in (O, L):
        child_type = field_type(definition)
        for nodes in collect_fields(node.selections, child_type, fragments).values():
            child = schema[child_type][nodes[0].name]
            count += _walk_connections(
                nodes[0], child, schema, fragments, depth, in_list or definition.kind == L, problems
            )
    return count


def _node_fields(connection_node, definition, fragments) -> dict:
    """The fields selected on a connection's node, through `edges { node }` or `nodes`."""
    selected: dict = {}
    for key_nodes in collect_fields(connection_node.selections, f"{definition.type}Connection", fragments).values():
        if key_nodes[0].name == "nodes":
            for k, v in collect_fields(key_nodes[0].selections, definition.type, fragments).items():
                selected.setdefault(k, []).extend(v)
        elif key_nodes[0].name == "edges":
            edge = collect_fields(key_nodes[0].selections, f"{definition.type}Edge", fragments)
            for edge_nodes in edge.values():
                if edge_nodes[0].name == "node":
                    for k, v in collect_fields(edge_nodes[0].selections, definition.type, fragments).items():
                        selected.setdefault(k, []).extend(v)
    return selected


def flatten(data: dict, fields: dict, schema: dict, fragments: dict, *, group_objects: bool) -> list[dict]:
    """The executed result of a bulk query as Shopify's JSONL lines (dicts), children after parents."""
    key, nodes = next(iter(fields.items()))
    definition = schema["QueryRoot"][nodes[0].name]
    roots = _connection_nodes(data[key])
    selection = _node_fields(nodes[0], definition, fragments)
    lines: list[dict] = []
    step = 1 if group_objects else BLOCK
    for start in range(0, len(roots), step):
        block = [
            _split(node, selection, definition.type, schema, fragments, None) for node in roots[start : start + step]
        ]
        lines.extend(own for own, _ in block)
        for _, children in block:
            lines.extend(children)
    return lines


def _split(node: dict, selection: dict, type_name: str, schema, fragments, parent_id: str | None):
    """(the node's own line, its descendants' lines) for one node of a connection."""
    own = {}
    children: list[dict] = []
    for key, nodes in selection.items():
        definition = schema[type_name][nodes[0].name]
        if definition.kind != C:
            own[key] = node.get(key)
            continue
        child_selection = _node_fields(nodes[0], definition, fragments)
        for child in _connection_nodes(node.get(key)):
            line, below = _split(child, child_selection, definition.type, schema, fragments, node.get("id"))
            children.append(line)
            children.extend(below)
    if parent_id is not None:
        own["__parentId"] = parent_id
    return own, children


def _connection_nodes(connection: dict | None) -> list[dict]:
    if not connection:
        return []
    if connection.get("edges") is not None:
        return [edge["node"] for edge in connection["edges"]]
    return list(connection.get("nodes") or [])


# --------------------------------------------------------------------------- #
# The operations of every shop
# --------------------------------------------------------------------------- #


@dataclass
class BulkOperation:
    number: int
    shop_domain: str
    query: str
    produce: Callable[[], list[dict]]  # runs the query: the JSONL lines
    created_at: datetime
    status: str = "CREATED"
    error_code: str | None = None
    completed_at: datetime | None = None
    reads: int = 0
    lines: int = 0
    roots: int = 0
    file_token: str | None = None
    partial_token: str | None = None
    fail_with: str | None = None
    busy_until: float | None = None  # an occupying operation: RUNNING until this clock reading

    @property
    def gid(self) -> str:
        return f"gid://shopify/BulkOperation/{self.number}"


@dataclass
class BulkOperations:
    """Every bulk operation the stand-in has run, its files, and the faults queued for the next ones."""

    clock: Callable[[], float]
    polls_to_complete: int = POLLS_TO_COMPLETE
    limit: int | None = None  # None: what the request's API version allows
    _ops: dict[int, BulkOperation] = field(default_factory=dict)
    _files: dict[str, bytes] = field(default_factory=dict)
    _fail_next: list[str] = field(default_factory=list)
    _lock: threading.RLock = field(default_factory=threading.RLock)

    def fail_next(self, error_code: str = "INTERNAL_SERVER_ERROR") -> None:
        if error_code not in ERROR_CODES:
            raise ValueError(f"error code must be one of {', '.join(ERROR_CODES)}")
        with self._lock:
            self._fail_next.append(error_code)

    def occupy(self, shop_domain: str, count: int, seconds: float) -> list[str]:
        """`count` bulk queries of another process of the app, RUNNING for `seconds` of the clock."""
        with self._lock:
            made = []
            for _ in range(count):
                op = self._new(shop_domain, "{ products { edges { node { id } } } }", lambda: [])
                op.status, op.busy_until = "RUNNING", self.clock() + seconds
                made.append(op.gid)
            return made

    def run(self, shop_domain: str, version: str, query: str, produce: Callable[[], list[dict]]) -> dict:
        """bulkOperationRunQuery's payload (the query already checked)."""
        with self._lock:
            running = [op for op in self._ops.values() if op.shop_domain == shop_domain and self._advance_busy(op)]
            limit = self.limit if self.limit is not None else query_limit(version)
            if len(running) >= limit:
                if version >= CONCURRENT_SINCE:
                    error = {
                        "field": None,
                        "code": "LIMIT_REACHED",
                        "message": "Bulk operations limit reached. Please try again later.",
                    }
                else:
                    error = {
                        "field": None,
                        "code": "OPERATION_IN_PROGRESS",
                        "message": f"A bulk query operation for this app and shop is already in progress: {running[-1].gid}.",
                    }
                return {"bulkOperation": None, "userErrors": [error]}
            op = self._new(shop_domain, query, produce)
            if self._fail_next:
                op.fail_with = self._fail_next.pop(0)
            return {"bulkOperation": self.as_json(op, None, advance=False), "userErrors": []}

    def find(self, shop_domain: str, gid: Any) -> BulkOperation | None:
        with self._lock:
            for op in self._ops.values():
                if op.gid == gid and op.shop_domain == shop_domain:
                    return op
            return None

    def current(self, shop_domain: str) -> BulkOperation | None:
        with self._lock:
            mine = [op for op in self._ops.values() if op.shop_domain == shop_domain and op.busy_until is None]
            return mine[-1] if mine else None

    def file(self, token: str) -> bytes | None:
        with self._lock:
            return self._files.get(token)

    def as_json(self, op: BulkOperation, base_url: str | None, *, advance: bool = True) -> dict:
        """The BulkOperation object; reading it moves the operation on, as time does on Shopify."""
        with self._lock:
            if advance:
                self._read(op)
            url = f"{base_url}/bulk-results/{op.file_token}.jsonl" if base_url and op.file_token else None
            partial = f"{base_url}/bulk-results/{op.partial_token}.jsonl" if base_url and op.partial_token else None
            size = len(self._files[op.file_token]) if op.file_token else None
            return {
                "id": op.gid,
                "status": op.status,
                "errorCode": op.error_code,
                "createdAt": op.created_at,
                "completedAt": op.completed_at,
                "objectCount": str(op.lines),
                "rootObjectCount": str(op.roots),
                "fileSize": None if size is None else str(size),
                "url": url,
                "partialDataUrl": partial,
                "query": op.query,
                "type": "QUERY",
            }

    # -- internals (lock held) ------------------------------------------------ #

    def _new(self, shop_domain: str, query: str, produce: Callable[[], list[dict]]) -> BulkOperation:
        number = 4_100_000_000 + len(self._ops) + 1
        op = BulkOperation(number, shop_domain, query, produce, datetime.now(UTC).replace(microsecond=0))
        self._ops[number] = op
        return op

    def _advance_busy(self, op: BulkOperation) -> bool:
        """Whether the operation still holds a slot (an occupying one finishes when its time is up)."""
        if op.busy_until is not None and op.status == "RUNNING" and self.clock() >= op.busy_until:
            op.status, op.completed_at = "COMPLETED", datetime.now(UTC).replace(microsecond=0)
        return op.status in ("CREATED", "RUNNING")

    def _read(self, op: BulkOperation) -> None:
        if op.busy_until is not None:
            self._advance_busy(op)
            return
        if op.status not in ("CREATED", "RUNNING"):
            return
        op.reads += 1
        if op.reads < self.polls_to_complete:
            op.status = "RUNNING"
            return
        lines = op.produce()
        op.lines = len(lines)
        op.roots = sum(1 for line in lines if "__parentId" not in line)
        op.completed_at = datetime.now(UTC).replace(microsecond=0)
        if op.fail_with is not None:
            op.status, op.error_code = "FAILED", op.fail_with
            if lines:
                op.partial_token = self._store(lines[: len(lines) // 2])
            return
        op.status = "COMPLETED"
        op.file_token = self._store(lines)

    def _store(self, lines: list[dict]) -> str:
        token = secrets.token_hex(16)
        self._files[token] = "".join(json.dumps(line, separators=(",", ":")) + "\n" for line in lines).encode()
        return token
