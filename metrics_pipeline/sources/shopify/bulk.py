"""A bulk operation's JSONL result back into nested objects (pure).

Shopify writes one JSON object a line: each node of the top-level connection without its nested
connections, and each node of a nested connection as a line of its own whose `__parentId` is the
id of the node it belongs to. A child comes after its parent but not necessarily right after it
(https://shopify.dev/docs/api/usage/bulk-operations/queries), so children are attached by id,
never by position. Which connection a child belongs to is read from its own id
(`gid://shopify/LineItem/1` -> `lineItems`): the lines carry no field name.

The result has the shape `extract._complete_order` gives a page's order: every nested connection
a plain list of its nodes (empty when the node has none), so `rows.order_rows` cannot tell a bulk
order from a paged one.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from metrics_pipeline.sources.shopify.client import ShopifyBulkError

PARENT_KEY = "__parentId"
_GID = re.compile(r"gid://shopify/([A-Za-z]+)/\d+")


def parse_lines(lines: Iterable[str]) -> list[dict]:
    """JSONL text lines as objects; a line that is not a JSON object names its number."""
    parsed = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except ValueError as exc:
            raise ShopifyBulkError(f"bulk result line {number} is not JSON: {exc.msg}") from None
        if not isinstance(value, dict):
            raise ShopifyBulkError(f"bulk result line {number} is not a JSON object")
        parsed.append(value)
    return parsed


def gid_type(gid: Any) -> str | None:
    match = _GID.fullmatch(str(gid)) if gid is not None else None
    return match.group(1) if match else None


def reassemble(lines: Iterable[Mapping[str, Any]], children: Mapping[str, str]) -> list[dict]:
    """The top-level nodes, in file order, with their children nested as lists.

    `children` maps a child's gid type to the field of its parent it belongs in; every top-level
    node gets each of those fields as a list, empty when it has no such children (one level of
    nesting is what the orders query has; deeper children are attached the same way). A child whose parent is not in the file, a child of an unknown type, a line
    without an id, or an id seen twice is an error: a partial or garbled result must not land.
    """
    roots: list[dict] = []
    by_id: dict[str, dict] = {}
    for number, line in enumerate(lines, 1):
        node_id = line.get("id")
        if not isinstance(node_id, str) or not node_id:
            raise ShopifyBulkError(f"bulk result line {number} has no id")
        if node_id in by_id:
            raise ShopifyBulkError(f"bulk result line {number}: {node_id} appears twice")
        node = {key: value for key, value in line.items() if key != PARENT_KEY}
        parent_id = line.get(PARENT_KEY)
        if parent_id is None:
            roots.append(node)
        else:
            kind = gid_type(node_id)
            field = children.get(kind or "")
            if field is None:
                raise ShopifyBulkError(f"bulk result line {number}: a child of unexpected type {kind or node_id!r}")
            parent = by_id.get(parent_id)
            if parent is None:
                raise ShopifyBulkError(f"bulk result line {number}: {node_id}'s parent {parent_id} is not before it")
            parent.setdefault(field, []).append(node)
        by_id[node_id] = node
    for root in roots:
        for field in children.values():
            root.setdefault(field, [])
    return roots
