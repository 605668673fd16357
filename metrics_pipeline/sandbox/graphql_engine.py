"""A small GraphQL engine in Shopify's dialect: parse a document, validate it against a schema
slice, cost it the way Shopify does, and execute it over plain dicts of values and resolvers.

It knows nothing of shops or orders: the schema (``FieldDef`` tables) and the root value come from
the caller (see shopify_schema.py). Errors carry Shopify's codes (``undefinedField``,
``argumentNotAccepted``, ...), since the only client it answers is the Shopify connector.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Protocol

MAX_PAGE_SIZE = 250  # Shopify's cap on `first` for any connection


# --------------------------------------------------------------------------- #
# Parsing
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
    kind: str = "query"  # query | mutation

    def resolve_variables(self, variables: dict) -> dict:
        resolved = {}
        for name, default, required in self.variable_defaults:
            if name in variables and variables[name] is not None:
                resolved[name] = variables[name]
            elif default is not None:
                resolved[name] = default
            elif required:
                raise GraphQLError(f"Variable ${name} of type is required but was not provided", "INVALID_VARIABLE")
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
            raise GraphQLError(f'No operation named "{name}"', "OPERATION_NOT_FOUND")
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
            raise GraphQLError(f'Parse error on "{source[position]}" at line {line}', "PARSE_ERROR")
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
            raise GraphQLError(f'Parse error on "{shown}" (expected {value or kind})', "PARSE_ERROR")
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
            elif self.peek("query") or self.peek("mutation"):
                kind = self.take()
                name = self.take(kind="name") if self.peek(kind="name") else None
                variables = self.variable_definitions() if self.peek("(") else ()
                operations.append(Operation(name, variables, self.selection_set(), kind))
            elif self.peek("subscription"):
                raise GraphQLError("The sandbox serves queries and mutations only", "UNSUPPORTED_OPERATION")
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
        raise GraphQLError(f'Parse error on "{token or "end of document"}" (expected a value)', "PARSE_ERROR")


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
# Schema slices: each type a table of FieldDef
# --------------------------------------------------------------------------- #

S = "scalar"
O = "object"  # noqa: E741 - the schema tables read best with one-letter kinds
L = "list"  # a list of objects
C = "connection"


@dataclass(frozen=True)
class FieldDef:
    kind: str
    type: str = ""  # the object type (for O, L, C: the node type)
    args: tuple[str, ...] = ()
    required: tuple[str, ...] = ()
    since: str | None = None  # first API version with the field


def field_type(definition: FieldDef) -> str:
    return f"{definition.type}Connection" if definition.kind == C else definition.type


# --------------------------------------------------------------------------- #
# Validation and cost
# --------------------------------------------------------------------------- #


def validate(
    fields: dict[str, list[FieldNode]],
    type_name: str,
    schema: dict,
    fragments: dict,
    variables: dict,
    path: tuple = (),
    *,
    bulk: bool = False,
) -> list[dict]:
    """GraphQL errors of the selection; `bulk`: a bulk operation's query, whose connections need
    no `first` (a bulk operation reads every node; page arguments are not required)."""
    errors = []
    for nodes in fields.values():
        for node in nodes:
            definition = schema[type_name].get(node.name)
            where = [*path, node.response_key]
            if definition is None:
                errors.append(
                    GraphQLError(
                        f"Field '{node.name}' doesn't exist on type '{type_name}'",
                        "undefinedField",
                        path=where,
                        typeName=type_name,
                        fieldName=node.name,
                    ).as_json()
                )
                continue
            for argument, _ in node.arguments:
                if argument not in definition.args:
                    errors.append(
                        GraphQLError(
                            f"Field '{node.name}' doesn't accept argument '{argument}'",
                            "argumentNotAccepted",
                            path=where,
                            name=node.name,
                            typeName="Field",
                            argumentName=argument,
                        ).as_json()
                    )
            given = {
                name
                for name, value in node.arguments
                if not (isinstance(value, Variable) and variables.get(value.name) is None)
            }
            for required in definition.required:
                if required not in given:
                    errors.append(
                        GraphQLError(
                            f"Field '{node.name}' is missing required arguments: {required}",
                            "missingRequiredArguments",
                            path=where,
                            className="Field",
                            name=node.name,
                            arguments=required,
                        ).as_json()
                    )
            if definition.kind == S:
                if node.selections:
                    errors.append(
                        GraphQLError(
                            f"Selections can't be made on scalars (field '{node.name}')",
                            "selectionMismatch",
                            path=where,
                        ).as_json()
                    )
                continue
            if not node.selections:
                errors.append(
                    GraphQLError(
                        f"Field must have selections (field '{node.name}' returns "
                        f"{field_type(definition)} but has no selections)",
                        "selectionMismatch",
                        path=where,
                    ).as_json()
                )
                continue
            if definition.kind == C:
                args = field_arguments(node, variables)
                if bulk and args.get("first") is None and args.get("last") is None:
                    pass
                elif args.get("first") is None and args.get("last") is None:
                    errors.append(
                        GraphQLError("you must provide one of first or last", "BAD_REQUEST", path=where).as_json()
                    )
                elif args.get("last") is not None or args.get("before") is not None:
                    errors.append(
                        GraphQLError(
                            "The sandbox pages forward only: use first and after", "BAD_REQUEST", path=where
                        ).as_json()
                    )
                elif not isinstance(args["first"], int) or not 0 < args["first"] <= MAX_PAGE_SIZE:
                    errors.append(
                        GraphQLError(
                            f"first must be between 1 and {MAX_PAGE_SIZE}", "BAD_REQUEST", path=where
                        ).as_json()
                    )
            child_type = field_type(definition)
            child_fields = collect_fields(_merged(nodes), child_type, fragments)
            errors.extend(validate(child_fields, child_type, schema, fragments, variables, tuple(where), bulk=bulk))
            break  # the other nodes of this key were merged into the first
    return errors


def requested_cost(
    fields: dict[str, list[FieldNode]], type_name: str, schema: dict, fragments: dict, variables: dict
) -> int:
    """Shopify's requested cost, approximately: objects 1, scalars 0, connections 2 + first x node."""
    total = 0
    for nodes in fields.values():
        node = nodes[0]
        definition = schema[type_name][node.name]
        if definition.kind == S:
            continue
        args = field_arguments(node, variables)
        child_type = field_type(definition)
        child = collect_fields(_merged(nodes), child_type, fragments)
        if definition.kind == O:
            total += 1 + requested_cost(child, child_type, schema, fragments, variables)
        elif definition.kind == L:
            total += int(args.get("first") or 1) * (1 + requested_cost(child, child_type, schema, fragments, variables))
        else:
            total += 2 + int(args.get("first") or 0) * _node_cost(child, definition.type, schema, fragments, variables)
    return total


