"""Limits on a GraphQL document, checked before anything runs, each with a clear error.

- depth: at most ``MAX_DEPTH`` nested selections (introspection fields are not counted);
- aliases: at most ``MAX_ALIASES`` per operation;
- complexity: a budget of ``MAX_COMPLEXITY`` points. A field costs 1 plus its selections; the
  selections of a paginated field count ``limit`` times (its actual value, variables included), those
  of any other list field ``NESTED_LIST_FACTOR`` times (the size of a list nobody paginates, such as a
  deal's tickets, is unknown before running).
- list sizes: ``limit`` is at most 1000, checked by each list field (``BAD_USER_INPUT``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from strawberry.extensions import SchemaExtension

from dealbench.graphql.errors import LimitExceeded
from dealbench.kit.pagination import DEFAULT_LIMIT, MAX_LIMIT
from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    validate,
)

MAX_DEPTH = 12
MAX_ALIASES = 30
MAX_COMPLEXITY = 250_000
NESTED_LIST_FACTOR = 10


@dataclass
class Measure:
    depth: int = 0
    aliases: int = 0
    complexity: int = 0


class _Walker:
    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: dict[str, FragmentDefinitionNode],
        variables: dict[str, Any],
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables
        self.aliases = 0
        self.max_depth = 0

    def _selections(self, selection_set: SelectionSetNode, seen: frozenset[str]) -> Iterator[FieldNode]:
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                yield selection
            elif isinstance(selection, InlineFragmentNode):
                yield from self._selections(selection.selection_set, seen)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if fragment is not None and name not in seen:
                    yield from self._selections(fragment.selection_set, seen | {name})

    def _limit(self, node: FieldNode) -> int | None:
        for arg in node.arguments or ():
            if arg.name.value != "limit":
                continue
            value = arg.value
            if isinstance(value, IntValueNode):
                return max(1, min(int(value.value), MAX_LIMIT))
            if isinstance(value, VariableNode):
                raw = self.variables.get(value.name.value)
                return max(1, min(raw, MAX_LIMIT)) if isinstance(raw, int) else MAX_LIMIT
            return MAX_LIMIT
        return None

    def cost(
        self,
        selection_set: SelectionSetNode,
        parent: GraphQLObjectType | None,
        depth: int,
        paginated: bool,
    ) -> int:
        total = 0
        for node in self._selections(selection_set, frozenset()):
            name = node.name.value
            if name.startswith("__"):
                continue  # introspection: free, and deep by nature
            if node.alias is not None:
                self.aliases += 1
            self.max_depth = max(self.max_depth, depth)
            field: GraphQLField | None = parent.fields.get(name) if parent is not None else None
            if node.selection_set is None:
                total += 1
                continue
            child_type = get_named_type(field.type) if field is not None else None
            child_parent = child_type if isinstance(child_type, GraphQLObjectType) else None
            limit = self._limit(node)
            field_type = field.type if field is not None else None
            if isinstance(field_type, GraphQLNonNull):
                field_type = field_type.of_type
            if limit is None and node.arguments and any(a.name.value == "limit" for a in node.arguments):
                limit = MAX_LIMIT
            if limit is None and field is not None and "limit" in field.args:
                limit = DEFAULT_LIMIT  # a paginated field called without `limit`: the default page
            inner = self.cost(node.selection_set, child_parent, depth + 1, paginated=limit is not None)
            if limit is not None:
                factor = limit
            elif isinstance(field_type, GraphQLList):
                factor = 1 if paginated else NESTED_LIST_FACTOR
            else:
                factor = 1
            total += 1 + factor * inner
        return total


def measure(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: dict[str, Any],
    variables: dict[str, Any],
) -> Measure:
    walker = _Walker(schema, fragments, variables or {})
    root = {
        OperationType.QUERY: schema.query_type,
        OperationType.MUTATION: schema.mutation_type,
        OperationType.SUBSCRIPTION: schema.subscription_type,
    }[operation.operation]
    complexity = walker.cost(operation.selection_set, root, 1, paginated=False)
    return Measure(depth=walker.max_depth, aliases=walker.aliases, complexity=complexity)


def check(schema: GraphQLSchema, document: Any, variables: dict[str, Any] | None) -> list[LimitExceeded]:
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    errors: list[LimitExceeded] = []
    for definition in document.definitions:
        if not isinstance(definition, OperationDefinitionNode):
            continue
        m = measure(schema, definition, fragments, variables or {})
        label = f"Operation '{definition.name.value}'" if definition.name else "The operation"
        if m.depth > MAX_DEPTH:
            errors.append(
                LimitExceeded(
                    f"{label} is nested {m.depth} levels deep; the limit is {MAX_DEPTH}.",
                    "depth",
                    MAX_DEPTH,
                    m.depth,
                    definition,
                )
            )
        if m.aliases > MAX_ALIASES:
            errors.append(
                LimitExceeded(
                    f"{label} uses {m.aliases} aliases; the limit is {MAX_ALIASES}.",
                    "aliases",
                    MAX_ALIASES,
                    m.aliases,
                    definition,
                )
            )
        if m.complexity > MAX_COMPLEXITY:
            errors.append(
                LimitExceeded(
                    f"{label} has a complexity of {m.complexity} points; the budget is {MAX_COMPLEXITY}. "
                    "Ask for smaller pages (`limit`) or fewer nested lists.",
                    "complexity",
                    MAX_COMPLEXITY,
                    m.complexity,
                    definition,
                )
            )
    return errors


class Limits(SchemaExtension):
    """Runs the standard validation, then the limits (which need the variables' values)."""

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is not None and context.pre_execution_errors is None:
            schema = context.schema._schema
            errors = list(validate(schema, document, context.validation_rules))
            if not errors:
                errors.extend(check(schema, document, context.variables))
            context.pre_execution_errors = errors
        yield