def _node_cost(connection_fields: dict, node_type: str, schema: dict, fragments: dict, variables: dict) -> int:
    """The cost of one node of a connection: whichever of `edges { node }` and `nodes` asks more."""
    costs = [0]
    for nodes in connection_fields.values():
        node = nodes[0]
        if node.name == "nodes":
            costs.append(
                1
                + requested_cost(
                    collect_fields(_merged(nodes), node_type, fragments), node_type, schema, fragments, variables
                )
            )
        elif node.name == "edges":
            edge = collect_fields(_merged(nodes), f"{node_type}Edge", fragments)
            for key_nodes in edge.values():
                if key_nodes[0].name == "node":
                    costs.append(
                        1
                        + requested_cost(
                            collect_fields(_merged(key_nodes), node_type, fragments),
                            node_type,
                            schema,
                            fragments,
                            variables,
                        )
                    )
    return max(costs)


def _merged(nodes: list[FieldNode]) -> tuple:
    return tuple(selection for node in nodes for selection in node.selections)


def field_arguments(node: FieldNode, variables: dict) -> dict:
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
# Execution
# --------------------------------------------------------------------------- #


class CostMeter(Protocol):
    """What execute() needs of the caller's context: somewhere to add up the actual cost."""

    actual_cost: int


def execute(
    fields: dict[str, list[FieldNode]],
    type_name: str,
    value: dict,
    schema: dict,
    fragments: dict,
    variables: dict,
    context: CostMeter,
    path: tuple = (),
) -> dict:
    result = {}
    for key, nodes in fields.items():
        node = nodes[0]
        definition = schema[type_name][node.name]
        resolved = value[node.name]
        if callable(resolved):
            resolved = resolved(field_arguments(node, variables), (*path, key))
        if definition.kind == S:
            result[key] = _scalar(resolved)
            continue
        if resolved is None:
            result[key] = None
            continue
        child_type = field_type(definition)
        child = collect_fields(_merged(nodes), child_type, fragments)
        # The actual cost counts what came back the way the requested cost counts what was asked:
        # a connection 2, an object 1 (its edges and page info are part of the connection).
        if definition.kind == L:
            if not child_type.endswith("Edge"):
                context.actual_cost += len(resolved)
            result[key] = [
                execute(child, child_type, item, schema, fragments, variables, context, (*path, key, i))
                for i, item in enumerate(resolved)
            ]
        else:
            if definition.kind == C:
                context.actual_cost += 2
            elif child_type != "PageInfo":
                context.actual_cost += 1
            result[key] = execute(child, child_type, resolved, schema, fragments, variables, context, (*path, key))
    return result


def _scalar(value: Any) -> Any:
    if isinstance(value, datetime):
        return timestamp(value)
    if isinstance(value, Decimal):
        return decimal_scalar(value)
    if isinstance(value, tuple):
        return list(value)
    return value


def timestamp(moment: datetime) -> str:
    """Shopify's DateTime scalar: UTC, to the second."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def decimal_scalar(value: Decimal) -> str:
    """Shopify's Decimal scalar: no trailing zeros, at least one decimal ("149.0", "24.9")."""
    text = format(value.normalize(), "f")
    return text if "." in text else text + ".0"
